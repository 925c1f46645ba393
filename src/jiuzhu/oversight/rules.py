"""The risk-warning rules (风险预警): plain SQL over named views, run unchanged on DuckDB or
Spark (jiuzhu.batch.engine), like the verification job.

Views (each an Arrow table or Parquet files):
  recipients  recipient_id, household_id, person_id (null: the whole household),
              programme, town_code, monthly_fen, approved_fen, decided_by, next_review_on
              — the active recipients
  members     person_id, household_id, id_digest — the members of their households
  lines       for_month, recipient_id, household_id, account_number, net_fen
              — payroll lines of the months scanned
  facts       id_digest, category, extract_date — the departments' accepted extracts
  relatives   staff_id, person_id — staff's declared close relatives (近亲属备案)
  decisions   decided_by, town_code — approvals of the last twelve months
  covered     materialised: each person a recipient covers, with its programme and town
  flagged     materialised: the facts some rule looks for, attached to whom they cover
              (the departments' rows are read once, whatever the number of rules)

Every rule answers the same columns: subject (what the hit is about: a repeated hit on
the same subject is the same alert), town_code, household_id, staff_id, n, amount_fen,
on_date; `Rule.explain` turns a row into the sentence the handler reads.
"""

import datetime as dt
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any, TypeAlias

import pyarrow as pa

from jiuzhu.batch.engine import Engine
from jiuzhu.core.money import plain_yuan

VIEW_COLUMNS: dict[str, tuple[str, ...]] = {
    "recipients": (
        "recipient_id",
        "household_id",
        "person_id",
        "programme",
        "town_code",
        "monthly_fen",
        "approved_fen",
        "decided_by",
        "next_review_on",
    ),
    "members": ("person_id", "household_id", "id_digest"),
    "lines": ("for_month", "recipient_id", "household_id", "account_number", "net_fen"),
    "facts": ("id_digest", "category", "extract_date"),
    "relatives": ("staff_id", "person_id"),
    "decisions": ("decided_by", "town_code"),
}

COVERED_SQL = """
SELECT r.recipient_id, r.household_id, r.programme, r.town_code, m.person_id, m.id_digest
FROM recipients r JOIN members m ON m.household_id = r.household_id
WHERE r.person_id IS NULL OR r.person_id = m.person_id
"""

FLAGGED_CATEGORIES = ("death", "payroll", "vehicle", "business")
FLAGGED_SQL = f"""
SELECT c.recipient_id, c.household_id, c.town_code, f.category, f.extract_date
FROM facts f JOIN covered c ON c.id_digest = f.id_digest
WHERE f.category IN ({", ".join(f"'{c}'" for c in FLAGGED_CATEGORIES)})
"""

# Programmes nobody may receive together: 特困供养 replaces 低保 (社会救助暂行办法 第十四条).
EXCLUSIVE = ("dibao", "tekun")

_NONE = "CAST(NULL AS BIGINT)"


@dataclass(frozen=True)
class Thresholds:
    as_of: dt.date
    shared_account_households: int
    approval_share: Decimal
    approval_min_decisions: int
    review_overdue_days: int


@dataclass(frozen=True)
class Rule:
    code: str
    label: str
    sql: Callable[[Thresholds], str]
    explain: Callable[[dict[str, Any]], str]


def _fact_sql(category: str) -> Callable[[Thresholds], str]:
    def sql(_: Thresholds) -> str:
        return f"""
SELECT CAST(recipient_id AS STRING) AS subject, MIN(town_code) AS town_code,
       MIN(household_id) AS household_id, {_NONE} AS staff_id, COUNT(*) AS n,
       CAST(0 AS BIGINT) AS amount_fen, MAX(extract_date) AS on_date
FROM flagged
WHERE category = '{category}'
GROUP BY recipient_id"""

    return sql


def _deceased(_: Thresholds) -> str:
    # One death per recipient, however many extracts report it (hukou and deaths both do).
    return f"""
SELECT CAST(f.recipient_id AS STRING) AS subject, MIN(f.town_code) AS town_code,
       MIN(f.household_id) AS household_id, {_NONE} AS staff_id, COUNT(*) AS n,
       SUM(l.net_fen) AS amount_fen, MIN(f.extract_date) AS on_date
FROM (SELECT recipient_id, MIN(town_code) AS town_code, MIN(household_id) AS household_id,
             MIN(extract_date) AS extract_date
      FROM flagged WHERE category = 'death' GROUP BY recipient_id) f
JOIN lines l ON l.recipient_id = f.recipient_id
WHERE l.for_month > f.extract_date
GROUP BY f.recipient_id"""


SHARED_ACCOUNTS_SQL = """
SELECT account_number, MIN(recipient_id) AS recipient_id,
       COUNT(DISTINCT household_id) AS n, SUM(net_fen) AS amount_fen,
       MAX(for_month) AS on_date
FROM lines WHERE account_number <> ''
GROUP BY account_number
HAVING COUNT(DISTINCT household_id) >= {households}"""


def _shared_account(_: Thresholds) -> str:
    # The accounts are found on the lines alone (materialised by `run`); only those meet
    # the recipients, for a town.
    return f"""
SELECT md5(a.account_number) AS subject, r.town_code AS town_code,
       {_NONE} AS household_id, {_NONE} AS staff_id, a.n AS n,
       a.amount_fen AS amount_fen, a.on_date AS on_date
FROM shared_accounts a JOIN recipients r ON r.recipient_id = a.recipient_id"""


# The households behind a hit whose subject is not one household: the handler's evidence.
HIT_HOUSEHOLDS_SQL = {
    "shared_account": """
SELECT md5(a.account_number) AS subject, l.household_id AS household_id
FROM shared_accounts a JOIN lines l ON l.account_number = a.account_number
GROUP BY md5(a.account_number), l.household_id""",
    "two_places": """
SELECT md5(c.id_digest) AS subject, c.household_id AS household_id
FROM covered c
JOIN (SELECT id_digest FROM covered GROUP BY id_digest HAVING COUNT(*) > 1) twice
  ON twice.id_digest = c.id_digest
GROUP BY md5(c.id_digest), c.household_id""",
}


def _two_places(_: Thresholds) -> str:
    # Persons covered more than once are few: found first, then looked at closely.
    first, second = EXCLUSIVE
    return f"""
SELECT md5(c.id_digest) AS subject, MIN(c.town_code) AS town_code,
       MIN(c.household_id) AS household_id, {_NONE} AS staff_id,
       COUNT(DISTINCT c.town_code) AS n, CAST(0 AS BIGINT) AS amount_fen,
       CAST(NULL AS DATE) AS on_date
FROM covered c
JOIN (SELECT id_digest FROM covered GROUP BY id_digest HAVING COUNT(*) > 1) twice
  ON twice.id_digest = c.id_digest
GROUP BY c.id_digest
HAVING COUNT(DISTINCT c.town_code) > 1
    OR (SUM(CASE WHEN c.programme = '{first}' THEN 1 ELSE 0 END) > 0
        AND SUM(CASE WHEN c.programme = '{second}' THEN 1 ELSE 0 END) > 0)"""


def _relatives(_: Thresholds) -> str:
    return """
SELECT CONCAT(CAST(c.recipient_id AS STRING), ':', CAST(d.staff_id AS STRING)) AS subject,
       MIN(c.town_code) AS town_code, MIN(c.household_id) AS household_id,
       d.staff_id AS staff_id, COUNT(*) AS n, CAST(0 AS BIGINT) AS amount_fen,
       CAST(NULL AS DATE) AS on_date
FROM relatives d JOIN covered c ON c.person_id = d.person_id
GROUP BY c.recipient_id, d.staff_id"""


def _approval_share(t: Thresholds) -> str:
    # Shares in thousandths, integer arithmetic: the same answer on both engines.
    permille = int(t.approval_share * 1000)
    return f"""
SELECT CONCAT(d.town_code, ':', CAST(d.decided_by AS STRING)) AS subject,
       d.town_code AS town_code, {_NONE} AS household_id, d.decided_by AS staff_id,
       COUNT(*) AS n, CAST(MIN(t.total) AS BIGINT) AS amount_fen, CAST(NULL AS DATE) AS on_date
FROM decisions d
JOIN (SELECT town_code, COUNT(*) AS total FROM decisions GROUP BY town_code) t
  ON t.town_code = d.town_code
GROUP BY d.town_code, d.decided_by
HAVING MIN(t.total) >= {int(t.approval_min_decisions)}
   AND COUNT(*) * 1000 > MIN(t.total) * {permille}"""


def _amount_changed(_: Thresholds) -> str:
    return """
SELECT CAST(recipient_id AS STRING) AS subject, town_code, household_id,
       decided_by AS staff_id, CAST(1 AS BIGINT) AS n,
       monthly_fen - approved_fen AS amount_fen, CAST(NULL AS DATE) AS on_date
FROM recipients
WHERE approved_fen IS NOT NULL AND monthly_fen <> approved_fen"""


def _overdue_review(t: Thresholds) -> str:
    limit = t.as_of - dt.timedelta(days=t.review_overdue_days)
    return f"""
SELECT CAST(recipient_id AS STRING) AS subject, town_code, household_id,
       {_NONE} AS staff_id, CAST(1 AS BIGINT) AS n, CAST(0 AS BIGINT) AS amount_fen,
       next_review_on AS on_date
FROM recipients
WHERE next_review_on IS NOT NULL AND next_review_on < DATE '{limit.isoformat()}'"""


def _yuan(fen: Any) -> str:
    return plain_yuan(int(fen or 0))


RULES: tuple[Rule, ...] = (
    Rule(
        "deceased_paid",
        "死亡人员仍在领取",
        _deceased,
        lambda r: (
            f"部门数据显示已死亡（数据截至{r['on_date']}），"
            f"此后仍发放{r['n']}笔，共{_yuan(r['amount_fen'])}元"
        ),
    ),
    Rule(
        "shared_account",
        "多户共用一个收款账户",
        _shared_account,
        lambda r: f"同一银行账户为{r['n']}户救助家庭收款，共{_yuan(r['amount_fen'])}元",
    ),
    Rule(
        "public_employee",
        "财政供养人员",
        _fact_sql("payroll"),
        lambda r: f"共同生活成员中有{r['n']}人在财政供养人员名单中",
    ),
    Rule(
        "vehicle_owner",
        "拥有机动车",
        _fact_sql("vehicle"),
        lambda r: f"共同生活成员名下有{r['n']}辆机动车",
    ),
    Rule(
        "company_owner",
        "登记为企业法人或股东",
        _fact_sql("business"),
        lambda r: f"共同生活成员登记有{r['n']}家企业",
    ),
    Rule(
        "two_places",
        "跨镇或互斥项目重复享受",
        _two_places,
        lambda r: "同一人在两个镇（街道）同时享受救助，或同时享受低保和特困供养",
    ),
    Rule(
        "staff_relative",
        "工作人员近亲属享受救助",
        _relatives,
        lambda r: "救助对象是备案的工作人员近亲属，须由其他人员核查",
    ),
    Rule(
        "approval_share",
        "个人审批占比异常",
        _approval_share,
        lambda r: f"近十二个月本镇{r['amount_fen']}件审批中由同一人审批{r['n']}件",
    ),
    Rule(
        "amount_changed",
        "审批后金额被改动",
        _amount_changed,
        lambda r: f"现发放金额与审批确认金额相差{_yuan(r['amount_fen'])}元",
    ),
    Rule(
        "overdue_review",
        "长期未复核",
        _overdue_review,
        lambda r: f"应于{r['on_date']}复核，至今未复核",
    ),
)
RULE_LABELS = {rule.code: rule.label for rule in RULES}

Source: TypeAlias = pa.Table | Sequence[str]


def prepare(engine: Engine, inputs: dict[str, Source]) -> None:
    """Register each view (an Arrow table, or Parquet files) and materialise `covered`."""
    for view, columns in VIEW_COLUMNS.items():
        source = inputs[view]
        if isinstance(source, pa.Table):
            engine.register_arrow(view, source.select(list(columns)))
        else:
            engine.register_parquet(view, list(source), columns, {})
    engine.materialise("covered", COVERED_SQL)
    engine.materialise("flagged", FLAGGED_SQL)


def run(engine: Engine, thresholds: Thresholds) -> dict[str, list[dict[str, Any]]]:
    """Every rule's hits, by rule code; a hit about several households lists them."""
    engine.materialise(
        "shared_accounts",
        SHARED_ACCOUNTS_SQL.format(households=int(thresholds.shared_account_households)),
    )
    hits = {rule.code: engine.query(rule.sql(thresholds)).to_pylist() for rule in RULES}
    for code, sql in HIT_HOUSEHOLDS_SQL.items():
        if not hits[code]:
            continue
        behind: dict[str, list[int]] = {}
        for row in engine.query(sql).to_pylist():
            behind.setdefault(row["subject"], []).append(int(row["household_id"]))
        for hit in hits[code]:
            hit["households"] = sorted(behind.get(hit["subject"], []))
    return hits
