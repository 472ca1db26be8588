"""The rules of facilities: registration, joining, profile changes and status moves. Every write is here."""
import logging

from allauth.account.models import EmailAddress
from django.conf import settings
from django.db import transaction
from django.template import Context, RequestContext
from django.template.loader import get_template
from django.utils import timezone
from django.utils.translation import gettext as _

from accreditation.forms import CONTROL_CHARACTERS

from . import audit
from .models import Facility, Membership, User

logger = logging.getLogger(__name__)


def render_plain_text(template_name, context, request=None):
    """Render a template for a plain-text e-mail: nothing is HTML-escaped ("O'Brien & Co" stays as typed)."""
    template = get_template(template_name).template
    if request is not None:
        return template.render(RequestContext(request, context, autoescape=False))
    return template.render(Context(context, autoescape=False))


def one_line(text):
    """A header's text: control characters and line breaks become single spaces."""
    return " ".join(CONTROL_CHARACTERS.sub(" ", text).split())


def send_portal_mail(template, recipients, context, request=None):
    """Send one of the portal's e-mails: templates/email/<template>_subject.txt and _body.txt, in plain text."""
    from django.core.mail import send_mail

    recipients = [r for r in recipients if r]
    if not recipients:
        return
    subject = one_line(render_plain_text(f"email/{template}_subject.txt", context, request))
    body = render_plain_text(f"email/{template}_body.txt", context, request)
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


def join_facility(user, facility):
    membership = Membership.objects.create(user=user, facility=facility)
    audit.record(
        "facility.member_joined",
        _("%(email)s joined as a member") % {"email": user.email},
        actor=user,
        facility=facility,
        target=membership,
    )
    return membership


@transaction.atomic
def update_facility_profile(facility, form, actor):
    """Save profile changes and record which fields changed, from what, to what."""
    before = {name: form.initial.get(name) for name in form.changed_data}
    after = {name: form.cleaned_data[name] for name in form.changed_data}
    if not form.changed_data:
        return facility
    form.save()
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
    facility = Facility.objects.select_for_update().get(pk=facility.pk)
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
    facility = Facility.objects.select_for_update().get(pk=facility.pk)
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
        try:
            with transaction.atomic():
                facility = Facility.objects.select_for_update().get(pk=pk)
                if facility.award_expires_on is None or facility.award_expires_on >= today or facility.status not in (
                    Facility.Status.ACCREDITED, Facility.Status.EXCELLENCE
                ):
                    continue  # re-accredited or handled by a concurrent run meanwhile
                _change_status(facility, facility.lapse, None,
                               _("Award expired on %(date)s") % {"date": facility.award_expires_on.isoformat()})
        except Exception:
            # One facility that cannot lapse (its transaction rolled back) does not hold up the others.
            logger.exception("The award of facility %s could not lapse; the next run tries again.", pk)
            continue
        lapsed.append(facility)
    return lapsed
