"""The rules of facilities: registration, joining, profile changes and status moves. Every write is here."""
import logging

from allauth.account.adapter import get_adapter
from allauth.account.forms import ResetPasswordForm
from allauth.account.models import EmailAddress
from django.conf import settings
from django.contrib.auth.hashers import make_password
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models.functions import Lower
from django.urls import reverse
from django.template import Context, RequestContext
from django.template.loader import get_template
from django.utils import timezone, translation
from django.utils.text import capfirst
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, gettext_noop

from accreditation.forms import CONTROL_CHARACTERS

from . import audit, signals
from .models import AWARDED_STATUSES, Appointment, Enrolment, Facility, Membership, User, new_facility_code
from .permissions import can_add_enrolment, can_see_facility_code

# The roles registration appoints. Until people take up their appointments a role may be empty;
# once filled, a role stays filled by a member of the facility's staff.
APPOINTED_ROLES = ("authorised_representative", "deputy_representative", "main_account_holder")

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


def languages_of(addresses):
    """{address: language} for e-mail addresses, in one query: each account's language, else the portal's default.

    The default rather than the language of whoever triggered the e-mail: each recipient reads their own.
    """
    stored = dict(
        User.objects.annotate(address=Lower("email"))
        .filter(address__in=[address.lower() for address in addresses]).exclude(language="")
        .values_list("address", "language")
    )
    return {address: stored.get(address.lower(), settings.LANGUAGE_CODE) for address in addresses}


def send_portal_mail(template, recipients, context, request=None):
    """Send one of the portal's e-mails: templates/email/<template>_subject.txt and _body.txt, in plain text.

    Each recipient gets it in their account's language: one e-mail per language among the recipients.
    """
    from django.core.mail import send_mail

    recipients = [r for r in recipients if r]
    by_language = {}
    for address, language in languages_of(recipients).items():
        by_language.setdefault(language, []).append(address)
    for language, addresses in by_language.items():
        with translation.override(language):
            subject = one_line(render_plain_text(f"email/{template}_subject.txt", context, request))
            body = render_plain_text(f"email/{template}_body.txt", context, request)
        send_mail(settings.ACCOUNT_EMAIL_SUBJECT_PREFIX + subject, body, None, addresses)


def set_account_language(user, language):
    """Store the language a person chose for their pages and e-mails; a code outside settings.LANGUAGES is ignored."""
    if language not in dict(settings.LANGUAGES):
        return
    with transaction.atomic():
        person = User.objects.select_for_update().get(pk=user.pk)
        if person.language == language:
            return
        audit.record("account.language_changed", gettext_noop("Language changed to %(language)s"), {"language": language},
                     actor=user, target=person, changes={"language": [person.language, language]})
        person.language = user.language = language
        person.save(update_fields=["language"])


def register_facility(request, form, programme, declare=None):
    """Create the facility, its enrolment in ``programme`` in status "registered", and an appointment for each person
    named in it, then e-mail them.

    ``declare(facility)``, when given, runs in the same transaction: the page composing the registration keeps
    there what the facility declared to its programme, which this app does not know.

    Nobody is bound to the facility here: each person takes up their roles themselves (take_up_appointment).
    An address without an account gets a new account, not yet activated, and an activation link. An address
    that already has an account is never taken by a registration: its owner is told by e-mail, and may accept
    while the account belongs to no facility. The registering person sees the same either way, so the page
    does not reveal which addresses have accounts. The e-mails go out after the rows are committed.
    """
    with transaction.atomic():
        facility = form.save()
        enrolment = Enrolment.objects.create(facility=facility, programme=programme)
        appointed = [_appoint(facility, person) for person in form.appointed_people()]
        if declare is not None:
            declare(facility)
        audit.record(
            "facility.registered",
            gettext_noop("Facility %(name)s registered"), {"name": facility.name},
            actor=None,
            facility=facility,
            target=facility,
            changes={"programme": programme.code, "status": [None, enrolment.status],
                     "appointed": "; ".join(str(a) for a, _new in appointed)},
        )
        signals.enrolment_registered.send(sender=Enrolment, enrolment=enrolment)
    for appointment, new_account in appointed:
        if new_account:
            send_activation_link(request, appointment.user.email)
        else:
            _offer_appointment(request, appointment)
    return facility


def _appoint(facility, person):
    """(the appointment, whether its account is new) for one person named at registration."""
    email = person["email"]
    address = EmailAddress.objects.filter(email__iexact=email).select_related("user").first()
    new_account = False
    user = address.user if address else None
    if user is None:
        # get_or_create: two registrations naming the same new address at once share one account.
        user, new_account = User.objects.get_or_create(
            email__iexact=email,
            defaults={"email": email, "password": make_password(None), "first_name": person["first_name"],
                      "last_name": person["last_name"], "phone": person["phone"]},
        )
        if new_account:
            EmailAddress.objects.create(user=user, email=email, primary=True, verified=False)
    appointment = Appointment.objects.create(
        facility=facility, user=user, roles=person["roles"],
        first_name=person["first_name"], last_name=person["last_name"], phone=person["phone"],
    )
    return appointment, new_account


def send_activation_link(request, email):
    """Send the link that activates the account at ``email``: allauth's password-reset link, worded as an
    activation by PortalAccountAdapter while the account has no password. Sends nothing the page could show."""
    form = ResetPasswordForm(data={"email": email})
    if form.is_valid():
        form.save(request)


def appointment_refusal(user, facility):
    """Why ``user``'s account cannot take up a role in ``facility`` (a sentence), or None when it can."""
    if user.is_office:
        return _("An office account cannot hold a role in a facility.")
    facility_id = Membership.objects.filter(user=user).values_list("facility_id", flat=True).first()
    if facility_id is not None and facility_id != facility.pk:
        return _("Your account already belongs to another facility, and an account belongs to one facility only.")
    return None


def _offer_appointment(request, appointment):
    """Tell the owner of an existing account that a registration named them, and whether they can accept."""
    send_portal_mail(
        "appointment_offered",
        [appointment.user.email],
        {
            "appointment": appointment,
            "facility": appointment.facility,
            "refusal": appointment_refusal(appointment.user, appointment.facility),
            "accept_url": request.build_absolute_uri(reverse("accept_appointment", args=[appointment.pk])),
        },
        request,
    )


@transaction.atomic
def take_up_appointment(appointment):
    """Bind the appointed account to the facility: membership, and each appointed role still empty.

    Called when a new account is activated, or when the owner of an existing account accepts. Returns
    the refusal (a sentence) when the account cannot take it up, else None.
    """
    # The account first: two appointments taken up at once (two tabs) must not both bind it.
    user = User.objects.select_for_update().get(pk=appointment.user_id)
    facility = Facility.objects.select_for_update().get(pk=appointment.facility_id)
    appointment = Appointment.objects.select_for_update().get(pk=appointment.pk)
    if appointment.taken_up_at is not None:
        return None
    refusal = appointment_refusal(user, facility)
    if refusal:
        return refusal
    Membership.objects.get_or_create(user=user, facility=facility)
    # A role filled meanwhile (by the office, or by another appointment) keeps its holder.
    roles = [role for role in appointment.roles if getattr(facility, f"{role}_id") is None]
    for role in roles:
        setattr(facility, role, user)
    facility.save(update_fields=roles)
    appointment.taken_up_at = timezone.now()
    appointment.save(update_fields=["taken_up_at"])
    audit.record(
        "facility.appointment_taken_up",
        gettext_noop("%(name)s took up the appointment as %(roles)s"),
        {"name": user, "roles": [Facility.ROLES[role] for role in roles] or [gettext_lazy("member")]},
        actor=user,
        facility=facility,
        target=appointment,
        changes={role: [None, str(user)] for role in roles},
    )
    if "main_account_holder" in roles:
        transaction.on_commit(lambda: send_facility_code(facility))
    return None


def send_facility_code(facility):
    """The facility code and the appointed people, to the main account holder once they hold the role."""
    send_portal_mail(
        "facility_registered",
        [facility.main_account_holder.email],
        {"facility": facility, "appointments": facility.appointments.select_related("user")},
    )


@transaction.atomic
def activate_account(user, *, password, first_name, last_name, phone):
    """One step from the activation link: the person's name and password, the e-mail address confirmed
    (the link came to it), and the appointments taken up. An account belongs to one facility, so when
    several registrations named it, the first that it can take up binds it and the others stay pending."""
    user = User.objects.select_for_update().get(pk=user.pk)
    before = {"first_name": user.first_name, "last_name": user.last_name, "phone": user.phone}
    user.first_name, user.last_name, user.phone = first_name, last_name, phone
    get_adapter().set_password(user, password)  # saves the user
    for address in EmailAddress.objects.filter(user=user, email__iexact=user.email, verified=False):
        address.set_verified(commit=True)
    audit.record(
        "account.activated",
        gettext_noop("%(name)s activated their account"), {"name": user},
        actor=user,
        target=user,
        changes=audit.changed_fields(before, {"first_name": first_name, "last_name": last_name, "phone": phone}),
    )
    for appointment in user.appointments.filter(taken_up_at__isnull=True):
        take_up_appointment(appointment)
    return user


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
        gettext_noop("%(name)s joined as a member"), {"name": user},
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
    # A role is empty only while the person registration named has not taken it up.
    previous_email = previous.email if previous else None
    audit.record(
        "facility.role_appointed",
        gettext_noop("%(person)s appointed %(role)s in place of %(previous)s"),
        {"person": person.email, "role": Facility.ROLES[role], "previous": previous_email or "—"},
        actor=actor,
        facility=facility,
        target=facility,
        changes={role: [previous_email, person.email]},
    )
    context = {"facility": facility, "role": role_label(role).lower(), "person": person, "previous": previous}
    transaction.on_commit(lambda: send_portal_mail("role_appointed", [previous_email, person.email], context))
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
        gettext_noop("%(email)s removed from the staff"), {"email": person.email},
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
        gettext_noop("New facility code issued; the old one no longer works"),
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
        gettext_noop("Profile updated: %(fields)s"), {"fields": ", ".join(form.changed_data)},
        actor=actor,
        facility=facility,
        target=facility,
        changes=audit.changed_fields(before, after),
    )
    return facility


def locked_enrolment(enrolment):
    """The enrolment's row as it is now, locked until the transaction ends, with its facility and programme."""
    return Enrolment.objects.select_for_update(of=("self",)).select_related("facility", "programme").get(pk=enrolment.pk)


def _change_status(enrolment, transition, actor, summary, summary_args, details=None):
    old = enrolment.status
    transition()
    enrolment.status_changed_at = timezone.now()
    enrolment.save()
    audit.record(
        f"enrolment.status.{enrolment.status}",
        summary,
        {"programme": enrolment.programme.name, **summary_args},
        actor=actor,
        facility=enrolment.facility,
        target=enrolment,
        changes={"programme": enrolment.programme.code, "status": [old, enrolment.status], **(details or {})},
    )


def programmes_open_to(facility, programmes):
    """Of ``programmes`` (those open for registration), the ones ``facility`` is not enrolled in yet."""
    return programmes.exclude(enrolments__facility=facility)


@transaction.atomic
def add_enrolment(facility, programme, actor, declare=None):
    """An enrolled facility enrols in a further programme: a new enrolment in status "registered", billed its
    enrolment fee like a registration. ``declare(facility)`` keeps what it declared to the programme, as at
    registration."""
    facility = locked(facility)
    if not can_add_enrolment(actor, facility):
        raise PermissionDenied
    if not programme.is_open_for_registration:
        raise ValidationError(_("%(programme)s does not take enrolments now.") % {"programme": programme.name})
    if facility.enrolments.filter(programme=programme).exists():
        raise ValidationError(_("%(name)s is enrolled in %(programme)s already.")
                              % {"name": facility.name, "programme": programme.name})
    enrolment = Enrolment.objects.create(facility=facility, programme=programme)
    if declare is not None:
        declare(facility)
    audit.record(
        "enrolment.added",
        gettext_noop("Enrolment in %(programme)s requested"), {"programme": programme.name},
        actor=actor, facility=facility, target=enrolment,
        changes={"programme": programme.code, "status": [None, enrolment.status]},
    )
    signals.enrolment_registered.send(sender=Enrolment, enrolment=enrolment)
    return enrolment


@transaction.atomic
def enrol(enrolment, actor, *, paid_on, payment_reference):
    """The enrolment fee is paid: the facility becomes an enrolled centre of the programme and its staff are told."""
    enrolment = locked_enrolment(enrolment)
    _change_status(
        enrolment,
        enrolment.enrol,
        actor,
        gettext_noop("Payment recorded (%(reference)s); enrolled in %(programme)s"), {"reference": payment_reference},
        {"paid_on": paid_on.isoformat(), "payment_reference": payment_reference},
    )
    signals.enrolment_enrolled.send(sender=Enrolment, enrolment=enrolment)
    staff_emails = list(enrolment.facility.memberships.values_list("user__email", flat=True))
    transaction.on_commit(lambda: send_portal_mail(
        "facility_enrolled", staff_emails, {"facility": enrolment.facility, "programme": enrolment.programme}))
    return enrolment


@transaction.atomic
def accredit(enrolment, actor, *, expires_on, excellence=False):
    """An approved application makes the facility an accredited centre of the programme, or a centre of excellence,
    until ``expires_on``."""
    enrolment = locked_enrolment(enrolment)
    enrolment.award_expires_on = expires_on
    if excellence:
        move, summary = enrolment.recognise_excellence, gettext_noop("%(programme)s: centre of excellence until %(date)s")
    else:
        move, summary = enrolment.accredit, gettext_noop("%(programme)s: accredited until %(date)s")
    _change_status(
        enrolment, move, actor, summary, {"date": expires_on.isoformat()}, {"award_expires_on": expires_on.isoformat()}
    )
    return enrolment


def lapse_expired_awards(today=None):
    """Awards past their expiry date end: the centre is an enrolled centre of that programme again until re-accredited."""
    today = today or timezone.localdate()
    lapsed = []
    expired = Enrolment.objects.filter(status__in=AWARDED_STATUSES, award_expires_on__lt=today).values_list("pk", flat=True)
    for pk in expired:
        try:
            with transaction.atomic():
                enrolment = locked_enrolment(Enrolment(pk=pk))
                if enrolment.award_expires_on is None or enrolment.award_expires_on >= today or (
                        enrolment.status not in AWARDED_STATUSES):
                    continue  # re-accredited or handled by a concurrent run meanwhile
                _change_status(enrolment, enrolment.lapse, None, gettext_noop("%(programme)s: award expired on %(date)s"),
                               {"date": enrolment.award_expires_on.isoformat()})
        except Exception:
            # One enrolment that cannot lapse (its transaction rolled back) does not hold up the others.
            logger.exception("The award of enrolment %s could not lapse; the next run tries again.", pk)
            continue
        lapsed.append(enrolment)
    return lapsed
