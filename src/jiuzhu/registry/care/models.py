"""The care facts' tables. Each record is appended, never edited: the latest one of a person
is the current fact, the earlier ones its history (the services refuse a record dated
before the current one, so the latest by id is the latest by date)."""

from django.db import models
from django.db.models import Q

from jiuzhu.core.crypto import EncryptedCharField
from jiuzhu.core.models import Region, User
from jiuzhu.registry.models import Person

# The six daily activities of the self-care assessment (docs/policy/tekun.md#self-care).
ACTIVITIES: tuple[tuple[str, str], ...] = (
    ("eating", "进食"),
    ("dressing", "穿衣"),
    ("transfer", "上下床"),
    ("toileting", "如厕"),
    ("walking", "室内行走"),
    ("bathing", "洗澡"),
)


class SelfCareAssessment(models.Model):
    """Which of the six daily activities the person cannot do, who assessed and when, and
    when the next assessment is due (at least yearly, and whenever the condition changes)."""

    person = models.ForeignKey(
        Person, on_delete=models.PROTECT, related_name="self_care_assessments"
    )
    assessed_on = models.DateField("评估日期")
    assessor = models.CharField("评估人员", max_length=40)
    assessor_unit = models.CharField("评估机构", max_length=60)
    unable_eating = models.BooleanField("不能自主进食", default=False)
    unable_dressing = models.BooleanField("不能自主穿衣", default=False)
    unable_transfer = models.BooleanField("不能自主上下床", default=False)
    unable_toileting = models.BooleanField("不能自主如厕", default=False)
    unable_walking = models.BooleanField("不能自主室内行走", default=False)
    unable_bathing = models.BooleanField("不能自主洗澡", default=False)
    unable_count = models.PositiveSmallIntegerField("不能完成的项数", editable=False)
    reassess_by = models.DateField("下次评估期限")
    note = models.CharField("说明", max_length=200, blank=True)
    recorded_by = models.ForeignKey(User, on_delete=models.PROTECT, related_name="+")
    recorded_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = "生活自理能力评估"
        ordering = ["-pk"]
        # A person's current assessment (their latest) read from the index's end, without
        # sorting their assessments: the tekun worklist asks it of every recipient.
        indexes = [models.Index(fields=["person", "-id"], name="self_care_latest")]
        constraints = [
            models.CheckConstraint(
                condition=Q(unable_count__lte=6), name="self_care_unable_at_most_six"
            ),
            models.CheckConstraint(
                condition=Q(reassess_by__gt=models.F("assessed_on")),
                name="self_care_reassess_after_assessment",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.person_id} {self.assessed_on}"

    @property
    def unable_labels(self) -> list[str]:
        return [label for key, label in ACTIVITIES if getattr(self, f"unable_{key}")]


class CareInstitution(models.Model):
    """A care home or children's welfare institution that takes in tekun people or children;
    their monthly support is transferred to its account instead of to the person."""

    name = models.CharField("机构名称", max_length=60, unique=True)
    town = models.ForeignKey(
        Region, on_delete=models.PROTECT, related_name="+", verbose_name="所在乡镇"
    )
    address = models.CharField("地址", max_length=120, blank=True)
    # 统一社会信用代码: the bank file's identity column for an institution's line.
    credit_code = EncryptedCharField("统一社会信用代码", plain_max_length=18)
    bank = models.CharField("开户银行", max_length=40)
    account_number = EncryptedCharField("账号", plain_max_length=32)
    holder_name = models.CharField("户名", max_length=40)
    active = models.BooleanField("在用", default=True)
    created_by = models.ForeignKey(User, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = "供养（养育）机构"
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class SupportMode(models.TextChoices):
    DISPERSED = "dispersed", "分散供养（居家）"
    INSTITUTIONAL = "institutional", "集中供养（入住机构）"


class CareArrangement(models.Model):
    """Where the person is cared for from a date: at home, or in an institution."""

    person = models.ForeignKey(Person, on_delete=models.PROTECT, related_name="care_arrangements")
    mode = models.CharField("供养方式", max_length=13, choices=SupportMode.choices)
    institution = models.ForeignKey(
        CareInstitution, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    since = models.DateField("起始日期")
    note = models.CharField("说明", max_length=200, blank=True)
    recorded_by = models.ForeignKey(User, on_delete=models.PROTECT, related_name="+")
    recorded_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = "供养方式"
        ordering = ["-pk"]
        constraints = [
            models.CheckConstraint(
                condition=Q(mode="institutional", institution__isnull=False)
                | Q(mode="dispersed", institution__isnull=True),
                name="care_institution_iff_institutional",
            )
        ]

    def __str__(self) -> str:
        return f"{self.person_id} {self.mode}"


class SupporterRelation(models.TextChoices):
    SPOUSE = "spouse", "配偶"
    CHILD = "child", "子女"
    PARENT = "parent", "父母"
    GRANDCHILD = "grandchild", "孙子女、外孙子女"
    SIBLING = "sibling", "兄弟姐妹"
    OTHER = "other", "其他法定义务人"


class SupporterCapacity(models.Model):
    """One person with a legal duty of support (法定赡养、抚养、扶养义务人) and whether they can
    fulfil it; a later record about the same supporter supersedes the earlier one."""

    person = models.ForeignKey(Person, on_delete=models.PROTECT, related_name="supporters")
    supporter_name = models.CharField("义务人姓名", max_length=40)
    relation = models.CharField("关系", max_length=10, choices=SupporterRelation.choices)
    able = models.BooleanField("具备履行能力")
    reason = models.CharField("无履行能力的原因", max_length=200, blank=True)
    assessed_on = models.DateField("认定日期")
    superseded = models.BooleanField(default=False, editable=False)
    recorded_by = models.ForeignKey(User, on_delete=models.PROTECT, related_name="+")
    recorded_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = "法定义务人履行能力"
        ordering = ["-pk"]

    def __str__(self) -> str:
        return f"{self.person_id} {self.supporter_name}"


class ParentStatus(models.TextChoices):
    """Why a parent cannot raise the child (事实无人抚养儿童认定), or that they can."""

    ABLE = "able", "能履行抚养义务"
    DECEASED = "deceased", "死亡（含宣告死亡）"
    MISSING = "missing", "失踪、失联"
    IMPRISONED = "imprisoned", "服刑在押"
    DETAINED = "detained", "强制隔离戒毒或被采取其他限制人身自由措施"
    SEVERELY_DISABLED = "severely_disabled", "重残（一、二级）"
    SERIOUSLY_ILL = "seriously_ill", "重病"


class ChildCategory(models.TextChoices):
    ORPHAN = "orphan", "孤儿"
    DE_FACTO = "de_facto", "事实无人抚养儿童"
    OTHER = "other", "其他困境儿童（低保、特困家庭儿童等）"


class ChildHardship(models.Model):
    """A child's hardship: the parents' status with the evidence, the category it makes, the
    guardian the allowance is paid to, and full-time education beyond the age limit."""

    child = models.ForeignKey(Person, on_delete=models.PROTECT, related_name="hardship_records")
    category = models.CharField("类别", max_length=10, choices=ChildCategory.choices)
    father_status = models.CharField("父亲情况", max_length=18, choices=ParentStatus.choices)
    mother_status = models.CharField("母亲情况", max_length=18, choices=ParentStatus.choices)
    evidence = models.CharField("证明材料", max_length=200, blank=True)
    guardian = models.ForeignKey(
        Person, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    guardian_relation = models.CharField("监护人与儿童关系", max_length=20, blank=True)
    education_until = models.DateField("全日制在校至", null=True, blank=True)
    recorded_on = models.DateField("认定日期")
    recorded_by = models.ForeignKey(User, on_delete=models.PROTECT, related_name="+")
    recorded_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = "困境儿童认定"
        ordering = ["-pk"]

    def __str__(self) -> str:
        return f"{self.child_id} {self.category}"
