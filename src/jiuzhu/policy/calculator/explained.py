"""What every explanation reads: the household, the parameters used and the formulas'
outcome for it (one row). Nothing here computes an amount."""

from dataclasses import dataclass, field

from jiuzhu.policy import formulas as f
from jiuzhu.policy.calculator.results import Section
from jiuzhu.policy.household import HouseholdIn
from jiuzhu.policy.parameters import ParameterSet


@dataclass
class Explained:
    household: HouseholdIn
    parameters: ParameterSet  # records every parameter an explanation reads
    params: f.Params
    columns: f.Households
    persons: f.Persons
    outcome: f.Outcome
    totals: dict[str, int]  # the household's monthly amount per programme, fen
    sections: list[Section] = field(default_factory=list)

    @property
    def urban(self) -> bool:
        return bool(self.columns.urban[0])

    def name(self, member: int) -> str:
        return self.household.members[member].name or f"成员{member + 1}"

    def cite(self, *keys: str) -> None:
        """Record parameters the explanation relies on (listed with date and source)."""
        for key in keys:
            self.parameters.entry(key)

    def line(self, key: str) -> str:
        """One parameter as a sentence: label, value, unit, date and source."""
        entry = self.parameters.entry(key)
        value = entry.value
        shown = "、".join(map(str, value)) if isinstance(value, list) else f"{value}"
        since = f"{entry.effective_from:%Y-%m-%d}起"
        return f"{entry.label}：{shown}{entry.unit}（{since}，{entry.source}）"
