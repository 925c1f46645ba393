"""`jiuzhu export_exchange --month 2026-12 [--out DIR] [--user NAME]`: the month's
recipients and payments for the provincial platform (docs/exchange.md)."""

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from jiuzhu.api.exchange import export_month
from jiuzhu.core.errors import DomainError
from jiuzhu.core.forms import refusal_message
from jiuzhu.core.months import parse_month
from jiuzhu.core.selectors import command_user


class Command(BaseCommand):
    help = "导出某月救助对象和发放明细的交换文件（CSV 及清单，仅本人可读）"

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--month", required=True, help="月份，如 2026-12")
        parser.add_argument("--out", default="", help="新建的输出目录（默认数据目录下 exchange/）")
        parser.add_argument("--user", default="", help="以哪位县级工作人员的名义导出")

    def handle(self, *args: Any, **options: Any) -> None:
        actor = command_user(options["user"])
        if actor is None:
            raise CommandError("找不到导出的工作人员（--user）。")
        try:
            month = parse_month(options["month"])
            target = export_month(actor, month, Path(options["out"]) if options["out"] else None)
        except (DomainError, PermissionError) as error:
            raise CommandError(refusal_message(error)) from None
        self.stdout.write(f"已导出到 {target}")
