"""Typed views of the parameters in force, one per group of rules.

Apps read parameters through these (`Procedure.on(day).notice_days`), never by building key
strings: every key is written once, below or in `formulas.Params`, and a value missing on
that day is refused by `ParameterSet` with a Chinese message naming the parameter.
"""

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal
from typing import Self

import numpy as np

from jiuzhu.policy import formulas
from jiuzhu.policy.formulas import TemporaryLimits
from jiuzhu.policy.parameters import ParameterSet
from jiuzhu.registry.models import HukouType

_DIBAO_STANDARD = {HukouType.URBAN: "dibao.standard.urban", HukouType.RURAL: "dibao.standard.rural"}
# Review classes (动态管理分类, the cases app's ReviewClass): A, B, C by area type.
_REVIEW_INTERVAL = {
    ("A", HukouType.URBAN): "review.interval_months.A.urban",
    ("A", HukouType.RURAL): "review.interval_months.A.rural",
    ("B", HukouType.URBAN): "review.interval_months.B.urban",
    ("B", HukouType.RURAL): "review.interval_months.B.rural",
    ("C", HukouType.URBAN): "review.interval_months.C.urban",
    ("C", HukouType.RURAL): "review.interval_months.C.rural",
}


def dibao_standard_fen(parameters: ParameterSet, area_type: str) -> int:
    """The dibao standard per person and month, in fen, for urban or rural households."""
    return parameters.fen(_DIBAO_STANDARD[HukouType(area_type)])


def has_dibao_standards(parameters: ParameterSet) -> bool:
    """Whether both dibao standards are in force (nothing can be paid without them)."""
    return all(key in parameters for key in _DIBAO_STANDARD.values())


@dataclass(frozen=True)
class Procedure:
    """Time limits and shares of the application procedure
    (docs/policy/county-opinions.md#process, docs/policy/dibao.md#procedure)."""

    decision_working_days: int
    notice_days: int
    advance_aid_hours: int
    spot_check_share: Decimal
    parameters: ParameterSet

    @classmethod
    def from_set(cls, parameters: ParameterSet) -> Self:
        return cls(
            decision_working_days=int(parameters["procedure.decision_working_days"]),
            notice_days=int(parameters["procedure.notice_days"]),
            advance_aid_hours=int(parameters["procedure.advance_aid_hours"]),
            spot_check_share=Decimal(parameters["procedure.spot_check_share"]),
            parameters=parameters,
        )

    @classmethod
    def on(cls, day: dt.date) -> Self:
        return cls.from_set(ParameterSet.load(day))

    def review_interval_months(self, review_class: str, area_type: str) -> int:
        """Months between periodic reviews for a class of household (A/B/C, urban/rural)."""
        key = _REVIEW_INTERVAL[(review_class, HukouType(area_type))]
        return int(self.parameters[key])


@dataclass(frozen=True)
class PhaseOut:
    """The months a household keeps dibao after its income rose above the line (渐退期)."""

    months_registered_poor: int
    months_other: int
    taper_percent: tuple[int, ...]  # share of the previous amount paid, by month of phase-out

    @classmethod
    def from_set(cls, parameters: ParameterSet) -> Self:
        return cls(
            months_registered_poor=int(parameters["dibao.phase_out_months.registered_poor"]),
            months_other=int(parameters["dibao.phase_out_months.other"]),
            taper_percent=tuple(int(x) for x in parameters["dibao.phase_out_taper"]),
        )

    @classmethod
    def on(cls, day: dt.date) -> Self:
        return cls.from_set(ParameterSet.load(day))

    def months(self, registered_poor: bool) -> int:
        return self.months_registered_poor if registered_poor else self.months_other


@dataclass(frozen=True)
class Payment:
    """How a month's amount is paid: pro-rata first and last months, arrears reach."""

    prorate_by_days: bool
    arrears_max_months: int

    @classmethod
    def from_set(cls, parameters: ParameterSet) -> Self:
        return cls(
            prorate_by_days=int(parameters["payments.prorate_by_days"]) == 1,
            arrears_max_months=int(parameters["payments.arrears_max_months"]),
        )


@dataclass(frozen=True)
class Funds:
    """The county subsidy's allocation weights and the budget run-out warning."""

    weight_recipients: Decimal
    weight_fiscal_weakness: Decimal

    @classmethod
    def on(cls, day: dt.date) -> Self:
        parameters = ParameterSet.load(day)
        return cls(
            weight_recipients=Decimal(parameters["funds.allocation.weight.recipients"]),
            weight_fiscal_weakness=Decimal(parameters["funds.allocation.weight.fiscal_weakness"]),
        )

    @staticmethod
    def warning_months_on(day: dt.date) -> int | None:
        """Months ahead to warn of a budget running out; None when the county set none."""
        warning = ParameterSet.load(day).get("funds.warning_months")
        return None if warning is None else int(warning)


@dataclass(frozen=True)
class AssetLimits:
    """What a household may own and still be helped (the verification compares with these)."""

    area_type: str
    standard_fen: int  # dibao standard, per person and month
    financial_months: int  # deposits etc. per person ≤ this many months of the standard
    vehicles_allowed: int
    houses_allowed: int
    business_capital_limit_fen: int

    @classmethod
    def on(cls, day: dt.date, area_type: str) -> Self:
        parameters = ParameterSet.load(day)
        return cls(
            area_type=HukouType(area_type).value,
            standard_fen=dibao_standard_fen(parameters, area_type),
            financial_months=int(parameters["asset.financial_months"]),
            vehicles_allowed=int(parameters["asset.vehicles_allowed"]),
            houses_allowed=int(parameters["asset.houses_allowed"]),
            business_capital_limit_fen=parameters.fen("asset.business_capital_limit"),
        )


def temporary_limits(parameters: ParameterSet, area_type: str, members: int) -> TemporaryLimits:
    """The limits for a household of `members` co-resident members (computed in formulas)."""
    return formulas.temporary_limits(
        dibao_standard_fen(parameters, area_type),
        members,
        town_months=int(parameters["temporary.town_limit_months"]),
        county_months=int(parameters["temporary.county_limit_months"]),
        quick_months=int(parameters["temporary.small_quick_months"]),
    )


def temporary_max_per_year(day: dt.date) -> int:
    """How many temporary-aid grants one household may have in a calendar year."""
    return int(ParameterSet.load(day)["temporary.max_per_year"])


def education_term_fen(day: dt.date, stage: str) -> int:
    """Education aid for one student and one term at a school stage, in force on `day`."""
    return ParameterSet.load(day).fen(f"education.term_amount.{stage}")


_MEDICAL = {
    "assisted": ("medical.assisted.deductible", "medical.assisted.share", "medical.assisted.cap"),
    "edge": ("medical.edge.deductible", "medical.edge.share", "medical.edge.cap"),
}


@dataclass(frozen=True)
class MedicalRule:
    """Medical assistance for one recipient category: per person and calendar year."""

    deductible_fen: int
    share: Decimal
    cap_fen: int

    @classmethod
    def on(cls, day: dt.date, group: str) -> Self:
        """`group` is "assisted" (tekun, dibao, returned to poverty) or "edge" (edge and
        monitored households)."""
        deductible, share, cap = _MEDICAL[group]
        parameters = ParameterSet.load(day)
        return cls(parameters.fen(deductible), Decimal(parameters[share]), parameters.fen(cap))


# The figures the public programme pages quote (publicity app): money in fen, shares as
# Decimal, counts as int; a figure not in force on the day is left out.
_PUBLIC_MONEY = (
    "dibao.standard.urban",
    "dibao.standard.rural",
    "tekun.basic.urban",
    "tekun.basic.rural",
    "tekun.care.self_care",
    "tekun.care.semi_dependent",
    "tekun.care.dependent",
    "children.standard.institutional",
    "children.standard.dispersed",
    "disability.living_subsidy",
    "disability.nursing_subsidy",
    "elderly.subsidy",
    "medical.assisted.deductible",
    "medical.assisted.cap",
    "medical.edge.deductible",
    "medical.edge.cap",
)
_PUBLIC_COUNTS = (
    "children.max_age",
    "temporary.town_limit_months",
    "temporary.county_limit_months",
    "disability.nursing_max_grade",
    "elderly.min_age",
    "procedure.decision_working_days",
    "procedure.notice_days",
    "procedure.advance_aid_hours",
)
_PUBLIC_SHARES = ("medical.assisted.share", "medical.edge.share")


@dataclass(frozen=True)
class PublicStandards:
    """The standards in force on a day as the public leaflets quote them, by name
    (`money("dibao.standard.rural")`); None for one the county has not entered yet."""

    on_day: dt.date
    figures: dict[str, int | Decimal]

    @classmethod
    def on(cls, day: dt.date) -> Self:
        parameters = ParameterSet.load(day)
        figures: dict[str, int | Decimal] = {}
        for key in _PUBLIC_MONEY:
            if key in parameters:
                figures[key] = parameters.fen(key)
        for key in _PUBLIC_COUNTS:
            if key in parameters:
                figures[key] = int(parameters[key])
        for key in _PUBLIC_SHARES:
            if key in parameters:
                figures[key] = Decimal(parameters[key])
        return cls(day, figures)

    def money(self, key: str) -> int | None:
        value = self.figures.get(key)
        return int(value) if value is not None else None

    def count(self, key: str) -> int | None:
        value = self.figures.get(key)
        return int(value) if value is not None else None

    def percent(self, key: str) -> int | None:
        value = self.figures.get(key)
        return int(Decimal(value) * 100) if value is not None else None

    @staticmethod
    def standard_keys() -> tuple[str, ...]:
        """The money standards whose history the public page lists."""
        return _PUBLIC_MONEY


@dataclass(frozen=True)
class Care:
    """Tekun's self-care assessment and the children's age limit
    (docs/policy/tekun.md#self-care, docs/policy/other-programmes.md#children)."""

    semi_dependent_from: int  # activities of six the person cannot do
    dependent_from: int
    reassessment_months: int  # an assessment is valid at most this long
    children_max_age: int  # supported until this birthday
    children_reminder_months: int  # the birthday is on the worklist this long before

    @classmethod
    def on(cls, day: dt.date) -> Self:
        parameters = ParameterSet.load(day)
        return cls(
            semi_dependent_from=int(parameters["tekun.semi_dependent_from"]),
            dependent_from=int(parameters["tekun.dependent_from"]),
            reassessment_months=int(parameters["tekun.reassessment_months"]),
            children_max_age=int(parameters["children.max_age"]),
            children_reminder_months=int(parameters["children.age_limit_reminder_months"]),
        )

    def level(self, unable: int) -> int:
        """The care level (formulas.SELF_CARE …) for a count of activities the person
        cannot do: the formula the payroll's batch applies, on one person."""
        levels = formulas.care_level(
            np.array([unable]), self.semi_dependent_from, self.dependent_from
        )
        return int(levels[0])
