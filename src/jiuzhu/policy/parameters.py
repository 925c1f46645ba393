"""Dated parameters: what each key means, and the value in force on a date.

Every number of the policy is a key here with a history in the `Parameter` table (shipped
by the data migration, extended by county administrators). Code asks `value_at(key, day)`
or loads a whole `ParameterSet` for a month once and reads many keys from it.
"""

import datetime as dt
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from jiuzhu.core.errors import DomainError
from jiuzhu.core.money import to_fen

MONEY = "money"  # yuan, two decimals
RATIO = "ratio"  # a plain decimal (0.1 = 10 %)
INT = "int"
LIST = "list"  # a JSON list
TEXT = "text"


@dataclass(frozen=True)
class Spec:
    label: str
    kind: str
    unit: str = ""
    standard: bool = False  # set on the standards page, with constraint checks


SPECS: dict[str, Spec] = {
    # Standards (docs/policy/standards.md)
    "dibao.standard.urban": Spec("城市低保标准", MONEY, "元/人·月", True),
    "dibao.standard.rural": Spec("农村低保标准", MONEY, "元/人·月", True),
    "consumption.per_capita.urban": Spec("上年度城镇居民人均消费支出", MONEY, "元/年"),
    "consumption.per_capita.rural": Spec("上年度农村居民人均消费支出", MONEY, "元/年"),
    "dibao.standard_ratio.urban": Spec("城市低保标准占人均消费支出比例", RATIO),
    "dibao.standard_ratio.rural": Spec("农村低保标准占人均消费支出比例", RATIO),
    "minimum_wage": Spec("最低工资标准（本县所属档次）", MONEY, "元/月"),
    "tekun.basic.urban": Spec("城市特困人员基本生活标准", MONEY, "元/人·月", True),
    "tekun.basic.rural": Spec("农村特困人员基本生活标准", MONEY, "元/人·月", True),
    "tekun.care.self_care": Spec("特困照料护理标准（自理）", MONEY, "元/人·月", True),
    "tekun.care.semi_dependent": Spec("特困照料护理标准（半自理）", MONEY, "元/人·月", True),
    "tekun.care.dependent": Spec("特困照料护理标准（失能）", MONEY, "元/人·月", True),
    "children.standard.institutional": Spec(
        "孤困儿童基本生活费（集中养育）", MONEY, "元/人·月", True
    ),
    "children.standard.dispersed": Spec("孤困儿童基本生活费（分散养育）", MONEY, "元/人·月", True),
    # Constraints on standards
    "constraint.urban_rural_max_ratio": Spec("城乡低保标准比上限", RATIO),
    "constraint.tekun_basic_min_ratio": Spec("特困基本生活标准不低于低保标准的倍数", RATIO),
    "constraint.care_share.self_care": Spec("自理照料标准占上年最低工资比例", RATIO),
    "constraint.care_share.semi_dependent": Spec("半自理照料标准占上年最低工资比例", RATIO),
    "constraint.care_share.dependent": Spec("失能照料标准占上年最低工资比例", RATIO),
    # Means test
    "income.averaging_months": Spec("收入计算期", INT, "月"),
    "income.not_counted": Spec("不计入家庭收入的类别", LIST),
    "income.not_counted.registered_poor": Spec("建档立卡贫困户另不计入的类别", LIST),
    "income.work_cost_share": Spec("就业成本扣除比例（工资性收入）", RATIO),
    "income.work_cost_cap_share": Spec("每名就业成员就业成本扣除上限（占低保标准）", RATIO),
    "asset.vehicles_allowed": Spec(
        "可拥有的机动车辆数（不含残疾人代步车、摩托车、农用车）", INT, "辆"
    ),
    "asset.houses_allowed": Spec("可拥有的住房套数（不含农村宅基地房）", INT, "套"),
    "asset.financial_months": Spec("人均存款、有价证券、商业保险上限（低保标准的月数）", INT, "月"),
    "asset.business_capital_limit": Spec("工商登记注册资本或经营额上限", MONEY, "元"),
    # Dibao amounts
    "dibao.minimum_share": Spec("低保最低发放额（占标准，每人）", RATIO),
    "dibao.topup_share": Spec("老、幼、重残、重病成员增发（占标准，每人）", RATIO),
    "dibao.topup_min_age": Spec("增发的老年人年龄", INT, "岁"),
    "dibao.topup_under_age": Spec("增发的未成年人年龄（未满）", INT, "岁"),
    "dibao.severe_disability_grade": Spec("重度残疾等级（不高于）", INT, "级"),
    "dibao.phase_out_months.registered_poor": Spec("渐退期（建档立卡贫困户）", INT, "月"),
    "dibao.phase_out_months.other": Spec("渐退期（其他家庭）", INT, "月"),
    "dibao.phase_out_taper": Spec("渐退期逐月发放比例（%）", LIST),
    "dibao.edge_ratio": Spec("低保边缘家庭收入上限（低保标准的倍数）", RATIO),
    # Tekun
    "tekun.incapacity_min_age": Spec("无劳动能力：年满（岁）", INT, "岁"),
    "tekun.incapacity_under_age": Spec("无劳动能力：未满（岁）", INT, "岁"),
    "tekun.incapacity_disability": Spec("无劳动能力：残疾类别及等级（不高于）", LIST),
    "tekun.semi_dependent_from": Spec("半自理：不能完成的日常活动项数（起）", INT, "项"),
    "tekun.dependent_from": Spec("失能：不能完成的日常活动项数（起）", INT, "项"),
    # Children
    "children.max_age": Spec("孤困儿童保障年龄（未满）", INT, "岁"),
    # Temporary assistance
    "temporary.town_limit_months": Spec("临时救助乡镇审批上限（每人，低保标准的月数）", INT, "月"),
    "temporary.county_limit_months": Spec(
        "临时救助县级审批上限（每户，低保标准的月数）", INT, "月"
    ),
    "temporary.small_quick_months": Spec("小额快救上限（低保标准的月数）", INT, "月"),
    # Disability and elderly subsidies
    "disability.living_subsidy": Spec("困难残疾人生活补贴", MONEY, "元/人·月", True),
    "disability.nursing_subsidy": Spec("重度残疾人护理补贴", MONEY, "元/人·月", True),
    "disability.nursing_max_grade": Spec("护理补贴残疾等级（不高于）", INT, "级"),
    "elderly.subsidy": Spec("经济困难老年人补贴", MONEY, "元/人·月", True),
    "elderly.min_age": Spec("经济困难老年人补贴年龄（年满）", INT, "岁"),
    # Procedure (cases app)
    "procedure.decision_working_days": Spec("审核确认时限", INT, "工作日"),
    "procedure.notice_days": Spec("公示期", INT, "天"),
    "procedure.advance_aid_hours": Spec("先行救助时限", INT, "小时"),
    "procedure.advance_record_working_days": Spec("先行救助补办手续时限", INT, "工作日"),
    "procedure.refusal_notice_working_days": Spec("不予批准书面告知时限", INT, "工作日"),
    "procedure.investigation_start_working_days": Spec("受理后启动调查时限", INT, "工作日"),
    "procedure.spot_check_share": Spec("审核确认抽查比例", RATIO),
    "review.interval_months.A.urban": Spec("A类复核间隔（城市）", INT, "月"),
    "review.interval_months.A.rural": Spec("A类复核间隔（农村）", INT, "月"),
    "review.interval_months.B.urban": Spec("B类复核间隔（城市）", INT, "月"),
    "review.interval_months.B.rural": Spec("B类复核间隔（农村）", INT, "月"),
    "review.interval_months.C.urban": Spec("C类复核间隔（城市）", INT, "月"),
    "review.interval_months.C.rural": Spec("C类复核间隔（农村）", INT, "月"),
    # Payments and funds (payments, funds apps)
    "payments.prorate_by_days": Spec("首末月按天折算（1是，0否）", INT),
    "payments.arrears_max_months": Spec("补发欠发最多追溯", INT, "月"),
    "funds.allocation.weight.recipients": Spec("县级补助分配权重：救助对象占比", RATIO),
    "funds.allocation.weight.fiscal_weakness": Spec("县级补助分配权重：财力薄弱指数", RATIO),
    "funds.warning_months": Spec("预算不足提前预警", INT, "月"),
}


def parse(key: str, raw: Any) -> Any:
    """A stored JSON value as the kind its spec says (Decimal for money and ratios)."""
    spec = SPECS.get(key)
    kind = spec.kind if spec else TEXT
    if kind in (MONEY, RATIO):
        return Decimal(str(raw))
    if kind == INT:
        return int(raw)
    return raw


def to_json(key: str, value: Any) -> Any:
    spec = SPECS[key]
    if spec.kind == MONEY:
        return str(Decimal(str(value)).quantize(Decimal("0.01"), ROUND_HALF_UP))
    if spec.kind == RATIO:
        return str(Decimal(str(value)))
    if spec.kind == INT:
        return int(value)
    return value


def label(key: str) -> str:
    spec = SPECS.get(key)
    return spec.label if spec else key


@dataclass(frozen=True)
class InForce:
    key: str
    value: Any
    effective_from: dt.date
    source: str

    @property
    def label(self) -> str:
        return label(self.key)

    @property
    def unit(self) -> str:
        spec = SPECS.get(self.key)
        return spec.unit if spec else ""


class ParameterSet:
    """Every parameter in force on one day, loaded with one query; records what was read."""

    def __init__(self, on: dt.date, rows: dict[str, InForce]):
        self.on = on
        self._rows = rows
        self.used: dict[str, InForce] = {}

    @classmethod
    def load(cls, on: dt.date, overrides: dict[str, Any] | None = None) -> "ParameterSet":
        from jiuzhu.policy.models import Parameter

        rows: dict[str, InForce] = {}
        for p in Parameter.objects.filter(effective_from__lte=on).order_by("key", "effective_from"):
            rows[p.key] = InForce(p.key, parse(p.key, p.value), p.effective_from, p.source)
        for key, value in (overrides or {}).items():
            rows[key] = InForce(key, parse(key, value), on, "模拟测算假设值")
        return cls(on, rows)

    def entry(self, key: str) -> InForce:
        found = self._rows.get(key)
        if found is None:
            raise DomainError(
                f"参数“{label(key)}”在{self.on:%Y年%m月%d日}（该月）没有生效的参数，"
                "请先由县级管理员录入。",
                field="month",
            )
        self.used[key] = found
        return found

    def __getitem__(self, key: str) -> Any:
        return self.entry(key).value

    def get(self, key: str, default: Any = None) -> Any:
        return self[key] if key in self._rows else default

    def __contains__(self, key: str) -> bool:
        return key in self._rows

    def fen(self, key: str) -> int:
        """A money parameter in integer fen."""
        return to_fen(self[key])


def value_at(key: str, on: dt.date) -> Any:
    """The value of `key` in force on `on`; DomainError when there is none."""
    from jiuzhu.policy.models import Parameter

    row = (
        Parameter.objects.filter(key=key, effective_from__lte=on)
        .order_by("-effective_from")
        .first()
    )
    if row is None:
        raise DomainError(
            f"参数“{label(key)}”在{on:%Y年%m月%d日}（该月）没有生效的参数，请先由县级管理员录入。",
            field="month",
        )
    return parse(key, row.value)


def entry_at(key: str, on: dt.date) -> InForce | None:
    from jiuzhu.policy.models import Parameter

    row = (
        Parameter.objects.filter(key=key, effective_from__lte=on)
        .order_by("-effective_from")
        .first()
    )
    if row is None:
        return None
    return InForce(key, parse(key, row.value), row.effective_from, row.source)
