"""Writes of the policy app: new dated parameter values (standards), checked and audited.

Nothing is overwritten: a value is a new row with its effective date. A standard that
breaks a rule in force on its effective date is refused with the rule's name
(docs/policy/standards.md#constraints): urban : rural dibao ratio, tekun basic ≥ 1.5 ×
dibao, care standards as shares of the previous year's minimum wage.
"""

import datetime as dt
import json
from collections.abc import Callable
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, ROUND_UP, Decimal, InvalidOperation
from typing import Any

from django.db import IntegrityError, transaction

from jiuzhu.core.errors import DomainError
from jiuzhu.core.models import User
from jiuzhu.core.money import format_yuan
from jiuzhu.core.months import long_date
from jiuzhu.core.permissions import require
from jiuzhu.core.roles import Capability
from jiuzhu.core.services import record_audit
from jiuzhu.policy.mixed import MIXED_RULE, rule_code
from jiuzhu.policy.models import Parameter
from jiuzhu.policy.parameters import (
    INT,
    LIST,
    MONEY,
    RATIO,
    SPECS,
    InForce,
    entry_at,
    label,
    to_json,
)
from jiuzhu.registry.models import HukouType

CARE = ("self_care", "semi_dependent", "dependent")
# The value of a key in force on a day (the database's `entry_at`, or a history in memory).
Lookup = Callable[[str, dt.date], InForce | None]


@dataclass
class Constraint:
    rule: str  # the rule, as the policy states it
    ok: bool
    detail: str
    remedy: str = ""  # what the county must enter for the rule to hold


def parse_value(key: str, raw: Any) -> Any:
    """Text from a form or JSON into the parameter's kind; DomainError when it is not."""
    spec = SPECS.get(key)
    if spec is None:
        raise DomainError(f"未知的参数：{key}。", field="key")
    if spec.kind in (MONEY, RATIO, INT):
        try:
            value = Decimal(str(raw).strip())
        except (InvalidOperation, ValueError):
            raise DomainError(f"“{spec.label}”应为数字。", field="value") from None
        if not value.is_finite() or value < 0:
            raise DomainError(f"“{spec.label}”不能为负数。", field="value")
        if spec.kind == INT:
            if value != value.to_integral_value():
                raise DomainError(f"“{spec.label}”应为整数。", field="value")
            return int(value)
        if spec.kind == MONEY:
            return value.quantize(Decimal("0.01"), ROUND_HALF_UP)
        return value
    if spec.kind == LIST:
        if isinstance(raw, str):
            try:
                raw = json.loads(raw)
            except ValueError:
                raise DomainError(f"“{spec.label}”应为JSON列表。", field="value") from None
        if not isinstance(raw, list):
            raise DomainError(f"“{spec.label}”应为JSON列表。", field="value")
        return raw
    text = str(raw).strip()
    if key == MIXED_RULE:
        rule_code(text)  # one of the county's three choices, or refused
    return text


def _in_force(key: str, on: dt.date, pending: dict[str, Any], at: Lookup) -> Decimal | None:
    if key in pending:
        return Decimal(str(pending[key]))
    entry = at(key, on)
    return None if entry is None else Decimal(str(entry.value))


def previous_year_minimum_wage(on: dt.date, at: Lookup = entry_at) -> Decimal | None:
    entry = at("minimum_wage", dt.date(on.year - 1, 12, 31))
    return None if entry is None else Decimal(str(entry.value))


def _yuan(amount: Any) -> str:
    """A standard in an explanation, as pages write money: 1,027.50."""
    return format_yuan(Decimal(str(amount)), fen=False)


def _ratio_rule(
    prefix: str, name: str, on: dt.date, pending: dict[str, Any], at: Lookup
) -> Constraint | None:
    """Urban : rural standards within the ratio in force (docs/policy/standards.md#constraints)."""
    max_ratio_entry = at("constraint.urban_rural_max_ratio", on)
    if max_ratio_entry is None:
        return None
    urban = _in_force(f"{prefix}.urban", on, pending, at)
    rural = _in_force(f"{prefix}.rural", on, pending, at)
    if urban is None or rural is None or rural == 0:
        return None
    limit = Decimal(str(max_ratio_entry.value))
    ratio = urban / rural
    since = f"{long_date(max_ratio_entry.effective_from)}起"
    rule = (
        f"{name}城乡标准应统一（1:1，{since}）"
        if limit == 1
        else f"{name}城乡标准之比不超过{limit}:1（{since}）"
    )
    floor = (urban / limit).quantize(Decimal("0.01"), ROUND_UP)
    return Constraint(
        rule,
        ratio <= limit,
        f"城市{_yuan(urban)}元 : 农村{_yuan(rural)}元 = {ratio:.3f} : 1",
        f"录入农村{name}标准不低于{_yuan(floor)}元（或新的城乡标准）",
    )


def _tekun_rule(area: str, on: dt.date, pending: dict[str, Any], at: Lookup) -> Constraint | None:
    """The tekun basic standard at least the multiple of the dibao standard in force."""
    min_ratio_entry = at("constraint.tekun_basic_min_ratio", on)
    if min_ratio_entry is None:
        return None
    basic = _in_force(f"tekun.basic.{area}", on, pending, at)
    dibao = _in_force(f"dibao.standard.{area}", on, pending, at)
    if basic is None or dibao is None:
        return None
    times = Decimal(str(min_ratio_entry.value))
    floor = (dibao * times).quantize(Decimal("0.01"), ROUND_HALF_UP)
    area_name = "城市" if area == HukouType.URBAN else "农村"
    return Constraint(
        f"{area_name}特困人员基本生活标准不低于低保标准的{times}倍",
        basic >= floor,
        f"基本生活标准{_yuan(basic)}元，低保标准{_yuan(dibao)}元 × {times} = {_yuan(floor)}元",
        f"录入{area_name}特困人员基本生活标准不低于{_yuan(floor)}元",
    )


def _care_rule(key: str, on: dt.date, value: Any, at: Lookup) -> Constraint | None:
    """A care standard at least its share of last year's minimum wage."""
    level = key.rsplit(".", 1)[1]
    share_entry = at(f"constraint.care_share.{level}", on)
    wage = previous_year_minimum_wage(on, at)
    if share_entry is None or wage is None:
        return None
    share = Decimal(str(share_entry.value))
    floor = (wage * share).quantize(Decimal("0.01"), ROUND_HALF_UP)
    return Constraint(
        f"{label(key)}不低于上年度最低工资标准的{share * 100:.0f}%",
        Decimal(str(value)) >= floor,
        f"{label(key)}{_yuan(value)}元，上年度最低工资{_yuan(wage)}元 × {share * 100:.0f}%"
        f" = {_yuan(floor)}元",
        f"录入{label(key)}不低于{_yuan(floor)}元",
    )


def constraints_for(key: str, on: dt.date, value: Any, at: Lookup = entry_at) -> list[Constraint]:
    """The constraints in force on `on` that concern `key`, checked against `value`; `at`
    looks up the other values in force (the database, or a history already read)."""
    pending = {key: value}
    area = key.rsplit(".", 1)[1]
    if key.startswith("dibao.standard."):
        found = [
            _ratio_rule("dibao.standard", "低保", on, pending, at),
            _tekun_rule(area, on, pending, at),
        ]
    elif key.startswith("tekun.basic."):
        found = [
            _ratio_rule("tekun.basic", "特困人员基本生活", on, pending, at),
            _tekun_rule(area, on, pending, at),
        ]
    elif key.startswith("tekun.care."):
        found = [_care_rule(key, on, value, at)]
    else:
        found = []
    return [constraint for constraint in found if constraint is not None]


def propose(key: str, on: dt.date) -> tuple[Decimal | None, str]:
    """The value the platform proposes for a standard on a date, and how it was derived."""
    if key.startswith("dibao.standard."):
        area = key.rsplit(".", 1)[1]
        spending = entry_at(f"consumption.per_capita.{area}", on)
        ratio = entry_at(f"dibao.standard_ratio.{area}", on)
        if spending is None or ratio is None:
            return None, "缺少上年度人均消费支出或比例参数，无法测算。"
        value = (Decimal(str(spending.value)) * Decimal(str(ratio.value)) / 12).quantize(
            Decimal("1"), ROUND_HALF_UP
        )
        return value, (
            f"上年度人均消费支出{_yuan(spending.value)}元 × {ratio.value} ÷ 12"
            f" ≈ {_yuan(value)}元/月"
            f"（消费支出{long_date(spending.effective_from)}起，{spending.source}）"
        )
    if key.startswith("tekun.basic."):
        area = key.rsplit(".", 1)[1]
        dibao = entry_at(f"dibao.standard.{area}", on)
        times = entry_at("constraint.tekun_basic_min_ratio", on)
        if dibao is None or times is None:
            return None, "缺少低保标准，无法测算。"
        value = (Decimal(str(dibao.value)) * Decimal(str(times.value))).quantize(
            Decimal("1"), ROUND_HALF_UP
        )
        return value, f"低保标准{_yuan(dibao.value)}元 × {times.value} = {_yuan(value)}元/月"
    if key.startswith("tekun.care."):
        level = key.rsplit(".", 1)[1]
        share = entry_at(f"constraint.care_share.{level}", on)
        wage = previous_year_minimum_wage(on)
        if share is None or wage is None:
            return None, "缺少上年度最低工资标准，无法测算。"
        value = (wage * Decimal(str(share.value))).quantize(Decimal("0.01"), ROUND_HALF_UP)
        return (
            value,
            f"上年度最低工资{_yuan(wage)}元 × {Decimal(str(share.value)) * 100:.0f}%"
            f" = {_yuan(value)}元/月",
        )
    return None, ""


def set_parameter(
    actor: User,
    key: str,
    effective_from: dt.date,
    raw_value: Any,
    source: str,
    note: str = "",
) -> Parameter:
    """A new value from a date on. Refused, naming the rule, if it breaks a constraint."""
    require(actor, Capability.MANAGE_STANDARDS)
    value = parse_value(key, raw_value)
    source = (source or "").strip()
    if not source:
        raise DomainError("请填写依据文件（文号或名称）。", field="source")
    if Parameter.objects.filter(key=key, effective_from=effective_from).exists():
        raise DomainError(
            f"“{label(key)}”在{long_date(effective_from)}已有取值；历史记录不可修改，"
            "如需更正请另选生效日期录入。",
            field="effective_from",
        )
    broken = [c for c in constraints_for(key, effective_from, value) if not c.ok]
    if broken:
        raise DomainError(
            "不符合政策规定：" + "；".join(f"{c.rule}（{c.detail}）" for c in broken) + "。",
            field="value",
        )
    try:
        with transaction.atomic():
            row = Parameter.objects.create(
                key=key,
                effective_from=effective_from,
                value=to_json(key, value),
                unit=SPECS[key].unit,
                source=source[:300],
                note=note.strip()[:300],
                created_by=actor,
            )
            record_audit(
                actor,
                "set_parameter",
                row,
                {"key": key, "effective_from": effective_from.isoformat(), "value": row.value},
            )
    except IntegrityError:
        raise DomainError("该参数在此日期已有取值。", field="effective_from") from None
    return row
