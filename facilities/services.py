"""The rules of facilities: registration, joining, profile changes and status moves. Every write is here."""
from allauth.account.models import EmailAddress
from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.template.loader import render_to_string
from django.utils import timezone
from django.utils.text import capfirst
from django.utils.translation import gettext as _

from . import audit
from .models import Facility, Membership, User, new_facility_code
from .permissions import can_see_facility_code

# The roles registration appoints; a facility always has all three filled, by members of its staff.
APPOINTED_ROLES = ("authorised_representative", "deputy_representative", "main_account_holder")


def send_portal_mail(template, recipients, context, request=None):
    """Send one of the portal's e-mails: templates/email/<template>_subject.txt and _body.txt."""
    from django.core.mail import send_mail

    recipients = [r for r in recipients if r]
    if not recipients:
        return
    subject = render_to_string(f"email/{template}_subject.txt", context, request=request).strip()
    body = render_to_string(f"email/{template}_body.txt", context, request=request)
    send_mail(settings.ACCOUNT_EMAIL_SUBJECT_PREFIX + subject, body, None, recipients)


def _appointed_user(email):
    """An account for a person appointed at registration: no password until they activate it."""
    user = User.objects.create_user(email=email, password=None)
    EmailAddress.objects.create(user=user, email=email, primary=True, verified=False)
    return user


def register_facility(request, form):
    """Create the facility in status "registered" and accounts for its three appointed roles, then e-mail them.

    The e-mails go out after the rows are committed, so a failed registration sends nothing.
    """
    data = form.cleaned_data
    with transaction.atomic():
        people = {}
        for email in (
            data["authorised_representative_email"],
            data["deputy_representative_email"],
            data["main_account_holder_email"],
        ):
            if email not in people:
                people[email] = _appointed_user(email)
        facility = form.save(commit=False)
        facility.authorised_representative = people[data["authorised_representative_email"]]
        facility.deputy_representative = people[data["deputy_representative_email"]]
        facility.main_account_holder = people[data["main_account_holder_email"]]
        facility.save()
        for user in people.values():
            Membership.objects.create(user=user, facility=facility)
        audit.record(
            "facility.registered",
            _("Facility %(name)s registered") % {"name": facility.name},
            actor=None,
            facility=facility,
            target=facility,
            changes={"status": [None, facility.status]},
        )
        from invoicing.services import issue_registration_invoices  # here: invoicing.services imports this module

        issue_registration_invoices(facility)
    for user in people.values():
        EmailAddress.objects.get(user=user, email=user.email).send_confirmation(request, signup=True)
    send_portal_mail(
        "facility_registered",
        [facility.main_account_holder.email],
        {"facility": facility, "roles": {u.email: facility.roles_of(u) for u in people.values()}},
        request,
    )
    return facility


def locked(facility):
    """The facility's row as it is now, locked until the transaction ends: its services decide on this, not on a copy."""
    return Facility.objects.select_for_update().get(pk=facility.pk)


@transaction.atomic
def join_facility(user, facility, code):
    """A person joins with the facility's code; a code replaced meanwhile no longer admits anyone."""
    facility = locked(facility)
    if facility.code != code:
        raise ValidationError(_("This facility code has been replaced. Ask your main account holder for the new one."))
    membership = Membership.objects.create(user=user, facility=facility)
    audit.record(
        "facility.member_joined",
        _("%(email)s joined as a member") % {"email": user.email},
        actor=user,
        facility=facility,
        target=membership,
    )
    return membership


def role_label(role):
    return capfirst(Facility._meta.get_field(role).verbose_name)


@transaction.atomic
def appoint_to_role(facility, role, person, actor):
    """Give one of the appointed roles to another member of the facility, in place of its holder; both are told."""
    if role not in APPOINTED_ROLES:
        raise ValidationError(_("Choose one of the appointed roles."))
    facility = locked(facility)
    if not Membership.objects.filter(facility=facility, user=person).exists():
        raise ValidationError(_("%(person)s is not a member of this facility.") % {"person": person})
    previous = getattr(facility, role)
    if previous == person:
        raise ValidationError(
            _("%(person)s already is the %(role)s.") % {"person": person, "role": role_label(role).lower()}
        )
    setattr(facility, role, person)
    facility.save(update_fields=[role])
    audit.record(
        "facility.role_appointed",
        _("%(person)s appointed %(role)s in place of %(previous)s")
        % {"person": person.email, "role": role_label(role).lower(), "previous": previous.email},
        actor=actor,
        facility=facility,
        target=facility,
        changes={role: [previous.email, person.email]},
    )
    context = {"facility": facility, "role": role_label(role).lower(), "person": person, "previous": previous}
    transaction.on_commit(lambda: send_portal_mail("role_appointed", [previous.email, person.email], context))
    return facility


@transaction.atomic
def remove_member(facility, person, actor):
    """A person leaves the facility's staff. Whoever holds an appointed role hands it to someone else first."""
    facility = locked(facility)
    membership = Membership.objects.filter(facility=facility, user=person).first()
    if membership is None:
        raise ValidationError(_("%(person)s is not a member of this facility.") % {"person": person})
    roles = facility.roles_of(person)
    if roles:
        raise ValidationError(
            _("%(person)s is the %(roles)s of the facility: appoint someone else first, then remove them.")
            % {"person": person, "roles": ", ".join(str(role).lower() for role in roles)}
        )
    membership.delete()
    audit.record(
        "facility.member_removed",
        _("%(email)s removed from the staff") % {"email": person.email},
        actor=actor,
        facility=facility,
        target=facility,
        changes={"member": [person.email, None]},
    )
    transaction.on_commit(lambda: send_portal_mail("member_removed", [person.email], {"facility": facility}))


@transaction.atomic
def issue_new_facility_code(facility, actor):
    """Replace the facility code: the old one admits nobody from now on. Only those who may see the code are told it."""
    facility = locked(facility)
    old = facility.code
    facility.code = new_facility_code()
    facility.save(update_fields=["code"])
    audit.record(
        "facility.code_replaced",
        _("New facility code issued; the old one no longer works"),
        actor=actor,
        facility=facility,
        target=facility,
        changes={"code": [old, facility.code]},
    )
    recipients = [
        membership.user.email
        for membership in facility.memberships.select_related("user")
        if can_see_facility_code(membership.user, facility)
    ]
    transaction.on_commit(lambda: send_portal_mail("facility_code_replaced", recipients, {"facility": facility}))
    return facility


@transaction.atomic
def update_facility_profile(facility, form, actor):
    """Save the changed profile fields onto the row as it is now, so a change made meanwhile (the status) is kept."""
    if not form.changed_data:
        return facility
    facility = locked(facility)
    before = {name: getattr(facility, name) for name in form.changed_data}
    after = {name: form.cleaned_data[name] for name in form.changed_data}
    for name, value in after.items():
        setattr(facility, name, value)
    facility.save(update_fields=form.changed_data)
    audit.record(
        "facility.profile_updated",
        _("Profile updated: %(fields)s") % {"fields": ", ".join(form.changed_data)},
        actor=actor,
        facility=facility,
        target=facility,
        changes=audit.changed_fields(before, after),
    )
    return facility


def _change_status(facility, transition, actor, summary, details=None):
    old = facility.status
    transition()
    facility.status_changed_at = timezone.now()
    facility.save()
    audit.record(
        f"facility.status.{facility.status}",
        summary,
        actor=actor,
        facility=facility,
        target=facility,
        changes={"status": [old, facility.status], **(details or {})},
    )


@transaction.atomic
def enrol_facility(facility, actor, *, paid_on, payment_reference):
    """The enrolment fee is paid: the facility becomes an enrolled centre and its staff are told."""
    facility = locked(facility)
    _change_status(
        facility,
        facility.enrol,
        actor,
        _("Payment recorded (%(reference)s); facility enrolled") % {"reference": payment_reference},
        {"paid_on": paid_on.isoformat(), "payment_reference": payment_reference},
    )
    from applications.services import open_application

    open_application(facility)
    staff_emails = list(facility.memberships.values_list("user__email", flat=True))
    transaction.on_commit(lambda: send_portal_mail("facility_enrolled", staff_emails, {"facility": facility}))
    return facility


@transaction.atomic
def accredit_facility(facility, actor, *, expires_on, excellence=False):
    """An approved application makes the facility an accredited centre, or a centre of excellence, until ``expires_on``."""
    facility = locked(facility)
    facility.award_expires_on = expires_on
    if excellence:
        move, summary = facility.recognise_excellence, _("Centre of excellence until %(date)s")
    else:
        move, summary = facility.accredit, _("Accredited until %(date)s")
    _change_status(
        facility, move, actor, summary % {"date": expires_on.isoformat()}, {"award_expires_on": expires_on.isoformat()}
    )
    return facility


def lapse_expired_awards(today=None):
    """Awards past their expiry date end: the centre is an enrolled centre again until re-accredited."""
    today = today or timezone.localdate()
    lapsed = []
    expired = Facility.objects.filter(
        status__in=[Facility.Status.ACCREDITED, Facility.Status.EXCELLENCE], award_expires_on__lt=today
    ).values_list("pk", flat=True)
    for pk in expired:
        with transaction.atomic():
            facility = Facility.objects.select_for_update().get(pk=pk)
            if facility.award_expires_on is None or facility.award_expires_on >= today or facility.status not in (
                Facility.Status.ACCREDITED, Facility.Status.EXCELLENCE
            ):
                continue  # re-accredited or handled by a concurrent run meanwhile
            _change_status(facility, facility.lapse, None,
                           _("Award expired on %(date)s") % {"date": facility.award_expires_on.isoformat()})
            lapsed.append(facility)
    return lapsed
