"""`jiuzhu refresh_overview`: recompute the overview's figures (run nightly by cron)."""

from typing import Any

from django.core.management.base import BaseCommand
from tqdm import tqdm

from jiuzhu.dashboard import figures


class Command(BaseCommand):
    help = "重新计算统计概览（发放或回盘有变化的乡镇月份；--all 全部重算）"

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("--all", action="store_true", help="全部乡镇月份重新计算")

    def handle(self, *args: Any, **options: Any) -> None:
        todo = figures.all_town_months() if options["all"] else figures.stale_town_months()
        with tqdm(total=100, desc="统计概览", unit="%") as bar:

            def progress(percent: int) -> None:
                bar.update(percent - bar.n)

            done = figures.refresh(todo, progress, timeliness=True)
        self.stdout.write(
            f"已重新计算 {done['town_months']} 个乡镇月份的发放统计 {done['rows']:,} 行、"
            f"近13个月的办理时效统计 {done['case_rows']:,} 行。"
        )
