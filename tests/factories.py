from datetime import timedelta
from decimal import Decimal

import factory
from allauth.account.models import EmailAddress
from allauth.mfa.totp.internal.auth import TOTP, format_hotp_value, hotp_value, yield_hotp_counters_from_time
from django.utils import timezone

from applications.models import Answer, Application, Programme, Question
from facilities.models import Appointment, Enrolment, Facility, Membership, User
from invoicing.models import Invoice
from invoicing.services import issue_invoice, request_consultation, requestable_fee_items

PASSWORD = "correct-horse-battery"
# The authenticator app of every office user, chairperson and assessor made here (they must have one).
TOTP_SECRET = "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP"


def totp_code(secret=TOTP_SECRET):
    """The six digits an authenticator app holding ``secret`` shows now."""
    return format_hotp_value(hotp_value(secret, next(yield_hotp_counters_from_time())))


class UserFactory(factory.django.DjangoModelFactory):
    """An activated account (verified e-mail address) that can sign in with PASSWORD."""

    class Meta:
        model = User
        skip_postgeneration_save = True

    email = factory.Sequence(lambda n: f"person{n}@hospital.example")
    first_name = factory.Faker("first_name")
    last_name = factory.Faker("last_name")
    phone = factory.Sequence(lambda n: f"+43 1 555 {n:04d}")
    password = factory.PostGenerationMethodCall("set_password", PASSWORD)

    @factory.post_generation
    def verified(obj, create, extracted, **kwargs):
        obj.save()
        EmailAddress.objects.create(user=obj, email=obj.email, primary=True, verified=extracted is not False)


class SecondFactorUserFactory(UserFactory):
    """Office staff and assessors cannot work without a second factor: theirs is TOTP_SECRET (``second_factor=False``: none)."""

    @factory.post_generation
    def second_factor(obj, create, extracted, **kwargs):
        if extracted is not False:
            TOTP.activate(obj, TOTP_SECRET)


class OfficeUserFactory(SecondFactorUserFactory):
    office_role = User.OfficeRole.ADMINISTRATOR


class ChairpersonFactory(SecondFactorUserFactory):
    office_role = User.OfficeRole.CHAIRPERSON


class AssessorFactory(SecondFactorUserFactory):
    is_assessor = True


class FacilityFactory(factory.django.DjangoModelFactory):
    """A registered facility whose three appointed roles are three different members, enrolled in one programme
    (IO unless ``programme`` says otherwise) in ``status`` (registered unless said otherwise)."""

    class Meta:
        model = Facility
        skip_postgeneration_save = True

    name = factory.Sequence(lambda n: f"IO Unit {n}")
    institution = factory.Sequence(lambda n: f"General Hospital {n}")
    address = "1 Hospital Street"
    city = "Vienna"
    postal_code = "1090"
    country = "AT"
    phone = "+43 1 234 5678"
    service_line = "Interventional Radiology"
    annual_procedures = 300
    head_of_department_approval = True
    authorised_representative = factory.SubFactory(UserFactory)
    deputy_representative = factory.SubFactory(UserFactory)
    main_account_holder = factory.SubFactory(UserFactory)

    @factory.post_generation
    def memberships(obj, create, extracted, **kwargs):
        for user in {obj.authorised_representative, obj.deputy_representative, obj.main_account_holder}:
            Membership.objects.get_or_create(user=user, facility=obj)

    @classmethod
    def _create(cls, model_class, *args, programme=None, status=None, award_expires_on=None, **kwargs):
        facility = super()._create(model_class, *args, **kwargs)
        # Tests start from any status; in the portal only facilities.services moves it.
        Enrolment.objects.create(
            facility=facility, programme=programme or Programme.objects.get(code="io"),
            status=status or Enrolment.Status.REGISTERED, award_expires_on=award_expires_on,
        )
        return facility


def enrolment_of(facility, programme=None):
    """The facility's enrolment (in ``programme``, a code, where it has several), as stored now."""
    enrolments = Enrolment.objects.select_related("programme", "facility").filter(facility=facility)
    return enrolments.get(programme__code=programme) if programme else enrolments.order_by("created_at", "pk").first()


class MembershipFactory(factory.django.DjangoModelFactory):
    """A plain member (no appointed role) of a facility."""

    class Meta:
        model = Membership

    user = factory.SubFactory(UserFactory)
    facility = factory.SubFactory(FacilityFactory)


class AppointmentFactory(factory.django.DjangoModelFactory):
    """A person named at a facility's registration who has not taken the appointment up yet."""

    class Meta:
        model = Appointment

    facility = factory.SubFactory(FacilityFactory)
    user = factory.SubFactory(UserFactory)
    roles = factory.LazyFunction(lambda: ["deputy_representative"])
    first_name = factory.LazyAttribute(lambda o: o.user.first_name)
    last_name = factory.LazyAttribute(lambda o: o.user.last_name)
    phone = factory.LazyAttribute(lambda o: o.user.phone)


class ApplicationFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Application

    facility = factory.SubFactory(FacilityFactory, status=Enrolment.Status.ENROLLED)
    enrolment = factory.LazyAttribute(lambda o: enrolment_of(o.facility))
    question_set = factory.LazyAttribute(lambda o: o.enrolment.programme.current_question_set())


class AnswerFactory(factory.django.DjangoModelFactory):
    """A complete answer: Yes, evidence, and the explanation where the question asks for one."""

    class Meta:
        model = Answer

    application = factory.SubFactory(ApplicationFactory)
    question = None
    choice = "yes"
    evidence = "Staff register, CPD log and audit reports, kept by the department manager."
    explanation = factory.LazyAttribute(lambda o: "Described in our policy, section 2." if o.question.asks_explanation else "")
    version = 1


def answer_questions(application, questions, **fields):
    return [AnswerFactory(application=application, question=q, **fields) for q in questions]


def core_questions(application):
    return list(Question.objects.filter(standard__question_set=application.question_set, is_core=True).order_by("number"))


def issued_invoice(facility, kind="enrolment", amount="1500.00", issued_on=None, **extra):
    """An invoice to the facility's (first) enrolment, issued through invoicing.services (numbered, audited),
    optionally back-dated."""
    invoice = issue_invoice(
        enrolment_of(facility), kind, [("Enrolment fee" if kind == "enrolment" else "Annual administration fee", Decimal(amount))],
        currency="EUR", tax_rate=Decimal("20.00"), payment_terms_days=30, **extra,
    )
    if issued_on:
        # Tests start from any date; in the portal an invoice is issued today and never changes.
        Invoice.objects.filter(pk=invoice.pk).update(issued_on=issued_on, due_on=issued_on + timedelta(days=30))
        invoice = Invoice.objects.get(pk=invoice.pk)
    return invoice


class InvoiceFactory(factory.django.DjangoModelFactory):
    """An enrolment invoice of EUR 1,500.00 + 20% tax, issued through the service."""

    class Meta:
        model = Invoice

    facility = factory.SubFactory(FacilityFactory)
    kind = "enrolment"

    @classmethod
    def _create(cls, model_class, facility, kind, **kwargs):
        return issued_invoice(facility, kind, **kwargs)


class PaymentFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = "invoicing.Payment"

    invoice = factory.SubFactory(InvoiceFactory)
    paid_on = factory.LazyFunction(timezone.localdate)
    amount = factory.LazyAttribute(lambda payment: payment.invoice.total)
    reference = factory.Sequence(lambda n: f"BANK-{n:04d}")
    recorded_by = factory.SubFactory(OfficeUserFactory)


class MessageFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = "correspondence.Message"

    facility = factory.SubFactory(FacilityFactory)
    author = factory.LazyAttribute(lambda message: message.facility.main_account_holder)
    from_office = factory.LazyAttribute(lambda message: message.author.is_office)
    body = factory.Sequence(lambda n: f"Question number {n} about our enrolment.")


PDF_BYTES = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


class PublishedDocumentFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = "correspondence.PublishedDocument"

    title = factory.Sequence(lambda n: f"Application manual v{n}")
    category = "application_manual"
    file = factory.django.FileField(filename="manual.pdf", data=PDF_BYTES)
    original_name = "manual.pdf"
    content_type = "application/pdf"
    size = len(PDF_BYTES)
    published_by = factory.SubFactory(OfficeUserFactory)


class FacilityDocumentFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = "correspondence.FacilityDocument"

    facility = factory.SubFactory(FacilityFactory)
    title = factory.Sequence(lambda n: f"Radiation safety policy {n}")
    file = factory.django.FileField(filename="policy.pdf", data=PDF_BYTES)
    original_name = "policy.pdf"
    content_type = "application/pdf"
    size = len(PDF_BYTES)
    uploaded_by = factory.LazyAttribute(lambda document: document.facility.main_account_holder)


def _review_of(application):
    from casereview.services import open_case_review

    return open_case_review(application)


class ReviewCaseFactory(factory.django.DjangoModelFactory):
    """A complete case: within the 12-month window, checked, its record holding every active item of the dataset."""

    class Meta:
        model = "casereview.ReviewCase"
        skip_postgeneration_save = True

    class Params:
        application = factory.SubFactory(ApplicationFactory)

    review = factory.LazyAttribute(lambda o: _review_of(o.application))
    record_identifier = factory.Sequence(lambda n: f"MRN-{n:05d}")
    procedure_date = factory.LazyFunction(lambda: timezone.localdate() - timedelta(days=40))
    tumour_type = factory.Iterator(["Liver (hepatocellular carcinoma)", "Colorectal", "Kidney"])
    checked = True

    @factory.post_generation
    def present_items(obj, create, extracted, **kwargs):
        from casereview.models import DatasetItem

        obj.present_items.set(DatasetItem.objects.filter(is_active=True) if extracted is None else extracted)


def complete_case_review(application, count=30, **fields):
    return ReviewCaseFactory.create_batch(count, application=application, **fields)


class ConsultationRequestFactory(factory.django.DjangoModelFactory):
    """A consultation request of the facility's programme, waiting for the office, made through the service."""

    class Meta:
        model = "invoicing.ConsultationRequest"

    facility = factory.SubFactory(FacilityFactory)
    requested_by = factory.LazyAttribute(lambda o: o.facility.authorised_representative)
    topic = factory.Sequence(lambda n: f"Staffing rota {n}")
    preferred_dates = factory.LazyFunction(lambda: [timezone.localdate() + timedelta(days=14)])
    notes = ""

    @classmethod
    def _create(cls, model_class, facility, requested_by, **kwargs):
        return request_consultation(facility, requested_by, fee_item=requestable_fee_items(facility).get(), **kwargs)
