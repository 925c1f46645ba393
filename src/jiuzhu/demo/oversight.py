"""Supervision in the demo county: complaints at every stage, a declared relative, the
risk scan's alerts (some assigned, one concluded with its household's case sent back for
review), a published dishonesty record, a fault-tolerance review, progress on the task
plan and the year's evaluation tally — made through the oversight services
by the demo accounts (jiuzhu.demo.accounts), so that every page has something to show."""

import datetime as dt
import random
from dataclasses import dataclass

from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from jiuzhu.cases.models import ACTIVE_RECIPIENT_STATUSES, Recipient
from jiuzhu.core.models import Region, RegionLevel, User
from jiuzhu.core.roles import Role
from jiuzhu.core.workdays import add_working_days
from jiuzhu.oversight import complaints, integrity, risk, tally, tasks
from jiuzhu.oversight.models import Alert, Complaint, ComplaintCategory, DishonestyRecord
from jiuzhu.registry.models import Membership

# (channel, category, anonymous, what was reported, how far it gets)
STORIES = (
    ("website", "eligibility", True, "村里有户人家新买了轿车，还在领低保。", "replied"),
    (
        "hotline_12345",
        "not_paid",
        False,
        "我家的低保金这个月没有到账，打电话问村里说不清楚。",
        "replied",
    ),
    ("letter_visit", "staff_conduct", False, "村协理员给亲戚办低保，优亲厚友。", "concluded"),
    ("hotline_bureau", "privacy", False, "公示栏上把我家的身份证号全写出来了。", "assigned"),
    ("portal", "eligibility", True, "邻居在县城开了个门市，收入不低，还享受特困。", "assigned"),
    ("in_person", "other", False, "临时救助申请交了材料一个多月没有消息。", "received"),
    ("website", "not_paid", True, "特困供养金已经两个月没发了。", "received"),
)
SURNAMES = "王李张刘陈杨赵黄周吴"
# A 1×1 grey PNG: the evidence the first public complaint came with.
PHOTO = bytes.fromhex(
    "89504e470d0a1a0a0000000d4948445200000001000000010800000000"
    "3a7e9b550000000a49444154789c636800000082008177cd72b60000000049454e44ae426082"
)


@dataclass
class OversightDemo:
    complaints: int = 0
    replied: int = 0
    overdue: int = 0
    alerts: int = 0
    assigned_alerts: int = 0
    dishonesty: int = 0


def _one(role: Role, region: Region | None = None) -> User | None:
    users = User.objects.filter(role=role, is_active=True)
    if region is not None:
        users = users.filter(region=region)
    return users.order_by("pk").first()


def seed_demo(seed: int = 5) -> OversightDemo:
    """Fill the oversight pages of the demo county (run after the demo's staff and cases)."""
    rng = random.Random(seed)
    supervisor = _one(Role.COUNTY_SUPERVISOR)
    admin = _one(Role.COUNTY_ADMIN)
    towns = list(Region.objects.filter(level=RegionLevel.TOWN).order_by("code"))
    if supervisor is None or admin is None or not towns:
        return OversightDemo()
    done = OversightDemo()
    for number, (channel, category, anonymous, content, stage) in enumerate(STORIES):
        town = towns[number % len(towns)]
        name = "" if anonymous else rng.choice(SURNAMES) + "先生"
        phone = "" if anonymous else f"1380000{rng.randrange(10_000):04d}"
        if channel in ("website", "portal"):
            complaint = complaints.submit_public(
                town=town,
                category=category,
                content=content,
                anonymous=anonymous,
                channel=channel,
                name=name,
                phone=phone,
                files=[SimpleUploadedFile("现场照片.png", PHOTO)] if number == 0 else [],
            )
        else:
            complaint = complaints.record(
                admin,
                town=town,
                channel=channel,
                category=category,
                content=content,
                anonymous=anonymous,
                name=name,
                phone=phone,
            )
        done.complaints += 1
        handler = _one(Role.TOWN_APPROVER, town) or supervisor
        if stage != "received":
            complaints.assign(supervisor, complaint, handler)
            complaints.add_note(handler, complaint, "已电话联系相关村（社区），正在入户核实。")
        if stage in ("concluded", "replied"):
            founded = category != ComplaintCategory.STAFF_CONDUCT
            complaints.conclude(
                handler,
                complaint,
                "founded" if founded else "unfounded",
                "经核实，情况属实，已责令整改。" if founded else "经核实，反映的情况不属实。",
                ["correction"] if founded else [],
            )
        if stage == "replied":
            complaints.reply(
                handler, complaint, "您反映的问题已核实处理，感谢您对社会救助工作的监督。"
            )
            done.replied += 1
    # One complaint came in weeks ago and is still not handled: the overdue list shows it.
    late = Complaint.objects.filter(status="received").order_by("pk").first()
    if late is not None:
        received = timezone.now() - dt.timedelta(days=40)
        Complaint.objects.filter(pk=late.pk).update(
            received_at=received, due_on=add_working_days(timezone.localdate(received), 15)
        )
        done.overdue = 1
    _declare_a_relative(towns[0])
    risk.scan(supervisor)
    alerts = list(Alert.objects.order_by("pk")[:6])
    done.alerts = Alert.objects.count()
    for alert in alerts[:3]:
        alert_town = Region.objects.filter(code=alert.town_code).first()
        handler = (_one(Role.TOWN_APPROVER, alert_town) if alert_town else None) or supervisor
        if risk.may_handle_alert(handler, alert):
            risk.assign_alert(supervisor, alert, handler)
            done.assigned_alerts += 1
    _correct_an_alert(supervisor)
    done.dishonesty = _dishonesty(supervisor, towns[0])
    _fault_and_tasks(supervisor, admin, towns[0])
    tally.tally_year(admin, timezone.localdate().year)
    return done


def _correct_an_alert(supervisor: User) -> None:
    """The county supervisor (who decides no case) takes an alert on a household in force
    and concludes it with a correction: the household's case goes back for review."""
    alert = (
        Alert.objects.filter(
            status__in=("open", "assigned"),
            household__recipients__status__in=ACTIVE_RECIPIENT_STATUSES,
        )
        .exclude(staff_involved=supervisor)
        .order_by("pk")
        .first()
    )
    if alert is not None:
        risk.assign_alert(supervisor, alert, supervisor)
        risk.conclude_alert(supervisor, alert, "correction", "已入户核实，按规定调整。")


def _dishonesty(supervisor: User, town: Region) -> int:
    """A concealed car: recorded by the town's approver, listed by the county supervisor,
    published once the objection period is over."""
    approver = _one(Role.TOWN_APPROVER, town)
    membership = (
        Membership.objects.filter(
            end_date__isnull=True, household__registered_code__startswith=town.prefix
        )
        .select_related("person", "household")
        .order_by("-pk")
        .first()
    )
    if approver is None or membership is None:
        return 0
    entry = integrity.record_dishonesty(
        approver,
        membership.person,
        membership.household,
        "申请低保时隐瞒名下小型轿车一辆，骗取低保金。",
        432_000,
    )
    integrity.decide(supervisor, entry, True, "隐瞒车辆，骗取低保金，情节严重。")
    # The person was told a month ago and did not object: the period is over today.
    today = timezone.localdate()
    DishonestyRecord.objects.filter(pk=entry.pk).update(
        notice_on=today - dt.timedelta(days=30), objection_until=today - dt.timedelta(days=20)
    )
    entry.refresh_from_db()
    integrity.publish(supervisor, entry)
    return 1


def _fault_and_tasks(supervisor: User, admin: User, town: Region) -> None:
    assistant = _one(Role.TOWN_ASSISTANT, town)
    if assistant is not None:
        integrity.review_fault(
            supervisor,
            assistant,
            "核算家庭收入时漏减了一项赡养费支出，导致救助金额少算。",
            list(integrity.TOLERANCE_CONDITIONS),
            "出于公心、无私利，已主动补发，予以容错。",
            timezone.localdate() - dt.timedelta(days=20),
        )
    for number, percent, text in (
        (1, 100, "已接入省级社会救助平台，数据每日同步。"),
        (4, 100, "审核确认时限压缩为15个工作日，先行救助24小时内办理。"),
        (6, 90, "已与人社、住建、医保等部门建立核对数据交换。"),
        (11, 60, "投诉举报、风险预警已上线，绩效评价按年度开展。"),
    ):
        tasks.report(admin, number, percent, text)


def _declare_a_relative(town: Region) -> None:
    """The town assistant's mother receives dibao in the town: declared, and flagged."""
    assistant = _one(Role.TOWN_ASSISTANT, town)
    recipient = (
        Recipient.objects.filter(
            status__in=ACTIVE_RECIPIENT_STATUSES, region_code__startswith=town.prefix
        )
        .order_by("pk")
        .first()
    )
    if assistant is None or recipient is None:
        return
    head = (
        Membership.objects.filter(household_id=recipient.household_id, end_date__isnull=True)
        .select_related("person")
        .order_by("pk")
        .first()
    )
    if head is not None:
        risk.declare_relative(assistant, head.person, "父母")
