"""The case pages' forms; an action's form hands its service the arguments it takes."""

from typing import Any

from django import forms
from django.utils import timezone

from jiuzhu.cases import services
from jiuzhu.cases.models import Channel, DocumentKind, ExpenseKind, SchoolStage, TemporaryKind
from jiuzhu.cases.rules import HOME_VISIT_CHECKLIST
from jiuzhu.core import idnumber
from jiuzhu.core.errors import DomainError
from jiuzhu.core.programmes import Programme
from jiuzhu.registry.models import Household, Membership, Person
from jiuzhu.registry.selectors import id_number_is


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class MultipleFileField(forms.FileField):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault(
            "widget", MultipleFileInput(attrs={"accept": "image/jpeg,image/png,application/pdf"})
        )
        super().__init__(*args, **kwargs)

    def clean(self, data: Any, initial: Any = None) -> list[Any]:
        """Each uploaded file checked as a file field; at most 20 at once."""
        if not data:
            return []
        items = data if isinstance(data, list | tuple) else [data]
        if len(items) > 20:
            raise forms.ValidationError("一次最多上传20个文件。")
        return [super(MultipleFileField, self).clean(item, initial) for item in items]


class FindHouseholdForm(forms.Form):
    id_number = forms.CharField(
        label="申请人身份证号", error_messages={"required": "请填写申请人身份证号。"}
    )

    def clean_id_number(self) -> str:
        """A mistyped number (length, date, check digit) is said so, before any search."""
        try:
            return idnumber.parse(self.cleaned_data["id_number"]).id_number
        except DomainError as error:
            raise forms.ValidationError(str(error)) from None


def member_choices(household: Household, only: Person | None = None) -> list[tuple[int | str, str]]:
    """The household's current members to choose from, or only the person presenting the
    ID card (intake for a household outside the user's area)."""
    current = household.memberships.filter(end_date__isnull=True).select_related("person")
    if only is not None:
        current = current.filter(person=only)
    return [(m.person_id, f"{m.person.name}（{m.get_relation_display()}）") for m in current]


def current_member(household: Household, id_number: str) -> Person | None:
    """The household's current member with this ID number, or None."""
    if not idnumber.is_valid(id_number):
        return None
    membership = (
        Membership.objects.filter(
            id_number_is(id_number, "person__"),
            household=household,
            end_date__isnull=True,
        )
        .select_related("person")
        .first()
    )
    return membership.person if membership else None


class ApplicationForm(forms.Form):
    programme = forms.ChoiceField(label="救助项目", choices=Programme.choices)
    temporary_kind = forms.ChoiceField(
        label="临时救助类型", choices=TemporaryKind.choices, required=False
    )
    temporary_expense = forms.DecimalField(
        label="临时救助：困难金额（元，必需支出或损失）",
        required=False,
        max_digits=12,
        decimal_places=2,
    )
    temporary_expense_kind = forms.ChoiceField(
        label="临时救助：困难类别", choices=ExpenseKind.choices, required=False
    )
    temporary_evidence = forms.CharField(
        label="临时救助：证明材料（票据、诊断书等）", required=False, max_length=500
    )
    school_stage = forms.ChoiceField(
        label="教育救助：学段", choices=SchoolStage.choices, required=False
    )
    school_term = forms.DateField(
        label="教育救助：学期开始日（春季3月1日，秋季9月1日）",
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}),
    )
    applicant = forms.TypedChoiceField(label="申请人", coerce=int)
    beneficiary = forms.TypedChoiceField(
        label="救助对象（个人项目、单人户）", coerce=int, required=False, empty_value=None
    )
    single_person_unit = forms.BooleanField(
        label="单人户（重度残疾或重病成员单独纳入）", required=False
    )
    reason = forms.CharField(
        label="申请理由", widget=forms.Textarea(attrs={"rows": 3}), max_length=2000
    )
    channel = forms.ChoiceField(label="申请渠道", choices=Channel.choices)
    by_residence = forms.BooleanField(label="由居住地镇（街道）办理（人户分离）", required=False)
    special_hardship = forms.BooleanField(label="特殊困难，需24小时内先行救助", required=False)
    commitment_signed = forms.BooleanField(label="申请人已签署承诺书", required=False)
    # The 授权书 is the signed paper itself, scanned: a tick in a box would record nothing.
    authorisation_scan = forms.FileField(
        label="申请人签字的家庭经济状况核对授权书扫描件（JPG、PNG或PDF）",
        required=False,
        widget=forms.ClearableFileInput(attrs={"accept": "image/jpeg,image/png,application/pdf"}),
    )
    authorisation_signed_on = forms.DateField(
        label="授权书签署日期", required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    documents = MultipleFileField(label="申请材料（JPG、PNG或PDF，每个不超过10MB）", required=False)
    document_kind = forms.ChoiceField(
        label="材料类别", choices=DocumentKind.choices, initial=DocumentKind.HOUSEHOLD_BOOKLET
    )

    beneficiary_id_number = forms.CharField(
        label="救助对象身份证号（申请人以外的家庭成员）",
        required=False,
        min_length=18,
        max_length=18,
    )

    def __init__(
        self, *args: Any, household: Household, presenting: Person | None = None, **kwargs: Any
    ) -> None:
        """`presenting`: the household lies outside the user's area and was found by this
        person's ID card; the form then names no other member (全县通办 is no way into
        another town's household file): another beneficiary is given by ID number."""
        super().__init__(*args, **kwargs)
        self.household = household
        self.fields["authorisation_signed_on"].initial = timezone.localdate()
        choices = member_choices(household, presenting)
        for name in ("applicant", "beneficiary"):
            field = self.fields[name]
            assert isinstance(field, forms.TypedChoiceField)
            blank: list[tuple[int | str, str]] = [("", "全户")] if name == "beneficiary" else []
            field.choices = blank + choices
        if presenting is None:
            del self.fields["beneficiary_id_number"]

    def clean(self) -> dict[str, Any]:
        """A beneficiary given by ID number must be a current member of the household."""
        data = super().clean() or {}
        given = data.get("beneficiary_id_number")
        if given:
            member = current_member(self.household, given)
            if member is None:
                self.add_error("beneficiary_id_number", "该身份证号不是该户的现有成员。")
            else:
                data["beneficiary"] = member.pk
        return data

    def person(self, name: str) -> Person | None:
        value = self.cleaned_data.get(name)
        return Person.objects.get(pk=value) if value else None

    def authorisation(self) -> services.SignedAuthorisation | None:
        """The signed 授权书 handed in (its scan and day), or None when none was."""
        scan = self.cleaned_data.get("authorisation_scan")
        if scan is None:
            return None
        signed_on = self.cleaned_data.get("authorisation_signed_on") or timezone.localdate()
        return services.SignedAuthorisation(scan, signed_on)


class ActionForm(forms.Form):
    """The form of a case action: its cleaned fields, in `argument_names` order, are the
    arguments its service takes after (actor, case, version)."""

    argument_names: tuple[str, ...] = ()

    def arguments(self) -> list[Any]:
        """The home-visit input, with the checklist items the staff ticked."""
        return [self.cleaned_data[name] for name in self.argument_names]


class CommentForm(ActionForm):
    argument_names = ("comment",)
    comment = forms.CharField(
        label="意见", widget=forms.Textarea(attrs={"rows": 2}), max_length=2000, required=False
    )


class ReasonForm(ActionForm):
    argument_names = ("reason",)
    reason = forms.CharField(
        label="理由", widget=forms.Textarea(attrs={"rows": 2}), max_length=2000
    )


class HomeVisitForm(ActionForm):
    visited_on = forms.DateField(label="入户日期", widget=forms.DateInput(attrs={"type": "date"}))
    second_staff = forms.CharField(label="第二名调查人员", max_length=40)
    findings = forms.CharField(
        label="调查情况", widget=forms.Textarea(attrs={"rows": 4}), max_length=4000
    )
    household_signed = forms.BooleanField(label="家庭成员已在调查表上签字", required=False)
    photos = MultipleFileField(label="照片（JPG、PNG）", required=False)

    def arguments(self) -> list[Any]:
        """The home-visit input, with the checklist items the staff ticked."""
        # The checklist's boxes are drawn by the template, one input named by each item.
        data = self.cleaned_data
        return [
            services.HomeVisitInput(
                visited_on=data["visited_on"],
                second_staff=data["second_staff"],
                findings=data["findings"],
                household_signed=data["household_signed"],
                checklist={key: key in self.data for key in HOME_VISIT_CHECKLIST},
                photos=data["photos"],
            )
        ]


class CommunityReviewForm(ActionForm):
    argument_names = ("held_on", "participants", "outcome")
    held_on = forms.DateField(label="评议日期", widget=forms.DateInput(attrs={"type": "date"}))
    participants = forms.IntegerField(label="参加人数", min_value=3, max_value=500)
    outcome = forms.CharField(
        label="评议结果", widget=forms.Textarea(attrs={"rows": 2}), max_length=2000
    )


class RejectForm(ActionForm):
    argument_names = ("rule", "note")
    rule = forms.CharField(label="依据的规定", max_length=200)
    note = forms.CharField(label="理由", widget=forms.Textarea(attrs={"rows": 2}), max_length=2000)


class ObjectionForm(ActionForm):
    argument_names = ("content", "well_founded", "resolution")
    content = forms.CharField(
        label="异议内容", widget=forms.Textarea(attrs={"rows": 2}), max_length=2000
    )
    resolution = forms.CharField(
        label="核查结果", widget=forms.Textarea(attrs={"rows": 2}), max_length=2000
    )
    well_founded = forms.BooleanField(label="异议成立（重新调查）", required=False)


class AdvanceAidForm(ActionForm):
    argument_names = ("amount", "method", "note")
    amount = forms.DecimalField(label="金额（元）", min_value=0, max_digits=10, decimal_places=2)
    method = forms.CharField(label="发放方式", max_length=20, initial="现金")
    note = forms.CharField(label="说明", max_length=2000, required=False)


class UploadForm(forms.Form):
    kind = forms.ChoiceField(label="材料类别", choices=DocumentKind.choices)
    documents = MultipleFileField(label="文件（JPG、PNG或PDF，每个不超过10MB）")


class SpotCheckForm(forms.Form):
    finding = forms.CharField(
        label="抽查意见", widget=forms.Textarea(attrs={"rows": 2}), max_length=2000
    )
    problem_found = forms.BooleanField(label="发现问题", required=False)
