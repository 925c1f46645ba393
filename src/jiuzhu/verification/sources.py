"""The departments' data sources and the schema each extract must follow.

Every source shares three identity columns (ID number, name, birth date) and declares its
own. An extract row becomes one *fact*: a kind (what was found), a category (how it
weighs in the means test) and an amount in fen. The matching job only reads the facts
columns, so a new source needs a declaration in data/sources.toml (read here) and
nothing else.
"""

import tomllib
from dataclasses import dataclass, field
from enum import StrEnum
from pathlib import Path
from typing import Any

from jiuzhu.core.errors import DomainError

# The sources as data: one [[source]] table each (its comment says how to read it).
SOURCES_FILE = Path(__file__).with_name("data") / "sources.toml"


class ColumnType(StrEnum):
    ID = "id"  # citizen ID number, check digit verified
    TEXT = "text"
    DATE = "date"  # YYYY-MM-DD, YYYY/MM/DD or YYYYMMDD
    AMOUNT = "amount"  # yuan with at most 2 decimals, not negative; stored as fen
    INT = "int"
    ENUM = "enum"


class Category(StrEnum):
    """How a fact weighs in the means test."""

    INCOME = "income"  # monthly income, counted
    FINANCIAL = "financial"  # deposits, securities, insurance cash value
    VEHICLE = "vehicle"  # a motor vehicle that counts against the limit
    HOUSE = "house"
    BUSINESS = "business"  # amount = registered capital
    DEATH = "death"
    PAYROLL = "payroll"  # on the public payroll; amount = monthly salary, counted as income
    INFO = "info"  # listed in the report, no limit attached


@dataclass(frozen=True)
class Column:
    name: str
    label: str
    type: ColumnType = ColumnType.TEXT
    required: bool = False
    choices: tuple[str, ...] = ()
    max_length: int = 100


@dataclass(frozen=True)
class Source:
    code: str
    name: str
    department: str
    columns: tuple[Column, ...]
    kind: str
    category: Category
    amount_column: str | None = None
    detail_columns: tuple[str, ...] = ()
    # (column, value) -> (kind, category) for rows that differ from the default.
    overrides: dict[tuple[str, str], tuple[str, Category]] = field(default_factory=dict)
    # A complete list (each extract replaces the last in full): refused whole on any bad row.
    complete_list: bool = False

    @property
    def all_columns(self) -> tuple[Column, ...]:
        return IDENTITY_COLUMNS + self.columns

    def column(self, name: str) -> Column:
        for column in self.all_columns:
            if column.name == name:
                return column
        raise KeyError(name)

    @property
    def required_columns(self) -> tuple[str, ...]:
        return tuple(c.name for c in self.all_columns if c.required)


# The ID number may be missing (old bank records); the row then needs a birth date and is
# matched by name + birth date with lower confidence.
IDENTITY_COLUMNS = (
    Column("id_number", "身份证号", ColumnType.ID, max_length=18),
    Column("name", "姓名", ColumnType.TEXT, required=True, max_length=40),
    Column("birth_date", "出生日期", ColumnType.DATE),
)

KIND_LABELS: dict[str, str] = {
    "hukou": "户籍登记",
    "vehicle": "机动车",
    "exempt_vehicle": "摩托车、农用车或残疾人代步车",
    "wage": "工资收入",
    "pension": "养老金、退休金",
    "resident_pension": "城乡居民养老金",
    "unemployment_benefit": "失业保险金",
    "contribution": "社会保险缴费",
    "house": "房产",
    "business": "工商登记",
    "tax_income": "个人所得税申报收入（年）",
    "provident_fund": "住房公积金缴存",
    "deposit": "存款",
    "securities": "证券资产",
    "insurance_value": "商业保险现金价值",
    "medical_insurance": "医疗保险参保",
    "marriage": "婚姻登记",
    "death": "死亡或火化",
    "student": "在校学生",
    "public_payroll": "财政供养人员",
    "poverty_listing": "脱贫户或防止返贫监测对象",
    "medical_out_of_pocket": "医疗费用个人自付（年度累计）",
    "disability_certificate": "残疾人证",
    "disaster_loss": "自然灾害损失",
}

CATEGORY_LABELS: dict[str, str] = {
    Category.INCOME: "收入",
    Category.FINANCIAL: "金融资产",
    Category.VEHICLE: "车辆",
    Category.HOUSE: "房产",
    Category.BUSINESS: "工商登记",
    Category.DEATH: "死亡",
    Category.PAYROLL: "财政供养",
    Category.INFO: "参考信息",
}


def _column(row: dict[str, Any]) -> Column:
    return Column(
        row["name"],
        row["label"],
        ColumnType(row.get("type", ColumnType.TEXT)),
        row.get("required", False),
        tuple(row.get("choices", ())),
        row.get("max_length", 100),
    )


def _source(row: dict[str, Any]) -> Source:
    return Source(
        row["code"],
        row["name"],
        row["department"],
        tuple(_column(column) for column in row["columns"]),
        row["kind"],
        Category(row["category"]),
        amount_column=row.get("amount_column"),
        detail_columns=tuple(row.get("detail_columns", ())),
        overrides={
            (override["column"], override["value"]): (
                override["kind"],
                Category(override["category"]),
            )
            for override in row.get("overrides", ())
        },
        complete_list=row.get("complete_list", False),
    )


def load_sources(path: Path = SOURCES_FILE) -> dict[str, Source]:
    """The sources declared in `path` (data/sources.toml), by code, in the file's order."""
    with open(path, "rb") as handle:
        rows = tomllib.load(handle)["source"]
    return {row["code"]: _source(row) for row in rows}


SOURCES: dict[str, Source] = load_sources()

SOURCE_CHOICES = [(s.code, f"{s.department} · {s.name}") for s in SOURCES.values()]

# The columns every stored extract carries for the matching job, in this order.
FACT_COLUMNS = (
    "id_digest",
    "name",
    "birth_date",
    "source",
    "extract_id",
    "extract_date",
    "kind",
    "category",
    "amount_fen",
    "detail",
)


def get_source(code: str) -> Source:
    """The declared source with this code; DomainError (in Chinese) for an unknown one."""
    try:
        return SOURCES[code]
    except KeyError:
        raise DomainError(f"未知的数据来源：{code}。") from None
