"""What each partner scope shows (api/views/sharing.py): formatting only, the fewest fields
the department needs (docs/sharing.md says which and why). Months are "YYYY-MM", amounts
yuan as decimal strings, every code comes with its Chinese label. A feed row's people come
from the view's context (``people``: recipient id → persons), read for the page at once."""

import datetime as dt
from typing import Any

from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from jiuzhu.core.money import plain_yuan
from jiuzhu.payments.models import PayrollLine, ResultStatus, line_ref
from jiuzhu.verification.matching import REASONS
from jiuzhu.verification.models import VerificationReport

PENDING = "pending"
RESULT_LABELS = {**dict(ResultStatus.choices), PENDING: "待银行回盘"}


@extend_schema_field({"type": "string", "pattern": "^[0-9]{4}-[0-9]{2}$"})
class Month(serializers.Field[dt.date, dt.date, str, Any]):
    """A month as "YYYY-MM" (DRF writes null for none without asking)."""

    def to_representation(self, value: dt.date) -> str:
        return f"{value:%Y-%m}"


class Row(serializers.Serializer[Any]):
    """Every feed row: its id and when it last changed (the sync cursor's timestamp)."""

    id = serializers.IntegerField(source="pk", help_text="记录编号（本接口内稳定）")
    changed_at = serializers.DateTimeField(source="changed", help_text="最近变动时间")


class SharedPersonSerializer(serializers.Serializer[Any]):
    """救助对象覆盖的人员。"""

    id_number = serializers.CharField(help_text="身份证号（完整，用于部门比对）")
    name = serializers.CharField(help_text="姓名")


class SharedChildSerializer(SharedPersonSerializer):
    """救助家庭中的未成年人。"""

    birth_date = serializers.DateField(help_text="出生日期")


class RecipientRow(Row):
    programme = serializers.CharField(help_text="救助项目代码")
    programme_label = serializers.CharField(source="get_programme_display", help_text="救助项目")
    region_code = serializers.CharField(help_text="所在村（社区）12位区划代码")

    def to_representation(self, instance: Any) -> dict[str, Any]:
        instance.people = self.context["people"][instance.pk]
        return dict(super().to_representation(instance))


class SharedRecipientSerializer(RecipientRow):
    """医保参保资助所需：救助对象类别及其覆盖的人员。"""

    status = serializers.CharField(help_text="状态代码")
    status_label = serializers.CharField(source="get_status_display", help_text="状态")
    start_month = Month(help_text="起始月份 YYYY-MM")
    end_month = Month(allow_null=True, help_text="终止月份（首个不再享受的月份），null 为未终止")
    persons = SharedPersonSerializer(
        source="people",
        many=True,
        read_only=True,
        help_text="覆盖的人员（户的现有共同生活成员，或单列的个人）",
    )


class SharedChildrenSerializer(RecipientRow):
    """教育资助所需：救助家庭中未满18周岁的成员。"""

    children = SharedChildSerializer(
        source="people", many=True, read_only=True, help_text="未满18周岁的成员"
    )


class SharedStepSerializer(serializers.Serializer[Any]):
    """办理环节。"""

    at = serializers.DateTimeField(help_text="时间")
    action = serializers.CharField(help_text="环节代码")
    action_label = serializers.CharField(help_text="环节")
    to_status = serializers.CharField(help_text="此后状态代码（空为状态未变）")
    to_status_label = serializers.CharField(help_text="此后状态")


class SharedCaseSerializer(Row):
    """救助申请的办理进度（不含申请人身份信息）。"""

    number = serializers.CharField(help_text="申请编号")
    programme = serializers.CharField(help_text="救助项目代码")
    programme_label = serializers.CharField(source="get_programme_display", help_text="救助项目")
    status = serializers.CharField(help_text="状态代码")
    status_label = serializers.CharField(source="get_status_display", help_text="状态")
    responsible_code = serializers.CharField(help_text="负责乡镇（街道）区划代码")
    submitted_at = serializers.DateTimeField(help_text="提交时间")
    accepted_on = serializers.DateField(allow_null=True, help_text="受理日期")
    decision_due = serializers.DateField(allow_null=True, help_text="办结期限")
    decided_at = serializers.DateTimeField(allow_null=True, help_text="审核确认时间")
    monthly_amount = serializers.DecimalField(
        max_digits=12, decimal_places=2, allow_null=True, help_text="月救助金额（元）"
    )
    one_off_amount = serializers.DecimalField(
        max_digits=12, decimal_places=2, allow_null=True, help_text="一次性救助金额（元）"
    )
    steps = SharedStepSerializer(source="events", many=True, read_only=True, help_text="办理环节")


class SharedPaymentSerializer(Row):
    """已审批锁定的发放明细（不含收款人身份和账户）。"""

    ref = serializers.SerializerMethodField(help_text="明细编号（与银行文件一致）")
    month = Month(source="payroll.month", help_text="发放月份 YYYY-MM")
    for_month = Month(help_text="所属月份 YYYY-MM（补发时早于发放月份）")
    programme = serializers.CharField(help_text="救助项目代码")
    programme_label = serializers.CharField(source="get_programme_display", help_text="救助项目")
    region_code = serializers.CharField(help_text="所在村（社区）12位区划代码")
    amount = serializers.SerializerMethodField(help_text="实发金额（元）")
    result = serializers.SerializerMethodField(help_text="发放结果：paid、failed 或 pending")
    result_label = serializers.SerializerMethodField(help_text="发放结果")

    def get_ref(self, line: PayrollLine) -> str:
        return line_ref(line.payroll_id, line.line_no)

    def get_amount(self, line: PayrollLine) -> str:
        return plain_yuan(line.net_fen)

    def get_result(self, line: PayrollLine) -> str:
        result = getattr(line, "result", None)
        return result.status if result is not None else PENDING

    def get_result_label(self, line: PayrollLine) -> str:
        return str(RESULT_LABELS[self.get_result(line)])


class SharedReportSerializer(Row):
    """经济状况核对报告（户编号与核对数字，不含成员身份）。"""

    job_id = serializers.IntegerField(help_text="核对任务编号")
    as_of = serializers.DateField(source="job.as_of", help_text="核对基准日")
    household_number = serializers.CharField(source="household.number", help_text="户编号")
    town_code = serializers.CharField(help_text="乡镇（街道）区划代码")
    conclusion = serializers.CharField(help_text="结论代码")
    conclusion_label = serializers.CharField(source="get_conclusion_display", help_text="结论")
    reasons = serializers.SerializerMethodField(help_text="结论理由（中文）")
    members = serializers.IntegerField(help_text="核对人数")
    income = serializers.SerializerMethodField(help_text="核实月收入（元）")
    declared_income = serializers.SerializerMethodField(help_text="申报月收入（元）")
    financial = serializers.SerializerMethodField(help_text="核实金融资产（元）")
    declared_financial = serializers.SerializerMethodField(help_text="申报金融资产（元）")
    vehicles = serializers.IntegerField(help_text="机动车辆数")
    houses = serializers.IntegerField(help_text="房产套数")
    businesses = serializers.IntegerField(help_text="工商登记数")

    def get_reasons(self, report: VerificationReport) -> list[str]:
        return [REASONS.get(code, code) for code in report.reasons]

    def get_income(self, report: VerificationReport) -> str:
        return plain_yuan(report.income_fen)

    def get_declared_income(self, report: VerificationReport) -> str:
        return plain_yuan(report.declared_income_fen)

    def get_financial(self, report: VerificationReport) -> str:
        return plain_yuan(report.financial_fen)

    def get_declared_financial(self, report: VerificationReport) -> str:
        return plain_yuan(report.declared_financial_fen)


def page_serializer(name: str, row: type[serializers.Serializer[Any]]) -> type[Any]:
    """The OpenAPI shape of a page of a feed."""
    return type(
        name,
        (serializers.Serializer,),
        {
            "__doc__": "一页共享数据。",
            "results": row(many=True, read_only=True),
            "next_cursor": serializers.CharField(
                allow_null=True, help_text="下一页的游标；null 表示已到末页"
            ),
            "last_modified": serializers.DateTimeField(
                allow_null=True,
                help_text="符合条件的记录中最近的变动时间；下次增量同步以它作 since",
            ),
        },
    )
