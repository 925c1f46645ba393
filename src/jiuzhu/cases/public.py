"""What the public may see: the 7-day notice of decisions and the standing notice of
current dibao recipients (长期公示). Only what the rules allow: masked name, household
size, amount, village — never ID, phone, address detail, illness or disability."""

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal
from io import BytesIO
from pathlib import Path

from django.core.cache import cache
from django.core.paginator import Page, Paginator
from django.db.models import Count, IntegerField, OuterRef, Q, QuerySet, Subquery
from django.db.models.functions import Coalesce
from django.utils import timezone
from fpdf import FPDF

from jiuzhu.cases.models import PAID_RECIPIENT_STATUSES, Case, Recipient, Status
from jiuzhu.core.models import Region, RegionLevel
from jiuzhu.core.money import format_yuan
from jiuzhu.core.programmes import Programme
from jiuzhu.registry.models import Membership

FONT = Path(__file__).resolve().parent / "fonts" / "wqy-microhei.ttf"


# How long a visitor's board may be kept. A change to a case or recipient saved in this
# process clears it at once; other server processes see it within this time.
BOARD_SECONDS = 30
_BOARD_VERSION = "notice-board-version"


def board_key(*request_values: str) -> str:
    """The cache key of a visitor's board: its area and page as asked (each cut short, so
    no request makes a long key), under the boards' current version."""
    version = cache.get_or_set(_BOARD_VERSION, 0)
    return f"notice-board:{version}:" + ":".join(value[:24] for value in request_values)


def board_changed(**_signal: object) -> None:
    """Receiver of the saves that change a board: the boards kept until now are dropped."""
    try:
        cache.incr(_BOARD_VERSION)
    except ValueError:  # no boards kept yet
        cache.set(_BOARD_VERSION, 1)


def mask_name(name: str) -> str:
    """张三 → 张*, 张小明 → 张*明, 欧阳小明 → 欧**明."""
    if len(name) <= 1:
        return name
    if len(name) == 2:
        return name[0] + "*"
    return name[0] + "*" * (len(name) - 2) + name[-1]


@dataclass
class NoticeRow:
    name: str
    members: int
    amount: Decimal
    village: str
    town: str
    programme: str
    period: str


def _in_area(field: str, region: Region | None) -> Q:
    """Rows whose `field` code lies in the region; no condition at all for the whole county
    (a LIKE '%' on every row cost the board's counts a scan instead of an index)."""
    return Q(**{f"{field}__startswith": region.prefix}) if region is not None else Q()


# What a notice row shows of a person, a household and its village: a name and two region
# names. The rest (sealed ID numbers and phones above all) is never loaded, let alone decrypted.
_PLACE = (
    "household__registered_region__name",
    "household__registered_region__parent__name",
)


def _members_now() -> Coalesce:
    """The household's current members, counted in the same query as its row."""
    current = (
        Membership.objects.filter(household=OuterRef("household_id"), end_date__isnull=True)
        .order_by()
        .values("household_id")
        .annotate(n=Count("pk"))
        .values("n")
    )
    return Coalesce(Subquery(current, output_field=IntegerField()), 0)


def public_region(code: str | None, level: str) -> Region | None:
    if not code or not code.isdigit():
        return None
    return Region.objects.filter(code=code, level=level).select_related("parent").first()


def notices(region: Region | None, today: dt.date | None = None) -> QuerySet[Case]:
    """Decisions under their 7-day notice now, in the order they are shown."""
    today = today or timezone.localdate()
    return (
        Case.objects.filter(
            _in_area("responsible_code", region),
            status=Status.NOTICE,
            notice_starts_on__lte=today,
            notice_ends_on__gte=today,
        )
        .select_related("applicant", "beneficiary", "household__registered_region__parent")
        .only(
            "programme",
            "monthly_amount",
            "notice_starts_on",
            "notice_ends_on",
            "applicant__name",
            "beneficiary__name",
            *_PLACE,
        )
        .annotate(members_now=_members_now())
        .order_by("responsible_code", "number")
    )


def notices_in_period(region: Region | None, today: dt.date | None = None) -> list[NoticeRow]:
    """Every decision under its 7-day notice now (the screen and the printed notice)."""
    return notice_rows(notices(region, today))


def notices_page(
    region: Region | None, number: str | int | None, per_page: int = 50
) -> tuple[Page[int], list[NoticeRow]]:
    """One page of the decisions under notice, chosen on the cases' keys as `standing_page`
    chooses its page: a county's board lists a thousand decisions in a week."""
    cases = notices(region)
    page = Paginator(cases.values_list("pk", flat=True), per_page).get_page(number)
    return page, notice_rows(cases.filter(pk__in=list(page)))


def notice_rows(cases: QuerySet[Case]) -> list[NoticeRow]:
    """The notice's rows, names masked as the rules require."""
    rows = []
    for case in cases:
        person = case.beneficiary or case.applicant
        village = case.household.registered_region
        rows.append(
            NoticeRow(
                name=mask_name(person.name),
                members=1 if case.beneficiary else case.members_now,  # type: ignore[attr-defined]
                amount=case.monthly_amount or Decimal("0"),
                village=village.name,
                town=village.parent.name if village.parent else "",
                programme=Programme(case.programme).label,
                period=f"{case.notice_starts_on:%m月%d日}—{case.notice_ends_on:%m月%d日}",
            )
        )
    return rows


def standing_notice(region: Region | None, programme: str = Programme.DIBAO) -> QuerySet[Recipient]:
    """Recipients of a programme in force in an area, for the standing public notice (长期公示)."""
    return (
        Recipient.objects.filter(
            _in_area("region_code", region),
            programme=programme,
            status__in=PAID_RECIPIENT_STATUSES,
        )
        .select_related("case__applicant", "person", "household__registered_region__parent")
        .only(
            "programme",
            "monthly_amount",
            "members_covered",
            "start_month",
            "case__applicant__name",
            "person__name",
            *_PLACE,
        )
        .order_by("region_code", "pk")
    )


def standing_page(
    region: Region | None, number: str | int | None, per_page: int = 50
) -> tuple[Page[int], list[NoticeRow]]:
    """One page of the standing notice. The page is chosen on the recipients' keys alone
    (off an index, nothing joined for the rows skipped), then only its rows are read whole."""
    notice = standing_notice(region)
    page = Paginator(notice.values_list("pk", flat=True), per_page).get_page(number)
    return page, standing_rows(notice.filter(pk__in=list(page)))


def standing_rows(recipients: QuerySet[Recipient] | list[Recipient]) -> list[NoticeRow]:
    """The standing notice's rows, names masked as the rules require."""
    rows = []
    for r in recipients:
        person = r.person or r.case.applicant
        village = r.household.registered_region
        rows.append(
            NoticeRow(
                name=mask_name(person.name),
                members=r.members_covered,
                amount=r.monthly_amount,
                village=village.name,
                town=village.parent.name if village.parent else "",
                programme=Programme(r.programme).label,
                period=f"{r.start_month:%Y年%m月}起",
            )
        )
    return rows


def notice_pdf(region: Region | None, title_area: str, today: dt.date | None = None) -> bytes:
    """An A4 notice for the village board; the font is embedded (subset), so it prints the
    same on a machine with no Chinese fonts."""
    today = today or timezone.localdate()
    pdf = FPDF(orientation="P", unit="mm", format="A4")
    pdf.set_auto_page_break(auto=True, margin=15)
    pdf.add_font("notice", fname=str(FONT))
    pdf.set_title(f"{title_area}最低生活保障对象公示")
    pdf.add_page()
    pdf.set_font("notice", size=18)
    pdf.cell(0, 12, f"{title_area}最低生活保障对象公示", align="C", new_x="LMARGIN", new_y="NEXT")
    pdf.set_font("notice", size=10)
    pdf.multi_cell(
        0,
        6,
        "根据《社会救助暂行办法》和《最低生活保障审核确认办法》，现将最低生活保障对象予以公示。"
        "如有异议，请向所在镇（街道）或县民政局反映。",
        new_x="LMARGIN",
        new_y="NEXT",
    )
    sections = [
        ("一、本期审核确认公示（公示期7天）", notices_in_period(region, today)),
        ("二、现有最低生活保障对象（长期公示）", standing_rows(standing_notice(region))),
    ]
    widths = (30, 45, 25, 30, 50)
    for heading, rows in sections:
        pdf.ln(3)
        pdf.set_font("notice", size=12)
        pdf.cell(0, 8, heading, new_x="LMARGIN", new_y="NEXT")
        pdf.set_font("notice", size=10)
        for text, width in zip(
            ("姓名", "村（社区）", "保障人数", "月保障金", "期间"), widths, strict=True
        ):
            pdf.cell(width, 7, text, border=1, align="C")
        pdf.ln()
        for row in rows:
            values = (
                row.name,
                row.village,
                str(row.members),
                f"{format_yuan(row.amount, fen=False)}元",
                row.period,
            )
            for text, width in zip(values, widths, strict=True):
                pdf.cell(width, 7, text, border=1, align="C")
            pdf.ln()
        if not rows:
            pdf.cell(sum(widths), 7, "（无）", border=1, align="C", new_x="LMARGIN", new_y="NEXT")
    pdf.ln(4)
    pdf.cell(0, 7, f"公示日期：{today:%Y年%m月%d日}", align="R", new_x="LMARGIN", new_y="NEXT")
    buffer = BytesIO()
    pdf.output(buffer)
    return buffer.getvalue()


def towns() -> QuerySet[Region]:
    return Region.objects.filter(level=RegionLevel.TOWN).order_by("code")


def villages_of(town: Region | None) -> QuerySet[Region]:
    if town is None:
        return Region.objects.none()
    return Region.objects.filter(level=RegionLevel.VILLAGE, parent=town).order_by("code")
