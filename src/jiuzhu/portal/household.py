"""The household as the applicant declares it when applying: the registered members
confirmed (or named as no longer living with them), and members, incomes and assets
entered. Everything is checked before anything is written; then the entries go into the
registry through its services in the name of the town's 掌上办 account (audited as such,
noted as declared on the phone), in the application's transaction, and what cannot be
written as a fact (a member said to have left) goes to the town in the application for
the home visit to check."""

from collections.abc import Mapping
from dataclasses import dataclass, field

from jiuzhu.core.errors import DomainError
from jiuzhu.core.models import User
from jiuzhu.core.money import parse_decimal_yuan
from jiuzhu.registry import services as registry
from jiuzhu.registry.inputs import MAX_MEMBERS, TOO_MANY_MEMBERS, MemberInput, check_member
from jiuzhu.registry.models import (
    AssetKind,
    Household,
    IncomeCategory,
    Membership,
    Person,
    Relation,
)

ROWS = 3  # rows of each kind the page offers at once
DECLARED = "申请人手机申报"
# A new member is a relative of the head; the head is already registered.
NEW_RELATIONS = [choice for choice in Relation.choices if choice[0] != Relation.HEAD]


@dataclass
class NewMember:
    name: str
    id_number: str
    relation: str


@dataclass
class NewIncome:
    category: str
    monthly_amount: str
    person_id: int | None = None


@dataclass
class NewAsset:
    kind: str
    value: str
    quantity: str = "1"


@dataclass
class Declaration:
    """What the applicant changed on the household part of the apply page."""

    gone: list[int] = field(default_factory=list)  # members no longer living with them
    members: list[NewMember] = field(default_factory=list)
    incomes: list[NewIncome] = field(default_factory=list)
    assets: list[NewAsset] = field(default_factory=list)


def _rows(post: Mapping[str, str], names: tuple[str, ...]) -> list[list[str]]:
    """The rows of the page filled in (a row left blank is no row)."""
    rows = []
    for i in range(ROWS):
        values = [str(post.get(f"{name}_{i}", "") or "").strip() for name in names]
        if any(values):
            rows.append(values)
    return rows


FIELDS = (
    "new_name",
    "new_id",
    "new_relation",
    "income_category",
    "income_amount",
    "income_person",
    "asset_kind",
    "asset_value",
    "asset_quantity",
)


def typed_rows(post: Mapping[str, str]) -> list[dict[str, str]]:
    """Each row's values as typed, to show the page again after a refusal."""
    return [
        {"i": str(i), **{name: str(post.get(f"{name}_{i}", "") or "") for name in FIELDS}}
        for i in range(ROWS)
    ]


def _person_id(value: str) -> int | None:
    return int(value) if value.isdigit() else None


def read(post: Mapping[str, str], gone: list[str]) -> Declaration:
    """The declaration as the page posts it: `gone` are the ticked "no longer lives with
    me" boxes, the rows are numbered new_name_0, income_amount_1 and so on."""
    return Declaration(
        gone=[int(value) for value in gone if value.isdigit()],
        members=[
            NewMember(name, id_number, relation)
            for name, id_number, relation in _rows(post, ("new_name", "new_id", "new_relation"))
        ],
        incomes=[
            NewIncome(category, amount, _person_id(person))
            for category, amount, person in _rows(
                post, ("income_category", "income_amount", "income_person")
            )
        ],
        assets=[
            NewAsset(kind, value, quantity or "1")
            for kind, value, quantity in _rows(
                post, ("asset_kind", "asset_value", "asset_quantity")
            )
        ],
    )


def _member_input(household: Household, row: NewMember) -> MemberInput:
    return MemberInput(
        id_number=row.id_number,
        name=row.name,
        relation=row.relation,
        residence_region=household.residence_region,
        registered_region=household.registered_region,
        hukou_type=household.area_type,
    )


def _quantity(text: str, n: int) -> int:
    if not text.isdigit() or not 0 < int(text) <= 1000:
        raise DomainError(f"第{n}项财产：数量应为1-1000。", field="assets")
    return int(text)


def check(household: Household, applicant: Person, declaration: Declaration) -> None:
    """Every entry checked, one Chinese message naming the row; nothing is written."""
    current = set(
        Membership.objects.filter(household=household, end_date__isnull=True).values_list(
            "person_id", flat=True
        )
    )
    for person_id in declaration.gone:
        if person_id == applicant.pk:
            raise DomainError("申请人本人不能申报为不再共同生活。", field="household")
        if person_id not in current:
            raise DomainError("所选人员不是您家庭的现有成员。", field="household")
    if len(current) + len(declaration.members) > MAX_MEMBERS:
        raise DomainError(TOO_MANY_MEMBERS, field="household")
    seen = set()
    for n, row in enumerate(declaration.members, 1):
        if row.relation not in dict(NEW_RELATIONS):
            raise DomainError(f"第{n}位新增成员：请选择与户主的关系。", field="household")
        try:
            facts = check_member(_member_input(household, row))
        except DomainError as exc:
            raise DomainError(f"第{n}位新增成员：{exc.message}", field="household") from exc
        if facts.id_number in seen:
            raise DomainError(f"第{n}位新增成员：身份证号重复填写。", field="household")
        seen.add(facts.id_number)
    for n, income in enumerate(declaration.incomes, 1):
        if income.category not in IncomeCategory.values:
            raise DomainError(f"第{n}项收入：请选择收入类别。", field="incomes")
        if income.person_id is not None and income.person_id not in current:
            raise DomainError(f"第{n}项收入：所选人员不是您家庭的现有成员。", field="incomes")
        try:
            parse_decimal_yuan(income.monthly_amount, "月均收入", "incomes")
        except DomainError as exc:
            raise DomainError(f"第{n}项收入：{exc.message}", field="incomes") from exc
    for n, asset in enumerate(declaration.assets, 1):
        if asset.kind not in AssetKind.values:
            raise DomainError(f"第{n}项财产：请选择财产类别。", field="assets")
        try:
            parse_decimal_yuan(asset.value, "财产价值", "assets")
        except DomainError as exc:
            raise DomainError(f"第{n}项财产：{exc.message}", field="assets") from exc
        _quantity(asset.quantity, n)


def record(account: User, household: Household, declaration: Declaration) -> str:
    """Write the checked declaration (inside the caller's transaction); returns the note
    for the town about what the applicant declared."""
    for row in declaration.members:
        registry.add_member(account, household, _member_input(household, row))
    for income in declaration.incomes:
        person = Person.objects.get(pk=income.person_id) if income.person_id else None
        registry.add_income(
            account, household, income.category, income.monthly_amount, person, DECLARED
        )
    for n, asset in enumerate(declaration.assets, 1):
        registry.add_asset(
            account,
            household,
            asset.kind,
            asset.value,
            _quantity(asset.quantity, n),
            note=DECLARED,
        )
    said = []
    if declaration.members:
        said.append("新增成员" + "、".join(row.name for row in declaration.members))
    if declaration.incomes:
        said.append(f"收入{len(declaration.incomes)}项")
    if declaration.assets:
        said.append(f"财产{len(declaration.assets)}项")
    if declaration.gone:
        names = Person.objects.filter(pk__in=declaration.gone).order_by("pk")
        said.append("、".join(p.name for p in names) + "已不在本户共同生活，请入户核实")
    return f"申请人手机申报：{'；'.join(said)}。" if said else ""
