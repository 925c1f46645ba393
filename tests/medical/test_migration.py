"""Migration 0003 reads the numbers of bills recorded before it back from their stored
explanation, so the explanation rendered afterwards is the one they were decided with."""

import datetime as dt

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

from jiuzhu.medical.formulas import explain_one
from jiuzhu.medical.models import Bill

BEFORE = ("medical", "0002_parameters")
AFTER = ("medical", "0003_recorded_calculation")


def _migrate(target):
    executor = MigrationExecutor(connection)
    executor.migrate([target])
    return executor.loader.project_state([target]).apps


@pytest.mark.django_db(transaction=True)
def test_recorded_bills_keep_their_calculation(pay_staff, patient):
    # Crossing the cap: 40,000 after 5,000.50 of eligible costs and 22,500 paid.
    text = explain_one("低保对象", 4_000_000, 500_050, 2_250_000, 0, 7_500, 3_000_000)
    assert text.endswith("本年此前已救助 22,500.00 元，本次救助 7,500.00 元（已达年度限额）。")
    old = _migrate(BEFORE)
    try:
        Old = old.get_model("medical", "Bill")
        Old.objects.create(
            person_id=patient.pk,
            household_id=patient.memberships.get().household_id,
            town_code="370124102201",
            hospital="县医院",
            admitted_on=dt.date(2026, 5, 1),
            discharged_on=dt.date(2026, 5, 1),
            total_fen=4_700_000,
            basic_fen=600_000,
            critical_fen=100_000,
            eligible_fen=4_000_000,
            source="imported",
            category="dibao",
            amount_fen=750_000,
            explanation=text,
            status="proposed",
            entered_by_id=pay_staff["assistant"].pk,
        )
        _migrate(AFTER)
        bill = Bill.objects.get()
        assert (
            bill.deductible_fen,
            bill.share_bp,
            bill.cap_fen,
            bill.eligible_before_fen,
            bill.paid_before_fen,
        ) == (0, 7_500, 3_000_000, 500_050, 2_250_000)
        assert bill.explanation == text
    finally:
        Bill.objects.all().delete()
        _migrate(MigrationExecutor(connection).loader.graph.leaf_nodes("medical")[0])
