"""The means test explained: incomes counted and not, the work-cost deduction, the
per-capita income against the standard, and each property limit
(docs/policy/dibao.md#income, #property)."""

from typing import Any

from jiuzhu.core.money import format_yuan as yuan
from jiuzhu.core.money import plain_yuan
from jiuzhu.policy import formulas as f
from jiuzhu.policy.calculator.explained import Explained
from jiuzhu.policy.calculator.results import Section
from jiuzhu.policy.household import IncomeIn
from jiuzhu.policy.mixed import is_mixed
from jiuzhu.policy.parameters import ParameterSet
from jiuzhu.registry.models import HukouType, IncomeCategory

PROPERTY_KEYS = (
    "asset.vehicles_allowed",
    "asset.houses_allowed",
    "asset.financial_months",
    "asset.business_capital_limit",
)


def _income_line(explained: Explained, income: IncomeIn) -> str:
    household, params = explained.household, explained.params
    label = IncomeCategory(income.category).label
    who = f"（{explained.name(income.member)}）" if income.member is not None else ""
    amount = f"{label}{who} {yuan(income.monthly_fen)}元/月"
    if income.category in params.not_counted:
        return f"不计入：{amount}（国家规定不计入）。"
    if household.registered_poor and income.category in params.not_counted_poor:
        return f"不计入：{amount}（建档立卡贫困户不计入）。"
    return f"计入：{amount}。"


def _mixed_line(explained: Explained) -> str:
    """A mixed household: how many members at each standard, by the county's rule."""
    means, persons = explained.outcome.means, explained.persons
    urban = int((means.person_urban & persons.counted).sum())
    rural = int((~means.person_urban & persons.counted).sum())
    return (
        f"城乡混合户（{explained.line('household.mixed_rule')}）：按城市标准计{urban}人、"
        f"按农村标准计{rural}人，家庭低保标准合计 {yuan(int(means.line[0]))}元。"
    )


def income_section(explained: Explained) -> Section:
    """收入核算: who counts, each income, the deduction and the test against the standard."""
    household, params, means = explained.household, explained.params, explained.outcome.means
    area = "城市" if household.area_type == HukouType.URBAN else "农村"
    lines = [
        f"计算月份：{household.month:%Y年%m月}；城乡类别：{area}；"
        f"共同生活家庭成员{int(means.members[0])}人（共登记{len(household.members)}人）。",
        explained.line(f"dibao.standard.{household.area_type}"),
    ]
    if bool(is_mixed(explained.columns, explained.persons)[0]):
        lines.append(_mixed_line(explained))
    for i, member in enumerate(household.members):
        if not member.counted:
            lines.append(f"成员{i + 1}{member.name}：非共同生活成员，不计入家庭人口。")
    lines.extend(_income_line(explained, income) for income in household.incomes)
    if int(means.work_cost[0]):
        lines.append(
            f"扣除就业成本 {yuan(int(means.work_cost[0]))}元/月（注明收入人的工资性收入的"
            f"{params.work_cost_share * 100:.0f}%，每名就业成员不超过标准的"
            f"{params.work_cost_cap_share * 100:.0f}%）。"
        )
        explained.cite("income.work_cost_share", "income.work_cost_cap_share")
    income_ok = bool(means.income_ok[0])
    per_capita = f.per_capita_yuan(int(means.countable[0]), int(means.members[0]))
    lines.append(
        f"家庭月可计收入 {yuan(int(means.countable[0]))}元，人均 {per_capita:,.2f}元，"
        f"{'低于' if income_ok else '不低于'}低保标准 {yuan(int(means.standard[0]))}元："
        f"收入条件{'符合' if income_ok else '不符合'}。"
    )
    if not income_ok and bool(means.edge[0]):
        lines.append(f"人均收入低于标准的{params.edge_ratio}倍，属于低保边缘家庭。")
        explained.cite("dibao.edge_ratio")
    return Section("收入核算", lines)


def _verdict(failed: int, bit: int) -> str:
    return "不符合" if failed & bit else "符合"


def property_section(explained: Explained) -> Section:
    """财产核查: each limit, what the household has, and whether it passes."""
    params, columns, means = explained.params, explained.columns, explained.outcome.means
    failed = int(means.asset_fail[0])
    business = int(columns.business[0])
    lines = [
        f"机动车辆{int(columns.vehicles[0])}辆（允许{params.vehicles_allowed}辆，"
        f"残疾人代步车、摩托车、农用车不计）：{_verdict(failed, f.ASSET_VEHICLE)}",
        f"住房{int(columns.houses[0])}套（允许{params.houses_allowed}套）："
        f"{_verdict(failed, f.ASSET_HOUSING)}",
        f"存款、有价证券、商业保险合计{yuan(int(columns.financial[0]))}元"
        f"（上限为人均{params.financial_months}个月低保标准，"
        f"共{yuan(int(means.financial_limit[0]))}元）：{_verdict(failed, f.ASSET_FINANCIAL)}",
    ]
    if business or failed & f.ASSET_BUSINESS:
        lines.append(
            f"工商登记注册资本或经营额{yuan(business)}元（上限{yuan(params.business_limit)}元）："
            f"{_verdict(failed, f.ASSET_BUSINESS)}"
        )
    if bool(means.public_payroll[0]):
        lines.append("家庭成员中有财政供养人员，需报县级个案研究决定。")
    explained.cite(*PROPERTY_KEYS)
    return Section("财产核查", lines)


def means_summary(explained: Explained) -> dict[str, Any]:
    """The means test's figures, JSON-ready (yuan as strings)."""
    means = explained.outcome.means
    members = int(means.members[0])
    return {
        "members": members,
        "gross_income": plain_yuan(int(means.gross[0])),
        "not_counted": plain_yuan(int(means.not_counted[0])),
        "poverty_excluded": plain_yuan(int(means.poverty_excluded[0])),
        "work_cost": plain_yuan(int(means.work_cost[0])),
        "countable_income": plain_yuan(int(means.countable[0])),
        "per_capita_income": f"{f.per_capita_yuan(int(means.countable[0]), members):.2f}",
        "standard": plain_yuan(int(means.standard[0])),
        "income_ok": bool(means.income_ok[0]),
        "edge": bool(means.edge[0]),
        "assets_ok": int(means.asset_fail[0]) == 0,
        "public_payroll": bool(means.public_payroll[0]),
    }


def parameters_used(parameters: ParameterSet) -> list[dict[str, Any]]:
    """Every parameter the calculation read, with its date and source, by key."""
    return [
        {
            "key": entry.key,
            "label": entry.label,
            "value": [list(v) if isinstance(v, list | tuple) else v for v in entry.value]
            if isinstance(entry.value, list)
            else str(entry.value),
            "unit": entry.unit,
            "effective_from": entry.effective_from.isoformat(),
            "source": entry.source,
        }
        for entry in sorted(parameters.used.values(), key=lambda entry: entry.key)
    ]
