import datetime as dt

import pytest
from django.db import DatabaseError, connection, transaction

from jiuzhu.core.errors import DomainError
from jiuzhu.payments import payroll as pr
from jiuzhu.payments import services
from jiuzhu.payments.jobs import prepare_towns
from jiuzhu.payments.models import BankAccount, Payroll, PayrollLine, Reason, line_id
from jiuzhu.policy.models import Parameter
from tests.payments.conftest import MONTH, give_account, make_household, make_recipient

pytestmark = pytest.mark.django_db


def head_account(person):
    return BankAccount.objects.get(person=person, valid=True)


def _lines(payroll):
    return list(PayrollLine.objects.filter(payroll=payroll).order_by("line_no"))


def _approve(staff, payroll):
    services.check_payroll(staff["approver"], payroll)
    return services.approve_payroll(staff["approver"], payroll)


def test_regular_month_pays_the_decided_amount_with_snapshot(pay_staff, dong_e_village, dong_e):
    admin = pay_staff["admin"]
    hh = make_household(admin, dong_e_village)
    make_recipient(admin, hh, "512.30")
    give_account(pay_staff["assistant"], hh)
    payroll = services.prepare_payroll(pay_staff["assistant"], MONTH, dong_e)
    [line] = _lines(payroll)
    assert line.amount_fen == 51230 and line.net_fen == 51230
    assert line.reason == Reason.DECIDED and line.share_permille == 1000
    head = hh.memberships.get(relation="head").person
    assert (line.payee_id, line.payee_name, line.id_number) == (head.pk, "王老汉", head.id_number)
    account = head_account(head)
    assert (line.bank, line.account_id, line.account_number) == (
        "农商银行",
        account.pk,
        account.account_number,
    )
    assert payroll.total_fen == 51230
    assert payroll.totals["by_programme"]["dibao"]["net_fen"] == 51230


def test_recipient_dates_are_read_as_yyyymmdd_and_0_for_none(pay_staff, dong_e_village, dong_e):
    """The dates come from the server as days since 1970 and are turned into YYYYMMDD."""
    admin = pay_staff["admin"]
    until = dt.date(2027, 2, 28)
    dated = make_recipient(
        admin,
        make_household(admin, dong_e_village),
        start=dt.date(2024, 2, 29),
        end=dt.date(2026, 12, 11),
        status="phase_out",
        phase_out_until=until,
    )
    open_ended = make_recipient(admin, make_household(admin, dong_e_village))
    recipients = pr.read_recipients(dong_e.prefix, MONTH)
    assert recipients.rid.tolist() == [dated.pk, open_ended.pk]
    assert recipients.start.tolist() == [20240229, 20260101]
    assert recipients.end.tolist() == [20261211, 0]
    assert recipients.phase_until.tolist() == [20270228, 0]


def test_pro_rata_first_and_last_month_by_days(pay_staff, dong_e_village, dong_e):
    admin = pay_staff["admin"]
    recipients = {
        # Starts on the 1st → full month; starts on the 16th → 16 of 31 days.
        "甲": {"start": MONTH},
        "乙": {"start": dt.date(2026, 12, 16)},
        # Ends (exclusive) on the 1st of next month → December in full; on the 11th → 10 days.
        "丙": {"end": dt.date(2027, 1, 1), "status": "ended"},
        "丁": {"end": dt.date(2026, 12, 11), "status": "ended"},
        # Suspended: nothing.
        "戊": {"status": "suspended"},
        # Ended before the month: nothing.
        "己": {"end": MONTH, "status": "ended"},
    }
    for name, terms in recipients.items():
        make_recipient(admin, make_household(admin, dong_e_village, name), "310.00", **terms)
    payroll = services.prepare_payroll(pay_staff["assistant"], MONTH, dong_e)
    got = {line.payee_name: (line.amount_fen, line.reason) for line in _lines(payroll)}
    assert got == {
        "甲": (31000, Reason.DECIDED),
        "乙": (16000, Reason.FIRST_PRORATA),
        "丙": (31000, Reason.DECIDED),
        "丁": (10000, Reason.LAST_PRORATA),
    }


def test_pro_rata_can_be_switched_off_by_parameter(pay_staff, dong_e_village, dong_e):
    admin = pay_staff["admin"]
    Parameter.objects.create(
        key="payments.prorate_by_days", effective_from=dt.date(2026, 1, 1), value=0, source="测试"
    )
    make_recipient(
        admin, make_household(admin, dong_e_village, "乙"), "310.00", start=dt.date(2026, 12, 16)
    )
    [line] = _lines(services.prepare_payroll(pay_staff["assistant"], MONTH, dong_e))
    assert line.amount_fen == 31000


def test_phase_out_taper_and_end(pay_staff, dong_e_village, dong_e):
    admin = pay_staff["admin"]
    Parameter.objects.create(
        key="dibao.phase_out_taper",
        effective_from=dt.date(2026, 1, 1),
        value=[100, 100, 80, 80, 60, 60],
        source="测试",
    )
    phase_outs = {
        # 6 months (not registered-poor), Sep…Feb 2027: Dec is the 4th month → 80 %.
        "渐退": dt.date(2027, 2, 1),
        # Phase-out that ended in November: nothing in December.
        "期满": dt.date(2026, 11, 1),
    }
    for name, until in phase_outs.items():
        household = make_household(admin, dong_e_village, name)
        make_recipient(admin, household, "400.00", status="phase_out", phase_out_until=until)
    lines = _lines(services.prepare_payroll(pay_staff["assistant"], MONTH, dong_e))
    assert [(x.payee_name, x.amount_fen, x.reason) for x in lines] == [
        ("渐退", 32000, Reason.PHASE_OUT)
    ]


def test_arrears_for_a_decision_that_came_late(pay_staff, dong_e_village, dong_e):
    admin = pay_staff["admin"]
    make_recipient(admin, make_household(admin, dong_e_village, "老户"), "300.00")
    october = services.prepare_payroll(pay_staff["assistant"], dt.date(2026, 10, 1), dong_e)
    _approve(pay_staff, october)
    november = services.prepare_payroll(pay_staff["assistant"], dt.date(2026, 11, 1), dong_e)
    _approve(pay_staff, november)
    # Decided in December with payments due from October: two months of back pay.
    make_recipient(
        admin, make_household(admin, dong_e_village, "迟到"), "450.00", start=dt.date(2026, 10, 1)
    )
    december = services.prepare_payroll(pay_staff["assistant"], MONTH, dong_e)
    late = [(x.kind, x.for_month, x.amount_fen) for x in _lines(december) if x.payee_name == "迟到"]
    assert sorted(late) == [
        ("arrears", dt.date(2026, 10, 1), 45000),
        ("arrears", dt.date(2026, 11, 1), 45000),
        ("regular", MONTH, 45000),
    ]
    assert december.totals["by_kind"]["arrears"]["net_fen"] == 90000
    # The old recipient was paid both months: no arrears for them.
    assert [x.kind for x in _lines(december) if x.payee_name == "老户"] == ["regular"]


def test_month_without_standard_is_refused_and_nothing_written(pay_staff, dong_e_village, dong_e):
    admin = pay_staff["admin"]
    make_recipient(admin, make_household(admin, dong_e_village), start=dt.date(2010, 1, 1))
    with pytest.raises(DomainError, match="没有生效的低保标准"):
        services.prepare_payroll(pay_staff["assistant"], dt.date(2012, 5, 1), dong_e)
    assert not Payroll.objects.exists() and not PayrollLine.objects.exists()


def test_second_payroll_same_month_and_town_is_refused(pay_staff, dong_e_village, dong_e):
    admin = pay_staff["admin"]
    make_recipient(admin, make_household(admin, dong_e_village))
    services.prepare_payroll(pay_staff["assistant"], MONTH, dong_e)
    with pytest.raises(DomainError, match="已经生成，不能重复生成"):
        services.prepare_payroll(pay_staff["admin"], MONTH, dong_e)
    assert Payroll.objects.count() == 1 and PayrollLine.objects.count() == 1


def test_maker_checker(pay_staff, dong_e_village, dong_e):
    admin = pay_staff["admin"]
    make_recipient(admin, make_household(admin, dong_e_village))
    payroll = services.prepare_payroll(pay_staff["admin"], MONTH, dong_e)
    with pytest.raises(PermissionError, match=r"^无权审批发放名册、核销追回款。$"):
        services.approve_payroll(pay_staff["assistant"], payroll)  # a town assistant
    services.check_payroll(pay_staff["admin"], payroll)
    with pytest.raises(PermissionError, match="不能审批自己"):
        services.approve_payroll(pay_staff["admin"], payroll)
    with pytest.raises(PermissionError, match=r"^不在本人管辖区域内。$"):
        services.approve_payroll(pay_staff["other_approver"], payroll)  # another town's
    approved = services.approve_payroll(pay_staff["approver"], payroll)
    assert approved.locked and approved.approved_by == pay_staff["approver"]


def test_approval_needs_the_check_first(pay_staff, dong_e_village, dong_e):
    admin = pay_staff["admin"]
    make_recipient(admin, make_household(admin, dong_e_village))
    payroll = services.prepare_payroll(pay_staff["assistant"], MONTH, dong_e)
    with pytest.raises(DomainError, match="须先审查"):
        services.approve_payroll(pay_staff["approver"], payroll)


def test_locked_payroll_is_immutable(pay_staff, dong_e_village, dong_e):
    admin = pay_staff["admin"]
    hh = make_household(admin, dong_e_village)
    make_recipient(admin, hh, "500.00")
    payroll = _approve(pay_staff, services.prepare_payroll(pay_staff["assistant"], MONTH, dong_e))
    line = _lines(payroll)[0]
    # Services refuse with a message.
    with pytest.raises(DomainError, match="已审批锁定"):
        services.discard_payroll(pay_staff["assistant"], payroll, "重做")
    with pytest.raises(DomainError, match="已审批锁定"):
        services.check_payroll(pay_staff["assistant"], payroll)
    # The database refuses every other path: ORM update, raw SQL, delete, insert.
    for attempt in (
        lambda: PayrollLine.objects.filter(pk=line.pk).update(net_fen=1),
        lambda: PayrollLine.objects.filter(pk=line.pk).delete(),
        lambda: Payroll.objects.filter(pk=payroll.pk).update(total_fen=1, locked=False),
        lambda: connection.cursor().execute(
            "UPDATE payments_payrollline SET account_number = '1' WHERE id = %s", [line.pk]
        ),
        lambda: PayrollLine.objects.create(
            **{
                **{f.attname: getattr(line, f.attname) for f in PayrollLine._meta.fields},
                "id": line_id(payroll.pk, 99),
                "line_no": 99,
            }
        ),
    ):
        with pytest.raises(DatabaseError), transaction.atomic():
            attempt()
    line.refresh_from_db()
    payroll.refresh_from_db()
    assert line.net_fen == 50000 and payroll.total_fen == 50000 and payroll.locked
    # A later account correction does not touch the frozen snapshot.
    give_account(pay_staff["assistant"], hh, "工商银行", "6222000011112222")
    line.refresh_from_db()
    assert line.bank == ""


def test_lines_need_their_payroll_at_the_database_level(pay_staff, dong_e_village, dong_e):
    """No foreign key on the lines table (it would cost a check per line); the triggers keep
    what it guaranteed: no line without its payroll, no payroll deleted under its lines."""
    admin = pay_staff["admin"]
    make_recipient(admin, make_household(admin, dong_e_village))
    payroll = services.prepare_payroll(pay_staff["assistant"], MONTH, dong_e)
    line = _lines(payroll)[0]
    fields = {f.attname: getattr(line, f.attname) for f in PayrollLine._meta.fields}
    missing = payroll.pk + 1000
    with pytest.raises(DatabaseError), transaction.atomic():
        PayrollLine.objects.create(**{**fields, "id": line_id(missing, 1), "payroll_id": missing})
    with pytest.raises(DatabaseError), transaction.atomic():
        connection.cursor().execute("DELETE FROM payments_payroll WHERE id = %s", [payroll.pk])
    # A line for the open payroll is still accepted (prepare is not the only writer).
    PayrollLine.objects.create(**{**fields, "id": line_id(payroll.pk, 2), "line_no": 2})
    assert PayrollLine.objects.of_payroll(payroll.pk).count() == 2
    assert Payroll.objects.filter(pk=payroll.pk).exists()


def test_line_ids_keep_line_numbers_unique_within_a_payroll(pay_staff, dong_e_village, dong_e):
    """A line's id is its payroll × 10,000,000 + its number: the primary key refuses a
    number used twice and the check refuses an id that does not match its number."""
    admin = pay_staff["admin"]
    make_recipient(admin, make_household(admin, dong_e_village))
    payroll = services.prepare_payroll(pay_staff["assistant"], MONTH, dong_e)
    line = _lines(payroll)[0]
    assert (line.pk, line.line_no) == (line_id(payroll.pk, 1), 1)
    fields = {f.attname: getattr(line, f.attname) for f in PayrollLine._meta.fields}
    for wrong in (
        {},  # the same number again
        {"id": line_id(payroll.pk, 7)},  # an id of another number
        {"id": line_id(payroll.pk + 1, 1)},  # an id of another payroll
        {"id": line_id(payroll.pk, 0), "line_no": 0},  # numbers start at 1
    ):
        with pytest.raises(DatabaseError), transaction.atomic():
            PayrollLine.objects.create(**{**fields, **wrong})
    assert [x.pk for x in _lines(payroll)] == [line.pk]


def test_bulk_load_puts_its_guard_back_even_when_it_fails(pay_staff, dong_e_village, dong_e):
    """The prepare lifts the insert guard for its own load only: afterwards, and after a
    failed load, the guard is in place and refuses lines of a locked payroll."""

    admin = pay_staff["admin"]
    make_recipient(admin, make_household(admin, dong_e_village))
    payroll = services.prepare_payroll(pay_staff["assistant"], MONTH, dong_e)
    recipients = pr.read_recipients(dong_e.prefix, MONTH)
    lines = pr.compute_lines(recipients, MONTH, pr.Rules.load(MONTH))
    name = pr.INSERT_GUARD[connection.vendor]

    def guard_in_place():
        with connection.cursor() as cursor:
            if connection.vendor == "postgresql":
                cursor.execute("SELECT tgenabled FROM pg_trigger WHERE tgname = %s", [name])
                return cursor.fetchone() == ("O",)
            cursor.execute("SELECT count(*) FROM sqlite_master WHERE name = %s", [name])
            return cursor.fetchone() == (1,)

    with pytest.raises(DatabaseError), transaction.atomic():
        pr.write_lines(payroll.pk, lines, recipients)  # line 1 exists: the load fails
    assert guard_in_place() and len(_lines(payroll)) == 1
    with transaction.atomic():  # an error that is caught: the transaction goes on, guarded
        with (
            pytest.raises(ValueError),
            connection.cursor() as cursor,
            pr.insert_guard_lifted(cursor, payroll.pk),
        ):
            raise ValueError
        assert guard_in_place()
    with transaction.atomic():
        pr.write_lines(payroll.pk, lines, recipients, first_line_no=2)
    assert guard_in_place() and len(_lines(payroll)) == 2
    _approve(pay_staff, payroll)
    with pytest.raises(DatabaseError), transaction.atomic():  # locked: checked once, up front
        pr.write_lines(payroll.pk, lines, recipients, first_line_no=3)
    with pytest.raises(DatabaseError), transaction.atomic():  # and the guard itself refuses
        PayrollLine.objects.create(
            **{
                **{
                    f.attname: getattr(_lines(payroll)[0], f.attname)
                    for f in PayrollLine._meta.fields
                },
                "id": line_id(payroll.pk, 3),
                "line_no": 3,
            }
        )
    assert len(_lines(payroll)) == 2


def test_discard_before_approval_allows_preparing_again(pay_staff, dong_e_village, dong_e):
    admin = pay_staff["admin"]
    make_recipient(admin, make_household(admin, dong_e_village))
    payroll = services.prepare_payroll(pay_staff["assistant"], MONTH, dong_e)
    with pytest.raises(DomainError, match=r"^请填写作废原因。$"):
        services.discard_payroll(pay_staff["assistant"], payroll, "  ")
    with pytest.raises(PermissionError, match=r"^无权生成发放名册、银行文件与回盘。$"):
        services.discard_payroll(pay_staff["approver"], payroll, "重做")
    assert Payroll.objects.filter(pk=payroll.pk, locked=False).exists()
    assert PayrollLine.objects.filter(payroll=payroll).count() == 1
    services.discard_payroll(pay_staff["assistant"], payroll, "漏录一户，重新生成")
    assert not Payroll.objects.exists()
    assert services.prepare_payroll(pay_staff["assistant"], MONTH, dong_e).line_count == 1


def test_check_reports_differences_from_last_month(pay_staff, dong_e_village, dong_e):
    admin = pay_staff["admin"]
    make_recipient(admin, make_household(admin, dong_e_village, "不变"), "300.00")
    stopped = make_recipient(admin, make_household(admin, dong_e_village, "停止"), "300.00")
    changed = make_recipient(admin, make_household(admin, dong_e_village, "调整"), "300.00")
    _approve(
        pay_staff, services.prepare_payroll(pay_staff["assistant"], dt.date(2026, 11, 1), dong_e)
    )
    type(stopped).objects.filter(pk=stopped.pk).update(
        status="ended", end_month=MONTH, end_reason="死亡"
    )
    type(changed).objects.filter(pk=changed.pk).update(monthly_amount="350.00")
    make_recipient(admin, make_household(admin, dong_e_village, "新增"), "200.00", start=MONTH)
    payroll = services.check_payroll(
        pay_staff["approver"], services.prepare_payroll(pay_staff["assistant"], MONTH, dong_e)
    )
    report = payroll.check_report
    assert report["counts"] == {"new": 1, "stopped": 1, "changed": 1}
    assert report["stopped"][0]["reason"] == "已停止救助：死亡"
    assert report["changed"][0]["before"] == "300.00" and report["changed"][0]["after"] == "350.00"
    assert report["change_fen"] == 20000 + 5000 - 30000


def test_county_wide_run_prepares_one_payroll_per_town(pay_staff, dong_e_village, meigui_village):
    admin = pay_staff["admin"]
    make_recipient(admin, make_household(admin, dong_e_village))
    make_recipient(admin, make_household(admin, meigui_village, "玫瑰户"))
    result = prepare_towns(admin, MONTH)
    assert len(result["prepared"]) == 2 and result["refused"] == []
    again = prepare_towns(admin, MONTH)
    assert again["prepared"] == [] and len(again["refused"]) == 2
