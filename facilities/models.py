"""Tenancy: the facility is the tenant; people hold roles in it or in the office."""
import secrets

from django.conf import settings
from django.contrib.auth.models import AbstractUser, UserManager
from django.db import models
from django.db.models.functions import Upper
from django.urls import reverse
from django.utils.text import get_text_list
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from django_countries.fields import CountryField
from django_fsm import FSMField, transition

from .tenancy import TenantQuerySet


class PortalUserManager(UserManager):
    """Users sign in with their e-mail address; there is no username."""

    def _create_user(self, email, password, **extra_fields):
        email = self.normalize_email(email)
        user = self.model(email=email, **extra_fields)
        user.set_password(password)
        user.save(using=self._db)
        return user

    def create_user(self, email=None, password=None, **extra_fields):
        extra_fields.setdefault("is_staff", False)
        extra_fields.setdefault("is_superuser", False)
        return self._create_user(email, password, **extra_fields)

    def create_superuser(self, email=None, password=None, **extra_fields):
        extra_fields.setdefault("is_staff", True)
        extra_fields.setdefault("is_superuser", True)
        extra_fields.setdefault("office_role", User.OfficeRole.ADMINISTRATOR)
        return self._create_user(email, password, **extra_fields)


class User(AbstractUser):
    class OfficeRole(models.TextChoices):
        NONE = "", _("None")
        ADMINISTRATOR = "administrator", _("Office administrator")
        CHAIRPERSON = "chairperson", _("Committee chairperson")

    username = None
    email = models.EmailField(_("e-mail address"), unique=True)
    office_role = models.CharField(
        _("office role"), max_length=20, choices=OfficeRole.choices, blank=True, default=""
    )
    is_assessor = models.BooleanField(
        _("assessor"), default=False, help_text=_("May be assigned applications to assess.")
    )
    phone = models.CharField(_("phone"), max_length=40, blank=True)
    # Blank until the person signs in or chooses: their pages and e-mails use it once set.
    language = models.CharField(
        _("language"), max_length=10, choices=settings.LANGUAGES, blank=True, default="",
        help_text=_("The portal's pages and e-mails to you are in this language."),
    )

    USERNAME_FIELD = "email"
    REQUIRED_FIELDS = []
    objects = PortalUserManager()

    class Meta:
        ordering = ["last_name", "first_name", "email"]

    def __str__(self):
        return self.get_full_name() or self.email

    @property
    def is_office(self):
        return bool(self.office_role)

    @property
    def is_chairperson(self):
        return self.office_role == self.OfficeRole.CHAIRPERSON


def new_facility_code():
    """An unguessable code staff type in to join their facility (about 60 bits, no look-alike letters)."""
    alphabet = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"
    raw = "".join(secrets.choice(alphabet) for _ in range(12))
    return "-".join(raw[i : i + 4] for i in range(0, 12, 4))


class FacilityQuerySet(TenantQuerySet):
    facility_path = "pk"

    def with_enrolments(self):
        """Each facility's enrolments and their programmes, fetched with the page that shows them (one query)."""
        return self.prefetch_related(enrolments_with_programmes())


class Facility(models.Model):
    name = models.CharField(_("facility name"), max_length=200)
    institution = models.CharField(_("institution"), max_length=200)
    address = models.TextField(_("address"))
    city = models.CharField(_("city"), max_length=100)
    postal_code = models.CharField(_("postal code"), max_length=20, blank=True)
    # A code (ISO 3166-1); facility.country.name is the country's name in the reader's language.
    country = CountryField(_("country"), blank_label=_("Choose a country"))
    phone = models.CharField(_("phone"), max_length=40)
    service_line = models.CharField(
        _("department or service"),
        max_length=200,
        help_text=_("The department or service that delivers the treatments the programme assesses."),
    )
    # What IO registration asked before each programme's requirements became data (applications.RegistrationRequirement).
    # Copied into the facility's enrolment declarations by a migration; nothing reads them for rules.
    annual_procedures = models.PositiveIntegerField(null=True, blank=True, editable=False)
    head_of_department_approval = models.BooleanField(default=False, editable=False)
    code = models.CharField(_("facility code"), max_length=14, unique=True, default=new_facility_code, editable=False)
    authorised_representative = models.ForeignKey(
        settings.AUTH_USER_MODEL, models.PROTECT, related_name="+", verbose_name=_("authorised representative"),
        null=True, blank=True,
    )
    deputy_representative = models.ForeignKey(
        settings.AUTH_USER_MODEL, models.PROTECT, related_name="+", verbose_name=_("deputy authorised representative"),
        null=True, blank=True,
    )
    main_account_holder = models.ForeignKey(
        settings.AUTH_USER_MODEL, models.PROTECT, related_name="+", verbose_name=_("main account holder"),
        null=True, blank=True,
    )
    created_at = models.DateTimeField(auto_now_add=True)

    objects = FacilityQuerySet.as_manager()

    # The three appointed roles. Each stays empty until the person appointed to it takes it up
    # (activates the account, or accepts with an existing one): see facilities.services.take_up_appointment.
    ROLES = {
        "authorised_representative": _("authorised representative"),
        "deputy_representative": _("deputy authorised representative"),
        "main_account_holder": _("main account holder"),
    }

    class Meta:
        ordering = ["name"]
        verbose_name_plural = _("facilities")
        indexes = [
            # The office's facility list: by name.
            models.Index(fields=["name", "id"], name="facility_name_order"),
            # Its search by code (iexact reads UPPER(code)); the trigram indexes for the rest of the search
            # are PostgreSQL's own, built by migration 0003 only there.
            models.Index(Upper("code"), name="facility_code_upper"),
        ]

    def __str__(self):
        return self.name

    def get_absolute_url(self):
        return reverse("office:facility", args=[self.pk])

    def document_language(self):
        """The language of the facility's PDFs: its authorised representative's, else the portal's default."""
        representative = self.authorised_representative
        return (representative.language if representative else "") or settings.LANGUAGE_CODE

    def pending_appointments(self):
        """People named at registration who have not taken up their appointment yet."""
        return self.appointments.filter(taken_up_at__isnull=True).select_related("user")

    def roles_of(self, user):
        """The role names a user holds in this facility; an empty list for a plain member."""
        roles = []
        if user.pk == self.authorised_representative_id:
            roles.append(_("Authorised representative"))
        if user.pk == self.deputy_representative_id:
            roles.append(_("Deputy authorised representative"))
        if user.pk == self.main_account_holder_id:
            roles.append(_("Main account holder"))
        return roles

class EnrolmentQuerySet(TenantQuerySet):
    def in_public_directory(self):
        """The entries anyone may list (the directory page and its API): a centre's enrolments past registration,
        public fields only."""
        return self.exclude(status=Enrolment.Status.REGISTERED).select_related("facility", "programme").only(
            "status", "award_expires_on", "programme__code", "programme__name", "programme__full_name",
            "facility__name", "facility__institution", "facility__city", "facility__country",
        )


class Enrolment(models.Model):
    """A facility's place in one programme: each has its own status, applications, invoices, award and directory entry.

    A facility registers for its first programme and may enrol in others later (facilities.services.add_enrolment).
    """

    class Status(models.TextChoices):
        REGISTERED = "registered", _("Registered")
        ENROLLED = "enrolled", _("Enrolled centre")
        ACCREDITED = "accredited", _("Accredited centre")
        EXCELLENCE = "excellence", _("Centre of excellence")

    facility = models.ForeignKey(Facility, models.CASCADE, related_name="enrolments", verbose_name=_("facility"))
    programme = models.ForeignKey(
        "applications.Programme", models.PROTECT, related_name="enrolments", verbose_name=_("programme")
    )
    # Only facilities.services moves an enrolment's status, through the transitions below.
    status = FSMField(default=Status.REGISTERED, choices=Status.choices)
    status_changed_at = models.DateTimeField(null=True, blank=True)
    award_expires_on = models.DateField(
        _("award expires on"), null=True, blank=True, help_text=_("Set when an award is granted; reminders go out before it.")
    )
    created_at = models.DateTimeField(auto_now_add=True)

    objects = EnrolmentQuerySet.as_manager()

    class Meta:
        ordering = ["facility", "created_at", "pk"]
        constraints = [models.UniqueConstraint(fields=["facility", "programme"], name="one_enrolment_per_programme")]
        indexes = [
            # The office's lists by status, and the daily runs over awards that expire.
            models.Index(fields=["status", "award_expires_on"], name="enrolment_status_expiry"),
            models.Index(fields=["status", "created_at"], name="enrolment_status_created"),
        ]

    def __str__(self):
        return f"{self.facility} – {self.programme}"

    @property
    def code(self):
        """How the API and exports name it, e.g. 12-io."""
        return f"{self.facility_id}-{self.programme.code}"

    # The status moves; facilities.services calls them and records who and when.
    @transition(field=status, source=Status.REGISTERED, target=Status.ENROLLED)
    def enrol(self):
        pass

    @transition(field=status, source=[Status.ENROLLED, Status.ACCREDITED, Status.EXCELLENCE], target=Status.ACCREDITED)
    def accredit(self):
        pass

    @transition(field=status, source=[Status.ACCREDITED, Status.EXCELLENCE], target=Status.EXCELLENCE)
    def recognise_excellence(self):
        pass

    @transition(field=status, source=[Status.ACCREDITED, Status.EXCELLENCE], target=Status.ENROLLED)
    def lapse(self):
        pass


# An enrolment past registration: its application is open, it pays the annual fee, uses the logo, is in the directory.
ENROLLED_STATUSES = [Enrolment.Status.ENROLLED, Enrolment.Status.ACCREDITED, Enrolment.Status.EXCELLENCE]
# An enrolment that holds an award until award_expires_on.
AWARDED_STATUSES = [Enrolment.Status.ACCREDITED, Enrolment.Status.EXCELLENCE]


def enrolments_with_programmes():
    return models.Prefetch("enrolments", Enrolment.objects.select_related("programme"))


class Membership(models.Model):
    """A person's place in a facility's staff. A person belongs to at most one facility."""

    user = models.OneToOneField(settings.AUTH_USER_MODEL, models.CASCADE, related_name="membership")
    facility = models.ForeignKey(Facility, models.CASCADE, related_name="memberships")
    joined_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["joined_at"]

    def __str__(self):
        return f"{self.user} at {self.facility}"


class Appointment(models.Model):
    """A person named at registration for one or more of the facility's roles, with the details given then.

    The named account is bound to the facility (membership and roles) only when its owner takes the
    appointment up: a new account by activating, an existing one by accepting while it belongs to no
    other facility. Until then the facility's roles stay empty and the account has no access.
    """

    facility = models.ForeignKey(Facility, models.CASCADE, related_name="appointments")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, models.CASCADE, related_name="appointments")
    roles = models.JSONField(default=list)  # keys of Facility.ROLES
    first_name = models.CharField(_("first name"), max_length=150)
    last_name = models.CharField(_("last name"), max_length=150)
    phone = models.CharField(_("phone"), max_length=40)
    created_at = models.DateTimeField(auto_now_add=True)
    taken_up_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["created_at", "pk"]
        constraints = [models.UniqueConstraint(fields=["facility", "user"], name="one_appointment_per_person")]

    def __str__(self):
        return f"{self.full_name} ({self.described_roles})"

    @property
    def full_name(self):
        return f"{self.first_name} {self.last_name}".strip()

    @property
    def described_roles(self):
        return describe_roles(self.roles)


def describe_roles(roles):
    """Role keys as one readable phrase: "authorised representative and main account holder"."""
    return get_text_list([str(Facility.ROLES[role]) for role in roles], _("and"))


class AuditEntry(models.Model):
    """Who changed what and when. Written only through facilities.audit.record; never edited."""

    facility = models.ForeignKey(Facility, models.CASCADE, related_name="audit_entries", null=True, blank=True)
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, models.SET_NULL, null=True, blank=True, related_name="+")
    action = models.CharField(max_length=60)
    summary = models.CharField(max_length=300)  # an English template (gettext_noop), see summary_text
    # A database default too: entries written by code that predates the column (a data migration) still save.
    summary_args = models.JSONField(default=dict, db_default={}, blank=True)
    target_type = models.CharField(max_length=60, blank=True)
    target_id = models.CharField(max_length=40, blank=True)
    changes = models.JSONField(default=dict, blank=True)
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)

    class Meta:
        ordering = ["-created_at", "-pk"]
        verbose_name_plural = _("audit entries")
        indexes = [models.Index(fields=["target_type", "target_id"])]

    def __str__(self):
        return self.summary_text()

    def summary_text(self):
        """The summary in the reader's language (see facilities.audit); an entry kept before then reads as written."""
        if not self.summary_args:
            return gettext(self.summary)
        values = {}
        for name, value in self.summary_args.items():
            wording = value.get("translate") if isinstance(value, dict) else None
            if isinstance(wording, list):
                value = get_text_list([gettext(part) for part in wording], gettext("and"))
            elif wording is not None:
                value = gettext(wording)
            values[name] = value
        try:
            return gettext(self.summary) % values
        except (KeyError, TypeError, ValueError):  # a translation that lost a placeholder: the English still reads
            return self.summary % values

    def described_changes(self):
        """(field, text) for display: "old → new" for a change, the value itself for a detail."""
        for field, value in self.changes.items():
            if isinstance(value, list) and len(value) == 2:
                old, new = ("—" if part in (None, "") else part for part in value)
                yield field, f"{old} → {new}"
            else:
                yield field, value
