"""一户一档: households, people and who belongs where, with history kept."""

from typing import Any

from django.db import models
from django.db.models import F, Q

from jiuzhu.core.crypto import DigestField, EncryptedCharField
from jiuzhu.core.models import Region


class Sex(models.TextChoices):
    MALE = "M", "男"
    FEMALE = "F", "女"


class HukouType(models.TextChoices):
    URBAN = "urban", "城镇"
    RURAL = "rural", "农村"


class LabourCapacity(models.TextChoices):
    FULL = "full", "有劳动能力"
    PARTIAL = "partial", "部分丧失劳动能力"
    NONE = "none", "无劳动能力"


class DisabilityCategory(models.TextChoices):
    NONE = "", "无"
    VISUAL = "visual", "视力"
    HEARING = "hearing", "听力"
    SPEECH = "speech", "言语"
    PHYSICAL = "physical", "肢体"
    INTELLECTUAL = "intellectual", "智力"
    MENTAL = "mental", "精神"
    MULTIPLE = "multiple", "多重"


class Relation(models.TextChoices):
    HEAD = "head", "户主"
    SPOUSE = "spouse", "配偶"
    CHILD = "child", "子女"
    CHILD_IN_LAW = "child_in_law", "儿媳/女婿"
    GRANDCHILD = "grandchild", "孙子女/外孙子女"
    PARENT = "parent", "父母"
    GRANDPARENT = "grandparent", "祖父母/外祖父母"
    SIBLING = "sibling", "兄弟姐妹"
    OTHER = "other", "其他"


class AwayFromRegistration:
    """For a model with ``registered_region`` and ``residence_region``: lives elsewhere."""

    registered_region_id: int | None
    residence_region_id: int

    @property
    def away_from_registration(self) -> bool:
        return self.registered_region_id != self.residence_region_id


class ByteOrder(models.Func):
    """A text column compared and sorted byte by byte: COLLATE "C" on PostgreSQL (SQLite's
    default already is). In that order the texts starting with a prefix are one range of an
    index, read in the order a page needs (registry.selectors.search)."""

    arity = 1
    template = "%(expressions)s"
    output_field = models.CharField()

    def as_postgresql(self, compiler: Any, connection: Any, **extra: Any) -> Any:
        return self.as_sql(compiler, connection, template='%(expressions)s COLLATE "C"', **extra)


class Person(AwayFromRegistration, models.Model):
    # Sealed at rest (core/crypto.py); found and kept unique by its digest
    # (registry.selectors.id_number_is).
    id_number = EncryptedCharField("身份证号", plain_max_length=18)
    id_digest = DigestField(source="id_number")  # unique: person_id_digest_unique (Meta)
    # Last four characters, plain, so "search by the last digits" uses an index (Meta).
    id_suffix = models.CharField(max_length=4, editable=False)
    name = models.CharField("姓名", max_length=40, db_index=True)
    # Searched through person_initials_order (Meta), in the order a page needs.
    name_initials = models.CharField("拼音首字母", max_length=40, editable=False)
    sex = models.CharField("性别", max_length=1, choices=Sex.choices)
    birth_date = models.DateField("出生日期")
    phone = models.CharField("联系电话", max_length=20, blank=True)
    registered_region = models.ForeignKey(
        Region,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name="户籍地",
        help_text="空表示户籍在本县以外",
    )
    residence_region = models.ForeignKey(
        Region, on_delete=models.PROTECT, related_name="+", verbose_name="居住地"
    )
    hukou_type = models.CharField("户口性质", max_length=5, choices=HukouType.choices)
    disability_grade = models.PositiveSmallIntegerField(
        "残疾等级", default=0, help_text="0 表示无残疾，1-4 为残疾等级"
    )
    disability_category = models.CharField(
        "残疾类别", max_length=12, choices=DisabilityCategory.choices, blank=True
    )
    serious_illness = models.BooleanField("患重特大疾病", default=False)
    labour_capacity = models.CharField(
        "劳动能力", max_length=8, choices=LabourCapacity.choices, default=LabourCapacity.FULL
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = "人员"
        constraints = [
            models.CheckConstraint(
                condition=Q(disability_grade__gte=0) & Q(disability_grade__lte=4),
                name="person_disability_grade_0_4",
            ),
            # A constraint, not the field's unique=True: on PostgreSQL that also built a
            # pattern index for LIKE, which no query of a digest uses (3 s of a 1M load).
            models.UniqueConstraint(fields=["id_digest"], name="person_id_digest_unique"),
        ]
        # The search by the last ID digits reads the people with those digits in this
        # index alone, their current household in one_current_household and the area in
        # household_area: no table row until the page's own (registry.selectors.search).
        # By name or initials it reads a prefix's range of the other two, in page order.
        indexes = [
            models.Index(fields=["id_suffix", "id"], name="person_suffix"),
            models.Index(ByteOrder("name"), F("id"), name="person_name_order"),
            models.Index(ByteOrder("name_initials"), F("id"), name="person_initials_order"),
        ]

    def __str__(self) -> str:
        return self.name


class Household(AwayFromRegistration, models.Model):
    number = models.CharField("户编号", max_length=20, unique=True)
    registered_region = models.ForeignKey(
        Region, on_delete=models.PROTECT, related_name="+", verbose_name="户籍地（村、社区）"
    )
    residence_region = models.ForeignKey(
        Region, on_delete=models.PROTECT, related_name="+", verbose_name="居住地（村、社区）"
    )
    # Copies of the two regions' codes: area scoping is a prefix match on an index.
    registered_code = models.CharField(max_length=12, db_index=True, editable=False)
    residence_code = models.CharField(max_length=12, db_index=True, editable=False)
    area_type = models.CharField("城乡类别", max_length=5, choices=HukouType.choices)
    address = models.CharField("详细地址", max_length=120, blank=True)
    registered_poor = models.BooleanField("建档立卡贫困户", default=False)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = "家庭"
        indexes = [
            models.Index(fields=["id", "registered_code", "residence_code"], name="household_area")
        ]

    def __str__(self) -> str:
        return self.number


class Membership(models.Model):
    """A person's place in a household over time; the current one has no end date."""

    household = models.ForeignKey(Household, on_delete=models.PROTECT, related_name="memberships")
    person = models.ForeignKey(Person, on_delete=models.PROTECT, related_name="memberships")
    relation = models.CharField("与户主关系", max_length=16, choices=Relation.choices)
    co_resident = models.BooleanField("共同生活", default=True)
    start_date = models.DateField("加入日期")
    end_date = models.DateField("离开日期", null=True, blank=True)
    end_reason = models.CharField("离开原因", max_length=100, blank=True)

    class Meta:
        verbose_name = "家庭成员关系"
        constraints = [
            models.UniqueConstraint(
                fields=["person"],
                condition=Q(end_date__isnull=True),
                name="one_current_household",
                include=["household", "id"],  # PostgreSQL: the suffix search reads no row
            ),
            models.UniqueConstraint(
                fields=["household"],
                condition=Q(end_date__isnull=True, relation="head"),
                name="one_current_head",
            ),
        ]
        indexes = [models.Index(fields=["household", "end_date"])]

    def __str__(self) -> str:
        return f"{self.person_id}@{self.household_id} {self.relation}"


class IncomeCategory(models.TextChoices):
    WAGES = "wages", "工资性收入"
    BUSINESS = "business", "经营净收入"
    PROPERTY = "property", "财产净收入"
    TRANSFER = "transfer", "转移净收入"
    PENSION = "pension", "养老金、退休金"
    SUPPORT_RECEIVED = "support_received", "赡养（抚养、扶养）费"
    RESIDENT_BASIC_PENSION = "resident_basic_pension", "城乡居民基础养老金"
    VETERANS_CARE = "veterans_care", "优待抚恤金"
    FAMILY_PLANNING_REWARD = "family_planning_reward", "计划生育奖励与扶助金"
    SCHOLARSHIP = "scholarship", "奖学金、见义勇为奖励"
    ASSISTANCE = "assistance", "政府发放的社会救助款物"
    FILIAL_SUBSIDY = "filial_subsidy", "孝善扶贫补助"
    POVERTY_POST = "poverty_post", "扶贫专岗收入"
    POVERTY_DIVIDEND = "poverty_dividend", "扶贫项目分红收入"
    OTHER = "other", "其他收入"


class HouseholdRecord(models.Model):
    """An entry of a household's means: the whole household's or one member's, with a note.
    Each subclass names its own ``household`` foreign key (its related name differs)."""

    person = models.ForeignKey(
        Person, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    note = models.CharField("说明", max_length=100, blank=True)

    class Meta:
        abstract = True


class Income(HouseholdRecord):
    """Declared or verified income, as a monthly average over the assessment period."""

    household = models.ForeignKey(Household, on_delete=models.CASCADE, related_name="incomes")
    category = models.CharField("收入类别", max_length=24, choices=IncomeCategory.choices)
    monthly_amount = models.DecimalField("月均金额（元）", max_digits=12, decimal_places=2)

    class Meta:
        verbose_name = "收入"
        constraints = [
            models.CheckConstraint(condition=Q(monthly_amount__gte=0), name="income_not_negative")
        ]

    def __str__(self) -> str:
        return f"{self.get_category_display()} {self.monthly_amount}"


class AssetKind(models.TextChoices):
    VEHICLE = "vehicle", "机动车辆"
    MOTORBIKE_OR_FARM = "motorbike_or_farm", "两轮、三轮摩托车或农用车"
    ASSISTIVE_VEHICLE = "assistive_vehicle", "残疾人功能性代步车"
    HOUSE = "house", "住房"
    DEPOSIT = "deposit", "存款"
    SECURITIES = "securities", "有价证券"
    COMMERCIAL_INSURANCE = "commercial_insurance", "商业保险现金价值"
    BUSINESS = "business", "工商登记（企业、个体）"
    OTHER = "other", "其他财产"


class Asset(HouseholdRecord):
    household = models.ForeignKey(Household, on_delete=models.CASCADE, related_name="assets")
    kind = models.CharField("财产类别", max_length=24, choices=AssetKind.choices)
    quantity = models.PositiveIntegerField("数量", default=1)
    value = models.DecimalField("价值（元）", max_digits=14, decimal_places=2, default=0)

    class Meta:
        verbose_name = "财产"
        constraints = [models.CheckConstraint(condition=Q(value__gte=0), name="asset_not_negative")]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.value}"


class PovertyKind(models.TextChoices):
    """The poverty-alleviation bureau's lists (docs/policy/county-opinions.md#registered-poor)."""

    REGISTERED_POOR = "registered_poor", "建档立卡脱贫户"
    MONITORED = "monitored", "防止返贫监测对象"


class PovertyListing(models.Model):
    """A household's time on one of the bureau's lists, as its monthly list said: set when
    the household first appears, ended when a later list no longer names it. Never typed
    in by hand; Household.registered_poor follows the open registered-poor listing."""

    household = models.ForeignKey(
        Household, on_delete=models.PROTECT, related_name="poverty_listings"
    )
    kind = models.CharField("类别", max_length=16, choices=PovertyKind.choices)
    since = models.DateField("纳入日期")
    until = models.DateField("退出日期", null=True, blank=True)
    source = models.CharField("来源", max_length=100)
    # The department extract (verification app) whose list started / ended it.
    started_by = models.BigIntegerField(null=True, blank=True)
    ended_by = models.BigIntegerField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = "脱贫户与监测对象标识"
        ordering = ["household_id", "kind", "since"]
        constraints = [
            models.UniqueConstraint(
                fields=["household", "kind"],
                condition=Q(until__isnull=True),
                name="one_open_poverty_listing",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.household_id} {self.kind} {self.since}–{self.until}"


class DuplicateReason(models.TextChoices):
    NAME_BIRTH = "name_birth", "姓名和出生日期相同"
    ONE_DIGIT = "one_digit", "姓名相同、身份证号仅一位数字不同"


class DuplicateStatus(models.TextChoices):
    OPEN = "open", "待核实"
    DISMISSED = "dismissed", "不是同一人"
    MERGED = "merged", "已合并"


class DuplicatePair(models.Model):
    """Two persons in different households who may be one (the nightly scan,
    registry/duplicates/scan.py); `first` has the lower id. A decided pair keeps its
    decision: the scan never reopens it."""

    first = models.ForeignKey(Person, on_delete=models.PROTECT, related_name="+")
    second = models.ForeignKey(Person, on_delete=models.PROTECT, related_name="+")
    reason = models.CharField("疑似原因", max_length=12, choices=DuplicateReason.choices)
    status = models.CharField(
        "状态", max_length=10, choices=DuplicateStatus.choices, default=DuplicateStatus.OPEN
    )
    # The first person's household's place of registration, for area scoping.
    region_code = models.CharField(max_length=12, db_index=True)
    found_at = models.DateTimeField("发现时间", auto_now_add=True)
    decided_by = models.ForeignKey(
        "core.User", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    decided_at = models.DateTimeField("处理时间", null=True, blank=True)
    note = models.CharField("说明", max_length=200, blank=True)

    class Meta:
        verbose_name = "疑似重复人员"
        ordering = ["region_code", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["first", "second"], name="one_pair_per_two_persons"),
            models.CheckConstraint(condition=Q(first__lt=models.F("second")), name="pair_ordered"),
        ]

    def __str__(self) -> str:
        return f"{self.first_id}~{self.second_id} {self.status}"


class PersonMerge(models.Model):
    """`merged` was folded into `kept`: its memberships, incomes, assets and every other
    app's rows now point at `kept` (the counts moved are in `moved`); the merged record
    stays, with no household, so its ID number is still known."""

    kept = models.ForeignKey(Person, on_delete=models.PROTECT, related_name="+")
    merged = models.OneToOneField(Person, on_delete=models.PROTECT, related_name="+")
    pair = models.ForeignKey(DuplicatePair, on_delete=models.PROTECT, null=True, related_name="+")
    moved = models.JSONField(default=dict)
    merged_by = models.ForeignKey("core.User", on_delete=models.PROTECT, related_name="+")
    merged_at = models.DateTimeField(auto_now_add=True)
    reason = models.CharField("合并理由", max_length=200)

    class Meta:
        verbose_name = "人员合并记录"

    def __str__(self) -> str:
        return f"{self.merged_id}→{self.kept_id}"


class RegisteredElsewhere(models.Model):
    """A person the provincial list shows registered (receiving) in another county."""

    person = models.ForeignKey(Person, on_delete=models.PROTECT, related_name="+")
    county_code = models.CharField("外县区划代码", max_length=6)
    month = models.DateField("名单月份")

    class Meta:
        verbose_name = "外县登记"
        constraints = [
            models.UniqueConstraint(fields=["person", "county_code"], name="one_flag_per_county")
        ]

    def __str__(self) -> str:
        return f"{self.person_id}@{self.county_code}"


# The care facts of tekun people and children in hardship (registry/care/models.py),
# imported here so that Django loads them with the registry's other tables.
from jiuzhu.registry.care.models import CareArrangement as CareArrangement  # noqa: E402
from jiuzhu.registry.care.models import CareInstitution as CareInstitution  # noqa: E402
from jiuzhu.registry.care.models import ChildHardship as ChildHardship  # noqa: E402
from jiuzhu.registry.care.models import SelfCareAssessment as SelfCareAssessment  # noqa: E402
from jiuzhu.registry.care.models import SupporterCapacity as SupporterCapacity  # noqa: E402
