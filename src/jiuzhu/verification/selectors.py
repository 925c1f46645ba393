"""Reads of verification, always through the caller's area scope."""

from dataclasses import dataclass
from typing import Any

from django.db.models import Count, Q, QuerySet
from django.urls import reverse

from jiuzhu.core import idnumber
from jiuzhu.core.models import Region, User
from jiuzhu.core.months import long_date
from jiuzhu.core.roles import Capability
from jiuzhu.core.selectors import in_area, one_of
from jiuzhu.registry.models import Household, Person
from jiuzhu.registry.sections import Entry
from jiuzhu.registry.selectors import households_in_scope, in_scope
from jiuzhu.verification.matching import REASONS
from jiuzhu.verification.models import (
    Conclusion,
    ExtractImport,
    Finding,
    JobScope,
    JobStatus,
    VerificationJob,
    VerificationReport,
)


def extracts_for(user: User) -> QuerySet[ExtractImport]:
    """Officers see their department's files; county administrators see all."""
    if not user.can(Capability.IMPORT_EXTRACTS):
        return ExtractImport.objects.none()
    extracts = ExtractImport.objects.select_related("imported_by")
    if user.role == "department_officer":
        extracts = extracts.filter(imported_by__department=user.department)
    return extracts


def jobs_for(user: User) -> QuerySet[VerificationJob]:
    """The jobs the user may see: those of their area (none without the capability)."""
    if not user.can(Capability.VIEW_VERIFICATION):
        return VerificationJob.objects.none()
    wide = Q(scope__in=[JobScope.REGION, JobScope.ALL])
    # A job over a wider area is visible; its reports are filtered to the user's area.
    return VerificationJob.objects.filter(
        Q(scope=JobScope.HOUSEHOLD, household__in=households_in_scope(user))
        | (wide & in_area(user, "region__code"))
        | (wide & Q(region__code__in=_ancestors(user)))
    ).select_related("created_by", "region", "household")


def _ancestors(user: User) -> list[str]:
    codes = []
    node: Region | None = user.region
    while node is not None:
        codes.append(node.code)
        node = node.parent
    return codes


def job_for(user: User, job_id: int) -> VerificationJob | None:
    return one_of(jobs_for(user), job_id)


def reports_in_scope(user: User, job: VerificationJob) -> QuerySet[VerificationReport]:
    return VerificationReport.objects.filter(
        job=job, household__in=households_in_scope(user)
    ).select_related("household")


@dataclass
class TownRow:
    town_code: str
    town: str
    total: int
    consistent: int
    needs_explanation: int
    over_limit: int


def summary_by_town(user: User, job: VerificationJob) -> list[TownRow]:
    """Reports counted by town and conclusion, within the user's area."""
    rows = (
        reports_in_scope(user, job)
        .values("town_code")
        .annotate(
            total=Count("pk"),
            consistent=Count("pk", filter=Q(conclusion=Conclusion.CONSISTENT)),
            needs=Count("pk", filter=Q(conclusion=Conclusion.NEEDS_EXPLANATION)),
            over=Count("pk", filter=Q(conclusion=Conclusion.OVER_LIMIT)),
        )
        .order_by("town_code")
    )
    names = dict(
        Region.objects.filter(code__in=[row["town_code"] for row in rows]).values_list(
            "code", "name"
        )
    )
    return [
        TownRow(
            row["town_code"],
            names.get(row["town_code"], row["town_code"]),
            row["total"],
            row["consistent"],
            row["needs"],
            row["over"],
        )
        for row in rows
    ]


def households_with_findings(user: User, job: VerificationJob) -> QuerySet[VerificationReport]:
    return (
        reports_in_scope(user, job)
        .exclude(conclusion=Conclusion.CONSISTENT)
        .order_by("town_code", "household__number")
    )


@dataclass
class FindingView:
    finding: Finding
    person_name: str
    id_display: str


@dataclass
class ReportView:
    report: VerificationReport
    findings: list[FindingView]
    reasons: list[str]
    # The department data the conclusion rests on: "人社局 · 就业登记（截至2024年6月30日）".
    basis: list[str]

    @property
    def conclusion(self) -> str:
        """The conclusion in words; "一致" only when some department's data was compared."""
        if not self.basis:
            return "无部门数据，未核对"
        return self.report.get_conclusion_display()


def basis_of(job: VerificationJob) -> list[str]:
    """The extracts a job compared the households with, named for a person."""
    extracts = ExtractImport.objects.filter(pk__in=job.extract_ids).order_by("source")
    return [f"{e.get_source_display()}（截至{long_date(e.extract_date)}）" for e in extracts]


def not_yet_a_basis(job_id: int) -> str:
    """Why a job's reports cannot yet ground a decision ("" when they can): it has to have
    finished, and with some department's data, before its "一致" means anything."""
    job = VerificationJob.objects.filter(pk=job_id).first()
    if job is not None and job.status == JobStatus.FAILED:
        return "家庭经济状况核对失败，请重新发起核对，待核对报告生成后再审核确认。"
    if job is None or job.status != JobStatus.DONE:
        return "家庭经济状况核对尚未完成，请待核对报告生成后再审核确认。"
    if not job.extract_ids:
        return "家庭经济状况核对时没有任何部门的数据，请导入部门数据、重新核对后再审核确认。"
    return ""


def _report_view(user: User, report: VerificationReport) -> ReportView:
    findings = list(
        Finding.objects.filter(job_id=report.job_id, household_id=report.household_id)
        .select_related("person")
        .order_by("person_id", "source", "kind", "pk")
    )
    return ReportView(
        report=report,
        findings=[
            FindingView(
                finding,
                finding.person.name if finding.person else "",
                idnumber.mask(finding.person.id_number, user.id_visibility)
                if finding.person
                else "",
            )
            for finding in findings
        ],
        reasons=[REASONS[code] for code in report.reasons if code in REASONS],
        basis=basis_of(report.job),
    )


def report_for(user: User, job_id: int, household_id: int) -> ReportView | None:
    job = job_for(user, job_id)
    if job is None:
        return None
    report = reports_in_scope(user, job).filter(household_id=household_id).first()
    return _report_view(user, report) if report else None


def reports_for_household(user: User, household: Household, limit: int = 5) -> list[ReportView]:
    """Latest reports of a household (the household page and the case's investigation)."""
    if not user.can(Capability.VIEW_VERIFICATION):
        return []
    if not in_scope(user, household):
        return []
    reports = (
        VerificationReport.objects.filter(household=household)
        .select_related("job")
        .order_by("-job__created_at")[:limit]
    )
    return [_report_view(user, report) for report in reports]


def person_name(person: Person | None) -> Any:
    return person.name if person else ""


def household_entries(user: User, household: Household) -> list[Entry]:
    """The household page's 核对报告 section (一户一档)."""
    entries = []
    for view in reports_for_household(user, household):
        report = view.report
        entries.append(
            Entry(
                "",
                f"{long_date(report.job.as_of)} 核对：{view.conclusion}",
                reverse("verification:report", args=[report.job_id, household.pk]),
                view.reasons[:3],
                section="家庭经济状况核对",
            )
        )
    return entries
