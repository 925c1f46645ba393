"""The assistance staff (经办队伍) against what the policy requires, their trainings, and
the purchased-services contracts (政府购买服务) with the people each serves."""

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation

from django.db import transaction
from django.db.models import Count, F, Q, QuerySet

from jiuzhu.core.errors import DomainError
from jiuzhu.core.models import Region, RegionLevel, User
from jiuzhu.core.permissions import require, require_area
from jiuzhu.core.roles import Capability
from jiuzhu.core.selectors import in_area
from jiuzhu.core.services import record_audit
from jiuzhu.outreach.inputs import text
from jiuzhu.outreach.models import Post, RosterEntry, ServiceContract, Training, VisitTarget
from jiuzhu.outreach.parameters import Staffing

# Where each post sits: assistants in towns, coordinators in villages, social workers at
# every level (the county's station, each town's, each village's).
POST_LEVELS = {
    Post.ASSISTANT: (RegionLevel.TOWN,),
    Post.COORDINATOR: (RegionLevel.VILLAGE,),
    Post.SOCIAL_WORKER: (RegionLevel.COUNTY, RegionLevel.TOWN, RegionLevel.VILLAGE),
}


def add_staff(
    actor: User,
    name: str,
    post: str,
    region: Region,
    since: dt.date,
    contract: ServiceContract | None = None,
) -> RosterEntry:
    """Someone takes a post in a region of the actor's area (a purchased post names its
    contract)."""
    require(actor, Capability.MANAGE_ROSTER)
    require_area(actor, region.code)
    name = text(name, "姓名", "name", 40)
    if post not in Post.values:
        raise DomainError("请选择岗位。", field="post")
    if region.level not in POST_LEVELS[Post(post)]:
        raise DomainError(
            f"{Post(post).label}不设在{region.get_level_display()}一级。", field="region"
        )
    if contract is not None and not region.code.startswith(contract.region.prefix):
        raise DomainError("购买服务合同不覆盖该区划。", field="contract")
    with transaction.atomic():
        entry = RosterEntry.objects.create(
            name=name,
            post=post,
            region=region,
            region_code=region.code,
            contract=contract,
            since=since,
        )
        record_audit(actor, "add_staff", entry, {"post": post, "region": region.code})
    return entry


def end_staff(actor: User, entry: RosterEntry, until: dt.date) -> None:
    require(actor, Capability.MANAGE_ROSTER)
    require_area(actor, entry.region_code)
    if entry.until is not None:
        raise DomainError("该人员已离岗。")
    if until < entry.since:
        raise DomainError("离岗日期不能早于到岗日期。", field="until")
    with transaction.atomic():
        RosterEntry.objects.filter(pk=entry.pk).update(until=until)
        record_audit(actor, "end_staff", entry, {"until": str(until)})


def add_training(
    actor: User, entry: RosterEntry, held_on: dt.date, topic: str, hours: str
) -> Training:
    require(actor, Capability.MANAGE_ROSTER)
    require_area(actor, entry.region_code)
    topic = text(topic, "培训内容", "topic", 100)
    try:
        value = Decimal(hours.strip())
    except InvalidOperation:
        raise DomainError("学时应为数字，例如 4 或 2.5。", field="hours") from None
    if not Decimal("0.5") <= value <= Decimal(100):
        raise DomainError("学时应在0.5到100之间。", field="hours")
    with transaction.atomic():
        training = Training.objects.create(entry=entry, held_on=held_on, topic=topic, hours=value)
        record_audit(actor, "add_training", training, {"topic": topic, "hours": str(value)})
    return training


@dataclass
class ContractInput:
    number: str
    organisation: str
    region: Region
    starts_on: dt.date
    ends_on: dt.date
    amount_fen: int
    visits_contracted: int


def add_contract(actor: User, data: ContractInput) -> ServiceContract:
    """A purchased-services contract for a region of the actor's area."""
    require(actor, Capability.MANAGE_ROSTER)
    require_area(actor, data.region.code)
    number = text(data.number, "合同编号", "number", 40)
    organisation = text(data.organisation, "承接机构", "organisation", 100)
    if data.ends_on < data.starts_on:
        raise DomainError("终止日期不能早于起始日期。", field="ends_on")
    if data.amount_fen <= 0 or data.visits_contracted <= 0:
        raise DomainError("合同金额和约定服务人次应大于0。", field="amount")
    with transaction.atomic():
        if ServiceContract.objects.filter(number=number).exists():
            raise DomainError("合同编号已存在。", field="number")
        contract = ServiceContract.objects.create(
            number=number,
            organisation=organisation,
            region=data.region,
            region_code=data.region.code,
            starts_on=data.starts_on,
            ends_on=data.ends_on,
            amount_fen=data.amount_fen,
            visits_contracted=data.visits_contracted,
            created_by=actor,
        )
        record_audit(actor, "add_contract", contract, {"number": number})
    return contract


def serve_under(actor: User, target: VisitTarget, contract: ServiceContract) -> None:
    """A person on a visit plan is served by a contracted organisation from now."""
    require(actor, Capability.MANAGE_ROSTER)
    require_area(actor, target.village_code)
    if not target.village_code.startswith(contract.region.prefix):
        raise DomainError("购买服务合同不覆盖该村（社区）。", field="contract")
    with transaction.atomic():
        VisitTarget.objects.filter(pk=target.pk).update(contract=contract)
        record_audit(actor, "serve_under_contract", target, {"contract": contract.number})


# --- reads ---------------------------------------------------------------------------------


@dataclass
class Gap:
    region: Region
    post: str
    required: str  # "1-2" or "5"
    present: int
    missing: int
    minimum: int = 0


def gaps(user: User, today: dt.date) -> list[Gap]:
    """Each region of the user's area, post by post, against what the policy requires;
    missing > 0 marks a gap."""
    if not user.can(Capability.VIEW_HOUSEHOLDS):
        return []
    return gaps_of(
        Region.objects.filter(in_area(user, "code")),
        RosterEntry.objects.filter(in_area(user, "region_code"), until__isnull=True),
        today,
    )


def gaps_of(regions: QuerySet[Region], entries: QuerySet[RosterEntry], today: dt.date) -> list[Gap]:
    """`regions`, post by post, against what the policy requires, counting `entries`."""
    staffing = Staffing.on(today)
    present: dict[tuple[int, str], int] = {}
    for region_id, post in entries.values_list("region_id", "post"):
        present[(region_id, post)] = present.get((region_id, post), 0) + 1
    rows = []
    for region in regions.order_by("code"):
        for post, low, high in staffing.required(RegionLevel(region.level)):
            have = present.get((region.pk, post), 0)
            rows.append(
                Gap(
                    region,
                    Post(post).label,
                    f"{low}-{high}" if high != low else str(low),
                    have,
                    max(low - have, 0),
                    low,
                )
            )
    return rows


def roster_in_area(user: User) -> QuerySet[RosterEntry]:
    if not user.can(Capability.VIEW_HOUSEHOLDS):
        return RosterEntry.objects.none()
    return (
        RosterEntry.objects.filter(in_area(user, "region_code"), until__isnull=True)
        .select_related("region", "contract")
        .prefetch_related("trainings")
    )


def contracts_in_area(user: User) -> QuerySet[ServiceContract]:
    """The area's contracts with the people served and the visits delivered in the period."""
    if not user.can(Capability.VIEW_HOUSEHOLDS):
        return ServiceContract.objects.none()
    # A town also sees the county's contracts that cover it.
    covering = contracts_covering(user.region) if user.region else ServiceContract.objects.none()
    in_period = Q(
        served__visits__visited_on__gte=F("starts_on"),
        served__visits__visited_on__lte=F("ends_on"),
    )
    return (
        ServiceContract.objects.filter(
            Q(region_code__startswith=user.scope_prefix) | Q(pk__in=covering.values("pk"))
        )
        .select_related("region")
        .annotate(
            people=Count("served", distinct=True),
            delivered=Count("served__visits", filter=in_period, distinct=True),
        )
    )


def contracts_covering(region: Region) -> QuerySet[ServiceContract]:
    """The contracts whose area contains the region (its own, its town's, the county's)."""
    codes = []
    node: Region | None = region
    while node is not None:
        codes.append(node.code)
        node = node.parent
    return ServiceContract.objects.filter(region_code__in=codes)
