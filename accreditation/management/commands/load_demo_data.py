"""Demo people and facilities for `make run`. Loads once; running it again changes nothing."""
from datetime import timedelta

from allauth.account.models import EmailAddress
from allauth.mfa.totp.internal.auth import TOTP
from django.core.management.base import BaseCommand
from django.db import transaction
from django.utils import timezone

from applications.models import Programme
from applications.services import open_application, questions_of, record_declarations, save_answer
from assessment.models import Expertise
from assessment.services import update_assessor_profile
from correspondence.services import send_message
from facilities.models import Enrolment, Facility, Membership, User
from invoicing.services import issue_registration_invoices, record_payment, request_consultation, requestable_fee_items

DEMO_PASSWORD = "demo-portal-2026"
# Office staff and assessors must use a second factor, in the demo too: this authenticator secret is in the
# README (add it to any authenticator app). Demo only: real accounts enrol their own.
DEMO_TOTP_SECRET = "DEMOPORTALDEMOPORTALDEMOPORTAL22"

OFFICE = [
    ("office@demo.example", "Olivia", "Hartmann", "+43 1 555 0100", User.OfficeRole.ADMINISTRATOR),
    ("chair@demo.example", "Charles", "Whitfield", "+44 20 5550 0101", User.OfficeRole.CHAIRPERSON),
]
ASSESSORS = [
    ("assessor1@demo.example", "Astrid", "Lindqvist", "+46 8 555 0111"),
    ("assessor2@demo.example", "Marco", "Bellini", "+39 02 5550 0112"),
    ("assessor3@demo.example", "Helena", "Novak", "+420 2 5550 0113"),
]
# Their matching profiles: country, institution, expertise (assessment/data/matching.json), languages.
ASSESSOR_PROFILES = {
    "assessor1@demo.example": ("SE", "Karolinska University Hospital", ["io-ablation", "io-embolisation"], ["en", "de"]),
    "assessor2@demo.example": ("IT", "Ospedale San Raffaele", ["io-ablation"], ["en", "fr"]),
    "assessor3@demo.example": ("CZ", "General University Hospital Prague", ["io-embolisation", "io-case-review"], ["en", "de"]),
}
FACILITIES = [
    {
        "slug": "vienna",
        "name": "Interventional Oncology Unit",
        "institution": "Demo General Hospital Vienna",
        "address": "Spitalgasse 1",
        "postal_code": "1090",
        "city": "Vienna",
        "country": "AT",
        "phone": "+43 1 000 0000",
        "service_line": "Department of Interventional Radiology",
        "declared": {"annual_procedures": 420, "head_of_department_approval": True},
        "status": Enrolment.Status.ENROLLED,  # reached by paying its enrolment invoice
        "people": {
            "rep": ("Anna", "Berger", "+43 1 000 0101"),
            "deputy": ("Lukas", "Steiner", "+43 1 000 0102"),
            "holder": ("Sophie", "Huber", "+43 1 000 0103"),
            "member": ("Jakob", "Wagner", "+43 1 000 0104"),
        },
    },
    {
        "slug": "lyon",
        "name": "Centre de Radiologie Interventionnelle",
        "institution": "Demo University Hospital Lyon",
        "address": "1 Place de l'Hôpital",
        "postal_code": "69002",
        "city": "Lyon",
        "country": "FR",
        "phone": "+33 4 00 00 00 00",
        "service_line": "Interventional Oncology Service",
        "declared": {"annual_procedures": 260, "head_of_department_approval": True},
        "status": Enrolment.Status.REGISTERED,
        "people": {
            "rep": ("Camille", "Durand", "+33 4 00 00 01 01"),
            "deputy": ("Hugo", "Moreau", "+33 4 00 00 01 02"),
            "holder": ("Léa", "Fontaine", "+33 4 00 00 01 03"),
            "member": ("Louis", "Girard", "+33 4 00 00 01 04"),
        },
    },
]


def demo_user(email, first_name, last_name, phone, **extra):
    user = User.objects.create_user(
        email=email, password=DEMO_PASSWORD, first_name=first_name, last_name=last_name, phone=phone, **extra
    )
    EmailAddress.objects.create(user=user, email=email, primary=True, verified=True)
    return user


class Command(BaseCommand):
    help = "Load the demo office, assessors and facilities (once)."

    def start_application(self, enrolment, member):
        """An application under way: the first standard answered, so progress shows from the start."""
        application = open_application(enrolment)
        for question in questions_of(application):
            if question.standard.number != 1:
                break
            save_answer(
                application, question, member, choice="yes", base_version=0,
                evidence="Staff register and training records, kept by the department manager.",
                explanation="Described in the department's staffing policy." if question.asks_explanation else "",
            )

    @transaction.atomic
    def handle(self, *args, **options):
        if User.objects.filter(email=OFFICE[0][0]).exists():
            self.stdout.write("Demo data already loaded.")
            return
        office = None
        for email, first, last, phone, role in OFFICE:
            user = demo_user(email, first, last, phone, office_role=role, is_staff=role == User.OfficeRole.ADMINISTRATOR,
                             is_superuser=role == User.OfficeRole.ADMINISTRATOR)
            TOTP.activate(user, DEMO_TOTP_SECRET)
            office = office or user
        for email, first, last, phone in ASSESSORS:
            assessor = demo_user(email, first, last, phone, is_assessor=True)
            TOTP.activate(assessor, DEMO_TOTP_SECRET)
            country, institution, expertise, languages = ASSESSOR_PROFILES[email]
            update_assessor_profile(
                assessor, assessor, periods=[], programmes=Programme.objects.filter(code="io"),
                expertise=Expertise.objects.filter(code__in=expertise), languages=languages, country=country,
                institution=institution, capacity=4, conflict_institutions="", conflict_countries=[],
            )
        for spec in FACILITIES:
            spec = dict(spec)
            slug, status, names, declared = spec.pop("slug"), spec.pop("status"), spec.pop("people"), spec.pop("declared")
            people = {role: demo_user(f"{role}.{slug}@demo.example", *person) for role, person in names.items()}
            programme = Programme.objects.get(code="io")
            facility = Facility.objects.create(
                **spec,
                authorised_representative=people["rep"],
                deputy_representative=people["deputy"],
                main_account_holder=people["holder"],
            )
            for user in people.values():
                Membership.objects.create(user=user, facility=facility)
            record_declarations(facility, programme, [
                (requirement, declared[requirement.code]) for requirement in programme.registration_requirements.all()
            ])
            # As registration does: the enrolment in its programme, billed at once.
            enrolment = Enrolment.objects.create(facility=facility, programme=programme)
            enrolment_invoice, *_annual = issue_registration_invoices(enrolment)
            send_message(facility, office, "Welcome! Your invoices are under Invoices; write here with any question.")
            if status == Enrolment.Status.ENROLLED:
                # Paying the enrolment invoice enrols the centre, as in the portal.
                record_payment(enrolment_invoice, office, paid_on=timezone.localdate(), amount=enrolment_invoice.total,
                               reference=f"DEMO-{slug.upper()}")
                self.start_application(enrolment, people["member"])
                # A consultation request waits on the office's start page.
                request_consultation(
                    facility, people["deputy"], fee_item=requestable_fee_items(facility).first(),
                    topic="Preparing the internal case review",
                    preferred_dates=[timezone.localdate() + timedelta(days=days) for days in (14, 21)],
                )
        self.stdout.write(self.style.SUCCESS(f"Demo data loaded. Every demo login uses the password {DEMO_PASSWORD}."))
