"""The demo's department data and one finished county-wide verification, so that the
verification pages, the case pages' reports and the risk and monitoring rules have data."""

import datetime as dt
import hashlib
import io
from dataclasses import dataclass

from django.core.management import call_command
from django.utils import timezone

from jiuzhu.core.models import Region, RegionLevel, User
from jiuzhu.core.roles import Role
from jiuzhu.registry.models import Household, Membership, Relation
from jiuzhu.verification import services
from jiuzhu.verification.jobs import run_job
from jiuzhu.verification.models import ExtractImport


@dataclass
class VerificationDemo:
    extracts: int
    reports: int
    with_findings: int


def _town_staff(town_code: str, role: Role) -> User | None:
    return User.objects.filter(role=role, region__code=town_code, is_active=True).first()


def sign_authorisations() -> int:
    """Every household that applied signed the 授权书 at its window: the town's assistant
    records the filed original, the town's approver checks it (as staff do)."""
    signed = 0
    households = Household.objects.filter(cases__isnull=False).distinct().order_by("pk")
    for household in households.select_related("registered_region__parent"):
        town = household.registered_region.parent
        head = Membership.objects.filter(
            household=household, end_date__isnull=True, relation=Relation.HEAD
        ).first()
        if town is None or head is None:
            continue
        assistant = _town_staff(town.code, Role.TOWN_ASSISTANT)
        approver = _town_staff(town.code, Role.TOWN_APPROVER)
        if assistant is None or approver is None:
            continue
        first_case = household.cases.order_by("submitted_at").first()
        signed_on = timezone.localtime(first_case.submitted_at).date() if first_case else None
        place = f"{town.name}社会救助档案柜，户号{household.number}授权书原件"
        services.record_authorisation(
            assistant,
            household,
            signed_on or timezone.localdate(),
            signed_by=head.person,
            document=place,
            document_sha256=hashlib.sha256(place.encode()).hexdigest(),
            notes="演示数据：纸质原件存档",
        )
        signed += services.check_authorisations(approver, household)
    return signed


def seed_demo(seed: int = 1, today: dt.date | None = None) -> VerificationDemo:
    """Signed authorisations of the households that applied, the departments' extracts
    (`jiuzhu demo_extracts`: consistent with the registry, five planted discrepancies) and
    one finished verification of the county's authorised households."""
    sign_authorisations()
    call_command("demo_extracts", f"--seed={seed}", stdout=io.StringIO())
    admin = User.objects.filter(role=Role.COUNTY_ADMIN, is_active=True).order_by("pk").first()
    county = Region.objects.filter(level=RegionLevel.COUNTY).order_by("code").first()
    if admin is None or county is None:
        return VerificationDemo(0, 0, 0)
    job = services.create_job(admin, region=county, as_of=today, note="演示：全县经济状况核对")
    job = run_job(job.pk)
    reports = job.reports.all()
    return VerificationDemo(
        extracts=ExtractImport.objects.count(),
        reports=reports.count(),
        with_findings=reports.filter(findings_count__gt=0).count(),
    )
