"""Serializers parse and format only; every rule lives in registry.services.

Input serializers reject unknown keys (a misspelt field is an error, not silently
ignored), cap every string and list, and give Chinese messages. Output serializers
mask ID numbers by the caller's role: the view puts ``visibility`` in the context.
"""

import re
from typing import Any

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from jiuzhu.core import idnumber
from jiuzhu.core.errors import DomainError
from jiuzhu.core.models import Region, RegionLevel, TokenScope
from jiuzhu.core.rest.fields import Choice, Flag, StrictSerializer, Text, Whole, Yuan
from jiuzhu.registry.api_fields import AreaType
from jiuzhu.registry.models import (
    AssetKind,
    DisabilityCategory,
    HukouType,
    IncomeCategory,
    LabourCapacity,
    Relation,
)
from jiuzhu.registry.services import MAX_MEMBERS

_CODE = re.compile(r"^[0-9]{12}$")


# --- input ------------------------------------------------------------------------------


class RegionCode(serializers.SlugRelatedField[Region]):
    """A region given by its 12-digit code (GB/T 2260 plus the village digits)."""

    default_error_messages = {
        "invalid": "区划代码应为12位数字。",
        "does_not_exist": "区划代码 {value} 不存在。",
    }

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(slug_field="code", queryset=Region.objects.all(), **kwargs)

    def to_internal_value(self, data: Any) -> Region:
        if not isinstance(data, str) or not _CODE.match(data):
            self.fail("invalid")
        return super().to_internal_value(data)


class MemberListSerializer(serializers.ListSerializer[Any]):
    default_error_messages = {
        "not_a_list": "成员应为列表。",
        "empty": "家庭至少应有一名成员（户主）。",
        "max_length": "家庭成员最多{max_length}人。",
        "min_length": "家庭至少应有一名成员（户主）。",
    }


class MemberFieldsMixin(serializers.Serializer[Any]):
    """成员信息。"""

    name = Text(max_length=40, help_text="姓名")
    relation = Choice(choices=Relation.choices, help_text="与户主关系")
    hukou_type = Choice(choices=HukouType.choices, help_text="户口性质")
    residence_region = RegionCode(help_text="居住地（村、社区）12位区划代码")
    registered_region = RegionCode(
        allow_null=True,
        required=False,
        help_text="户籍地（村、社区）区划代码；null 表示户籍在本县以外",
    )
    phone = Text(max_length=20, required=False, allow_blank=True, help_text="联系电话")
    disability_grade = Whole(
        min_value=0,
        max_value=4,
        required=False,
        help_text="残疾等级：0 无残疾，1-4 为等级",
        error_messages={
            "invalid": "应为整数。",
            "min_value": "残疾等级应为0-4。",
            "max_value": "残疾等级应为0-4。",
        },
    )
    disability_category = Choice(
        choices=DisabilityCategory.choices, required=False, allow_blank=True, help_text="残疾类别"
    )
    serious_illness = Flag(required=False, help_text="患重特大疾病")
    labour_capacity = Choice(choices=LabourCapacity.choices, required=False, help_text="劳动能力")
    co_resident = Flag(required=False, help_text="与本户共同生活")


class MemberInputSerializer(StrictSerializer, MemberFieldsMixin):
    """新成员。身份证号只在请求正文中填写，从不出现在网址中。"""

    id_number = Text(
        max_length=18,
        help_text="身份证号（18位，含校验码）",
        error_messages={"max_length": "身份证号应为18位。"},
    )

    def validate_id_number(self, value: str) -> str:
        try:
            return idnumber.parse(value).id_number
        except DomainError as error:
            raise serializers.ValidationError(error.message) from None


class MemberUpdateSerializer(StrictSerializer, MemberFieldsMixin):
    """修改成员：只修改给出的字段；身份证号不能修改。"""


class HouseholdFieldsMixin(serializers.Serializer[Any]):
    """家庭信息。"""

    registered_region = RegionCode(help_text="户籍地（村、社区）12位区划代码，须在您的管辖范围内")
    residence_region = RegionCode(help_text="居住地（村、社区）12位区划代码")
    area_type = AreaType(help_text="城乡类别")
    address = Text(max_length=120, required=False, allow_blank=True, help_text="详细地址")


class HouseholdCreateSerializer(StrictSerializer, HouseholdFieldsMixin):
    """新建家庭：家庭信息与全部成员。"""

    members = MemberListSerializer(
        child=MemberInputSerializer(),
        min_length=1,
        max_length=MAX_MEMBERS,
        help_text="家庭成员，有且只有一名户主",
    )


class HouseholdUpdateSerializer(StrictSerializer, HouseholdFieldsMixin):
    """修改家庭信息：只修改给出的字段；成员通过成员接口逐一增减。"""


class MoveSerializer(StrictSerializer):
    """迁入另一户。"""

    to_household = Whole(
        min_value=1, help_text="目标户的内部编号（id）", error_messages={"invalid": "应为整数。"}
    )
    relation = Choice(choices=Relation.choices, help_text="在目标户中与户主关系")
    reason = Text(max_length=100, help_text="迁移原因")


class LeaveSerializer(StrictSerializer):
    """离开本户。"""

    reason = Text(max_length=100, help_text="离开原因（死亡、嫁出、迁出本县等）")


def _yuan(max_digits: int, help_text: str) -> Yuan:
    """A non-negative amount in yuan with two decimals."""
    return Yuan(max_digits=max_digits, help_text=help_text)


def _owner(what: str) -> Whole:
    """The id of the member an income or asset belongs to (optional)."""
    return Whole(
        min_value=1, required=False, allow_null=True, help_text=f"{what}所属成员的 id（可空）"
    )


def _note() -> Text:
    return Text(max_length=100, required=False, allow_blank=True, help_text="说明")


class IncomeInputSerializer(StrictSerializer):
    """登记一项收入（月均）。"""

    category = Choice(choices=IncomeCategory.choices, help_text="收入类别")
    monthly_amount = _yuan(12, '月均金额（元），如 "1250.50"')
    person = _owner("收入")
    note = _note()


class AssetInputSerializer(StrictSerializer):
    """登记一项财产。"""

    kind = Choice(choices=AssetKind.choices, help_text="财产类别")
    value = _yuan(14, "价值（元）")
    quantity = Whole(
        min_value=1,
        max_value=1000,
        required=False,
        help_text="数量（1-1000）",
        error_messages={"min_value": "数量应为1-1000。", "max_value": "数量应为1-1000。"},
    )
    person = _owner("财产")
    note = _note()


class SearchSerializer(StrictSerializer):
    """查询条件。"""

    q = Text(max_length=40, help_text="姓名、拼音首字母、完整身份证号或其后几位")


class TokenRequestSerializer(StrictSerializer):
    """用户名和密码。"""

    username = Text(max_length=150, help_text="用户名")
    password = Text(max_length=200, trim_whitespace=False, help_text="密码")
    scopes = serializers.ListField(
        child=Choice(choices=TokenScope.choices),
        required=False,
        allow_empty=False,
        max_length=len(TokenScope.choices),
        help_text="权限范围；不填为读取家庭档案和救助测算（角色允许时），写入须明确申请",
    )


# --- output -----------------------------------------------------------------------------


@extend_schema_field(OpenApiTypes.STR)
class MaskedIdField(serializers.Field[str, str, str, Any]):
    """The ID number as much as the caller's role may see (full, partial or hidden)."""

    def __init__(self, **kwargs: Any) -> None:
        kwargs.setdefault("read_only", True)
        kwargs.setdefault("help_text", "身份证号，按调用者角色脱敏")
        super().__init__(**kwargs)

    def to_representation(self, value: str) -> str:
        return idnumber.mask(value, self.context.get("visibility", idnumber.Visibility.HIDDEN))


class RegionRefSerializer(serializers.Serializer[Any]):
    """区划（代码与名称）。"""

    code = serializers.CharField(help_text="12位区划代码")
    name = serializers.CharField(help_text="名称")


class RegionSerializer(serializers.Serializer[Any]):
    """区划。"""

    id = serializers.IntegerField()
    code = serializers.CharField(help_text="12位区划代码")
    name = serializers.CharField(help_text="名称")
    level = serializers.ChoiceField(choices=RegionLevel.choices, help_text="层级")
    parent_code = serializers.CharField(
        source="parent.code", allow_null=True, default=None, help_text="上级区划代码"
    )
    is_urban = serializers.BooleanField(help_text="城镇（街道、社区）")


class PersonRefSerializer(serializers.Serializer[Any]):
    # Formats anything with a ``person``: a membership, a member view, a person file.
    """人员（编号、姓名、脱敏身份证号）。"""

    person_id = serializers.IntegerField(source="person.pk")
    name = serializers.CharField(source="person.name")
    id_number = MaskedIdField(source="person.id_number")


class PersonFieldsSerializer(PersonRefSerializer):
    # Birth date only for roles that see the full ID number: with it, region and the last
    # four digits, a partially masked number could be rebuilt.
    """人员基本信息；出生日期仅对可见完整身份证号的角色提供。"""

    sex = serializers.CharField(source="person.sex", help_text="M 男，F 女")
    birth_date = serializers.SerializerMethodField(
        help_text="出生日期（仅对可见完整身份证号的角色）"
    )
    age = serializers.SerializerMethodField(help_text="周岁")
    phone = serializers.CharField(source="person.phone")
    hukou_type = serializers.CharField(source="person.hukou_type")
    registered_region = RegionRefSerializer(
        source="person.registered_region", allow_null=True, help_text="户籍地；null 为县外"
    )
    residence_region = RegionRefSerializer(source="person.residence_region")
    disability_grade = serializers.IntegerField(source="person.disability_grade")
    disability_category = serializers.CharField(source="person.disability_category")
    serious_illness = serializers.BooleanField(source="person.serious_illness")
    labour_capacity = serializers.CharField(source="person.labour_capacity")

    @extend_schema_field(OpenApiTypes.DATE)
    def get_birth_date(self, obj: Any) -> str | None:
        if self.context.get("visibility") != idnumber.Visibility.FULL:
            return None
        return str(obj.person.birth_date.isoformat())

    def get_age(self, obj: Any) -> int:
        return idnumber.age_on(obj.person.birth_date, self.context["today"])


class MemberSerializer(PersonFieldsSerializer):
    # Formats a selectors.MemberView.
    """本户现有成员。"""

    relation = serializers.CharField(source="membership.relation", help_text="与户主关系")
    relation_display = serializers.CharField(source="membership.get_relation_display")
    co_resident = serializers.BooleanField(source="membership.co_resident")
    start_date = serializers.DateField(source="membership.start_date", help_text="加入日期")


class PastMemberSerializer(PersonRefSerializer):
    """曾经的成员（已离开或迁出）。"""

    relation = serializers.CharField()
    start_date = serializers.DateField()
    end_date = serializers.DateField()
    end_reason = serializers.CharField()


class IncomeSerializer(serializers.Serializer[Any]):
    """收入（月均，元）。"""

    id = serializers.IntegerField()
    category = serializers.CharField()
    category_display = serializers.CharField(source="get_category_display")
    monthly_amount = serializers.DecimalField(max_digits=12, decimal_places=2)
    person_id = serializers.IntegerField(allow_null=True)
    note = serializers.CharField()


class AssetSerializer(serializers.Serializer[Any]):
    """财产。"""

    id = serializers.IntegerField()
    kind = serializers.CharField()
    kind_display = serializers.CharField(source="get_kind_display")
    quantity = serializers.IntegerField()
    value = serializers.DecimalField(max_digits=14, decimal_places=2)
    person_id = serializers.IntegerField(allow_null=True)
    note = serializers.CharField()


class MatchSerializer(PersonRefSerializer):
    """查询命中的成员。"""

    relation = serializers.CharField()


class HouseholdListItemSerializer(serializers.Serializer[Any]):
    # Expects ``current_memberships`` prefetched on each household and, for a search,
    # ``matches`` (household id → memberships found) in the context.
    """列表中的一户。"""

    id = serializers.IntegerField()
    number = serializers.CharField(help_text="户编号")
    registered_region = RegionRefSerializer(help_text="户籍地")
    residence_region = RegionRefSerializer(help_text="居住地")
    area_type = serializers.CharField(help_text="城乡类别")
    address = serializers.CharField()
    registered_poor = serializers.BooleanField()
    head_name = serializers.SerializerMethodField(help_text="户主姓名")
    member_count = serializers.SerializerMethodField(help_text="现有成员人数")
    matches = serializers.SerializerMethodField(help_text="按 q 查询时命中的成员")

    def get_head_name(self, obj: Any) -> str | None:
        heads = [m.person.name for m in obj.current_memberships if m.relation == Relation.HEAD]
        return heads[0] if heads else None

    def get_member_count(self, obj: Any) -> int:
        return len(obj.current_memberships)

    @extend_schema_field(MatchSerializer(many=True))
    def get_matches(self, obj: Any) -> Any:
        found = self.context.get("matches", {}).get(obj.pk, [])
        return MatchSerializer(found, many=True, context=self.context).data


class PageSerializer(serializers.Serializer[Any]):
    # The envelope LimitOffsetPagination writes; subclasses declare ``results``.
    """分页。"""

    count = serializers.IntegerField()
    next = serializers.URLField(allow_null=True)
    previous = serializers.URLField(allow_null=True)


class HouseholdPageSerializer(PageSerializer):
    """家庭列表（分页）。"""

    results = HouseholdListItemSerializer(many=True)


class RegionPageSerializer(PageSerializer):
    """区划列表（分页）。"""

    results = RegionSerializer(many=True)


class HouseholdDetailSerializer(serializers.Serializer[Any]):
    # Formats a selectors.HouseholdFile.
    """家庭档案（一户一档）：现有成员、曾经的成员、收入与财产。"""

    id = serializers.IntegerField(source="household.pk")
    number = serializers.CharField(source="household.number", help_text="户编号")
    registered_region = RegionRefSerializer(source="household.registered_region")
    residence_region = RegionRefSerializer(source="household.residence_region")
    area_type = serializers.CharField(source="household.area_type", help_text="城乡类别")
    address = serializers.CharField(source="household.address")
    registered_poor = serializers.BooleanField(source="household.registered_poor")
    created_at = serializers.DateTimeField(source="household.created_at")
    updated_at = serializers.DateTimeField(source="household.updated_at")
    members = MemberSerializer(many=True, help_text="现有成员，户主在前")
    past_members = PastMemberSerializer(many=True, help_text="已离开或迁出的成员")
    incomes = IncomeSerializer(many=True)
    assets = AssetSerializer(many=True)


class MembershipHistorySerializer(serializers.Serializer[Any]):
    """一段成员关系。"""

    household_id = serializers.IntegerField()
    household_number = serializers.CharField(source="household.number")
    relation = serializers.CharField()
    start_date = serializers.DateField()
    end_date = serializers.DateField(allow_null=True)
    end_reason = serializers.CharField()


class PersonDetailSerializer(PersonFieldsSerializer):
    # Formats a views.PersonFile: the person, the current membership, the history.
    """人员信息、现所在户及历次所在户。"""

    household_id = serializers.IntegerField(
        source="membership.household_id", allow_null=True, help_text="现所在户 id"
    )
    relation = serializers.CharField(
        source="membership.relation", allow_null=True, help_text="在现所在户中与户主关系"
    )
    co_resident = serializers.BooleanField(source="membership.co_resident", allow_null=True)
    memberships = MembershipHistorySerializer(many=True, help_text="历次所在户（含现户）")


class TokenSerializer(serializers.Serializer[Any]):
    """访问令牌。"""

    token = serializers.CharField(
        help_text="在请求头中使用：Authorization: Token <token>；只显示这一次，请妥善保存"
    )
    scopes = serializers.ListField(child=serializers.CharField(), help_text="权限范围")
    expires_at = serializers.DateTimeField(help_text="到期时间，到期后须重新申请")


class ErrorSerializer(serializers.Serializer[Any]):
    """错误：中文说明及出错字段。"""

    detail = serializers.CharField(help_text="中文错误说明")
    field = serializers.CharField(required=False, help_text="出错的字段（如 members.1.id_number）")
    field_errors = serializers.DictField(required=False, help_text="各字段的错误")
