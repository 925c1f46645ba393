"""Twelve months of paid payrolls for the demo county, made the way staff make them.

Every payee gets a bank account (requested by the town assistant, approved by the town's
approver); then, month after month, each town's payroll is prepared by its assistant,
checked by the county administrator and approved by the town's approver; a payment file is
made for each bank and the bank's results are imported (every line paid, except one failed
line a month in the county, so the re-issue journey has something to show). The overview's
figures follow from the approvals, as they do in production.
"""

import csv
import datetime as dt
import io
import time
from dataclasses import dataclass

from django.db import connection
from django.db.models import Sum
from tqdm import tqdm

from jiuzhu.cases.models import PAID_RECIPIENT_STATUSES, Recipient
from jiuzhu.core.models import Region, RegionLevel, User
from jiuzhu.core.months import add_months, first_of_month
from jiuzhu.core.roles import Role
from jiuzhu.dashboard import figures
from jiuzhu.dashboard.models import MonthlyFigure
from jiuzhu.funds.services import set_budget
from jiuzhu.payments import files, services
from jiuzhu.payments.models import PAYABLE, BankAccount, FileFormat, PayrollLine, line_ref
from jiuzhu.registry.columnar import heads_sql
from jiuzhu.registry.models import Household, Person

BANKS = ("平阴县农村商业银行", "中国邮政储蓄银行平阴县支行", "中国农业银行平阴县支行")


@dataclass
class PayHistory:
    accounts: int = 0
    payrolls: int = 0
    lines: int = 0
    failed: int = 0
    budgets: int = 0
    seconds: float = 0.0


def _staff(region: Region, role: Role) -> User:
    """The demo account of this role in this region (jiuzhu.demo.accounts creates them)."""
    return User.objects.filter(role=role, region=region, is_active=True).order_by("pk").get()


def _payees(prefix: str) -> list[tuple[int, int]]:
    """(household id, person id) of each paid recipient's payee in a town: the person the
    programme is for, else the household's head (as the payroll reads it)."""
    recipients = Recipient.objects.filter(
        region_code__startswith=prefix, status__in=PAID_RECIPIENT_STATUSES
    ).values_list("household_id", "person_id")
    with connection.cursor() as cursor:
        cursor.execute(heads_sql())
        heads = dict(cursor.fetchall())
    payees = {(h, p or heads.get(h)) for h, p in recipients}
    return sorted((h, p) for h, p in payees if p is not None)


def open_accounts(town: Region, assistant: User, approver: User) -> int:
    """A bank account for every payee of the town who has none."""
    has_account = set(BankAccount.objects.filter(valid=True).values_list("person_id", flat=True))
    wanted = [(h, p) for h, p in _payees(town.prefix) if p not in has_account]
    households = Household.objects.in_bulk([h for h, _ in wanted])
    persons = Person.objects.in_bulk([p for _, p in wanted])
    for household_id, person_id in wanted:
        person = persons[person_id]
        pending = services.set_account(
            assistant,
            households[household_id],
            person,
            BANKS[person_id % len(BANKS)],
            f"62{person_id:017d}",
            person.name,
            note="演示数据：开户登记",
        )
        services.approve_account(approver, pending)
    return len(wanted)


def _results_file(payment_file_rows: list[tuple[str, int]], fail_ref: str) -> bytes:
    """The bank's answer to a payment file: every line paid, except `fail_ref`."""
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(files.RESULT_HEADER)
    for ref, fen in payment_file_rows:
        failed = ref == fail_ref
        writer.writerow(
            [
                ref,
                "",
                f"{fen / 100:.2f}",
                "失败" if failed else "成功",
                "账户已冻结" if failed else "",
            ]
        )
    return out.getvalue().encode()


def pay_month(
    month: dt.date, town: Region, admin: User, history: PayHistory, fail_one: bool
) -> bool:
    """Pay one town's month; with `fail_one`, the bank fails its first line (if it has one).
    Returns whether a line failed."""
    assistant = _staff(town, Role.TOWN_ASSISTANT)
    approver = _staff(town, Role.TOWN_APPROVER)
    payroll = services.prepare_payroll(assistant, month, town)
    services.check_payroll(admin, payroll)
    payroll = services.approve_payroll(approver, payroll)
    history.payrolls += 1
    history.lines += payroll.line_count
    failed = False
    for bank in files.banks_of(payroll):
        made = files.make_payment_file(assistant, payroll, bank, FileFormat.CSV)
        rows = [
            (line_ref(payroll.pk, no), fen)
            for no, fen in PayrollLine.objects.of_payroll(payroll.pk)
            .filter(PAYABLE, bank=bank)
            .order_by("line_no")
            .values_list("line_no", "net_fen")
        ]
        fail_ref = rows[0][0] if rows and fail_one and not failed else ""
        failed = failed or bool(fail_ref)
        files.import_results(assistant, made, "回盘.csv", _results_file(rows, fail_ref))
    history.failed += failed
    return failed


def set_budgets(admin: User, county: Region, year: int) -> int:
    """The county's budget of each paid programme for the year: the last twelve months'
    payments and 8 % more, in whole ten-thousands of yuan (as a budget office would)."""
    paid = (
        MonthlyFigure.objects.filter(region_code__startswith=county.prefix)
        .values_list("programme")
        .annotate(fen=Sum("amount_fen"))
    )
    for programme, fen in paid:
        amount = -(-int(fen) * 108 // 100 // 1_000_000) * 1_000_000
        set_budget(admin, year, programme, county, amount, note="演示数据：按上年实际支出测算")
    return len(paid)


def pay_history(
    months: int = 12, today: dt.date | None = None, progress: bool = True
) -> PayHistory:
    """Pay the `months` months before this one, in every town of the county."""
    started = time.perf_counter()
    history = PayHistory()
    today = today or dt.date.today()
    towns = list(Region.objects.filter(level=RegionLevel.TOWN).order_by("code"))
    county = Region.objects.filter(level=RegionLevel.COUNTY).order_by("code").get()
    admin = _staff(county, Role.COUNTY_ADMIN)
    for town in towns:
        history.accounts += open_accounts(
            town, _staff(town, Role.TOWN_ASSISTANT), _staff(town, Role.TOWN_APPROVER)
        )
    first = add_months(first_of_month(today), -months)
    steps = [(add_months(first, n), town) for n in range(months) for town in towns]
    with figures.refresh_deferred():
        failed_in: set[dt.date] = set()  # one failed payment a month in the county
        for month, town in tqdm(steps, desc="演示发放名册", unit="册", disable=not progress):
            if pay_month(month, town, admin, history, fail_one=month not in failed_in):
                failed_in.add(month)
    figures.refresh(timeliness=True)
    history.budgets = set_budgets(admin, county, today.year)
    history.seconds = time.perf_counter() - started
    return history
