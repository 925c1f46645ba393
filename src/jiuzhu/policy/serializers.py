"""The calculator's JSON: a household in, eligibility and amounts per programme out."""

import datetime as dt
import re
from decimal import Decimal
from typing import Any

from rest_framework import serializers

from jiuzhu.core.money import to_fen
from jiuzhu.core.programmes import Programme
from jiuzhu.core.rest.fields import Choice, Flag, StrictSerializer, Text, Whole, Yuan
from jiuzhu.policy.calculator.results import STATUS_LABELS
from jiuzhu.policy.household import AssetIn, HouseholdIn, IncomeIn, MemberIn, TemporaryKind
from jiuzhu.registry.api_fields import AreaType
from jiuzhu.registry.models import (
    AssetKind,
    DisabilityCategory,
    HukouType,
    IncomeCategory,
    LabourCapacity,
)

NEGATIVE = "不能为负数。"
MONTH = re.compile(r"^(\d{4})-(\d{2})(?:-(\d{2}))?$")


def money(label: str, **extra: Any) -> Yuan:
    """An amount in yuan (string or number, two decimals at most), named in its messages."""
    return Yuan(
        max_digits=12,
        error_messages={
            "min_value": f"{label}{NEGATIVE}",
            "invalid": f"{label}应为数字。",
            "max_decimal_places": f"{label}最多两位小数。",
        },
        **extra,
    )


class CalcMemberSerializer(StrictSerializer):
    name = Text(max_length=40, required=False, default="", allow_blank=True)
    age = Whole(min_value=0, max_value=130, required=False, help_text="年龄；或给出 birth_date")
    birth_date = serializers.DateField(required=False)
    disability_grade = Whole(min_value=0, max_value=4, default=0)
    disability_category = Choice(choices=DisabilityCategory.choices, default="", allow_blank=True)
    serious_illness = Flag(default=False)
    labour_capacity = Choice(choices=LabourCapacity.choices, default="full")
    counted = Flag(default=True, help_text="共同生活家庭成员")
    public_payroll = Flag(default=False, help_text="财政供养人员")
    adl_unable = Whole(
        min_value=0, max_value=6, default=0, help_text="六项日常活动中不能完成的项数"
    )
    has_supporter = Flag(default=False, help_text="有履行能力的法定义务人")
    institutional = Flag(default=False, help_text="集中供养（养育）")
    orphan = Flag(default=False, help_text="孤儿或事实无人抚养儿童")
    tekun_member = Flag(default=False, help_text="已纳入特困供养")
    hukou_type = Choice(
        choices=HukouType.choices, default="", allow_blank=True, help_text="户口性质（默认同家庭）"
    )
    head = Flag(default=False, help_text="户主")

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        if attrs.get("age") is None and attrs.get("birth_date") is None:
            raise serializers.ValidationError("请填写年龄或出生日期。")
        return attrs


class CalcIncomeSerializer(StrictSerializer):
    category = Choice(choices=IncomeCategory.choices)
    monthly_amount = money("收入")
    member = Whole(
        min_value=0, required=False, allow_null=True, help_text="收入人在 members 中的序号"
    )


class CalcAssetSerializer(StrictSerializer):
    kind = Choice(choices=AssetKind.choices)
    quantity = Whole(min_value=0, default=1)
    value = money("财产价值", default=Decimal("0"))
    member = Whole(min_value=0, required=False, allow_null=True)


class CalculateSerializer(StrictSerializer):
    month = Text(max_length=10, help_text="计算月份，YYYY-MM")
    area_type = AreaType(help_text="城乡类别")
    registered_poor = Flag(default=False)
    members = CalcMemberSerializer(many=True)
    incomes = CalcIncomeSerializer(many=True, default=list)
    assets = CalcAssetSerializer(many=True, default=list)
    dibao_recipient = Flag(default=False, help_text="目前享受低保")
    months_above_line = Whole(min_value=0, default=0, help_text="收入超过标准的第几个月（渐退期）")
    previous_monthly_amount = money("原低保金额", default=Decimal("0"))
    temporary_kind = Choice(
        choices=[("", "无"), *TemporaryKind.choices], default="", allow_blank=True
    )
    temporary_expense = money("必需支出", default=Decimal("0"))
    programmes = serializers.ListField(
        child=Text(max_length=20),
        required=False,
        help_text="只计算这些项目（默认全部）",
    )

    def validate_month(self, value: str) -> dt.date:
        match = MONTH.match(value.strip())
        try:
            if match is None:
                raise ValueError
            return dt.date(int(match[1]), int(match[2]), 1)
        except ValueError:
            raise serializers.ValidationError("月份格式应为 YYYY-MM。") from None

    def validate_members(self, value: list[Any]) -> list[Any]:
        if not value:
            raise serializers.ValidationError("家庭成员人数不能为零。")
        return value

    def validate_programmes(self, value: list[str]) -> list[str]:
        unknown = [p for p in value if p not in Programme.values]
        if unknown:
            raise serializers.ValidationError(f"未知的救助项目：{'、'.join(unknown)}。")
        return value

    def to_household(self) -> HouseholdIn:
        data = self.validated_data
        month: dt.date = data["month"]
        members = []
        for m in data["members"]:
            age = m.get("age")
            if age is None:
                born: dt.date = m["birth_date"]
                age = month.year - born.year - ((month.month, month.day) < (born.month, born.day))
            members.append(
                MemberIn(
                    age=max(int(age), 0),
                    name=m["name"],
                    disability_grade=m["disability_grade"],
                    disability_category=m["disability_category"],
                    serious_illness=m["serious_illness"],
                    labour_capacity=m["labour_capacity"],
                    counted=m["counted"],
                    public_payroll=m["public_payroll"],
                    adl_unable=m["adl_unable"],
                    has_supporter=m["has_supporter"],
                    institutional=m["institutional"],
                    orphan=m["orphan"],
                    tekun_member=m["tekun_member"],
                    hukou_type=m["hukou_type"],
                    head=m["head"],
                )
            )
        return HouseholdIn(
            month=month,
            area_type=data["area_type"],
            members=members,
            incomes=[
                IncomeIn(i["category"], to_fen(i["monthly_amount"]), i.get("member"))
                for i in data["incomes"]
            ],
            assets=[
                AssetIn(a["kind"], a["quantity"], to_fen(a["value"]), a.get("member"))
                for a in data["assets"]
            ],
            registered_poor=data["registered_poor"],
            dibao_recipient=data["dibao_recipient"],
            months_above_line=data["months_above_line"],
            previous_amount_fen=to_fen(data["previous_monthly_amount"]),
            temporary_kind=data["temporary_kind"],
            temporary_expense_fen=to_fen(data["temporary_expense"]),
        )


class BeneficiarySerializer(serializers.Serializer):
    member = serializers.IntegerField()
    name = serializers.CharField()
    monthly_amount = serializers.CharField()
    note = serializers.CharField()


class ProgrammeResultSerializer(serializers.Serializer):
    programme = serializers.ChoiceField(choices=Programme.choices)
    label = serializers.CharField()  # type: ignore[assignment]
    status = serializers.ChoiceField(
        choices=list(STATUS_LABELS.items()),
        help_text="eligible 符合条件；phase_out 渐退期（收入已超过标准，仍按月发放）；"
        "not_eligible 不符合条件",
    )
    status_label = serializers.CharField()
    monthly_amount = serializers.CharField(help_text="元，两位小数")
    one_off_amount = serializers.CharField(allow_null=True)
    reason = serializers.CharField()
    summary = serializers.CharField()
    beneficiaries = BeneficiarySerializer(many=True)


class SectionSerializer(serializers.Serializer):
    title = serializers.CharField()
    lines = serializers.ListField(child=serializers.CharField())


class ParameterUsedSerializer(serializers.Serializer):
    key = serializers.CharField()
    label = serializers.CharField()  # type: ignore[assignment]
    value = serializers.JSONField()
    unit = serializers.CharField()
    effective_from = serializers.DateField()
    source = serializers.CharField()  # type: ignore[assignment]


class CalculationSerializer(serializers.Serializer):
    month = serializers.DateField()
    area_type = serializers.CharField()
    members = serializers.IntegerField()
    results = ProgrammeResultSerializer(many=True)
    means_test = serializers.DictField()
    explanation = SectionSerializer(many=True)
    parameters = ParameterUsedSerializer(many=True)


class PolicyErrorSerializer(serializers.Serializer):
    detail = serializers.CharField()
    field = serializers.CharField(required=False)
