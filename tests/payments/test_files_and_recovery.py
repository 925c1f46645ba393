import csv
import datetime as dt
import hashlib
import io
from pathlib import Path

import pytest
from openpyxl import load_workbook

from jiuzhu.core.errors import DomainError
from jiuzhu.payments import files, selectors, services
from jiuzhu.payments.models import LineResult, PaymentFile, PayrollLine, RecoveryClaim, line_ref
from tests.payments.conftest import MONTH, give_account, make_household, make_recipient

pytestmark = pytest.mark.django_db


def _approved(staff, town, month=MONTH):
    payroll = services.prepare_payroll(staff["assistant"], month, town)
    services.check_payroll(staff["approver"], payroll)
    return services.approve_payroll(staff["approver"], payroll)


@pytest.fixture
def three_paid(pay_staff, dong_e_village, dong_e):
    admin = pay_staff["admin"]
    households = []
    for name, amount in (("甲", "100.00"), ("乙", "200.00"), ("丙", "300.50")):
        hh = make_household(admin, dong_e_village, name)
        make_recipient(admin, hh, amount)
        give_account(pay_staff["assistant"], hh)
        households.append(hh)
    return households, _approved(pay_staff, dong_e)


def _results(payroll, rows):
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(files.RESULT_HEADER)
    writer.writerows(rows)
    return out.getvalue().encode("utf-8-sig")


def test_payment_files_csv_and_xlsx_with_control_total(pay_staff, three_paid):
    _, payroll = three_paid
    made = files.make_payment_file(pay_staff["assistant"], payroll, "农商银行", "csv")
    raw = Path(made.stored_path).read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf") and hashlib.sha256(raw).hexdigest() == made.sha256
    rows = list(csv.reader(io.StringIO(raw.decode("utf-8-sig"))))
    assert rows[0] == files.HEADER and len(rows) == 5
    assert rows[1][0] == line_ref(payroll.pk, 1) and len(rows[1][3]) == 18
    assert rows[-1][:2] == ["合计", "3笔"] and rows[-1][4] == "600.50"
    assert made.rows == 3 and made.total_fen == 60050
    xlsx = files.make_payment_file(pay_staff["assistant"], payroll, "农商银行", "xlsx")
    sheet = load_workbook(xlsx.stored_path, read_only=True).worksheets[0]
    values = [list(r) for r in sheet.iter_rows(values_only=True)]
    assert values[:-1] == rows[:-1]  # the same header and lines as the CSV, all text
    assert values[-1][4] == "600.50" and xlsx.total_fen == 60050


def test_payment_file_needs_a_locked_payroll(pay_staff, dong_e_village, dong_e):
    admin = pay_staff["admin"]
    hh = make_household(admin, dong_e_village)
    make_recipient(admin, hh)
    give_account(pay_staff["assistant"], hh)
    payroll = services.prepare_payroll(pay_staff["assistant"], MONTH, dong_e)
    with pytest.raises(DomainError, match=r"^名册审批锁定后才能生成银行发放文件。$"):
        files.make_payment_file(pay_staff["assistant"], payroll, "农商银行", "csv")
    assert not PaymentFile.objects.exists() and not list(files.files_dir().iterdir())


def test_partly_failed_results_reconciled_then_reissued(pay_staff, three_paid, dong_e):
    households, payroll = three_paid
    made = files.make_payment_file(pay_staff["assistant"], payroll, "农商银行", "csv")
    content = _results(
        payroll,
        [
            [line_ref(payroll.pk, 1), "x", "100.00", "成功", ""],
            [line_ref(payroll.pk, 2), "x", "200.00", "失败", "账户已销户"],
            [line_ref(payroll.pk, 3), "x", "300.50", "成功", ""],
        ],
    )
    assert files.import_results(pay_staff["assistant"], made, "r.csv", content) == {
        "paid": 2,
        "failed": 1,
    }
    with pytest.raises(DomainError, match="已经导入"):
        files.import_results(pay_staff["assistant"], made, "r.csv", content)
    # Without a corrected account nothing can be re-issued.
    with pytest.raises(DomainError, match="更正发放账户"):
        services.prepare_reissue(pay_staff["assistant"], dong_e, MONTH)
    failed_line = PayrollLine.objects.get(payroll=payroll, line_no=2)
    give_account(pay_staff["assistant"], households[1], "工商银行", "6222000099990000")
    reissue = services.prepare_reissue(pay_staff["assistant"], dong_e, MONTH)
    [line] = PayrollLine.objects.filter(payroll=reissue)
    assert line.origin_line_id == failed_line.pk and line.net_fen == 20000
    assert line.bank == "工商银行" and line.account_number == "6222000099990000"
    assert LineResult.objects.get(line=failed_line).reissued_in == reissue
    services.check_payroll(pay_staff["approver"], reissue)
    services.approve_payroll(pay_staff["approver"], reissue)
    assert files.banks_of(reissue) == ["工商银行"]


@pytest.mark.parametrize(
    "rows, message",
    [
        ("unknown", "不在该发放文件中"),
        ("amount", "与发放文件"),
        ("missing", "未出现在回盘中"),
        ("other_payroll", "不在该发放文件中"),
    ],
)
def test_mismatched_results_refused_whole(pay_staff, three_paid, rows, message):
    _, payroll = three_paid
    made = files.make_payment_file(pay_staff["assistant"], payroll, "农商银行", "csv")
    good = [
        [line_ref(payroll.pk, 1), "x", "100.00", "成功", ""],
        [line_ref(payroll.pk, 2), "x", "200.00", "成功", ""],
        [line_ref(payroll.pk, 3), "x", "300.50", "失败", "户名不符"],
    ]
    bad = {
        "unknown": [*good, [line_ref(payroll.pk, 9), "x", "1.00", "成功", ""]],
        "amount": [good[0], [line_ref(payroll.pk, 2), "x", "201.00", "成功", ""], good[2]],
        "missing": good[:2],
        "other_payroll": [
            [line_ref(payroll.pk + 1, n), "x", a, "成功", ""]
            for n, a in ((1, "100.00"), (2, "200.00"), (3, "300.50"))
        ],
    }[rows]
    with pytest.raises(DomainError, match=message):
        files.import_results(pay_staff["assistant"], made, "r.csv", _results(payroll, bad))
    assert not LineResult.objects.exists()
    made.refresh_from_db()
    assert made.results_imported_at is None


def test_lines_without_account_are_failed_at_approval_and_reissued(
    pay_staff, dong_e_village, dong_e
):
    admin = pay_staff["admin"]
    hh = make_household(admin, dong_e_village)
    make_recipient(admin, hh, "250.00")
    paid = make_household(admin, dong_e_village, "有账户")
    make_recipient(admin, paid, "100.00")
    give_account(pay_staff["assistant"], paid)
    payroll = services.prepare_payroll(pay_staff["assistant"], MONTH, dong_e)
    # Told before approval, from the lines themselves.
    assert selectors.without_account(payroll) == (1, 25000)
    services.check_payroll(pay_staff["approver"], payroll)
    payroll = services.approve_payroll(pay_staff["approver"], payroll)
    assert selectors.without_account(payroll) == (1, 25000)
    line = PayrollLine.objects.of_payroll(payroll.pk).get(account_id__isnull=True)
    assert LineResult.objects.get(line=line).reason == services.NO_ACCOUNT
    assert files.banks_of(payroll) == ["农商银行"]
    with pytest.raises(DomainError, match=r"^请选择银行。$"):
        files.make_payment_file(pay_staff["assistant"], payroll, "", "csv")
    give_account(pay_staff["assistant"], hh)
    reissue = services.prepare_reissue(pay_staff["assistant"], dong_e, MONTH)
    assert reissue.total_fen == 25000


def test_recovery_netted_never_below_zero_then_collected(pay_staff, dong_e_village, dong_e):
    admin = pay_staff["admin"]
    hh = make_household(admin, dong_e_village)
    make_recipient(admin, hh, "100.00")
    claim = services.create_claim(
        pay_staff["assistant"],
        hh,
        "dibao",
        dt.date(2026, 5, 1),
        dt.date(2026, 6, 1),
        30000,
        15000,
        "成员死亡未及时报告",
    )
    # November: the instalment (150) is larger than the payment (100): net to zero.
    nov = _approved(pay_staff, dong_e, dt.date(2026, 11, 1))
    line = PayrollLine.objects.get(payroll=nov)
    assert (line.amount_fen, line.recovery_fen, line.net_fen) == (10000, 10000, 0)
    assert services.claim_balance(claim) == 20000
    services.record_collection(
        pay_staff["assistant"], claim, 15000, dt.date(2026, 12, 5), "现金退回"
    )
    dec = _approved(pay_staff, dong_e)
    line = PayrollLine.objects.get(payroll=dec)
    assert (line.recovery_fen, line.net_fen) == (5000, 5000)
    claim.refresh_from_db()
    assert services.claim_balance(claim) == 0 and claim.status == "settled"


def test_recovery_waiver_by_another_approver_with_reason(pay_staff, dong_e_village):
    admin = pay_staff["admin"]
    hh = make_household(admin, dong_e_village)
    claim = services.create_claim(
        pay_staff["assistant"], hh, "dibao", MONTH, MONTH, 5000, 5000, "隐瞒收入"
    )
    with pytest.raises(PermissionError, match=r"^无权审批发放名册、核销追回款。$"):
        services.waive_claim(pay_staff["assistant"], claim, "无力偿还")
    own = services.create_claim(admin, hh, "dibao", MONTH, MONTH, 3000, 3000, "死亡未报")
    with pytest.raises(PermissionError, match=r"^追回登记人不能核销自己登记的追回款。$"):
        services.waive_claim(admin, own, "无力偿还")
    own.refresh_from_db()
    assert (own.status, own.waived_fen, own.waiver_reason) == ("open", 0, "")
    with pytest.raises(DomainError, match="理由"):
        services.waive_claim(pay_staff["approver"], claim, " ")
    services.waive_claim(pay_staff["approver"], claim, "家庭确无偿还能力")
    claim.refresh_from_db()
    assert claim.status == "waived" and claim.waived_fen == 5000
    assert RecoveryClaim.objects.get(pk=claim.pk).waiver_reason == "家庭确无偿还能力"


def test_account_correction_keeps_history(pay_staff, dong_e_village):
    admin = pay_staff["admin"]
    hh = make_household(admin, dong_e_village)
    first = give_account(pay_staff["assistant"], hh)
    second = give_account(pay_staff["assistant"], hh, "工商银行", "6222000011110000")
    first.refresh_from_db()
    assert not first.valid and first.replaced_by == second and second.valid
    with pytest.raises(DomainError, match="账号"):
        give_account(pay_staff["assistant"], hh, "工商银行", "12ab")


def test_the_same_claim_twice_is_refused_another_overpayment_is_not(pay_staff, dong_e_village):
    hh = make_household(pay_staff["admin"], dong_e_village)
    first = services.create_claim(
        pay_staff["assistant"], hh, "dibao", MONTH, MONTH, 5000, 5000, "隐瞒收入"
    )

    with pytest.raises(DomainError) as refused:
        services.create_claim(
            pay_staff["assistant"], hh, "dibao", MONTH, MONTH, 5000, 5000, "隐瞒收入"
        )

    assert refused.value.message == (
        "该户该项目 2026年12月—2026年12月 已登记相同金额的未结清追回，不能重复登记。"
    )
    other = services.create_claim(
        pay_staff["assistant"], hh, "dibao", MONTH, MONTH, 3000, 3000, "死亡未报"
    )
    assert list(RecoveryClaim.objects.filter(household=hh).order_by("pk")) == [first, other]
