"""Writes of medical assistance: bills entered or imported (the amount computed as they are
recorded), the town's approval by a second person, and the bank files of post-settlement
payments. Each refuses with a Chinese message and writes nothing when any part is wrong."""

import datetime as dt
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
from django.db import connection, transaction
from django.db.models import Sum
from django.utils import timezone

from jiuzhu.core.errors import DomainError
from jiuzhu.core.files import file_sha256
from jiuzhu.core.models import User
from jiuzhu.core.money import format_yuan
from jiuzhu.core.permissions import require
from jiuzhu.core.programmes import Programme
from jiuzhu.core.roles import Capability
from jiuzhu.core.services import record_audit
from jiuzhu.medical import eligibility
from jiuzhu.medical.models import Bill, BillSource, BillStatus, PaymentBatch
from jiuzhu.payments.files import bank_columns, files_dir, write_csv
from jiuzhu.payments.models import BankAccount
from jiuzhu.payments.selectors import valid_accounts
from jiuzhu.registry.models import Membership, Person
from jiuzhu.registry.selectors import current_memberships_by_id_number


@dataclass(frozen=True)
class BillInput:
    id_number: str
    hospital: str
    admitted_on: dt.date
    discharged_on: dt.date
    total_fen: int
    basic_fen: int
    critical_fen: int
    eligible_fen: int
    self_paid_fen: int = 0
    one_stop: bool = False
    # What the hospital already deducted as medical assistance (one-stop settlement).
    deducted_fen: int = 0


@dataclass(frozen=True)
class _Checked:
    item: BillInput
    person: Person
    household_id: int
    town_code: str
    category: int  # an eligibility code


def _check_parts(item: BillInput) -> None:
    if not item.hospital.strip():
        raise DomainError("请填写医疗机构。", field="hospital")
    if item.admitted_on > item.discharged_on:
        raise DomainError("入院日期不能晚于出院日期。", field="admitted_on")
    if item.discharged_on > timezone.localdate():
        raise DomainError("出院日期不能晚于今天。", field="discharged_on")
    parts = item.basic_fen + item.critical_fen + item.eligible_fen + item.self_paid_fen
    if parts != item.total_fen:
        raise DomainError(parts_error(parts, item.total_fen), field="total")


def parts_error(parts_fen: int, total_fen: int) -> str:
    """Why a bill whose parts do not add up to its total is refused."""
    return (
        f"各项费用之和 {format_yuan(parts_fen)} 元与总费用 {format_yuan(total_fen)} 元"
        "不符（总费用 = 基本医保 + 大病保险 + 政策内自付 + 政策外自费）。"
    )


def _check_all(actor: User, items: Sequence[BillInput]) -> list[_Checked | DomainError]:
    """Each bill checked, or why not: people, households and categories are read in a few
    queries for all the bills, not per bill."""
    members = current_memberships_by_id_number({item.id_number for item in items})
    codes = _categories([(item, members.get(item.id_number)) for item in items])
    out: list[_Checked | DomainError] = []
    for item, code in zip(items, codes.tolist(), strict=True):
        try:
            _check_parts(item)
            out.append(_person_of(actor, item, members.get(item.id_number), code))
        except DomainError as error:
            out.append(error)
    return out


def _categories(found: list[tuple[BillInput, Membership | None]]) -> eligibility.Codes:
    """Each bill's category code on its discharge day (eligibility.NONE for a bill of
    nobody known): the spans of the people and their households, then eligibility's rule."""
    person = np.array([m.person_id if m else 0 for _, m in found], dtype=np.int64)
    household = np.array([m.household_id if m else 0 for _, m in found], dtype=np.int64)
    day = np.array([item.discharged_on for item, _ in found], dtype="datetime64[D]")
    people, households = sorted(set(person.tolist()) - {0}), sorted(set(household.tolist()) - {0})
    if not people:
        return np.full(len(found), eligibility.NONE, dtype=np.int8)
    with connection.cursor() as cursor:
        cursor.execute(
            eligibility.spans_sql(_marks(people), _marks(households)),
            [*people, *households, *households],
        )
        spans = eligibility.span_table(cursor.fetchall())
    return eligibility.categories(person, household, day, spans)


def _marks(values: list[int]) -> str:
    return ", ".join(["%s"] * len(values))


def _person_of(actor: User, item: BillInput, membership: Membership | None, code: int) -> _Checked:
    if membership is None:
        raise DomainError("未找到该身份证号的人员，请先在家庭档案中登记。", field="id_number")
    person, household = membership.person, membership.household
    if not household.registered_code.startswith(actor.scope_prefix):
        raise DomainError(f"{person.name}的户籍不在本人管辖区域内。", field="id_number")
    if code == eligibility.NONE:
        raise DomainError(f"{person.name}{eligibility.NOT_HELPED}", field="id_number")
    return _Checked(item, person, household.pk, household.registered_code, code)


def record_bills(actor: User, items: Sequence[BillInput], source: str) -> list[Bill]:
    """Record bills and compute each one's assistance against the person's year so far;
    one-stop settlements must match what the hospital deducted. All or nothing: an import's
    refusal names each bad row."""
    require(actor, Capability.PREPARE_PAYROLL)
    if not items:
        raise DomainError("没有可导入的票据。")
    many = source == BillSource.IMPORTED
    checked: list[_Checked] = []
    errors: list[str] = []
    for number, outcome in enumerate(_check_all(actor, items), start=1):
        if isinstance(outcome, _Checked):
            checked.append(outcome)
        elif not many:
            raise outcome
        else:
            errors.append(f"第{number}条：{outcome.message}")
    if errors:
        raise refusal(errors)
    with transaction.atomic():
        # Lock the people first: two entries for one person must not both use the cap.
        list(Person.objects.select_for_update().filter(pk__in={c.person.pk for c in checked}))
        bills = _computed(actor, checked, source)
        refused = _settlement_refusals(checked, bills)
        if refused and many:
            raise refusal([f"第{index + 1}条：{message}" for index, message in refused])
        if refused:
            raise DomainError(refused[0][1], field="deducted")
        Bill.objects.bulk_create(bills)
        record_audit(
            actor,
            "record_medical_bills",
            bills[0] if len(bills) == 1 else None,
            {"bills": len(bills), "amount_fen": sum(b.amount_fen for b in bills)},
        )
    return bills


def refusal(errors: list[str]) -> DomainError:
    """An import's refusal: the first ten bad rows, how many there were, nothing written."""
    more = f"（共{len(errors)}处错误）" if len(errors) > 10 else ""
    return DomainError("".join(errors[:10]) + more + "未导入任何票据。")


def _computed(actor: User, checked: list[_Checked], source: str) -> list[Bill]:
    """The bills with their amounts: eligibility.decide over the bills as columns, against
    the people's years so far."""
    prior = _year_so_far({(c.person.pk, c.item.discharged_on.year) for c in checked})
    years = [(c.person.pk, c.item.discharged_on.year) for c in checked]
    columns = eligibility.decide(
        np.array([c.person.pk for c in checked], dtype=np.int64),
        np.array([c.item.discharged_on for c in checked], dtype="datetime64[D]"),
        np.array([c.item.eligible_fen for c in checked], dtype=np.int64),
        np.arange(len(checked), dtype=np.int64),
        np.array([c.category for c in checked], dtype=np.int8),
        np.array([prior[key][0] for key in years], dtype=np.int64),
        np.array([prior[key][1] for key in years], dtype=np.int64),
    )
    decided = [
        dict(zip(columns, row, strict=True))
        for row in zip(*(v.tolist() for v in columns.values()), strict=True)
    ]
    return [
        Bill(
            person=c.person,
            household_id=c.household_id,
            town_code=c.town_code,
            hospital=c.item.hospital.strip(),
            admitted_on=c.item.admitted_on,
            discharged_on=c.item.discharged_on,
            total_fen=c.item.total_fen,
            basic_fen=c.item.basic_fen,
            critical_fen=c.item.critical_fen,
            eligible_fen=c.item.eligible_fen,
            self_paid_fen=c.item.self_paid_fen,
            one_stop=c.item.one_stop,
            source=source,
            category=eligibility.CATEGORIES[c.category].value,
            status=BillStatus.PROPOSED,
            entered_by=actor,
            **values,
        )
        for c, values in zip(checked, decided, strict=True)
    ]


def _year_so_far(keys: set[tuple[int, int]]) -> dict[tuple[int, int], tuple[int, int]]:
    """(eligible out-of-pocket, assistance) of the bills already recorded per person and
    year: every recorded bill counts, so the cap holds whatever is still to be approved."""
    found: dict[tuple[int, int], tuple[int, int]] = {key: (0, 0) for key in keys}
    rows = (
        Bill.objects.filter(
            person_id__in={person for person, _ in keys},
            discharged_on__year__in={year for _, year in keys},
        )
        .values_list("person_id", "discharged_on__year")
        .annotate(eligible=Sum("eligible_fen"), paid=Sum("amount_fen"))
    )
    for person_id, year, eligible, paid in rows:
        if (person_id, year) in found:
            found[(person_id, year)] = (int(eligible or 0), int(paid or 0))
    return found


def _settlement_refusals(checked: list[_Checked], bills: list[Bill]) -> list[tuple[int, str]]:
    refusals = []
    for index, (c, bill) in enumerate(zip(checked, bills, strict=True)):
        message = settlement_error(
            c.item.one_stop, c.item.deducted_fen, bill.amount_fen, c.person.name
        )
        if message:
            refusals.append((index, message))
    return refusals


def settlement_error(one_stop: bool, deducted_fen: int, amount_fen: int, name: str) -> str:
    """A one-stop bill must say what the hospital deducted, and it may not exceed what the
    rules allow (the yearly cap included); a bill paid after settlement must pay something.
    "" when the bill is right."""
    allowed = format_yuan(amount_fen)
    if one_stop and deducted_fen > amount_fen:
        return (
            f"医院已减免 {format_yuan(deducted_fen)} 元，超过按政策可救助的 "
            f"{allowed} 元（含年度限额）。"
        )
    if one_stop and deducted_fen < amount_fen:
        return (
            f"医院已减免 {format_yuan(deducted_fen)} 元，与按政策计算的 "
            f"{allowed} 元不符，请核对结算单。"
        )
    if not one_stop and amount_fen == 0:
        return f"{name}本年度救助已达年度限额或未超过起付线，无可救助金额。"
    return ""


def approve(actor: User, bill: Bill) -> Bill:
    """The town's decision, by someone other than who entered the bill: a post-settlement
    bill waits for the bank file, a one-stop bill is settled (the hospital paid it)."""
    require(actor, Capability.APPROVE_PAYROLL)
    if not bill.town_code.startswith(actor.scope_prefix):
        raise PermissionError("不在本人管辖区域内。")
    if bill.entered_by_id == actor.pk:
        raise DomainError("录入人不能审批本人录入的票据，请由另一名工作人员审批。")
    status = BillStatus.SETTLED if bill.one_stop else BillStatus.APPROVED
    now = timezone.now()
    with transaction.atomic():
        done = Bill.objects.filter(pk=bill.pk, status=BillStatus.PROPOSED).update(
            status=status, approved_by=actor, approved_at=now
        )
        if not done:
            raise DomainError("该票据已审批，无需重复审批。")
        record_audit(actor, "approve_medical_bill", bill, {"amount_fen": bill.amount_fen})
    bill.refresh_from_db()
    return bill


def make_payment_files(actor: User) -> list[PaymentBatch]:
    """A bank file per town and bank of the approved post-settlement bills in the actor's
    area whose person has an account in force; the others wait for one."""
    require(actor, Capability.PREPARE_PAYROLL)
    with transaction.atomic():
        bills = list(
            Bill.objects.select_for_update()
            .filter(
                status=BillStatus.APPROVED,
                one_stop=False,
                town_code__startswith=actor.scope_prefix,
            )
            .select_related("person")
            .order_by("town_code", "pk")
        )
        accounts = valid_accounts({bill.person_id for bill in bills})
        groups: dict[tuple[str, str], list[Bill]] = defaultdict(list)
        for bill in bills:
            account = accounts.get(bill.person_id)
            if account is not None:
                groups[(bill.town_code, account.bank)].append(bill)
        if not groups:
            raise DomainError("没有已审批且已登记发放账户的待发放医疗救助。")
        made = [
            _write(actor, town, bank, group, accounts) for (town, bank), group in groups.items()
        ]
    return made


def medical_ref(batch_id: int, line_no: int) -> str:
    """The reference banks echo back: M for medical, apart from the payroll's P."""
    return f"M{batch_id:06d}-{line_no:07d}"


def _write(
    actor: User, town: str, bank: str, bills: list[Bill], accounts: dict[int, BankAccount]
) -> PaymentBatch:
    batch = PaymentBatch.objects.create(
        town_code=town, bank=bank, rows=0, total_fen=0, sha256="", stored_path="", created_by=actor
    )
    lines = [
        (
            number,
            accounts[bill.person_id].account_number,
            accounts[bill.person_id].holder_name,
            bill.person.id_number,
            bill.amount_fen,
            Programme.MEDICAL.value,
            bill.discharged_on.replace(day=1),
        )
        for number, bill in enumerate(bills, start=1)
    ]
    stamp = timezone.now().strftime("%Y%m%d%H%M%S")
    path = files_dir() / f"medical{batch.pk}_{stamp}.csv"
    rows, total = write_csv(path, batch.pk, [bank_columns(lines)], medical_ref)
    batch.rows, batch.total_fen = rows, total
    batch.sha256, batch.stored_path = file_sha256(path), str(path)
    batch.save(update_fields=["rows", "total_fen", "sha256", "stored_path"])
    Bill.objects.filter(pk__in=[bill.pk for bill in bills]).update(
        status=BillStatus.PAID, batch=batch
    )
    record_audit(
        actor, "make_medical_payment_file", batch, {"rows": rows, "total_fen": total, "bank": bank}
    )
    return batch
