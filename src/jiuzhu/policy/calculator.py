"""One household through the column formulas, with an explanation in Chinese.

Used by the calculator page, `POST /api/policy/calculate`, `jiuzhu calc` and the cases app.
The explanation names every parameter used (with the date it took effect and its source),
the incomes counted and not counted, and each test passed or failed, so that a
caseworker can show it to the applicant.
"""

from dataclasses import asdict, dataclass, field
from decimal import Decimal
from typing import Any

from jiuzhu.core.errors import DomainError
from jiuzhu.core.money import plain_yuan as yuan
from jiuzhu.core.money import to_yuan
from jiuzhu.core.programmes import Programme
from jiuzhu.policy import formulas as f
from jiuzhu.policy.household import HouseholdIn, to_columns
from jiuzhu.policy.parameters import ParameterSet
from jiuzhu.registry.models import AssetKind, IncomeCategory

CALCULATED = [
    Programme.DIBAO,
    Programme.TEKUN,
    Programme.CHILDREN,
    Programme.TEMPORARY,
    Programme.DISABILITY,
    Programme.ELDERLY,
    Programme.MEDICAL,
    Programme.EDUCATION,
]
CARE_LABELS = ("自理", "半自理", "失能")


@dataclass
class Beneficiary:
    member: int
    name: str
    monthly_fen: int
    note: str = ""


@dataclass
class ProgrammeResult:
    programme: str
    label: str
    eligible: bool
    monthly_fen: int
    one_off_fen: int | None
    reason: str
    summary: str
    beneficiaries: list[Beneficiary] = field(default_factory=list)
    phase_out: bool = False

    @property
    def monthly_amount(self) -> Decimal:
        return to_yuan(self.monthly_fen)

    @property
    def one_off_amount(self) -> Decimal | None:
        return None if self.one_off_fen is None else to_yuan(self.one_off_fen)


@dataclass
class Section:
    title: str
    lines: list[str]


@dataclass
class Calculation:
    household: HouseholdIn
    results: list[ProgrammeResult]
    means_test: dict[str, Any]
    explanation: list[Section]
    parameters: list[dict[str, Any]]

    def result(self, programme: str) -> ProgrammeResult:
        for r in self.results:
            if r.programme == programme:
                return r
        raise KeyError(programme)

    def as_dict(self) -> dict[str, Any]:
        """JSON-ready (amounts as strings in yuan)."""
        return {
            "month": self.household.month.isoformat(),
            "area_type": self.household.area_type,
            "members": len(self.household.members),
            "results": [
                {
                    "programme": r.programme,
                    "label": r.label,
                    "eligible": r.eligible,
                    "phase_out": r.phase_out,
                    "monthly_amount": str(r.monthly_amount),
                    "one_off_amount": None if r.one_off_amount is None else str(r.one_off_amount),
                    "reason": r.reason,
                    "summary": r.summary,
                    "beneficiaries": [
                        {
                            "member": b.member,
                            "name": b.name,
                            "monthly_amount": str(to_yuan(b.monthly_fen)),
                            "note": b.note,
                        }
                        for b in r.beneficiaries
                    ],
                }
                for r in self.results
            ],
            "means_test": self.means_test,
            "explanation": [asdict(s) for s in self.explanation],
            "parameters": self.parameters,
        }


def check_programmes(programmes: list[str] | None) -> list[str]:
    if not programmes:
        return list(CALCULATED)
    unknown = [p for p in programmes if p not in Programme.values]
    if unknown:
        raise DomainError(f"未知的救助项目：{'、'.join(unknown)}。", field="programmes")
    not_here = [p for p in programmes if p not in CALCULATED]
    if not_here:
        raise DomainError(
            f"{Programme(not_here[0]).label}由慈善组织个案决定，平台不测算金额。",
            field="programmes",
        )
    return [p for p in CALCULATED if p in programmes]


DIBAO_REASONS = {
    f.Dibao.ELIGIBLE: ("eligible", "符合低保条件"),
    f.Dibao.INCOME_ABOVE: ("income_above_standard", "家庭人均收入不低于低保标准"),
    f.Dibao.ASSETS: ("assets_over_limit", "家庭财产超过规定"),
    f.Dibao.PHASE_OUT: ("phase_out", "收入已超过标准，处于渐退期"),
    f.Dibao.SINGLE_PERSON_UNIT: ("single_person_unit", "家庭整体不符合，重残重病成员单人户纳入"),
    f.Dibao.PUBLIC_PAYROLL: ("public_payroll", "有财政供养人员，需县级个案研究决定"),
    f.Dibao.NO_MEMBERS: ("no_members", "没有可纳入低保的共同生活成员"),
}
TEKUN_REASONS = {
    f.Tekun.ELIGIBLE: ("eligible", "符合特困人员条件"),
    f.Tekun.HAS_CAPACITY: ("has_capacity", "有劳动能力"),
    f.Tekun.INCOME_OR_ASSETS: ("income_or_assets", "收入或财产不符合"),
    f.Tekun.HAS_SUPPORTER: ("has_supporter", "有履行能力的法定赡养、抚养、扶养人"),
    f.Tekun.ORPHAN_SCHEME: ("orphan_scheme", "孤儿纳入孤困儿童保障"),
    f.Tekun.NOT_COUNTED: ("not_counted", "非共同生活成员"),
}


def _param_line(ps: ParameterSet, key: str) -> str:
    e = ps.entry(key)
    value = f"{e.value}" if not isinstance(e.value, list) else "、".join(map(str, e.value))
    return f"{e.label}：{value}{e.unit}（{e.effective_from:%Y-%m-%d}起，{e.source}）"


def calculate(
    household: HouseholdIn,
    programmes: list[str] | None = None,
    overrides: dict[str, Any] | None = None,
) -> Calculation:
    """Eligibility and monthly amount per programme for one household, with explanations."""
    household.check()
    wanted = check_programmes(programmes)
    ps = ParameterSet.load(household.month, overrides)
    k = f.Params.from_set(ps)
    hh, pp = to_columns([household], k)
    out = f.compute(hh, pp, k)
    mt, db, tk = out.means, out.dibao, out.tekun
    members = household.members
    urban = household.area_type == "urban"
    area = "城市" if urban else "农村"
    std = int(mt.standard[0])
    sections: list[Section] = []

    # --- means test ---------------------------------------------------------------
    lines = [
        f"计算月份：{household.month:%Y年%m月}；城乡类别：{area}；"
        f"共同生活家庭成员{int(mt.members[0])}人（共登记{len(members)}人）。",
        _param_line(ps, f"dibao.standard.{household.area_type}"),
    ]
    for i, m in enumerate(members):
        if not m.counted:
            lines.append(f"成员{i + 1}{m.name}：非共同生活成员，不计入家庭人口。")
    for inc in household.incomes:
        label = IncomeCategory(inc.category).label
        who = (
            f"（{members[inc.member].name or f'成员{inc.member + 1}'}）"
            if inc.member is not None
            else ""
        )
        if inc.category in k.not_counted:
            lines.append(f"不计入：{label}{who} {yuan(inc.monthly_fen)}元/月（国家规定不计入）。")
        elif household.registered_poor and inc.category in k.not_counted_poor:
            lines.append(
                f"不计入：{label}{who} {yuan(inc.monthly_fen)}元/月（建档立卡贫困户不计入）。"
            )
        else:
            lines.append(f"计入：{label}{who} {yuan(inc.monthly_fen)}元/月。")
    if int(mt.work_cost[0]):
        lines.append(
            f"扣除就业成本 {yuan(int(mt.work_cost[0]))}元/月（注明收入人的工资性收入的"
            f"{k.work_cost_share * 100:.0f}%，每名就业成员不超过标准的"
            f"{k.work_cost_cap_share * 100:.0f}%）。"
        )
        ps.entry("income.work_cost_share")
        ps.entry("income.work_cost_cap_share")
    n_members = max(int(mt.members[0]), 1)
    countable = int(mt.countable[0])
    pci = Decimal(countable) / n_members / 100
    ok = bool(mt.income_ok[0])
    lines.append(
        f"家庭月可计收入 {yuan(countable)}元，人均 {pci:.2f}元，"
        f"{'低于' if ok else '不低于'}低保标准 {yuan(std)}元："
        f"收入条件{'符合' if ok else '不符合'}。"
    )
    if not ok and bool(mt.edge[0]):
        lines.append(f"人均收入低于标准的{k.edge_ratio}倍，属于低保边缘家庭。")
        ps.entry("dibao.edge_ratio")
    sections.append(Section("收入核算", lines))

    lines = []
    fail = int(mt.asset_fail[0])
    vehicles = int(hh.vehicles[0])
    lines.append(
        f"机动车辆{vehicles}辆（允许{k.vehicles_allowed}辆，残疾人代步车、摩托车、农用车不计）："
        + ("不符合" if fail & f.ASSET_VEHICLE else "符合")
    )
    lines.append(
        f"住房{int(hh.houses[0])}套（允许{k.houses_allowed}套）："
        + ("不符合" if fail & f.ASSET_HOUSING else "符合")
    )
    lines.append(
        f"存款、有价证券、商业保险合计{yuan(int(hh.financial[0]))}元"
        f"（上限为人均{k.financial_months}个月低保标准，共{yuan(int(mt.financial_limit[0]))}元）："
        + ("不符合" if fail & f.ASSET_FINANCIAL else "符合")
    )
    if int(hh.business[0]) or fail & f.ASSET_BUSINESS:
        lines.append(
            f"工商登记注册资本或经营额{yuan(int(hh.business[0]))}元"
            f"（上限{yuan(k.business_limit)}元）："
            + ("不符合" if fail & f.ASSET_BUSINESS else "符合")
        )
    if bool(mt.public_payroll[0]):
        lines.append("家庭成员中有财政供养人员，需报县级个案研究决定。")
    for key in (
        "asset.vehicles_allowed",
        "asset.houses_allowed",
        "asset.financial_months",
        "asset.business_capital_limit",
    ):
        ps.entry(key)
    sections.append(Section("财产核查", lines))

    results: list[ProgrammeResult] = []
    dibao_paid = int(db.amount[0]) > 0
    for programme in wanted:
        if programme == Programme.DIBAO:
            results.append(_dibao(household, ps, k, out, sections))
        elif programme == Programme.TEKUN:
            results.append(_tekun(household, ps, k, out, sections))
        elif programme == Programme.CHILDREN:
            results.append(_children(household, ps, k, out, sections))
        elif programme == Programme.TEMPORARY:
            results.append(_temporary(household, ps, std, n_members, sections))
        elif programme == Programme.DISABILITY:
            results.append(_disability(household, ps, k, out, sections))
        elif programme == Programme.ELDERLY:
            results.append(_elderly(household, ps, k, out, sections))
        else:
            covered = dibao_paid or bool(tk.eligible.any())
            results.append(
                ProgrammeResult(
                    programme,
                    Programme(programme).label,
                    covered,
                    0,
                    None,
                    "covered_by_dibao_tekun" if covered else "means_test_needed",
                    "低保、特困对象免于再次经济状况核对，按实际费用和规定比例救助"
                    if covered
                    else "需按医疗、教育救助规定另行审核",
                )
            )
    means = {
        "members": int(mt.members[0]),
        "gross_income": yuan(int(mt.gross[0])),
        "not_counted": yuan(int(mt.not_counted[0])),
        "poverty_excluded": yuan(int(mt.poverty_excluded[0])),
        "work_cost": yuan(int(mt.work_cost[0])),
        "countable_income": yuan(countable),
        "per_capita_income": f"{pci:.2f}",
        "standard": yuan(std),
        "income_ok": ok,
        "edge": bool(mt.edge[0]),
        "assets_ok": fail == 0,
        "public_payroll": bool(mt.public_payroll[0]),
    }
    used = [
        {
            "key": e.key,
            "label": e.label,
            "value": [list(v) if isinstance(v, list | tuple) else v for v in e.value]
            if isinstance(e.value, list)
            else str(e.value),
            "unit": e.unit,
            "effective_from": e.effective_from.isoformat(),
            "source": e.source,
        }
        for e in sorted(ps.used.values(), key=lambda e: e.key)
    ]
    return Calculation(household, results, means, sections, used)


def _name(h: HouseholdIn, i: int) -> str:
    return h.members[i].name or f"成员{i + 1}"


def _dibao(
    h: HouseholdIn, ps: ParameterSet, k: f.Params, out: f.Outcome, sections: list[Section]
) -> ProgrammeResult:
    db, mt = out.dibao, out.means
    code = int(db.reason[0])
    reason, text = DIBAO_REASONS[code]
    amount = int(db.amount[0])
    std = int(mt.standard[0])
    lines = [text + "。"]
    unit = int(db.unit[0])
    area = 1 if h.area_type == "urban" else 0
    topup, minimum = k.topup[area], k.minimum[area]
    ps.entry("dibao.minimum_share")
    ps.entry("dibao.topup_share")
    if code == f.Dibao.ELIGIBLE:
        if unit != int(mt.members[0]):
            lines.append(f"已纳入特困供养的成员不计入，低保按{unit}人计算。")
        lines.append(
            f"补差：（标准{yuan(std)} − 人均收入）× {unit}人 = {yuan(int(db.base[0]))}元"
            f"（每人不低于标准的{k.minimum_share * 100:.0f}%）。"
        )
        topups = int(db.topups[0])
        if topups:
            lines.append(
                f"老年人（{k.topup_min_age}岁以上）、未成年人、重度残疾人、重病患者共{topups}人，"
                f"每人增发标准的{k.topup_share * 100:.0f}%，计{yuan(topups * topup)}元。"
            )
        lines.append(f"每月低保金 {yuan(amount)}元。")
    elif code == f.Dibao.PHASE_OUT:
        months = k.phase_out_months_poor if h.registered_poor else k.phase_out_months_other
        ps.entry(
            "dibao.phase_out_months.registered_poor"
            if h.registered_poor
            else "dibao.phase_out_months.other"
        )
        ps.entry("dibao.phase_out_taper")
        month = int(db.phase_month[0])
        lines.append(
            f"收入超过标准的第{month}个月，渐退期共{months}个月"
            + ("（最后一个月）" if month == months else "")
            + f"，本月按原金额{yuan(h.previous_amount_fen)}元的"
            f"{k.taper[min(month, len(k.taper)) - 1] if k.taper else 100}%发放 {yuan(amount)}元。"
        )
    elif code == f.Dibao.SINGLE_PERSON_UNIT:
        ps.entry("dibao.severe_disability_grade")
        lines.append(
            "建档立卡贫困户或低保边缘家庭中的重度残疾人、重病患者可单独纳入低保（单人户）。"
        )
    elif code == f.Dibao.INCOME_ABOVE and h.dibao_recipient and h.months_above_line:
        months = k.phase_out_months_poor if h.registered_poor else k.phase_out_months_other
        lines.append(f"收入超过标准已{h.months_above_line}个月，超过渐退期{months}个月，停止发放。")
    beneficiaries: list[Beneficiary] = []
    if code == f.Dibao.SINGLE_PERSON_UNIT:
        std_fen = std
        for i, m in enumerate(h.members):
            severe = 1 <= m.disability_grade <= k.severe_grade
            if m.counted and (severe or m.serious_illness):
                own = int(out_person_income(h, i, k))
                if own < std_fen:
                    each = max(std_fen - own, minimum) + topup
                    beneficiaries.append(Beneficiary(i, _name(h, i), each, "单人户"))
                    lines.append(
                        f"{_name(h, i)}：（标准{yuan(std_fen)} − 本人收入{yuan(own)}）"
                        f"+ 增发{yuan(topup)} = {yuan(each)}元。"
                    )
    sections.append(Section("最低生活保障", lines))
    return ProgrammeResult(
        Programme.DIBAO,
        Programme.DIBAO.label,
        bool(db.eligible[0]),
        amount,
        None,
        reason,
        text + (f"，每月{yuan(amount)}元" if amount else ""),
        beneficiaries,
        phase_out=code == f.Dibao.PHASE_OUT,
    )


def out_person_income(h: HouseholdIn, i: int, k: f.Params) -> int:
    from jiuzhu.policy.household import own_countable

    return sum(
        inc.monthly_fen
        for inc in h.incomes
        if inc.member == i and own_countable(k, inc.category, h.registered_poor)
    )


def _tekun(
    h: HouseholdIn, ps: ParameterSet, k: f.Params, out: f.Outcome, sections: list[Section]
) -> ProgrammeResult:
    tk = out.tekun
    lines = []
    beneficiaries = []
    for key in ("tekun.incapacity_min_age", "tekun.incapacity_under_age"):
        ps.entry(key)
    ps.entry("tekun.incapacity_disability")
    for i, _m in enumerate(h.members):
        code = int(tk.reason[i])
        _reason, text = TEKUN_REASONS[code]
        if code == f.Tekun.ELIGIBLE:
            level = int(tk.level[i])
            ps.entry(f"tekun.basic.{h.area_type}")
            ps.entry(f"tekun.care.{f.CARE_KEYS[level]}")
            ps.entry("tekun.semi_dependent_from")
            ps.entry("tekun.dependent_from")
            place = "集中供养" if h.members[i].institutional else "分散供养"
            lines.append(
                f"{_name(h, i)}：无劳动能力、无生活来源、无履行能力的法定义务人，符合特困条件"
                f"（{place}）。六项日常活动中{h.members[i].adl_unable}项不能完成，"
                f"照料等级{CARE_LABELS[level]}；基本生活标准{yuan(int(tk.basic[i]))}元"
                f" + 照料护理标准{yuan(int(tk.care[i]))}元 = {yuan(int(tk.amount[i]))}元/月。"
            )
            beneficiaries.append(Beneficiary(i, _name(h, i), int(tk.amount[i]), place))
        elif code != f.Tekun.NOT_COUNTED:
            lines.append(f"{_name(h, i)}：不符合特困条件（{text}）。")
    if beneficiaries:
        lines.append(
            "特困供养与低保对同一人互斥：纳入特困供养的成员不再计入低保保障人数"
            "（在成员信息中标注“已纳入特困供养”）。"
        )
    sections.append(Section("特困人员救助供养", lines))
    total = sum(b.monthly_fen for b in beneficiaries)
    return ProgrammeResult(
        Programme.TEKUN,
        Programme.TEKUN.label,
        bool(beneficiaries),
        total,
        None,
        "eligible" if beneficiaries else "not_eligible",
        f"{len(beneficiaries)}人符合特困条件，每月{yuan(total)}元"
        if beneficiaries
        else "无人符合特困条件",
        beneficiaries,
    )


def _children(
    h: HouseholdIn, ps: ParameterSet, k: f.Params, out: f.Outcome, sections: list[Section]
) -> ProgrammeResult:
    ch = out.children
    beneficiaries = []
    lines = []
    ps.entry("children.max_age")
    for i, m in enumerate(h.members):
        if bool(ch.eligible[i]):
            key = "institutional" if m.institutional else "dispersed"
            ps.entry(f"children.standard.{key}")
            place = "集中养育" if m.institutional else "分散养育"
            beneficiaries.append(Beneficiary(i, _name(h, i), int(ch.amount[i]), place))
            lines.append(
                f"{_name(h, i)}：孤儿或事实无人抚养儿童，未满{k.children_max_age}岁，"
                f"{place}基本生活费{yuan(int(ch.amount[i]))}元/月。"
            )
    if lines:
        sections.append(Section("孤困儿童保障", lines))
    total = sum(b.monthly_fen for b in beneficiaries)
    return ProgrammeResult(
        Programme.CHILDREN,
        Programme.CHILDREN.label,
        bool(beneficiaries),
        total,
        None,
        "eligible" if beneficiaries else "not_eligible",
        f"{len(beneficiaries)}名儿童，每月{yuan(total)}元"
        if beneficiaries
        else "无孤儿或事实无人抚养儿童",
        beneficiaries,
    )


def _temporary(
    h: HouseholdIn, ps: ParameterSet, std: int, members: int, sections: list[Section]
) -> ProgrammeResult:
    town = ps["temporary.town_limit_months"] * std * members
    county = ps["temporary.county_limit_months"] * std
    quick = ps["temporary.small_quick_months"] * std
    lines = [
        _param_line(ps, "temporary.town_limit_months"),
        _param_line(ps, "temporary.county_limit_months"),
        _param_line(ps, "temporary.small_quick_months"),
        f"乡镇审批上限 {yuan(town)}元（{members}人），县级审批上限 {yuan(county)}元，"
        f"小额快救上限 {yuan(quick)}元。",
    ]
    if not h.temporary_kind:
        sections.append(Section("临时救助", [*lines, "未申报急难或支出型困难。"]))
        return ProgrammeResult(
            Programme.TEMPORARY,
            Programme.TEMPORARY.label,
            False,
            0,
            None,
            "no_hardship",
            "未申报急难或支出型困难",
        )
    kind = "急难型" if h.temporary_kind == "emergency" else "支出型"
    if h.temporary_expense_fen:
        proposed = min(h.temporary_expense_fen, county)
        needs_county = h.temporary_expense_fen > town
        lines.append(
            f"{kind}：申报必需支出{yuan(h.temporary_expense_fen)}元，建议救助{yuan(proposed)}元"
            + ("（超过乡镇审批权限，须报县级审批）。" if needs_county else "。")
        )
    else:
        proposed = town
        lines.append(f"{kind}：由乡镇在上限{yuan(town)}元内确定救助金额。")
    sections.append(Section("临时救助", lines))
    return ProgrammeResult(
        Programme.TEMPORARY,
        Programme.TEMPORARY.label,
        True,
        0,
        proposed,
        h.temporary_kind,
        f"{kind}临时救助，一次性不超过{yuan(proposed)}元",
    )


def _disability(
    h: HouseholdIn, ps: ParameterSet, k: f.Params, out: f.Outcome, sections: list[Section]
) -> ProgrammeResult:
    d = out.disability
    beneficiaries = []
    lines = []
    for i, m in enumerate(h.members):
        notes = []
        if bool(d.living[i]):
            ps.entry("disability.living_subsidy")
            notes.append(f"低保家庭残疾人生活补贴{yuan(k.living_subsidy)}元")
        if bool(d.nursing[i]):
            ps.entry("disability.nursing_subsidy")
            ps.entry("disability.nursing_max_grade")
            notes.append(f"{m.disability_grade}级重度残疾人护理补贴{yuan(k.nursing_subsidy)}元")
        if notes:
            beneficiaries.append(Beneficiary(i, _name(h, i), int(d.amount[i]), "；".join(notes)))
            lines.append(f"{_name(h, i)}：" + "；".join(notes) + "。")
    if lines:
        sections.append(Section("残疾人两项补贴", lines))
    total = sum(b.monthly_fen for b in beneficiaries)
    return ProgrammeResult(
        Programme.DISABILITY,
        Programme.DISABILITY.label,
        bool(beneficiaries),
        total,
        None,
        "eligible" if beneficiaries else "not_eligible",
        f"{len(beneficiaries)}人，每月{yuan(total)}元" if beneficiaries else "无符合条件的残疾人",
        beneficiaries,
    )


def _elderly(
    h: HouseholdIn, ps: ParameterSet, k: f.Params, out: f.Outcome, sections: list[Section]
) -> ProgrammeResult:
    e = out.elderly
    ps.entry("elderly.min_age")
    beneficiaries = [
        Beneficiary(i, _name(h, i), int(e.amount[i]))
        for i in range(len(h.members))
        if bool(e.eligible[i])
    ]
    if beneficiaries:
        ps.entry("elderly.subsidy")
        sections.append(
            Section(
                "经济困难老年人补贴",
                [
                    f"{b.name}：低保家庭{k.elderly_min_age}周岁以上老年人，"
                    f"{yuan(b.monthly_fen)}元/月。"
                    for b in beneficiaries
                ],
            )
        )
    total = sum(b.monthly_fen for b in beneficiaries)
    return ProgrammeResult(
        Programme.ELDERLY,
        Programme.ELDERLY.label,
        bool(beneficiaries),
        total,
        None,
        "eligible" if beneficiaries else "not_eligible",
        f"{len(beneficiaries)}人，每月{yuan(total)}元" if beneficiaries else "无符合条件的老年人",
        beneficiaries,
    )


def temporary_limits(std_fen: int, members: int, ps: ParameterSet) -> tuple[int, int]:
    """(town limit for the household, county limit per household) in fen."""
    return (
        ps["temporary.town_limit_months"] * std_fen * members,
        ps["temporary.county_limit_months"] * std_fen,
    )


__all__ = ["AssetKind", "Calculation", "calculate"]
