"""Forms of the charity and department pages: they hold text; the services check it."""

from django import forms

from jiuzhu.cooperation.models import Department, GiftKind


class ProjectForm(forms.Form):
    organisation = forms.CharField(label="慈善组织", max_length=80)
    name = forms.CharField(label="项目名称", max_length=80)
    funds = forms.CharField(label="可用资金（元）", max_length=20)
    criteria = forms.CharField(label="救助条件", widget=forms.Textarea, max_length=2000)
    contact = forms.CharField(label="联系人及电话", max_length=80)


class ReferralForm(forms.Form):
    household = forms.CharField(label="户编号", max_length=20)
    project = forms.ChoiceField(label="慈善项目")
    case = forms.CharField(label="慈善救助申请编号（可不填）", max_length=20, required=False)
    reason = forms.CharField(label="转介理由", widget=forms.Textarea, max_length=2000)

    def __init__(self, *args: object, projects: list[tuple[int, str]], **kwargs: object) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        self.fields["project"].choices = [("", "请选择"), *projects]  # type: ignore[attr-defined]


class GiftForm(forms.Form):
    kind = forms.ChoiceField(label="给付形式", choices=GiftKind.choices)
    amount = forms.CharField(label="金额（元）", max_length=20)
    given_on = forms.DateField(label="给付日期", widget=forms.DateInput(attrs={"type": "date"}))
    description = forms.CharField(label="说明", max_length=200, required=False)


class DispatchForm(forms.Form):
    household = forms.CharField(label="户编号", max_length=20)
    applicant = forms.CharField(label="申请人姓名", max_length=40)
    department = forms.ChoiceField(label="承办部门", choices=Department.choices)
    programme = forms.CharField(label="申请事项", max_length=80)
    request = forms.CharField(label="申请内容", widget=forms.Textarea, max_length=2000)


class DecisionForm(forms.Form):
    outcome = forms.ChoiceField(
        label="办理结果", choices=[("approve", "批准"), ("refuse", "不予批准")]
    )
    decision = forms.CharField(label="给予的救助或不予批准的理由", max_length=500)
    amount = forms.CharField(label="给予金额（元，可不填）", max_length=20, required=False)
