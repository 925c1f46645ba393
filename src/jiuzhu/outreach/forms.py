"""The outreach pages' forms. Choices arrive as plain text and are checked by the services,
so that a refused value gets the service's own sentence."""

from typing import Any

from django import forms
from django.utils import timezone

from jiuzhu.cases.forms import MultipleFileField, MultipleFileInput
from jiuzhu.cases.models import TemporaryKind
from jiuzhu.core.models import Region, RegionLevel, User
from jiuzhu.core.programmes import Programme
from jiuzhu.core.selectors import regions_in_scope
from jiuzhu.outreach.models import (
    AUTOMATIC_REASONS,
    DeliberationDecision,
    Department,
    Hardship,
    MonitoringReason,
    Post,
    Service,
    ServiceContract,
    TargetGroup,
    Urgency,
    WarningHandling,
)
from jiuzhu.outreach.services import LeadInput, VisitInput
from jiuzhu.registry.models import Household, Person


def _choice(label: str, choices: Any) -> forms.CharField:
    return forms.CharField(label=label, widget=forms.Select(choices=[("", "请选择"), *choices]))


def _date(label: str) -> forms.DateField:
    # ISO in the value: a date input shows nothing for the localised 2026/12/01.
    return forms.DateField(
        label=label,
        widget=forms.DateInput({"type": "date"}, format="%Y-%m-%d"),
        initial=timezone.localdate,
    )


def _photos() -> MultipleFileField:
    return MultipleFileField(
        label="照片（JPG或PNG，最多6张）",
        required=False,
        widget=MultipleFileInput(
            attrs={"accept": "image/jpeg,image/png", "capture": "environment"}
        ),
    )


class LeadForm(forms.Form):
    region = forms.ModelChoiceField(label="所在村（社区）", queryset=Region.objects.none())
    person_name = forms.CharField(label="困难群众姓名", max_length=40)
    phone = forms.CharField(
        label="联系电话", max_length=20, required=False, widget=forms.TextInput({"type": "tel"})
    )
    address = forms.CharField(label="详细地址", max_length=120)
    hardship = _choice("困难类别", Hardship.choices)
    urgency = _choice("紧急程度", Urgency.choices)
    description = forms.CharField(
        label="困难情况", max_length=2000, widget=forms.Textarea(attrs={"rows": 4})
    )
    photos = _photos()

    def __init__(self, user: User, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        region_field = self.fields["region"]
        assert isinstance(region_field, forms.ModelChoiceField)
        region_field.queryset = regions_in_scope(user, RegionLevel.VILLAGE).order_by("code")

    def to_input(self) -> LeadInput:
        data = self.cleaned_data
        return LeadInput(
            region=data["region"],
            person_name=data["person_name"],
            phone=data["phone"],
            address=data["address"],
            hardship=data["hardship"],
            urgency=data["urgency"],
            description=data["description"],
            photos=data["photos"],
        )


class LinkForm(forms.Form):
    household_number = forms.CharField(label="户编号", max_length=20)


class ApplicationStartForm(forms.Form):
    programme = _choice("救助项目", Programme.choices)
    temporary_kind = forms.CharField(
        label="临时救助类型",
        required=False,
        widget=forms.Select(choices=[("", "（非临时救助）"), *TemporaryKind.choices[1:]]),
    )
    applicant = forms.ModelChoiceField(label="申请人", queryset=Person.objects.none())
    special_hardship = forms.BooleanField(label="特殊困难，需先行救助", required=False)

    def __init__(self, household: Household | None, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        applicant = self.fields["applicant"]
        assert isinstance(applicant, forms.ModelChoiceField)
        if household is not None:
            applicant.queryset = Person.objects.filter(
                memberships__household=household, memberships__end_date__isnull=True
            ).order_by("pk")


class ReferForm(forms.Form):
    department = _choice("转介部门", Department.choices)
    note = forms.CharField(label="转介说明", max_length=500, widget=forms.Textarea({"rows": 2}))


class CloseForm(forms.Form):
    reason = forms.CharField(
        label="不予处置的理由", max_length=500, widget=forms.Textarea({"rows": 2})
    )


class TargetForm(forms.Form):
    household_number = forms.CharField(label="户编号", max_length=20)
    person_name = forms.CharField(label="姓名", max_length=40)
    group = _choice("探访对象类别", TargetGroup.choices)
    since = _date("纳入日期")


class VisitForm(forms.Form):
    visited_on = _date("探访日期")
    findings = forms.CharField(
        label="探访情况", max_length=2000, widget=forms.Textarea(attrs={"rows": 4})
    )
    needs = forms.CharField(
        label="需求", max_length=1000, required=False, widget=forms.Textarea(attrs={"rows": 2})
    )
    services = forms.MultipleChoiceField(
        label="提供的服务",
        required=False,
        choices=Service.choices,
        widget=forms.CheckboxSelectMultiple,
    )
    photos = _photos()

    def to_input(self) -> VisitInput:
        data = self.cleaned_data
        return VisitInput(
            visited_on=data["visited_on"],
            findings=data["findings"],
            needs=data["needs"],
            services=list(data["services"]),
            photos=data["photos"],
        )


class EndTargetForm(forms.Form):
    reason = forms.CharField(label="移出原因", max_length=100)


class HandleWarningForm(forms.Form):
    handling = _choice("处置方式", WarningHandling.choices)
    note = forms.CharField(label="处置说明", max_length=500)


class MonitorForm(forms.Form):
    household_number = forms.CharField(label="户编号", max_length=20)
    reason = _choice(
        "纳入原因",
        [(v, label) for v, label in MonitoringReason.choices if v not in AUTOMATIC_REASONS],
    )
    note = forms.CharField(label="认定依据", max_length=200)


class AnswerForm(forms.Form):
    answer = forms.CharField(label="部门答复", max_length=500)
    answered_on = _date("答复日期")


class DeliberationForm(forms.Form):
    household_number = forms.CharField(label="户编号", max_length=20)
    facts = forms.CharField(label="困难事实", max_length=2000, widget=forms.Textarea({"rows": 3}))
    requested = forms.CharField(label="建议救助金额（元）", max_length=12)


class DecisionForm(forms.Form):
    met_on = _date("会议日期")
    members_present = forms.CharField(label="参会成员（以“、”分隔）", max_length=300)
    decision = _choice("决定", DeliberationDecision.choices)
    amount = forms.CharField(label="决定金额（元）", max_length=12, required=False)
    legal_basis = forms.CharField(label="政策依据", max_length=300)
    arrangement = forms.CharField(label="特殊安排", max_length=500, required=False)


class StaffForm(forms.Form):
    name = forms.CharField(label="姓名", max_length=40)
    post = _choice("岗位", Post.choices)
    region = forms.ModelChoiceField(label="区划", queryset=Region.objects.none())
    since = _date("到岗日期")
    contract = forms.ModelChoiceField(
        label="购买服务合同（购买岗位填写）",
        queryset=ServiceContract.objects.none(),
        required=False,
    )

    def __init__(self, user: User, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        region = self.fields["region"]
        contract = self.fields["contract"]
        assert isinstance(region, forms.ModelChoiceField)
        assert isinstance(contract, forms.ModelChoiceField)
        region.queryset = regions_in_scope(user).order_by("code")
        contract.queryset = ServiceContract.objects.filter(
            region_code__startswith=user.scope_prefix
        )


class TrainingForm(forms.Form):
    held_on = _date("培训日期")
    topic = forms.CharField(label="培训内容", max_length=100)
    hours = forms.CharField(label="学时", max_length=6)


class ContractForm(forms.Form):
    number = forms.CharField(label="合同编号", max_length=40)
    organisation = forms.CharField(label="承接机构", max_length=100)
    region = forms.ModelChoiceField(label="服务区域", queryset=Region.objects.none())
    starts_on = _date("起始日期")
    ends_on = _date("终止日期")
    amount = forms.CharField(label="合同金额（元）", max_length=14)
    visits_contracted = forms.IntegerField(label="约定探访服务人次", min_value=1)

    def __init__(self, user: User, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        region = self.fields["region"]
        assert isinstance(region, forms.ModelChoiceField)
        region.queryset = regions_in_scope(user).exclude(level=RegionLevel.VILLAGE).order_by("code")


class ServeForm(forms.Form):
    contract = forms.ModelChoiceField(label="购买服务合同", queryset=ServiceContract.objects.none())

    def __init__(self, contracts: Any, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        contract = self.fields["contract"]
        assert isinstance(contract, forms.ModelChoiceField)
        contract.queryset = contracts
