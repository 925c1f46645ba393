"""Forms parse and check the shape of input; the rules live in services."""

import dataclasses
from typing import Any, TypeVar

from django import forms

from jiuzhu.core.models import Region, RegionLevel, User
from jiuzhu.core.selectors import regions_in_scope
from jiuzhu.registry import services
from jiuzhu.registry.models import (
    AssetKind,
    DisabilityCategory,
    HukouType,
    IncomeCategory,
    LabourCapacity,
    Relation,
)


class VillageField(forms.ModelChoiceField):
    """A village select grouped by town."""

    def __init__(self, queryset: Any, **kwargs: Any) -> None:
        kwargs.setdefault("empty_label", "请选择")
        super().__init__(queryset=queryset.select_related("parent"), **kwargs)

    def label_from_instance(self, obj: Region) -> str:
        return f"{obj.parent.name if obj.parent else ''} {obj.name}"


InputT = TypeVar("InputT")


def _input(input_class: type[InputT], data: dict[str, Any], **overrides: Any) -> InputT:
    """The service's input dataclass filled from a form's cleaned data (and overrides)."""
    names = {field.name for field in dataclasses.fields(input_class)}  # type: ignore[arg-type]
    values = {name: data[name] for name in names if name in data}
    return input_class(**{**values, **overrides})


def villages_of_county() -> Any:
    return Region.objects.filter(level=RegionLevel.VILLAGE)


class HouseholdForm(forms.Form):
    registered_region = VillageField(Region.objects.none(), label="户籍地（村、社区）")
    residence_region = VillageField(Region.objects.none(), label="居住地（村、社区）")
    area_type = forms.ChoiceField(label="城乡类别", choices=HukouType.choices)
    address = forms.CharField(label="详细地址", max_length=120, required=False)

    def __init__(self, *args: Any, user: User, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        registered = self.fields["registered_region"]
        residence = self.fields["residence_region"]
        assert isinstance(registered, VillageField) and isinstance(residence, VillageField)
        registered.queryset = regions_in_scope(user, RegionLevel.VILLAGE)
        residence.queryset = villages_of_county()
        only = list(registered.queryset[:2])
        if len(only) == 1:  # a village coordinator: their village, preselected
            for name in ("registered_region", "residence_region"):
                self.initial.setdefault(name, only[0].pk)

    def to_input(self, members: list[services.MemberInput]) -> services.HouseholdInput:
        return _input(services.HouseholdInput, self.cleaned_data, members=members)


class MemberForm(forms.Form):
    name = forms.CharField(label="姓名", max_length=40)
    id_number = forms.CharField(label="身份证号", min_length=18, max_length=18)
    relation = forms.ChoiceField(label="与户主关系", choices=Relation.choices)
    hukou_type = forms.ChoiceField(label="户口性质", choices=HukouType.choices)
    residence_region = VillageField(villages_of_county(), label="居住地（村、社区）")
    registered_region = VillageField(
        villages_of_county(), label="户籍地（村、社区）", required=False, empty_label="本县以外"
    )
    phone = forms.CharField(label="联系电话", max_length=20, required=False)
    labour_capacity = forms.ChoiceField(label="劳动能力", choices=LabourCapacity.choices)
    disability_grade = forms.TypedChoiceField(
        label="残疾等级",
        coerce=int,
        choices=[(0, "无"), (1, "一级"), (2, "二级"), (3, "三级"), (4, "四级")],
    )
    disability_category = forms.ChoiceField(
        label="残疾类别", choices=DisabilityCategory.choices, required=False
    )
    serious_illness = forms.BooleanField(label="患重特大疾病", required=False)
    co_resident = forms.BooleanField(label="共同生活", required=False, initial=True)

    def to_input(self) -> services.MemberInput:
        data = self.cleaned_data
        return _input(
            services.MemberInput, data, disability_category=data["disability_category"] or ""
        )


MemberFormSet = forms.formset_factory(
    MemberForm,
    extra=0,
    min_num=1,
    validate_min=True,
    max_num=services.MAX_MEMBERS,
    validate_max=True,
    absolute_max=services.MAX_MEMBERS,
)


class MoveForm(forms.Form):
    to_household = forms.CharField(label="目标户编号", max_length=20)
    relation = forms.ChoiceField(label="在目标户中与户主关系", choices=Relation.choices)
    reason = forms.CharField(label="迁移原因", max_length=100)


class LeaveForm(forms.Form):
    reason = forms.CharField(label="离开原因（如死亡、迁出、婚出）", max_length=100)


class IncomeForm(forms.Form):
    category = forms.ChoiceField(label="收入类别", choices=IncomeCategory.choices)
    monthly_amount = forms.DecimalField(
        label="月均金额（元）", min_value=0, max_digits=12, decimal_places=2
    )
    person = forms.TypedChoiceField(label="成员", required=False, coerce=int, empty_value=None)
    note = forms.CharField(label="说明", max_length=100, required=False)


class AssetForm(forms.Form):
    kind = forms.ChoiceField(label="财产类别", choices=AssetKind.choices)
    value = forms.DecimalField(label="价值（元）", min_value=0, max_digits=14, decimal_places=2)
    quantity = forms.IntegerField(label="数量", min_value=1, max_value=1000, initial=1)
    person = forms.TypedChoiceField(label="成员", required=False, coerce=int, empty_value=None)
    note = forms.CharField(label="说明", max_length=100, required=False)


def set_member_choices(form: forms.Form, choices: list[tuple[Any, str]]) -> None:
    field = form.fields["person"]
    assert isinstance(field, forms.TypedChoiceField)
    field.choices = choices


class SearchForm(forms.Form):
    q = forms.CharField(label="姓名、拼音首字母或身份证号", max_length=40, required=False)
