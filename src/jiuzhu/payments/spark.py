"""Payroll preparation over a Parquet snapshot: on one machine, or on Spark at scale.

The snapshot holds what `services.prepare_payroll` reads for a month, town by town through
the same reads (`payroll.read_recipients`, `read_arrears`, `services.open_claims`):
recipients with their payee snapshot, missed months, re-pricing arrears and open claims.
`lines` computes the lines every town's payroll would get (`compute_lines`,
`net_recoveries`, the stored columns of `writing.line_batch`); on Spark each partition holds
whole households and goes through the same `lines`. Nothing is written to the database:
the lines are what staff would prepare, for a province's figures or a cluster's run.
"""

import datetime as dt
from pathlib import Path
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq
from django.conf import settings
from django.utils import timezone

from jiuzhu.batch.spark import Group, Part, map_households, partitions_for, write_table
from jiuzhu.cases.services.care import end_children_at_age_limit
from jiuzhu.core.columnar import positions
from jiuzhu.core.models import Region, RegionLevel
from jiuzhu.core.months import first_of_month
from jiuzhu.payments import payroll as pr
from jiuzhu.payments.payroll.codes import I64
from jiuzhu.payments.payroll.reading import month_of
from jiuzhu.payments.payroll.writing import household_first, line_batch
from jiuzhu.payments.services import open_claims

# Number columns of each snapshot table (recipients also carry DETAIL_COLUMNS).
NUMBERS: dict[str, tuple[str, ...]] = {
    "recipients": ("town_id", *pr.RECIPIENT_NUMBERS),
    "arrears": ("rid", "month", "hid"),
    "standard": ("change", "rid", "month", "fen", "hid"),
    "claims": ("id", "household_id", "deductible", "seq"),
}
KEYS = {"recipients": "hid", "arrears": "hid", "standard": "hid", "claims": "household_id"}
DETAIL_NUMBERS = ("account_id", "institution_id")
DETAIL_TEXTS = tuple(c for c in pr.DETAIL_COLUMNS if c not in DETAIL_NUMBERS)
# Stored per line beside the town; the payroll's own id, line number and line id are given
# when a town's payroll is written.
PER_PAYROLL = ("id", "payroll_id", "line_no")


def snapshot_root() -> Path:
    return Path(settings.DATA_DIR) / "snapshots" / "payroll"


def take_snapshot(month: dt.date, directory: Path | None = None) -> Path:
    """What every town's payroll for `month` reads, as Parquet tables in a new directory
    (by default under JIUZHU_DATA_DIR/snapshots/payroll/). As prepare_payroll does first,
    children's recipients past the age limit this month are ended, so the snapshot holds
    the recipients the payroll pays."""
    month = first_of_month(month)
    rules = pr.Rules.load(month)  # refuses a month with no standard in force
    directory = directory or snapshot_root() / timezone.now().strftime("%Y%m%dT%H%M%S%f")
    tables: dict[str, list[pa.Table]] = {name: [] for name in NUMBERS}
    seq = 0
    for town in Region.objects.filter(level=RegionLevel.TOWN).order_by("code"):
        end_children_at_age_limit(town.prefix, month)
        recipients = pr.read_recipients(town.prefix, month)
        arrears = pr.read_arrears(town.pk, town.prefix, month, rules)
        claims = open_claims(town.prefix)

        def hid(rid: I64, recipients: pr.Recipients = recipients) -> I64:
            """Each row's household; -1 for a recipient not in the payroll (ignored there)."""
            at, found = positions(recipients.rid, rid)
            household = np.full(len(rid), -1, dtype=np.int64)
            household[found] = recipients.hid[at[found]]
            return household

        numbers = {name: getattr(recipients, name) for name in pr.RECIPIENT_NUMBERS}
        town_id = np.full(recipients.n, town.pk, dtype=np.int64)
        details = {name: recipients.details.column(name) for name in pr.DETAIL_COLUMNS}
        tables["recipients"].append(pa.table({"town_id": town_id, **numbers, **details}))
        tables["arrears"].append(
            pa.table({"rid": arrears.rid, "month": arrears.month, "hid": hid(arrears.rid)})
        )
        standard = arrears.standard
        tables["standard"].append(
            pa.table(
                {
                    "change": standard.change,
                    "rid": standard.rid,
                    "month": standard.month,
                    "fen": standard.fen,
                    "hid": hid(standard.rid),
                }
            )
        )
        tables["claims"].append(
            pa.table(
                {
                    "id": np.array([c.id for c in claims], dtype=np.int64),
                    "household_id": np.array([c.household_id for c in claims], dtype=np.int64),
                    "deductible": np.array([c.deductible for c in claims], dtype=np.int64),
                    "seq": np.arange(seq, seq + len(claims), dtype=np.int64),
                }
            )
        )
        seq += len(claims)
    for name, parts in tables.items():
        write_table(directory, name, pa.concat_tables(parts) if parts else _empty(name))
    return directory


def _empty(name: str) -> pa.Table:
    columns = {c: pa.array([], pa.int64()) for c in NUMBERS[name]}
    if name == "recipients":
        columns.update({c: pa.array([], pa.string()) for c in DETAIL_TEXTS})
        columns.update({c: pa.array([], pa.int64()) for c in DETAIL_NUMBERS})
    return pa.table(columns)


LINE_SCHEMA = pa.schema(
    [
        ("town_id", pa.int64()),
        ("kind", pa.string()),
        ("for_month", pa.date32()),
        *[(c, pa.int64()) for c in ("recipient_id", "household_id", "payee_id")],
        ("programme", pa.string()),
        ("members", pa.int64()),
        ("household_first", pa.bool_()),
        *[(c, pa.int64()) for c in ("reason", "share_permille", "amount_fen")],
        *[(c, pa.int64()) for c in ("recovery_fen", "net_fen", "recovery_claim_id")],
        ("origin_line_id", pa.int64()),
        *[(c, pa.int64() if c in DETAIL_NUMBERS else pa.string()) for c in pr.DETAIL_COLUMNS],
    ]
)


def _ordered(numbers: list[I64], *keys: int) -> list[I64]:
    """The columns sorted by the columns at `keys` (the first the major key)."""
    order = np.lexsort([numbers[key] for key in reversed(keys)])
    return [column[order] for column in numbers]


def lines(
    groups: dict[str, Group],
    month: dt.date,
    rules: pr.Rules,
    arrears_rules: dict[dt.date, pr.Rules],
) -> pa.Table:
    """The lines of the recipients in `groups` (whole households) for `month` (LINE_SCHEMA),
    each with its town: what prepare_payroll computes, town by town, before it writes."""
    group = groups["recipients"]
    order = np.argsort(group.numbers[1], kind="stable")  # by recipient, as read_recipients
    cols = dict(zip((*NUMBERS["recipients"], *DETAIL_NUMBERS), group.numbers, strict=True))
    details = {c: group.texts.column(c) for c in DETAIL_TEXTS}
    details.update({c: pa.array(cols[c]) for c in DETAIL_NUMBERS})
    recipients = pr.Recipients(
        **{name: cols[name][order] for name in pr.RECIPIENT_NUMBERS},
        details=pa.table({c: details[c] for c in pr.DETAIL_COLUMNS}).take(pa.array(order)),
    )
    town = cols["town_id"][order]
    rid, missed, _hid = _ordered(groups["arrears"].numbers, 0, 1)  # ORDER BY r.id, p.month
    change, srid, smonth, fen, _shid = _ordered(groups["standard"].numbers, 1, 0)
    standard = pr.StandardArrears(change, srid, smonth, fen)
    computed = pr.compute_lines(
        recipients, month, rules, pr.Arrears(rid, missed, arrears_rules, standard)
    )
    claim, household, deductible, _seq = _ordered(groups["claims"].numbers, 3)
    pr.net_recoveries(
        computed,
        [
            pr.OpenClaim(*values)
            for values in zip(claim.tolist(), household.tolist(), deductible.tolist(), strict=True)
        ],
    )
    if computed.n == 0:
        return LINE_SCHEMA.empty_table()
    batch = line_batch(0, computed, recipients, 1, slice(0, computed.n), household_first(computed))
    table = pa.Table.from_batches([batch]).drop_columns(list(PER_PAYROLL))
    table = table.add_column(0, "town_id", pa.array(town[computed.row]))
    return table.select(LINE_SCHEMA.names).cast(LINE_SCHEMA)


def arrears_rules(directory: str | Path) -> dict[dt.date, pr.Rules]:
    """The rules of every missed month in the snapshot, loaded on the driver."""
    missed = pq.read_table(f"{directory}/arrears.parquet", columns=["month"]).column("month")
    return {
        day: pr.Rules.load(day)
        for day in sorted({month_of(int(v)) for v in np.unique(missed.to_numpy())})
    }


def read_snapshot(directory: str | Path) -> dict[str, Group]:
    """A snapshot's tables as one group, on one machine."""
    groups = {}
    for name, numbers in NUMBERS.items():
        table = pq.read_table(f"{directory}/{name}.parquet")
        names = (*numbers, *DETAIL_NUMBERS) if name == "recipients" else numbers
        columns = [table.column(c).to_numpy().astype(np.int64) for c in names]
        texts = table.select(list(DETAIL_TEXTS)) if name == "recipients" else pa.table({})
        groups[name] = Group(columns, texts.combine_chunks())
    return groups


def spark_lines(
    spark: Any,
    directory: str | Path,
    month: dt.date,
    rules: pr.Rules,
    arrears_rules: dict[dt.date, pr.Rules],
    partitions: int = 0,
) -> Any:
    """Every town's lines for `month` as a Spark frame (LINE_SCHEMA), the snapshot's
    households spread over `partitions` and each partition computed by `lines`."""
    parts = []
    for name, numbers in NUMBERS.items():
        frame = spark.read.parquet(f"{directory}/{name}.parquet")
        if name == "recipients":
            parts.append(Part(name, frame, KEYS[name], (*numbers, *DETAIL_NUMBERS), DETAIL_TEXTS))
        else:
            parts.append(Part(name, frame, KEYS[name], numbers))
    if not partitions:
        partitions = partitions_for(parts[0].frame.count())  # about a recipient a household
    args = (first_of_month(month), rules, arrears_rules)
    return map_households(parts, partitions, f"{__name__}:lines", args, LINE_SCHEMA)
