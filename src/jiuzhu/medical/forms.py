"""The bill entry form: typed fields → services.BillInput."""

from django import forms

from jiuzhu.core.money import parse_yuan
from jiuzhu.medical.services import BillInput


class BillForm(forms.Form):
    id_number = forms.CharField(label="身份证号", max_length=18)
    hospital = forms.CharField(label="医疗机构", max_length=80)
    admitted_on = forms.DateField(label="入院日期", widget=forms.DateInput(attrs={"type": "date"}))
    discharged_on = forms.DateField(
        label="出院（结算）日期", widget=forms.DateInput(attrs={"type": "date"})
    )
    total = forms.CharField(label="医疗总费用（元）")
    basic = forms.CharField(label="基本医保支付（元）")
    critical = forms.CharField(label="大病保险支付（元）", initial="0")
    eligible = forms.CharField(label="政策范围内自付（元）")
    self_paid = forms.CharField(label="政策外自费（元）", initial="0")
    one_stop = forms.BooleanField(label="一站式结算（医院已直接减免医疗救助）", required=False)
    deducted = forms.CharField(label="医院已减免的医疗救助（元）", required=False, initial="0")

    def to_input(self) -> BillInput:
        """Raises a DomainError naming the field when an amount is not a sum of yuan."""
        data = self.cleaned_data
        return BillInput(
            id_number=data["id_number"].strip(),
            hospital=data["hospital"],
            admitted_on=data["admitted_on"],
            discharged_on=data["discharged_on"],
            total_fen=parse_yuan(data["total"], "医疗总费用", "total"),
            basic_fen=parse_yuan(data["basic"], "基本医保支付", "basic"),
            critical_fen=parse_yuan(data["critical"] or "0", "大病保险支付", "critical"),
            eligible_fen=parse_yuan(data["eligible"], "政策范围内自付", "eligible"),
            self_paid_fen=parse_yuan(data["self_paid"] or "0", "政策外自费", "self_paid"),
            one_stop=data["one_stop"],
            deducted_fen=parse_yuan(data["deducted"] or "0", "医院已减免的医疗救助", "deducted"),
        )
