"""Invoice numbers stay gapless and unique while many issuers run at once (PostgreSQL row locks)."""
import threading
from decimal import Decimal

import pytest
from django.db import connection
from django.utils import timezone

from invoicing.models import Invoice
from invoicing.services import issue_invoice

from .factories import FacilityFactory, enrolment_of

ISSUERS = 20


@pytest.mark.skipif(connection.vendor != "postgresql", reason="needs PostgreSQL's row locks")
@pytest.mark.django_db(transaction=True)
def test_twenty_concurrent_issuers_get_gapless_unique_numbers():
    enrolments = [enrolment_of(FacilityFactory()) for _ in range(4)]
    start = threading.Barrier(ISSUERS)
    errors = []

    def issue(n):
        # Each thread has its own database connection, so each issue is its own transaction.
        try:
            start.wait()
            issue_invoice(
                enrolments[n % 4], Invoice.Kind.ENROLMENT, [("Enrolment fee", Decimal("1500.00"))],
                currency="EUR", tax_rate=Decimal("20.00"), payment_terms_days=30,
            )
        except Exception as error:  # reported below with the thread's number
            errors.append((n, error))
        finally:
            connection.close()

    threads = [threading.Thread(target=issue, args=(n,)) for n in range(ISSUERS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert errors == []
    year = timezone.localdate().year
    numbers = sorted(Invoice.objects.values_list("number", flat=True))
    assert numbers == [f"{year}-{n:05d}" for n in range(1, ISSUERS + 1)]
