"""Loading the programmes' fee lists from invoicing/data/fee_items.json (used by data migrations).

Its translations sit beside it (fee_items.<language>.json): descriptions by programme and item code.
"""
import json
from decimal import Decimal
from pathlib import Path

from django.conf import settings

from accreditation.reference_data import localised_fields, read_translations

FEE_ITEMS_FILE = Path(__file__).resolve().parent / "data" / "fee_items.json"


def load_fee_items(ProgrammeFees, FeeItem):
    """Create the items the file lists for each programme with fees; those already present stay as the office edited them."""
    data = json.loads(FEE_ITEMS_FILE.read_text(encoding="utf-8"))
    translations = read_translations(FEE_ITEMS_FILE)
    for fees in ProgrammeFees.objects.filter(programme__code__in=data["programmes"]).select_related("programme"):
        code = fees.programme.code
        for position, item in enumerate(data["programmes"][code], start=1):
            description = {settings.LANGUAGE_CODE: item["description"], **{
                language: t["programmes"].get(code, {}).get(item["code"]) for language, t in translations.items()}}
            FeeItem.objects.get_or_create(
                fees=fees,
                code=item["code"],
                defaults={
                    "amount": Decimal(item["amount"]),
                    "facility_may_request": item["facility_may_request"],
                    "position": position,
                    **localised_fields(FeeItem, {"description": description}),
                },
            )


def load_reaccreditation_charges(FeeItem):
    """Mark the shipped items a re-accreditation invoices ("invoiced_at_reaccreditation"), where the office has not
    chosen otherwise."""
    data = json.loads(FEE_ITEMS_FILE.read_text(encoding="utf-8"))
    for code, items in data["programmes"].items():
        for item in items:
            if item["invoiced_at_reaccreditation"]:
                FeeItem.objects.filter(fees__programme__code=code, code=item["code"], invoiced_at_reaccreditation="").update(
                    invoiced_at_reaccreditation=item["invoiced_at_reaccreditation"])
