import csv
import io

import pytest

from jiuzhu.payments import files, services
from jiuzhu.payments.models import line_ref
from jiuzhu.registry.models import Relation
from tests import factories
from tests.payments.conftest import MONTH, give_account, make_recipient
from tests.portal.conftest import signed_in_client

pytestmark = pytest.mark.django_db


def test_applicants_see_their_payments_paid_or_returned(
    pay_staff, dong_e_village, dong_e, django_capture_on_commit_callbacks
):
    admin = pay_staff["admin"]
    heads = []
    for name, amount, phone in (
        ("甲大爷", "100.00", "13900000011"),
        ("乙大妈", "200.00", "13900000012"),
    ):
        household = factories.household(
            admin,
            dong_e_village,
            members=[factories.member(Relation.HEAD, name, dong_e_village, phone=phone)],
        )
        make_recipient(admin, household, amount)
        give_account(pay_staff["assistant"], household)
        heads.append(factories.head_of(household))
    payroll = services.prepare_payroll(pay_staff["assistant"], MONTH, dong_e)
    services.check_payroll(pay_staff["approver"], payroll)
    services.approve_payroll(pay_staff["approver"], payroll)
    made = files.make_payment_file(pay_staff["assistant"], payroll, "农商银行", "csv")
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(files.RESULT_HEADER)
    writer.writerow([line_ref(payroll.pk, 1), "x", "100.00", "成功", ""])
    writer.writerow([line_ref(payroll.pk, 2), "x", "200.00", "失败", "账户已销户"])
    files.import_results(pay_staff["assistant"], made, "r.csv", out.getvalue().encode("utf-8-sig"))

    page = (
        signed_in_client(heads[0], django_capture_on_commit_callbacks)
        .get("/portal/")
        .content.decode()
    )
    assert "<tr><td>2026年12月</td><td>最低生活保障</td><td>100.00</td><td>已发放</td></tr>" in page
    assert "正在享受：最低生活保障（每月100.00元）" in page and "200.00" not in page
    page = (
        signed_in_client(heads[1], django_capture_on_commit_callbacks)
        .get("/portal/")
        .content.decode()
    )
    assert "<tr><td>2026年12月</td><td>最低生活保障</td><td>200.00</td><td>被退回</td></tr>" in page
