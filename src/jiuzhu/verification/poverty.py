"""The poverty-alleviation bureau's monthly list, once accepted, sets and ends the households'
flags (registry.poverty): the list's rows are read back from the stored extract."""

from pathlib import Path

import pyarrow.parquet as pq

from jiuzhu.core.models import User
from jiuzhu.core.services import record_audit
from jiuzhu.registry.models import PovertyKind
from jiuzhu.registry.poverty import Listed, ListOutcome, apply_list
from jiuzhu.verification.models import ExtractImport
from jiuzhu.verification.sources import get_source

# The list's category column → the flag.
KINDS = {
    "建档立卡脱贫户": PovertyKind.REGISTERED_POOR,
    "防止返贫监测对象": PovertyKind.MONITORED,
}


def apply_extract(actor: User, extract: ExtractImport) -> ListOutcome:
    """Apply an accepted poverty list to the households' flags (inside the caller's
    transaction), with its audit entry."""
    table = pq.read_table(
        Path(extract.parquet_path), columns=["id_digest", "col_category", "col_since"]
    ).to_pydict()
    rows = [
        Listed(digest or "", KINDS[category], since)
        for digest, category, since in zip(
            table["id_digest"], table["col_category"], table["col_since"], strict=True
        )
    ]
    source = get_source(extract.source)
    outcome = apply_list(
        actor, rows, extract.extract_date, f"{source.department}·{source.name}", extract.pk
    )
    record_audit(
        actor,
        "apply_poverty_list",
        extract,
        {
            "started": outcome.started,
            "ended": outcome.ended,
            "kept": outcome.kept,
            "unknown": outcome.unknown_people,
        },
    )
    return outcome
