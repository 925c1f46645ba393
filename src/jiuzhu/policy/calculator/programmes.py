"""Each programme's result explained: the formulas' amounts and reasons put into words
(docs/policy/dibao.md, tekun.md, other-programmes.md). Amounts come from the outcome;
nothing here recomputes one."""

from collections.abc import Callable

# Explanations are read on screens: amounts in the one money format (1,234.56).
from jiuzhu.core.money import format_yuan as yuan
from jiuzhu.core.programmes import Programme
from jiuzhu.policy import formulas as f
from jiuzhu.policy.accessors import temporary_limits
from jiuzhu.policy.calculator.explained import Explained
from jiuzhu.policy.calculator.results import (
    Beneficiary,
    ProgrammeResult,
    Section,
    per_person_result,
)
from jiuzhu.policy.household import TemporaryKind

CARE_LABELS = ("自理", "半自理", "失能")
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


def _phase_out_key(registered_poor: bool) -> str:
    kind = "registered_poor" if registered_poor else "other"
    return f"dibao.phase_out_months.{kind}"


def _dibao_lines(explained: Explained, code: int) -> list[str]:
    """Why the household gets what it gets (or nothing)."""
    household, params = explained.household, explained.params
    dibao, standard = explained.outcome.dibao, int(explained.outcome.means.standard[0])
    amount, phase_months = int(dibao.amount[0]), int(dibao.phase_months[0])
    if code == f.Dibao.ELIGIBLE:
        unit = int(dibao.unit[0])
        lines = []
        if unit != int(explained.outcome.means.members[0]):
            lines.append(f"已纳入特困供养的成员不计入，低保按{unit}人计算。")
        lines.append(
            f"补差：（标准{yuan(standard)} − 人均收入）× {unit}人 = {yuan(int(dibao.base[0]))}元"
            f"（每人不低于标准的{params.minimum_share * 100:.0f}%）。"
        )
        if int(dibao.topups[0]):
            lines.append(
                f"老年人（{params.topup_min_age}岁以上）、未成年人、重度残疾人、重病患者"
                f"共{int(dibao.topups[0])}人，每人增发标准的{params.topup_share * 100:.0f}%，"
                f"计{yuan(int(dibao.topup_fen[0]))}元。"
            )
        return [*lines, f"每月低保金 {yuan(amount)}元。"]
    if code == f.Dibao.PHASE_OUT:
        explained.cite(_phase_out_key(household.registered_poor), "dibao.phase_out_taper")
        month = int(dibao.phase_month[0])
        return [
            f"收入超过标准的第{month}个月，渐退期共{phase_months}个月"
            + ("（最后一个月）" if month == phase_months else "")
            + f"，本月按原金额{yuan(household.previous_amount_fen)}元的"
            f"{int(dibao.taper_percent[0])}%发放 {yuan(amount)}元。"
        ]
    if code == f.Dibao.SINGLE_PERSON_UNIT:
        explained.cite("dibao.severe_disability_grade")
        return ["建档立卡贫困户或低保边缘家庭中的重度残疾人、重病患者可单独纳入低保（单人户）。"]
    if code == f.Dibao.INCOME_ABOVE and household.dibao_recipient and household.months_above_line:
        return [
            f"收入超过标准已{household.months_above_line}个月，"
            f"超过渐退期{phase_months}个月，停止发放。"
        ]
    return []


def _single_units(explained: Explained) -> tuple[list[Beneficiary], list[str]]:
    """The members admitted alone (单人户), each with the amount the formulas gave them."""
    persons, dibao = explained.persons, explained.outcome.dibao
    standard = int(explained.outcome.means.standard[0])
    topup = explained.params.topup[1 if explained.urban else 0]
    beneficiaries, lines = [], []
    for i in range(persons.m):
        each = int(dibao.single_amount[i])
        if each:
            name, own = explained.name(i), int(persons.own_income[i])
            beneficiaries.append(Beneficiary(i, name, each, "单人户"))
            lines.append(
                f"{name}：（标准{yuan(standard)} − 本人收入{yuan(own)}）"
                f"+ 增发{yuan(topup)} = {yuan(each)}元。"
            )
    return beneficiaries, lines


def dibao(explained: Explained) -> ProgrammeResult:
    """最低生活保障 (docs/policy/dibao.md#amount, #phase-out, #single-person-unit)."""
    dibao_result = explained.outcome.dibao
    code = int(dibao_result.reason[0])
    reason, text = DIBAO_REASONS[code]
    amount = int(dibao_result.amount[0])
    explained.cite("dibao.minimum_share", "dibao.topup_share")
    lines = [text + "。", *_dibao_lines(explained, code)]
    beneficiaries: list[Beneficiary] = []
    if code == f.Dibao.SINGLE_PERSON_UNIT:
        beneficiaries, single_lines = _single_units(explained)
        lines.extend(single_lines)
    explained.sections.append(Section("最低生活保障", lines))
    return ProgrammeResult(
        Programme.DIBAO,
        Programme.DIBAO.label,
        bool(dibao_result.eligible[0]),
        amount,
        None,
        reason,
        text + (f"，每月{yuan(amount)}元" if amount else ""),
        beneficiaries,
        phase_out=code == f.Dibao.PHASE_OUT,
    )


def tekun(explained: Explained) -> ProgrammeResult:
    """特困人员救助供养, per member (docs/policy/tekun.md)."""
    household, tekun_result = explained.household, explained.outcome.tekun
    lines, beneficiaries = [], []
    explained.cite(
        "tekun.incapacity_min_age", "tekun.incapacity_under_age", "tekun.incapacity_disability"
    )
    for i, member in enumerate(household.members):
        code = int(tekun_result.reason[i])
        if code == f.Tekun.ELIGIBLE:
            level = int(tekun_result.level[i])
            explained.cite(
                f"tekun.basic.{household.area_type}",
                f"tekun.care.{f.CARE_KEYS[level]}",
                "tekun.semi_dependent_from",
                "tekun.dependent_from",
            )
            place = "集中供养" if member.institutional else "分散供养"
            lines.append(
                f"{explained.name(i)}：无劳动能力、无生活来源、无履行能力的法定义务人，"
                f"符合特困条件（{place}）。六项日常活动中{member.adl_unable}项不能完成，"
                f"照料等级{CARE_LABELS[level]}；基本生活标准{yuan(int(tekun_result.basic[i]))}元"
                f" + 照料护理标准{yuan(int(tekun_result.care[i]))}元"
                f" = {yuan(int(tekun_result.amount[i]))}元/月。"
            )
            amount = int(tekun_result.amount[i])
            beneficiaries.append(Beneficiary(i, explained.name(i), amount, place))
        elif code != f.Tekun.NOT_COUNTED:
            lines.append(f"{explained.name(i)}：不符合特困条件（{TEKUN_REASONS[code][1]}）。")
    if beneficiaries:
        lines.append(
            "特困供养与低保对同一人互斥：纳入特困供养的成员不再计入低保保障人数"
            "（在成员信息中标注“已纳入特困供养”）。"
        )
    explained.sections.append(Section("特困人员救助供养", lines))
    return per_person_result(
        Programme.TEKUN,
        beneficiaries,
        explained.totals["tekun"],
        "{count}人符合特困条件，每月{total}元",
        "无人符合特困条件",
    )


def children(explained: Explained) -> ProgrammeResult:
    """孤困儿童保障 (docs/policy/other-programmes.md#children)."""
    eligible, amounts = explained.outcome.children.eligible, explained.outcome.children.amount
    beneficiaries, lines = [], []
    explained.cite("children.max_age")
    for i, member in enumerate(explained.household.members):
        if bool(eligible[i]):
            explained.cite(
                f"children.standard.{'institutional' if member.institutional else 'dispersed'}"
            )
            place = "集中养育" if member.institutional else "分散养育"
            beneficiaries.append(Beneficiary(i, explained.name(i), int(amounts[i]), place))
            lines.append(
                f"{explained.name(i)}：孤儿或事实无人抚养儿童，"
                f"未满{explained.params.children_max_age}岁，"
                f"{place}基本生活费{yuan(int(amounts[i]))}元/月。"
            )
    if lines:
        explained.sections.append(Section("孤困儿童保障", lines))
    return per_person_result(
        Programme.CHILDREN,
        beneficiaries,
        explained.totals["children"],
        "{count}名儿童，每月{total}元",
        "无孤儿或事实无人抚养儿童",
    )


def temporary(explained: Explained) -> ProgrammeResult:
    """临时救助: the approval limits, and the aid proposed for a declared hardship
    (docs/policy/other-programmes.md#temporary)."""
    household = explained.household
    members = max(int(explained.outcome.means.members[0]), 1)
    limits = temporary_limits(explained.parameters, household.area_type, members)
    lines = [
        explained.line("temporary.town_limit_months"),
        explained.line("temporary.county_limit_months"),
        explained.line("temporary.small_quick_months"),
        f"乡镇审批上限 {yuan(limits.town_fen)}元（{members}人），"
        f"县级审批上限 {yuan(limits.county_fen)}元，"
        f"小额快救上限 {yuan(limits.small_quick_fen)}元。",
    ]
    label = Programme.TEMPORARY.label
    if not household.temporary_kind:
        explained.sections.append(Section("临时救助", [*lines, "未申报急难或支出型困难。"]))
        no_hardship = "未申报急难或支出型困难"
        return ProgrammeResult(
            Programme.TEMPORARY, label, False, 0, None, "no_hardship", no_hardship
        )
    kind = TemporaryKind(household.temporary_kind).label
    expense = household.temporary_expense_fen
    proposed, needs_county = limits.proposal(expense)
    if expense:
        lines.append(
            f"{kind}：申报困难金额{yuan(expense)}元，按低保标准{yuan(limits.standard_fen)}元"
            f"的整月数建议救助{yuan(proposed)}元"
            + ("（超过乡镇审批权限，须报县级审批）。" if needs_county else "。")
        )
    else:
        lines.append(f"{kind}：未申报困难金额，按小额快救发放{yuan(proposed)}元。")
    explained.sections.append(Section("临时救助", lines))
    summary = f"{kind}临时救助，一次性{yuan(proposed)}元"
    return ProgrammeResult(
        Programme.TEMPORARY, label, True, 0, proposed, household.temporary_kind, summary
    )


def disability(explained: Explained) -> ProgrammeResult:
    """残疾人两项补贴 (docs/policy/other-programmes.md#disability)."""
    params, subsidies = explained.params, explained.outcome.disability
    beneficiaries, lines = [], []
    for i, member in enumerate(explained.household.members):
        notes = []
        if bool(subsidies.living[i]):
            explained.cite("disability.living_subsidy")
            notes.append(f"低保家庭残疾人生活补贴{yuan(params.living_subsidy)}元")
        if bool(subsidies.nursing[i]):
            explained.cite("disability.nursing_subsidy", "disability.nursing_max_grade")
            notes.append(
                f"{member.disability_grade}级重度残疾人护理补贴{yuan(params.nursing_subsidy)}元"
            )
        if notes:
            amount = int(subsidies.amount[i])
            beneficiaries.append(Beneficiary(i, explained.name(i), amount, "；".join(notes)))
            lines.append(f"{explained.name(i)}：" + "；".join(notes) + "。")
    if lines:
        explained.sections.append(Section("残疾人两项补贴", lines))
    return per_person_result(
        Programme.DISABILITY,
        beneficiaries,
        explained.totals["disability"],
        "{count}人，每月{total}元",
        "无符合条件的残疾人",
    )


def elderly(explained: Explained) -> ProgrammeResult:
    """经济困难老年人补贴 (docs/policy/other-programmes.md#elderly)."""
    subsidy = explained.outcome.elderly
    explained.cite("elderly.min_age")
    beneficiaries = [
        Beneficiary(i, explained.name(i), int(subsidy.amount[i]))
        for i in range(len(explained.household.members))
        if bool(subsidy.eligible[i])
    ]
    if beneficiaries:
        explained.cite("elderly.subsidy")
        min_age = explained.params.elderly_min_age
        lines = [
            f"{b.name}：低保家庭{min_age}周岁以上老年人，{yuan(b.monthly_fen)}元/月。"
            for b in beneficiaries
        ]
        explained.sections.append(Section("经济困难老年人补贴", lines))
    return per_person_result(
        Programme.ELDERLY,
        beneficiaries,
        explained.totals["elderly"],
        "{count}人，每月{total}元",
        "无符合条件的老年人",
    )


def covered_or_not(programme: str) -> Callable[[Explained], ProgrammeResult]:
    """Medical assistance: recipients of dibao or tekun are covered without another means
    test; others are assessed under the programme's own rules."""

    def explain(explained: Explained) -> ProgrammeResult:
        outcome = explained.outcome
        covered = int(outcome.dibao.amount[0]) > 0 or bool(outcome.tekun.eligible.any())
        return ProgrammeResult(
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

    return explain


def education(explained: Explained) -> ProgrammeResult:
    """教育救助: the children of tekun, dibao and edge households
    (docs/policy/other-programmes.md#medical-education); the amount is the school stage's per
    term, set on the case."""
    outcome, persons = explained.outcome, explained.persons
    covered = f.education_covered(outcome.means, outcome.dibao, outcome.tekun, persons)
    if bool(covered[0]) and not bool(f.edge(outcome.means)[0]):
        reason, text = "covered_by_dibao_tekun", "特困、低保家庭子女，免于再次经济状况核对"
    elif bool(covered[0]):
        explained.cite("dibao.edge_ratio")
        reason, text = "edge_household", "低保边缘家庭子女，按学段给予教育救助"
    else:
        explained.cite("dibao.edge_ratio")
        reason, text = "not_covered", "不属于特困、低保或低保边缘家庭，不符合教育救助条件"
    explained.sections.append(Section("教育救助", [text + "。"]))
    return ProgrammeResult(
        Programme.EDUCATION,
        Programme.EDUCATION.label,
        bool(covered[0]),
        0,
        None,
        reason,
        text,
    )


EXPLAIN: dict[str, Callable[[Explained], ProgrammeResult]] = {
    Programme.DIBAO: dibao,
    Programme.TEKUN: tekun,
    Programme.CHILDREN: children,
    Programme.TEMPORARY: temporary,
    Programme.DISABILITY: disability,
    Programme.ELDERLY: elderly,
    Programme.MEDICAL: covered_or_not(Programme.MEDICAL),
    Programme.EDUCATION: education,
}
