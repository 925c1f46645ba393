"""Forms of the care facts page: the self-care assessment, the care arrangement, a legal
supporter, a child's hardship record, and a care institution."""

from django import forms

from jiuzhu.core.models import Region, RegionLevel, User
from jiuzhu.registry.care.models import (
    ACTIVITIES,
    CareInstitution,
    ParentStatus,
    SupporterRelation,
    SupportMode,
)
from jiuzhu.registry.care.selectors import institutions_for


def _date(label: str, required: bool = True) -> forms.DateField:
    return forms.DateField(
        label=label, required=required, widget=forms.DateInput(attrs={"type": "date"})
    )


class AssessmentForm(forms.Form):
    assessed_on = _date("评估日期")
    assessor = forms.CharField(label="评估人员", max_length=40)
    assessor_unit = forms.CharField(label="评估机构", max_length=60)
    unable = forms.MultipleChoiceField(
        label="不能自主完成的日常活动（六项中未勾选的视为能完成）",
        choices=ACTIVITIES,
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    reassess_by = _date("下次评估期限（不填则为一年后）", required=False)
    note = forms.CharField(label="说明", max_length=200, required=False)


class ArrangementForm(forms.Form):
    mode = forms.ChoiceField(label="供养（养育）方式", choices=SupportMode.choices)
    institution = forms.ModelChoiceField(
        label="入住机构（集中供养、养育时选择）",
        queryset=CareInstitution.objects.none(),
        required=False,
    )
    since = _date("起始日期")
    note = forms.CharField(label="说明", max_length=200, required=False)

    def __init__(self, *args: object, user: User, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        self.fields["institution"].queryset = institutions_for(user.scope_prefix)  # type: ignore[attr-defined]


class SupporterForm(forms.Form):
    supporter_name = forms.CharField(label="法定义务人姓名", max_length=40)
    relation = forms.ChoiceField(label="与被供养人关系", choices=SupporterRelation.choices)
    able = forms.TypedChoiceField(
        label="履行能力",
        choices=[("0", "无履行能力"), ("1", "具备履行能力")],
        coerce=lambda value: value == "1",
    )
    reason = forms.CharField(label="无履行能力的原因", max_length=200, required=False)
    assessed_on = _date("认定日期")


class ChildForm(forms.Form):
    father_status = forms.ChoiceField(label="父亲情况", choices=ParentStatus.choices)
    mother_status = forms.ChoiceField(label="母亲情况", choices=ParentStatus.choices)
    evidence = forms.CharField(
        label="证明材料（死亡证明、判决书、残疾证等名称及编号）", max_length=200, required=False
    )
    guardian = forms.TypedChoiceField(
        label="监护人（基本生活费发放至其账户）", coerce=int, required=False, empty_value=None
    )
    guardian_relation = forms.CharField(label="监护人与儿童关系", max_length=20, required=False)
    education_until = _date("全日制在校至（年满18周岁后仍在校时填写）", required=False)
    recorded_on = _date("认定日期")

    def __init__(self, *args: object, guardians: list[tuple[int, str]], **kwargs: object) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        self.fields["guardian"].choices = [("", "—"), *guardians]  # type: ignore[attr-defined]


class InstitutionForm(forms.Form):
    name = forms.CharField(label="机构名称", max_length=60)
    town = forms.ModelChoiceField(label="所在乡镇（街道）", queryset=Region.objects.none())
    address = forms.CharField(label="地址", max_length=120, required=False)
    credit_code = forms.CharField(label="统一社会信用代码", max_length=18)
    bank = forms.CharField(label="开户银行", max_length=40)
    account_number = forms.CharField(label="账号", max_length=32)
    holder_name = forms.CharField(label="户名", max_length=40)

    def __init__(self, *args: object, user: User, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        self.fields["town"].queryset = Region.objects.filter(  # type: ignore[attr-defined]
            level=RegionLevel.TOWN, code__startswith=user.scope_prefix[:9]
        ).order_by("code")
