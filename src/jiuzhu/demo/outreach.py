"""Demo outreach: leads reported in the first villages of each town (some triaged, some
waiting, a few overdue) and visit plans with visits, all through the outreach services.

Needs the region tree and the demo staff (jiuzhu.demo.accounts); uses the demo households
when there are some (visit plans and applications need household files).
"""

import datetime as dt
import random
from dataclasses import dataclass

from django.utils import timezone

from jiuzhu.cases.models import Recipient
from jiuzhu.core.errors import DomainError
from jiuzhu.core.models import Region, RegionLevel, User
from jiuzhu.core.roles import Role
from jiuzhu.demo.accounts import MAIN_TOWN_NAME
from jiuzhu.outreach import monitoring, referrals, roster, services
from jiuzhu.outreach.models import (
    DeliberationDecision,
    Department,
    Hardship,
    Lead,
    MonitoredHousehold,
    MonitoringReason,
    Post,
    RosterEntry,
    TargetGroup,
    Urgency,
    VisitTarget,
)
from jiuzhu.policy import batch as policy_batch
from jiuzhu.registry.models import Household, Membership, Relation

VILLAGES_PER_TOWN = 2
LEADS_PER_VILLAGE = 4
TARGETS_PER_VILLAGE = 6
EXPENDITURE_PER_TOWN = 3

_STORIES = [
    (Hardship.ILLNESS, "患尿毒症需长期透析，医药费负担重，家中无其他收入。"),
    (Hardship.ELDERLY_ALONE, "老人独居，行动不便，子女常年在外务工，冬季取暖困难。"),
    (Hardship.ACCIDENT, "家中主要劳动力务工时摔伤，暂时无法工作。"),
    (Hardship.DISASTER, "暴雨致房屋部分倒塌，暂住亲戚家。"),
    (Hardship.INCOME_LOSS, "所在工厂停产，夫妻二人同时失业，两个孩子上学。"),
    (Hardship.CHILD_UNCARED, "父亲服刑、母亲离家，孩子由年迈奶奶照看。"),
    (Hardship.DISABILITY, "重度肢体残疾，生活不能自理，家人照料负担重。"),
]
_SURNAMES = "王李张刘陈杨赵黄周吴孙马朱胡郭何高林罗郑"
_GIVEN = ["秀英", "桂兰", "建国", "玉梅", "德明", "志强", "凤英", "国庆", "小军", "春花"]
_FINDINGS = [
    "精神状态良好，居住环境整洁，饮食正常。",
    "老人腿脚不便，屋内取暖设备老旧，已联系更换。",
    "孩子学习情况一般，与监护人沟通了学习安排。",
    "身体状况稳定，按时服药，近期无就医需求。",
]
_NEEDS = ["冬季取暖", "定期送医", "课业辅导", "生活照料", ""]


@dataclass
class OutreachDemo:
    leads: int = 0
    triaged: int = 0
    overdue: int = 0
    targets: int = 0
    visits: int = 0
    monitored: int = 0
    staff: int = 0
    deliberations: int = 0


def _account(region: Region, role: str) -> User | None:
    return User.objects.filter(role=role, region=region, is_active=True).order_by("pk").first()


def _reporters(village: Region) -> list[User]:
    """Who reports in the village: its grid worker and volunteer where the demo has them,
    else its coordinator."""
    found = [_account(village, role) for role in (Role.GRID_WORKER, Role.VOLUNTEER)]
    reporters = [user for user in found if user is not None]
    coordinator = _account(village, Role.VILLAGE_COORDINATOR)
    return reporters or ([coordinator] if coordinator is not None else [])


def _villages() -> list[tuple[Region, list[Region]]]:
    towns = Region.objects.filter(level=RegionLevel.TOWN).order_by("code")
    return [(town, list(town.children.order_by("code")[:VILLAGES_PER_TOWN])) for town in towns]


def seed_demo(seed: int = 1, today: dt.date | None = None) -> OutreachDemo:
    """Leads and visit plans for the first villages of each town, the month's entitlement
    run and the monitoring list (recipients, edge households by the policy engine, a few
    households per town listed by the town for their spending); returns the counts."""
    rng = random.Random(seed)
    today = today or timezone.localdate()
    made = OutreachDemo()
    for town, villages in _villages():
        assistant = _account(town, Role.TOWN_ASSISTANT)
        for village in villages:
            reporters = _reporters(village)
            if reporters and assistant is not None:
                _leads(rng, village, reporters, assistant, today, made)
            coordinator = _account(village, Role.VILLAGE_COORDINATOR)
            if coordinator is not None:
                _visits(rng, village, coordinator, today, made)
        if assistant is not None:
            _spending_households(town, assistant)
    admin = User.objects.filter(role=Role.COUNTY_ADMIN, is_active=True).order_by("pk").first()
    if admin is not None:
        policy_batch.run_entitlements(today, admin)  # what the "should be helped" list reads
        monitoring.refresh_list(admin, today)
        made.staff = _roster(rng, admin, today)
        made.deliberations = _deliberation(admin, today)
    made.monitored = MonitoredHousehold.objects.filter(until__isnull=True).count()
    return made


def _spending_households(town: Region, assistant: User) -> None:
    """Households of the town that receive nothing, listed by the town for their large
    essential spending."""
    receiving = Recipient.objects.values("household_id")
    for household in (
        Household.objects.filter(registered_code__startswith=town.prefix)
        .exclude(pk__in=receiving)
        .order_by("pk")[:EXPENDITURE_PER_TOWN]
    ):
        monitoring.add_to_list(
            assistant, household, MonitoringReason.EXPENDITURE, "家人重病，年医疗自付逾三万元"
        )


def _leads(
    rng: random.Random,
    village: Region,
    reporters: list[User],
    assistant: User,
    today: dt.date,
    made: OutreachDemo,
) -> None:
    households = list(
        Household.objects.filter(residence_region=village).order_by("pk")[:LEADS_PER_VILLAGE]
    )
    for n in range(LEADS_PER_VILLAGE):
        hardship, story = rng.choice(_STORIES)
        lead = services.report_lead(
            rng.choice(reporters),
            services.LeadInput(
                region=village,
                person_name=rng.choice(_SURNAMES) + rng.choice(_GIVEN),
                address=f"{village.name}{rng.randint(1, 9)}组{rng.randint(1, 60)}号",
                hardship=hardship,
                urgency=rng.choice([Urgency.NORMAL, Urgency.NORMAL, Urgency.URGENT]),
                description=story,
                phone=f"139{rng.randint(10_000_000, 99_999_999)}",
            ),
        )
        made.leads += 1
        if n == 0:
            # Reported a week ago and still waiting: the town's overdue list is not empty.
            Lead.objects.filter(pk=lead.pk).update(
                reported_at=lead.reported_at - dt.timedelta(days=7),
                triage_due=today - dt.timedelta(days=2),
            )
            made.overdue += 1
        elif n == 1:
            services.refer_lead(
                assistant, lead, Department.HEALTH, "因病致困，转卫生健康部门衔接医疗救助。"
            )
            made.triaged += 1
        elif n == 2 and households:
            made.triaged += _into_application(assistant, lead, households[0])


def _into_application(assistant: User, lead: Lead, household: Household) -> int:
    """Link the lead to a household of the village and open a temporary-aid application;
    closed with a reason when the household already has one open."""
    head = Membership.objects.filter(
        household=household, relation=Relation.HEAD, end_date__isnull=True
    ).first()
    services.link_household(assistant, lead, household)
    try:
        if head is not None:
            services.start_application(assistant, lead, "temporary", head.person, "emergency")
            return 1
        services.close_lead(assistant, lead, "经核实：该户没有户主，另行处理。")
    except DomainError as refused:
        services.close_lead(assistant, lead, f"经核实：{refused.message}")
    return 1


def _visits(
    rng: random.Random, village: Region, coordinator: User, today: dt.date, made: OutreachDemo
) -> None:
    members = (
        Membership.objects.filter(household__residence_region=village, end_date__isnull=True)
        .select_related("person")
        .order_by("pk")
    )
    chosen = 0
    for membership in members:
        if chosen == TARGETS_PER_VILLAGE:
            break
        person = membership.person
        age = (today - person.birth_date).days // 365
        if person.disability_grade in (1, 2):
            group = TargetGroup.SEVERE_DISABILITY
        elif age >= 70:
            group = TargetGroup.ELDERLY_ALONE
        elif age < 16:
            group = TargetGroup.CHILD_HARDSHIP
        else:
            continue
        since = today - dt.timedelta(days=rng.randint(20, 120))
        target = services.add_visit_target(coordinator, person, group, since)
        chosen += 1
        made.targets += 1
        day = since + dt.timedelta(days=rng.randint(5, 25))
        while day <= today and rng.random() < 0.8:
            services.record_visit(
                coordinator,
                target,
                services.VisitInput(
                    visited_on=day,
                    findings=rng.choice(_FINDINGS),
                    needs=rng.choice(_NEEDS),
                    services=rng.sample(["emotional_support", "resource_linking", "care"], 2),
                ),
            )
            made.visits += 1
            day += dt.timedelta(days=rng.randint(20, 40))


def _roster(rng: random.Random, admin: User, today: dt.date) -> int:
    """Staff in post (a few posts left empty, so the county page shows gaps) and a
    purchased-services contract in each town serving its visit targets."""
    since = today - dt.timedelta(days=400)
    county = Region.objects.filter(level=RegionLevel.COUNTY).order_by("code").first()
    if county is None:
        return 0
    for _ in range(3):
        roster.add_staff(admin, _person_name(rng), Post.SOCIAL_WORKER, county, since)
    for town, villages in _villages():
        contract = roster.add_contract(
            admin,
            roster.ContractInput(
                number=f"平民购〔{today.year}〕{town.code[6:9]}号",
                organisation=f"{town.name}社会工作服务站",
                region=town,
                starts_on=today.replace(month=1, day=1),
                ends_on=today.replace(month=12, day=31),
                amount_fen=rng.randint(8, 20) * 1_000_000,
                visits_contracted=rng.randint(100, 300),
            ),
        )
        roster.add_staff(admin, _person_name(rng), Post.ASSISTANT, town, since)
        for _ in range(rng.randint(1, 4)):
            roster.add_staff(admin, _person_name(rng), Post.SOCIAL_WORKER, town, since, contract)
        for village in villages[:1]:
            roster.add_staff(admin, _person_name(rng), Post.COORDINATOR, village, since)
        for target in VisitTarget.objects.filter(village_code__startswith=town.prefix):
            roster.serve_under(admin, target, contract)
    return RosterEntry.objects.count()


def _person_name(rng: random.Random) -> str:
    return rng.choice(_SURNAMES) + rng.choice(_GIVEN)


def _deliberation(admin: User, today: dt.date) -> int:
    """A hard case of the main town put to the county and decided (temporary aid opened)."""
    town = Region.objects.filter(level=RegionLevel.TOWN, name=MAIN_TOWN_NAME).first()
    if town is None:
        return 0
    assistant = _account(town, Role.TOWN_ASSISTANT)
    household = (
        Household.objects.filter(registered_code__startswith=town.prefix)
        .filter(cases__isnull=True)
        .order_by("pk")
        .first()
    )
    if assistant is None or household is None:
        return 0
    item = referrals.submit_deliberation(
        assistant,
        household,
        "房屋失火，户主烧伤住院，自付医疗费超过五万元，超出临时救助标准上限。",
        1_000_000,
    )
    decided = referrals.decide(
        admin,
        item,
        today,
        "县政府分管副县长、民政局局长、财政局副局长、卫健局副局长",
        DeliberationDecision.TEMPORARY_AID,
        800_000,
        "《山东省临时救助办法》，县困难群众基本生活保障工作协调机制一事一议规则",
    )
    head = Membership.objects.filter(
        household=household, relation=Relation.HEAD, end_date__isnull=True
    ).first()
    if head is not None:
        referrals.open_aid(assistant, decided, head.person)
    return 1
