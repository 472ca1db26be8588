"""The audit trail: one append-only table of who changed what and when, read by the office."""
from .models import AuditEntry


def record(action, summary, *, actor, facility=None, target=None, changes=None):
    return AuditEntry.objects.create(
        facility=facility,
        actor=actor if actor is not None and actor.is_authenticated else None,
        action=action,
        summary=summary[:300],
        target_type=target._meta.label_lower if target is not None else "",
        target_id=str(target.pk) if target is not None else "",
        changes=changes or {},
    )


def changed_fields(before, after):
    """{field: [old, new]} for the fields whose values differ between two dicts of plain values."""
    return {
        name: [_plain(before.get(name)), _plain(value)]
        for name, value in after.items()
        if before.get(name) != value
    }


def _plain(value):
    return value if isinstance(value, (str, int, float, bool, type(None))) else str(value)
