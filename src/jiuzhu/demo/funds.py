"""The demo's working funds (工作经费): each town's budget lines by kind for the year and a
few spending entries with their vouchers, deterministic from the seed."""

import datetime as dt
import random

from django.core.files.uploadedfile import SimpleUploadedFile

from jiuzhu.core.models import Region, RegionLevel, User
from jiuzhu.core.roles import Role
from jiuzhu.funds.models import WorkingFundKind
from jiuzhu.funds.working import record_spending, set_working_budget

# Yuan a year per town, before the seed's spread.
BUDGET_YUAN = {
    WorkingFundKind.STAFF: 60_000,
    WorkingFundKind.SERVICES: 40_000,
    WorkingFundKind.TRAINING: 8_000,
    WorkingFundKind.PLATFORM: 12_000,
}
PURPOSES = {
    WorkingFundKind.STAFF: "助理员、协理员工作补贴",
    WorkingFundKind.SERVICES: "购买社会工作服务（探访帮扶）",
    WorkingFundKind.TRAINING: "社会救助业务培训（教材、场地）",
    WorkingFundKind.PLATFORM: "救助平台终端与网络运维",
}
# A one-page PDF: the voucher's scan as the demo keeps it.
VOUCHER = (
    b"%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj\n"
    b"2 0 obj<</Type/Pages/Kids[3 0 R]/Count 1>>endobj\n"
    b"3 0 obj<</Type/Page/Parent 2 0 R/MediaBox[0 0 595 842]>>endobj\n"
    b"trailer<</Root 1 0 R>>\n%%EOF\n"
)


def seed_working_funds(seed: int, today: dt.date) -> int:
    """Budget lines and spending of every town for `today`'s year; returns the entries."""
    rng = random.Random(seed)
    admin = User.objects.filter(role=Role.COUNTY_ADMIN, is_active=True).order_by("pk").first()
    if admin is None:
        return 0
    year_start = dt.date(today.year, 1, 1)
    entries = 0
    for town in Region.objects.filter(level=RegionLevel.TOWN).order_by("code"):
        spender = (
            User.objects.filter(role=Role.TOWN_ASSISTANT, region=town, is_active=True)
            .order_by("pk")
            .first()
            or admin
        )
        for kind, yuan in BUDGET_YUAN.items():
            budget = yuan * rng.randint(80, 120)  # fen: yuan × 100 × (0.8 … 1.2)
            set_working_budget(admin, today.year, town, kind, budget, "演示数据：年度工作经费")
            for month_back in range(rng.randint(1, 3)):
                spent_on = max(year_start, today - dt.timedelta(days=30 * month_back + 5))
                record_spending(
                    spender,
                    town,
                    kind,
                    spent_on,
                    budget * rng.randint(5, 20) // 100,
                    PURPOSES[kind],
                    SimpleUploadedFile("凭证.pdf", VOUCHER, content_type="application/pdf"),
                    voucher_no=f"记-{today.year}-{entries + 1:04d}",
                )
                entries += 1
    return entries
