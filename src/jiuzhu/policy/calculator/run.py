"""`calculate`: one household through the column formulas, then explained."""

from typing import Any

from jiuzhu.policy import formulas as f
from jiuzhu.policy.calculator.explained import Explained
from jiuzhu.policy.calculator.means import (
    income_section,
    means_summary,
    parameters_used,
    property_section,
)
from jiuzhu.policy.calculator.programmes import EXPLAIN
from jiuzhu.policy.calculator.results import Calculation, check_programmes
from jiuzhu.policy.household import HouseholdIn, to_columns
from jiuzhu.policy.parameters import ParameterSet


def calculate(
    household: HouseholdIn,
    programmes: list[str] | None = None,
    overrides: dict[str, Any] | None = None,
) -> Calculation:
    """Eligibility and monthly amount per programme for one household, with explanations.

    The amounts are the formulas' (the same as for a million households in a batch); the
    explanation names every parameter used, with its date and source. Bad input and
    unknown programmes are refused with a Chinese DomainError.
    """
    household.check()
    wanted = check_programmes(programmes)
    parameters = ParameterSet.load(household.month, overrides)
    params = f.Params.from_set(parameters)
    columns, persons = to_columns([household], params)
    outcome = f.compute(columns, persons, params)
    totals = outcome.household_totals(1, persons.hh)
    explained = Explained(
        household,
        parameters,
        params,
        columns,
        persons,
        outcome,
        {programme: int(total[0]) for programme, total in totals.items()},
    )
    explained.sections += [income_section(explained), property_section(explained)]
    results = [EXPLAIN[programme](explained) for programme in wanted]
    return Calculation(
        household,
        results,
        means_summary(explained),
        explained.sections,
        parameters_used(parameters),
    )
