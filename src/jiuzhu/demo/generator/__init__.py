"""Synthetic households of the demo county, generated column-wise with numpy.

One call of `generate_chunk` makes a block of households (with their people, memberships,
incomes and assets) as columns for the registry's bulk writer (`registry.bulk`); the Python
loops run over templates and pools, never over households. Everything follows from the
random generator handed in, so a seed reproduces the county exactly.

Modules by concern:
- `state`: what carries over from chunk to chunk (villages, ID-number slots, name pools);
- `places`: where households are registered and live, their addresses;
- `households`: household shapes (templates) and who lives together;
- `persons`: birth dates and ID numbers, names, phones, health and capacity to work;
- `incomes`, `assets`: what each household earns and owns;
- `chunk`: `generate_chunk`, the draws in their fixed order;
- `rows`: the generated columns as the registry's `RegistryBatch`;
- `arrays`: small numpy helpers.
"""

from jiuzhu.demo.generator.chunk import generate_chunk
from jiuzhu.demo.generator.households import TEMPLATES, Template
from jiuzhu.demo.generator.incomes import LOW_INCOME_LINE, LOW_INCOME_SHARE
from jiuzhu.demo.generator.persons import JINAN_OTHER_CODES, assign_sequences, id_numbers
from jiuzhu.demo.generator.places import village_weights
from jiuzhu.demo.generator.state import (
    EPOCH,
    FEMALE_SLOTS,
    MALE_SLOTS,
    GeneratorState,
    Village,
)

__all__ = [
    "EPOCH",
    "FEMALE_SLOTS",
    "JINAN_OTHER_CODES",
    "LOW_INCOME_LINE",
    "LOW_INCOME_SHARE",
    "MALE_SLOTS",
    "TEMPLATES",
    "GeneratorState",
    "Template",
    "Village",
    "assign_sequences",
    "generate_chunk",
    "id_numbers",
    "village_weights",
]
