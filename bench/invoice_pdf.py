"""How fast one worker renders invoice PDFs: the median time for one, and invoices per minute.

Runs against a throw-away test database (created and dropped here), e.g.
DATABASE_URL=postgres://postgres@127.0.0.1:5432/accreditation .venv/bin/python bench/invoice_pdf.py
"""
import os
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "accreditation.settings")

import django  # noqa: E402

django.setup()

from django.test.utils import setup_databases, setup_test_environment, teardown_databases  # noqa: E402

ROUNDS = 40


def main():
    from django.db import transaction

    from invoicing.services import invoice_pdf_bytes, issue_registration_invoices
    from tests.factories import FacilityFactory

    setup_test_environment()
    databases = setup_databases(verbosity=0, interactive=False)
    try:
        # Rolled back at the end, so the queued rendering (on commit) never runs: only the renderer is timed.
        with transaction.atomic():
            invoice = issue_registration_invoices(FacilityFactory())[0]
            invoice_pdf_bytes(invoice)  # warm up: fonts and templates load once per worker
            timings = []
            for _ in range(ROUNDS):
                started = time.perf_counter()
                invoice_pdf_bytes(invoice)
                timings.append(time.perf_counter() - started)
            transaction.set_rollback(True)
    finally:
        teardown_databases(databases, verbosity=0)
    median = statistics.median(timings)
    print(f"invoice PDF: median {median * 1000:.0f} ms over {ROUNDS} renders; "
          f"{60 / median:.0f} invoices per minute per worker process")


if __name__ == "__main__":
    main()
