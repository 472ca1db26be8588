"""The audit trail: one append-only table of who changed what and when, read by the office.

A summary is kept as its English template (marked with gettext_noop) and its values, and translated when it
is read (AuditEntry.summary_text), so each member of the office reads the trail in their own language. A
value that is itself wording of the portal (a choice's label, a role) is passed lazily (gettext_lazy) and kept
as its English original, to be translated on reading too.
"""
from django.utils import translation
from django.utils.functional import Promise

from .models import AuditEntry


def record(action, summary, summary_args=None, *, actor, facility=None, target=None, changes=None):
    return AuditEntry.objects.create(
        facility=facility,
        actor=actor if actor is not None and actor.is_authenticated else None,
        action=action,
        summary=summary[:300],
        summary_args={name: _kept(value) for name, value in (summary_args or {}).items()},
        target_type=target._meta.label_lower if target is not None else "",
        target_id=str(target.pk) if target is not None else "",
        changes=changes or {},
    )


def choice_label(instance, field_name):
    """The label of ``instance``'s choice in ``field_name``, untranslated until the summary is read."""
    return dict(instance._meta.get_field(field_name).flatchoices)[getattr(instance, field_name)]


def _kept(value):
    """A value as stored: wording of the portal as {"translate": English original(s)}, any other value as text."""
    if isinstance(value, Promise) or (isinstance(value, (list, tuple)) and value and isinstance(value[0], Promise)):
        with translation.override(None):  # no catalogue: the English original
            return {"translate": [str(part) for part in value] if isinstance(value, (list, tuple)) else str(value)}
    return value if isinstance(value, (int, float)) else str(value)


def changed_fields(before, after):
    """{field: [old, new]} for the fields whose values differ between two dicts of plain values."""
    return {
        name: [_plain(before.get(name)), _plain(value)]
        for name, value in after.items()
        if before.get(name) != value
    }


def _plain(value):
    return value if isinstance(value, (str, int, float, bool, type(None))) else str(value)
