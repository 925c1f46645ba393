"""Who medical assistance helps and by which rule, over columns: each bill's category on its
discharge day (tekun or dibao recipient, in person or as a member of a recipient household;
else a member of a low-income edge household or of one monitored against returning to
poverty, registry.lowincome), and the dated rule of the category's group. The hand entry
and the extract import both read the spans with `spans_sql` and decide with `categories`
and `rules`, so a bill is decided the same way whichever way it came in."""

import datetime as dt
from typing import Any

import duckdb
import numpy as np
import numpy.typing as npt
import pyarrow as pa

from jiuzhu.cases.models import ACTIVE_RECIPIENT_STATUSES, Recipient
from jiuzhu.medical import formulas
from jiuzhu.medical.models import RULE_GROUP, Category
from jiuzhu.policy.accessors import MedicalRule
from jiuzhu.registry import lowincome

Ids = npt.NDArray[np.int64]
Codes = npt.NDArray[np.int8]  # an index into CATEGORIES, NONE for no category
CATEGORIES = tuple(Category)  # in order of precedence
NONE = -1
NOT_HELPED = (
    "在出院日不是特困人员、低保对象、低保边缘家庭成员或防止返贫监测对象，不属于医疗救助对象。"
)
GROUPS = sorted(set(RULE_GROUP.values()))
_GROUP_OF = np.array([GROUPS.index(RULE_GROUP[c]) for c in CATEGORIES], dtype=np.int64)
SPAN_SCHEMA = pa.schema(
    [
        ("person_id", pa.int64()),  # 0: the whole household
        ("household_id", pa.int64()),
        ("category", pa.string()),
        ("first", pa.date32()),
        ("end_month", pa.date32()),  # a recipient's last month (NULL: open)
        ("until", pa.date32()),  # a listing's first day off the list (NULL: open)
    ]
)


def spans_sql(people: str, households: str) -> str:
    """SQL of every span that can make someone a medical assistance category, for the
    persons and households the two subqueries select (columns of SPAN_SCHEMA)."""
    statuses = ", ".join(f"'{status.value}'" for status in ACTIVE_RECIPIENT_STATUSES)
    programmes = f"'{Category.TEKUN.value}', '{Category.DIBAO.value}'"
    return (
        "SELECT COALESCE(r.person_id, 0), r.household_id, r.programme, r.start_month,"
        f" r.end_month, NULL FROM {Recipient._meta.db_table} r"
        f" WHERE r.status IN ({statuses}) AND r.programme IN ({programmes})"
        f" AND (r.person_id IN ({people})"
        f" OR (r.person_id IS NULL AND r.household_id IN ({households})))"
        " UNION ALL SELECT 0, s.household_id, s.standing, s.since, NULL, s.until"
        f" FROM ({lowincome.standings_sql()}) s WHERE s.household_id IN ({households})"
    )


def span_table(rows: list[tuple[Any, ...]]) -> pa.Table:
    """The spans fetched by `spans_sql` (SQLite gives dates as text)."""
    columns = list(zip(*rows, strict=True)) if rows else [()] * len(SPAN_SCHEMA)
    arrays = []
    for values, field in zip(columns, SPAN_SCHEMA, strict=True):
        plain = pa.array(values, type=None if values else field.type)
        arrays.append(
            plain.cast(pa.string()).cast(field.type)
            if field.type == pa.date32() and pa.types.is_string(plain.type)
            else plain.cast(field.type)
        )
    return pa.Table.from_arrays(arrays, schema=SPAN_SCHEMA)


def categories(
    person: Ids, household: Ids, day: npt.NDArray[np.datetime64], spans: pa.Table
) -> Codes:
    """Each bill's category code on its day: the first in CATEGORIES that holds (a recipient
    span covers whole months; a listing holds from its day up to the day before it ended)."""
    ranks = " ".join(f"WHEN '{c.value}' THEN {i}" for i, c in enumerate(CATEGORIES))
    bills = pa.table(  # noqa: F841 (read by the query below)
        {"row": np.arange(len(person)), "person": person, "household": household, "day": day}
    )
    held = (
        duckdb.connect()
        .execute(
            f"WITH s AS (SELECT person_id, household_id, CASE category {ranks} END AS rank,"
            " first, CASE WHEN end_month IS NOT NULL"
            " THEN CAST(date_trunc('month', end_month) + INTERVAL 1 MONTH AS DATE)"
            " ELSE COALESCE(until, DATE '9999-12-31') END AS stop FROM spans),"
            " hits AS (SELECT b.row, s.rank, b.day, s.first, s.stop FROM bills b"
            " JOIN s ON s.person_id = b.person UNION ALL"
            " SELECT b.row, s.rank, b.day, s.first, s.stop FROM bills b"
            " JOIN s ON s.person_id = 0 AND s.household_id = b.household)"
            " SELECT row, min(rank) AS rank FROM hits"
            " WHERE first <= day AND day < stop GROUP BY row"
        )
        .fetchnumpy()
    )
    codes = np.full(len(person), NONE, dtype=np.int8)
    codes[held["row"]] = held["rank"]
    return codes


def rules(codes: Codes, day: npt.NDArray[np.datetime64]) -> tuple[Ids, Ids, Ids]:
    """Each bill's deductible, share (basis points) and cap: the rule of its category's
    group in force on its day, looked up once per group and day."""
    days = day.astype("datetime64[D]").astype(np.int64)
    keys, inverse = np.unique(days * len(GROUPS) + _GROUP_OF[codes], return_inverse=True)
    table = np.empty((len(keys), 3), dtype=np.int64)
    for i, key in enumerate(keys.tolist()):
        on = dt.date(1970, 1, 1) + dt.timedelta(days=key // len(GROUPS))
        rule = MedicalRule.on(on, GROUPS[key % len(GROUPS)])
        table[i] = rule.deductible_fen, int(rule.share * formulas.BASIS), rule.cap_fen
    picked = table[inverse.ravel()]
    return picked[:, 0], picked[:, 1], picked[:, 2]


def labels(codes: Codes) -> pa.Array:
    """The categories' values as a column (codes must hold no NONE)."""
    return pa.array([c.value for c in CATEGORIES]).take(pa.array(codes))


def years(days: npt.NDArray[np.datetime64]) -> Ids:
    return days.astype("datetime64[Y]").astype(np.int64) + 1970


def decide(
    person: Ids,
    day: npt.NDArray[np.datetime64],
    eligible_fen: Ids,
    tiebreak: Ids,
    codes: Codes,
    prior_eligible_fen: Ids,
    prior_paid_fen: Ids,
) -> dict[str, Ids]:
    """The yearly-cap computation of a set of bills (one entered, or a whole extract): each
    bill's rule, then the formula per person and year in discharge order (`tiebreak`
    orders one person's bills of a day); the columns a bill records, in the given order."""
    deductible, share, cap = rules(codes, day)
    order = np.lexsort((tiebreak, day, person))
    result = formulas.assistance(
        (person * 10_000 + years(day))[order],
        eligible_fen[order],
        prior_eligible_fen[order],
        prior_paid_fen[order],
        deductible[order],
        share[order],
        cap[order],
    )
    back = np.empty_like(order)
    back[order] = np.arange(len(order))
    return {
        "amount_fen": result.amount_fen[back],
        "deductible_fen": deductible,
        "share_bp": share,
        "cap_fen": cap,
        "eligible_before_fen": result.eligible_before_fen[back],
        "paid_before_fen": result.paid_before_fen[back],
    }
