"""`jiuzhu demo_extracts`: department extracts consistent with the registry, with planted
discrepancies (a car, a second flat, a company, a dead recipient, a public-payroll member)."""

import csv
import datetime as dt
import random
import tempfile
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils import timezone

from jiuzhu.core.errors import DomainError
from jiuzhu.core.models import User
from jiuzhu.registry.models import Household, Membership
from jiuzhu.verification import services
from jiuzhu.verification.sources import SOURCES

PLANTED = ("vehicles", "real_estate", "business", "deaths", "public_payroll")


def build(seed: int = 1) -> dict[str, list[dict[str, str]]]:
    """Rows per source for the current registry; five households get one planted finding."""
    rng = random.Random(seed)
    members = list(
        Membership.objects.filter(end_date__isnull=True, co_resident=True)
        .select_related("person")
        .order_by("household_id", "person_id")
    )
    if len(members) < len(PLANTED):
        raise DomainError("档案中的家庭太少，请先生成演示县。")
    rows: dict[str, list[dict[str, str]]] = {code: [] for code in SOURCES}
    for m in members:
        p = m.person
        ident = {"id_number": p.id_number, "name": p.name, "birth_date": p.birth_date.isoformat()}
        rows["hukou"].append({**ident, "status": "正常"})
        rows["medical_insurance"].append({**ident, "insurance_type": "居民医保"})
        if rng.random() < 0.3:
            rows["bank_deposits"].append(
                {**ident, "institution": "平阴农商银行", "balance": f"{rng.randint(0, 8000)}.00"}
            )
    planted = rng.sample(sorted({m.household_id for m in members}), len(PLANTED))
    heads = {m.household_id: m.person for m in members if m.relation == "head"}
    for code, household_id in zip(PLANTED, planted, strict=True):
        p = heads.get(household_id) or next(
            m.person for m in members if m.household_id == household_id
        )
        ident = {"id_number": p.id_number, "name": p.name, "birth_date": p.birth_date.isoformat()}
        extra = {
            "vehicles": {"plate": "鲁A8X888", "vehicle_type": "汽车", "value": "120000"},
            "real_estate": {
                "certificate_no": "鲁(2023)平阴县不动产权第0012345号",
                "address": "济南市槐荫区某小区",
            },
            "business": {
                "company_name": "平阴县某某商贸有限公司",
                "role": "法定代表人",
                "registered_capital": "500000",
            },
            "deaths": {"death_date": "2024-01-15", "cremated_on": "2024-01-17"},
            "public_payroll": {"employer": "平阴县某事业单位", "monthly_salary": "4800"},
        }[code]
        rows[code].append({**ident, **extra})
        if code == "real_estate":  # a second flat: the home they declared plus this one
            rows[code].append(
                {
                    **ident,
                    "certificate_no": "鲁(2015)平阴县不动产权第0000001号",
                    "address": "平阴县榆山街道",
                }
            )
    rows["poverty"] = poverty_list(members, random.Random(seed + 1))
    return rows


def poverty_list(members: list[Membership], rng: random.Random) -> list[dict[str, str]]:
    """The poverty bureau's list: the heads of the registered-poor households, and a few
    other households under monitoring (防止返贫监测对象)."""
    poor = set(Household.objects.filter(registered_poor=True).values_list("pk", flat=True))
    listed = []
    for m in members:
        if m.relation != "head":
            continue
        p = m.person
        ident = {"id_number": p.id_number, "name": p.name, "birth_date": p.birth_date.isoformat()}
        if m.household_id in poor:
            since = f"{rng.choice((2014, 2015, 2016))}-{rng.randint(1, 12):02d}-01"
            listed.append({**ident, "category": "建档立卡脱贫户", "since": since})
        elif rng.random() < 0.03:
            listed.append(
                {
                    **ident,
                    "category": "防止返贫监测对象",
                    "since": f"2025-{rng.randint(1, 12):02d}-01",
                    "monitoring_type": rng.choice(("边缘易致贫户", "突发严重困难户")),
                }
            )
    return listed


class Command(BaseCommand):
    help = "生成与演示县一致的部门核对数据并导入（含预设的疑点）。"

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--user", help="导入人用户名（默认：第一个县级管理员）")
        parser.add_argument("--out", help="只写出CSV到该目录，不导入")
        parser.add_argument("--seed", type=int, default=1)

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            rows = build(options["seed"])
        except DomainError as error:
            raise CommandError(error.message) from None
        out = Path(options["out"] or tempfile.mkdtemp(prefix="demo-extracts-"))
        out.mkdir(parents=True, exist_ok=True)
        user = (
            User.objects.filter(username=options["user"]).first()
            if options["user"]
            else User.objects.filter(role="county_admin").order_by("pk").first()
        )
        today = timezone.localdate()
        for code, source_rows in rows.items():
            if not source_rows:
                continue
            path = out / f"{code}-{today:%Y%m%d}.csv"
            columns = [c.name for c in SOURCES[code].all_columns]
            with open(path, "w", encoding="utf-8", newline="") as handle:
                writer = csv.DictWriter(handle, fieldnames=columns)
                writer.writeheader()
                writer.writerows(source_rows)
            if options["out"]:
                continue
            if user is None:
                raise CommandError("找不到导入人，请用 --user 指定。")
            try:
                outcome = services.import_extract(
                    user,
                    code,
                    today - dt.timedelta(days=1),
                    path,
                    path.name,
                    on_errors=services.OnErrors.KEEP_VALID,
                )
            except DomainError as error:
                self.stdout.write(f"{code}: {error.message}")
                continue
            self.stdout.write(f"{code}: {outcome.message}")
        self.stdout.write(f"CSV 文件：{out}")
