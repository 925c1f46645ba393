"""One household through the column formulas, with an explanation in Chinese.

Used by the calculator page, `POST /api/policy/calculate`, `jiuzhu calc` and the cases app.
The explanation names every parameter used (with the date it took effect and its source),
the incomes counted and not counted, and each test passed or failed, so that a caseworker
can show it to the applicant. The amounts are the formulas' (`policy.formulas`): this
package explains them, it never recomputes one.

- `results`: what is answered (a result per programme, sections of explanation)
- `explained`: what every explanation reads (household, parameters, the formulas' outcome)
- `means`: the means test explained; `programmes`: each programme explained
- `run`: `calculate`, which puts them together
"""

from jiuzhu.policy.calculator.results import (
    CALCULATED,
    Beneficiary,
    Calculation,
    ProgrammeResult,
    Section,
    StoredCalculation,
    check_programmes,
    stored_calculation,
)
from jiuzhu.policy.calculator.run import calculate

__all__ = [
    "CALCULATED",
    "Beneficiary",
    "Calculation",
    "ProgrammeResult",
    "Section",
    "StoredCalculation",
    "calculate",
    "check_programmes",
    "stored_calculation",
]
