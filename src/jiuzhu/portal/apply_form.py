"""The phone application's form (the apply page)."""

from django import forms

from jiuzhu.cases import services as cases
from jiuzhu.cases.models import ExpenseKind, SchoolStage, TemporaryKind
from jiuzhu.core.programmes import Programme


class ApplyForm(forms.Form):
    programme = forms.ChoiceField(label="申请项目", choices=Programme.choices)
    temporary_kind = forms.ChoiceField(
        label="临时救助类型（仅临时救助填写）",
        choices=[("", "不适用")] + [c for c in TemporaryKind.choices if c[0]],
        required=False,
    )
    temporary_expense = forms.DecimalField(
        label="困难金额（元，仅临时救助填写：必需支出或损失）",
        required=False,
        max_digits=12,
        decimal_places=2,
    )
    temporary_expense_kind = forms.ChoiceField(
        label="困难类别（仅临时救助填写）", choices=ExpenseKind.choices, required=False
    )
    temporary_evidence = forms.CharField(
        label="证明材料名称（如医疗费票据，请在下方上传）", required=False, max_length=500
    )
    school_stage = forms.ChoiceField(
        label="学段（仅教育救助填写）", choices=SchoolStage.choices, required=False
    )
    school_term = forms.DateField(
        label="学期开始日（仅教育救助填写：春季3月1日，秋季9月1日）",
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}),
    )
    beneficiary = forms.TypedChoiceField(
        label="救助对象（为家庭中某一人申请时选择）", coerce=int, required=False, empty_value=None
    )
    reason = forms.CharField(
        label="申请理由", widget=forms.Textarea(attrs={"rows": 4}), max_length=2000
    )
    household_booklet = forms.FileField(label="户口簿照片", required=False)
    id_cards = forms.FileField(label="身份证照片", required=False)
    other = forms.FileField(label="其他证明材料（病历、残疾证等）", required=False)
    agree_authorisation = forms.BooleanField(label="我已阅读并同意核对授权书", required=False)
    agree_commitment = forms.BooleanField(label="我已阅读并作出以上承诺", required=False)
    typed_signature = forms.CharField(label="签名：输入您的姓名", max_length=40, required=False)
    drawn_signature = forms.CharField(widget=forms.HiddenInput, required=False)
    on_behalf = forms.CharField(
        label="代办人（家人或村协理员代为操作时，填写姓名和与申请人的关系）",
        max_length=40,
        required=False,
    )

    def __init__(self, *args: object, members: list[tuple[int, str]], **kwargs: object) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        self.fields["beneficiary"].choices = [("", "全家申请"), *members]  # type: ignore[attr-defined]

    def hardship(self) -> cases.Hardship:
        data = self.cleaned_data
        return cases.Hardship(
            data["temporary_expense"],
            data["temporary_expense_kind"] or "",
            data["temporary_evidence"] or "",
        )

    def schooling(self) -> cases.Schooling:
        return cases.Schooling(
            self.cleaned_data["school_stage"] or "", self.cleaned_data["school_term"]
        )


UPLOAD_FIELDS = (
    ("household_booklet", "household_booklet"),
    ("id_cards", "id_cards"),
    ("other", "other"),
)
