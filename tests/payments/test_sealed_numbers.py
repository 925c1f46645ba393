"""Bank account numbers and the payee snapshot sealed at rest (issue 19), the bank file
with the plain numbers, and key rotation over every sealed column."""

import csv
import io
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command
from django.db import connection

from jiuzhu.core import crypto
from jiuzhu.payments import files, rotation
from jiuzhu.payments.models import BankAccount, PayrollLine
from jiuzhu.registry.models import Person
from tests import factories
from tests.conftest import OTHER_DATA_KEY, TEST_DATA_KEY
from tests.payments.test_files_and_recovery import three_paid  # noqa: F401  (fixture)

pytestmark = pytest.mark.django_db

SEALED = [
    ("registry_person", "id_number"),
    ("payments_bankaccount", "account_number"),
    ("payments_payrollline", "id_number"),
    ("payments_payrollline", "account_number"),
]


def _stored(table: str, column: str) -> list[str]:
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT {column} FROM {table} ORDER BY id")
        return [row[0] for row in cursor.fetchall()]


def _key_ids() -> set[str]:
    return {crypto.key_id_of(value) for table, column in SEALED for value in _stored(table, column)}


def _bank_rows(made) -> list[list[str]]:
    text = Path(made.stored_path).read_text(encoding="utf-8-sig")
    return list(csv.reader(io.StringIO(text)))[1:-1]


def test_accounts_and_lines_are_sealed_and_the_bank_file_is_plain(pay_staff, three_paid):  # noqa: F811
    households, payroll = three_paid
    heads = [factories.head_of(h) for h in households]
    numbers = [f"62210000{head.pk:08d}" for head in heads]
    stored_accounts = _stored("payments_bankaccount", "account_number")
    assert len(stored_accounts) == 3 and not set(stored_accounts) & set(numbers)
    assert crypto.decrypt_many(stored_accounts) == numbers
    assert [a.account_number for a in BankAccount.objects.order_by("pk")] == numbers
    # The lines copy the sealed texts as they are: no number is ever opened to make them.
    stored_ids = _stored("payments_payrollline", "id_number")
    assert len(stored_ids) == 3
    assert set(stored_ids) <= set(_stored("registry_person", "id_number"))
    lines = list(PayrollLine.objects.of_payroll(payroll.pk).order_by("line_no"))
    assert [line.id_number for line in lines] == [head.id_number for head in heads]
    made = files.make_payment_file(pay_staff["assistant"], payroll, "农商银行", "csv")
    rows = _bank_rows(made)
    assert [(row[1], row[3]) for row in rows] == [
        (number, head.id_number) for number, head in zip(numbers, heads, strict=True)
    ]


def test_rotation_seals_everything_again_and_the_old_key_opens_meanwhile(
    data_keys,
    pay_staff,
    three_paid,  # noqa: F811
):
    households, payroll = three_paid
    heads = [factories.head_of(h) for h in households]
    assert _key_ids() == {"t1"}
    data_keys(f"t2:{OTHER_DATA_KEY},t1:{TEST_DATA_KEY}")
    # During the rotation both keys open: pages and files still work.
    assert [p.id_number for p in Person.objects.filter(pk__in=[h.pk for h in heads])] == [
        h.id_number for h in heads
    ]
    # Stopped after the first column: running again does only what is left.
    person_column = crypto.SealedColumn("registry_person", "id_number")
    done: list[int] = []
    rotation.rotate(person_column, done.append, chunk_size=4)
    assert done == [4, 2]  # six people, in chunks of four
    out = io.StringIO()
    call_command("rotate_data_key", "--no-progress", "--chunk", "2", stdout=out)
    # Three accounts, and three lines of a locked payroll with two numbers each.
    assert out.getvalue().strip() == (
        "已用密钥“t2”重新加密 9 行、0 个材料文件。"
        "确认备份完成后，可从 JIUZHU_DATA_KEYS 中删除旧密钥。"
    )
    assert _key_ids() == {"t2"}
    data_keys(f"t2:{OTHER_DATA_KEY}")  # the old key dropped: everything still opens
    made = files.make_payment_file(pay_staff["assistant"], payroll, "农商银行", "csv")
    assert [row[3] for row in _bank_rows(made)] == [h.id_number for h in heads]
    out = io.StringIO()
    call_command("rotate_data_key", "--no-progress", stdout=out)
    assert out.getvalue().startswith("已用密钥“t2”重新加密 0 行、0 个材料文件。")


def test_rotation_refuses_without_the_old_key(data_keys, three_paid):  # noqa: F811
    data_keys(f"t2:{OTHER_DATA_KEY}")
    with pytest.raises(CommandError) as refused:
        call_command("rotate_data_key", "--no-progress")
    assert str(refused.value) == "无法解密：数据由密钥“t1”加密，JIUZHU_DATA_KEYS 中没有该密钥。"
    data_keys(f"t1:{TEST_DATA_KEY}")
    assert _key_ids() == {"t1"}  # nothing was changed
    with pytest.raises(CommandError, match="--chunk 应为正整数。"):
        call_command("rotate_data_key", "--no-progress", "--chunk", "0")
