"""The departments' data sources and the schema each extract must follow.

Every source shares three identity columns (ID number, name, birth date) and declares its
own. An extract row becomes one *fact*: a kind (what was found), a category (how it
weighs in the means test) and an amount in fen. The matching job only reads the facts
columns, so a new source needs a declaration here and nothing else.
"""

from dataclasses import dataclass, field
from enum import StrEnum


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

_T, _D, _A, _E, _I = (
    ColumnType.TEXT,
    ColumnType.DATE,
    ColumnType.AMOUNT,
    ColumnType.ENUM,
    ColumnType.INT,
)

SOURCES: dict[str, Source] = {
    s.code: s
    for s in (
        Source(
            "hukou",
            "户籍信息",
            "公安局",
            (
                Column("address", "户籍地址", _T, max_length=120),
                Column("status", "户籍状态", _E, True, ("正常", "迁出", "死亡注销")),
            ),
            "hukou",
            Category.INFO,
            detail_columns=("status", "address"),
            overrides={("status", "死亡注销"): ("death", Category.DEATH)},
        ),
        Source(
            "vehicles",
            "机动车登记",
            "公安局交通管理部门",
            (
                Column("plate", "号牌号码", _T, True, max_length=12),
                Column(
                    "vehicle_type",
                    "车辆类型",
                    _E,
                    True,
                    ("汽车", "摩托车", "农用车", "残疾人代步车"),
                ),
                Column("registered_on", "登记日期", _D),
                Column("value", "价值（元）", _A),
            ),
            "vehicle",
            Category.VEHICLE,
            amount_column="value",
            detail_columns=("vehicle_type", "plate"),
            # National rule: these do not count against the vehicle limit.
            overrides={
                ("vehicle_type", "摩托车"): ("exempt_vehicle", Category.INFO),
                ("vehicle_type", "农用车"): ("exempt_vehicle", Category.INFO),
                ("vehicle_type", "残疾人代步车"): ("exempt_vehicle", Category.INFO),
            },
        ),
        Source(
            "employment",
            "就业与工资",
            "人力资源和社会保障局",
            (
                Column("employer", "工作单位", _T, True, max_length=100),
                Column("monthly_wage", "月工资（元）", _A, True),
            ),
            "wage",
            Category.INCOME,
            amount_column="monthly_wage",
            detail_columns=("employer",),
        ),
        Source(
            "pensions",
            "养老金发放",
            "人力资源和社会保障局",
            (
                Column(
                    "pension_type",
                    "养老金类别",
                    _E,
                    True,
                    ("企业职工养老金", "机关事业单位养老金", "城乡居民养老金"),
                ),
                Column("monthly_amount", "月发放额（元）", _A, True),
            ),
            "pension",
            Category.INCOME,
            amount_column="monthly_amount",
            detail_columns=("pension_type",),
            # The residents' scheme basic pension is not counted as income.
            overrides={("pension_type", "城乡居民养老金"): ("resident_pension", Category.INFO)},
        ),
        Source(
            "unemployment",
            "失业保险金",
            "人力资源和社会保障局",
            (
                Column("monthly_amount", "月发放额（元）", _A, True),
                Column("start_date", "起始日期", _D),
            ),
            "unemployment_benefit",
            Category.INCOME,
            amount_column="monthly_amount",
        ),
        Source(
            "social_insurance",
            "社会保险缴费",
            "人力资源和社会保障局",
            (
                Column("employer", "缴费单位", _T, max_length=100),
                Column("insurance_type", "险种", _T, True, max_length=20),
                Column("contribution_base", "缴费基数（元/月）", _A, True),
            ),
            "contribution",
            Category.INFO,
            amount_column="contribution_base",
            detail_columns=("insurance_type", "employer"),
        ),
        Source(
            "real_estate",
            "不动产登记",
            "住房和城乡建设局（不动产登记中心）",
            (
                Column("certificate_no", "不动产权证号", _T, True, max_length=40),
                Column("address", "坐落", _T, max_length=120),
                Column("floor_area", "建筑面积（平方米）", _A),
            ),
            "house",
            Category.HOUSE,
            detail_columns=("address", "certificate_no"),
        ),
        Source(
            "business",
            "市场主体登记",
            "市场监督管理局",
            (
                Column("company_name", "市场主体名称", _T, True, max_length=100),
                Column("credit_code", "统一社会信用代码", _T, max_length=18),
                Column("role", "身份", _E, True, ("法定代表人", "股东", "个体工商户经营者")),
                Column("registered_capital", "注册资本（元）", _A),
            ),
            "business",
            Category.BUSINESS,
            amount_column="registered_capital",
            detail_columns=("company_name", "role"),
        ),
        Source(
            "tax",
            "个人所得税申报",
            "税务局",
            (
                Column("tax_year", "所属年度", _I, True),
                Column("annual_income", "年度收入额（元）", _A, True),
            ),
            "tax_income",
            Category.INFO,
            amount_column="annual_income",
            detail_columns=("tax_year",),
        ),
        Source(
            "provident_fund",
            "住房公积金",
            "住房公积金管理中心",
            (
                Column("employer", "缴存单位", _T, max_length=100),
                Column("monthly_contribution", "月缴存额（元）", _A, True),
                Column("balance", "账户余额（元）", _A),
            ),
            "provident_fund",
            Category.INFO,
            amount_column="monthly_contribution",
            detail_columns=("employer",),
        ),
        Source(
            "bank_deposits",
            "银行存款",
            "人民银行及各银行业金融机构",
            (
                Column("institution", "金融机构", _T, True, max_length=60),
                Column("balance", "余额（元）", _A, True),
            ),
            "deposit",
            Category.FINANCIAL,
            amount_column="balance",
            detail_columns=("institution",),
        ),
        Source(
            "securities",
            "证券资产",
            "证券公司",
            (
                Column("institution", "证券公司", _T, True, max_length=60),
                Column("market_value", "市值（元）", _A, True),
            ),
            "securities",
            Category.FINANCIAL,
            amount_column="market_value",
            detail_columns=("institution",),
        ),
        Source(
            "commercial_insurance",
            "商业保险",
            "保险公司",
            (
                Column("institution", "保险公司", _T, True, max_length=60),
                Column("policy_no", "保单号", _T, max_length=40),
                Column("cash_value", "现金价值（元）", _A, True),
            ),
            "insurance_value",
            Category.FINANCIAL,
            amount_column="cash_value",
            detail_columns=("institution",),
        ),
        Source(
            "medical_insurance",
            "医疗保险参保",
            "医疗保障局",
            (Column("insurance_type", "参保类型", _E, True, ("职工医保", "居民医保")),),
            "medical_insurance",
            Category.INFO,
            detail_columns=("insurance_type",),
        ),
        Source(
            "marriage",
            "婚姻登记",
            "民政局",
            (
                Column("event", "登记类型", _E, True, ("结婚", "离婚")),
                Column("event_date", "登记日期", _D, True),
                Column("spouse_name", "对方姓名", _T, max_length=40),
            ),
            "marriage",
            Category.INFO,
            detail_columns=("event", "event_date", "spouse_name"),
        ),
        Source(
            "deaths",
            "死亡与火化",
            "民政局（殡葬管理）",
            (
                Column("death_date", "死亡日期", _D, True),
                Column("cremated_on", "火化日期", _D),
            ),
            "death",
            Category.DEATH,
            detail_columns=("death_date",),
        ),
        Source(
            "students",
            "在校学生",
            "教育局",
            (
                Column("school", "学校", _T, True, max_length=60),
                Column(
                    "stage",
                    "学段",
                    _E,
                    True,
                    ("学前", "小学", "初中", "高中", "中职", "高职", "本科"),
                ),
            ),
            "student",
            Category.INFO,
            detail_columns=("school", "stage"),
        ),
        Source(
            "public_payroll",
            "财政供养人员",
            "财政局",
            (
                Column("employer", "单位", _T, True, max_length=100),
                Column("monthly_salary", "月工资（元）", _A, True),
            ),
            "public_payroll",
            Category.PAYROLL,
            amount_column="monthly_salary",
            detail_columns=("employer",),
        ),
    )
}

SOURCE_CHOICES = [(s.code, f"{s.department} · {s.name}") for s in SOURCES.values()]

# The columns every stored extract carries for the matching job, in this order.
FACT_COLUMNS = (
    "id_number",
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
    from jiuzhu.core.errors import DomainError

    try:
        return SOURCES[code]
    except KeyError:
        raise DomainError(f"未知的数据来源：{code}。") from None
