"""Medical writes under concurrency (PostgreSQL): two bills of one person entered at once,
or an import and an entry, share the yearly cap (the second sees the first), and two
bank-file runs at once put each approved bill into one file only."""

import time

import pytest
from django.db import connection

from jiuzhu.medical import bulk, eligibility, importer, services
from jiuzhu.medical.models import Bill, BillSource, PaymentBatch
from tests.medical.conftest import bill_input
from tests.medical.test_bulk import extract, row
from tests.races import at_once

pytestmark = [
    pytest.mark.skipif(connection.vendor != "postgresql", reason="races need PostgreSQL"),
    pytest.mark.django_db(transaction=True),
]


def test_two_bills_of_one_person_at_once_share_the_cap(
    shipped_parameters, pay_staff, patient, monkeypatch
):
    assistant, admin = pay_staff["assistant"], pay_staff["admin"]
    computed = services._computed

    def slowly(*args):
        # Hold the computed amounts a moment before writing: without the lock on the person
        # both entries would read an empty year and both pay 22,500.
        bills = computed(*args)
        time.sleep(0.5)
        return bills

    monkeypatch.setattr(services, "_computed", slowly)
    results = at_once(
        lambda: services.record_bills(
            assistant, [bill_input(patient.id_number, 30_000)], BillSource.ENTERED
        ),
        lambda: services.record_bills(
            admin, [bill_input(patient.id_number, 30_000)], BillSource.ENTERED
        ),
    )
    assert results == ["ok", "ok"]
    assert sorted(Bill.objects.values_list("amount_fen", flat=True)) == [750_000, 2_250_000]


def test_two_bank_file_runs_at_once_pay_each_bill_once(
    shipped_parameters, pay_staff, patient, monkeypatch
):
    accounts = services.valid_accounts

    def slowly(person_ids):
        time.sleep(0.5)  # after the bills are read: both runs would file the same bill
        return accounts(person_ids)

    monkeypatch.setattr(services, "valid_accounts", slowly)
    (bill,) = services.record_bills(
        pay_staff["assistant"], [bill_input(patient.id_number, 10_000)], BillSource.ENTERED
    )
    services.approve(pay_staff["approver"], bill)
    results = at_once(
        lambda: services.make_payment_files(pay_staff["assistant"]),
        lambda: services.make_payment_files(pay_staff["admin"]),
    )
    assert sorted(results) == ["ok", "没有已审批且已登记发放账户的待发放医疗救助。"]
    assert PaymentBatch.objects.get().rows == 1


def test_an_import_and_an_entry_of_one_person_at_once_share_the_cap(
    shipped_parameters, pay_staff, patient, monkeypatch
):
    decide = eligibility.decide

    def slowly(*args):
        # Hold the decided amounts a moment: without the persons' lock in both paths each
        # would read an empty year and pay 22,500.
        decided = decide(*args)
        time.sleep(0.5)
        return decided

    monkeypatch.setattr(eligibility, "decide", slowly)
    content = extract(row(patient.id_number, "30000"))
    results = at_once(
        lambda: bulk.record_extract(pay_staff["assistant"], importer.read("x.csv", content)),
        lambda: services.record_bills(
            pay_staff["admin"], [bill_input(patient.id_number, 30_000)], BillSource.ENTERED
        ),
    )
    assert results == ["ok", "ok"]
    assert sorted(Bill.objects.values_list("amount_fen", flat=True)) == [750_000, 2_250_000]
