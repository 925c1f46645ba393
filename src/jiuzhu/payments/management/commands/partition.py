"""`jiuzhu partition convert|maintain|prune`: monthly partitions of the payroll lines and the
access log on PostgreSQL (payments/partitions.py, core/partitions.py, docs/deploy.md §8).

convert: rebuild both tables partitioned by month (once, in a maintenance window, after a
backup); maintain: open the new month's partitions (the supervisor does it too); prune:
archive and drop the months past their retention (monthly from cron, after the backup)."""

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from jiuzhu.core import partitions as core
from jiuzhu.core.errors import DomainError
from jiuzhu.core.selectors import command_user
from jiuzhu.payments import partitions


class Command(BaseCommand):
    help = (
        "发放明细与访问日志按月分区（PostgreSQL）：convert 转换，maintain 建新月分区，"
        "prune 归档并删除过期分区。"
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "action",
            choices=["convert", "maintain", "prune"],
            help="convert：改为按月分区；maintain：建本月及以后的分区；prune：归档并删除过期分区",
        )
        parser.add_argument("--ahead", type=int, default=3, help="访问日志预建的月数（默认 3）")
        parser.add_argument("--user", default="", help="执行人的用户名（默认第一位县级管理员）")

    def handle(self, *args: Any, **options: Any) -> None:
        if not core.supported():
            raise CommandError("按月分区只适用于 PostgreSQL 数据库。")
        if options["ahead"] < 1:
            raise CommandError("--ahead 应为正整数。")
        action = options["action"]
        try:
            if action == "convert":
                said = partitions.convert_payroll_lines()
                said += core.convert_access_log(options["ahead"])
                said += partitions.maintain(options["ahead"])
            elif action == "maintain":
                said = partitions.maintain(options["ahead"])
            else:
                said = self._prune(options["user"])
        except (DomainError, PermissionError) as error:
            raise CommandError(getattr(error, "message", str(error))) from error
        for line in said or ["无需处理。"]:
            self.stdout.write(line)

    def _prune(self, username: str) -> list[str]:
        actor = command_user(username)
        if actor is None:
            raise CommandError("找不到执行人，请用 --user 指定县级管理员。")
        if not (
            core.is_partitioned(core.ACCESS_LOG) and core.is_partitioned(partitions.PAYROLL_LINES)
        ):
            raise CommandError("尚未分区：请先运行 jiuzhu partition convert。")
        return core.prune_access_log(actor) + partitions.prune_payroll_lines(actor)
