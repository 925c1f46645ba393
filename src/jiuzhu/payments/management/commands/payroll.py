"""`jiuzhu payroll --month 2026-12 [--town CODE] [--user NAME]`: prepare payrolls with a bar."""

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from tqdm import tqdm

from jiuzhu.core.errors import DomainError
from jiuzhu.core.forms import refusal_message
from jiuzhu.core.money import plain_yuan
from jiuzhu.core.months import parse_month
from jiuzhu.core.selectors import command_user
from jiuzhu.payments.jobs import prepare_towns


class Command(BaseCommand):
    help = "生成月度发放名册（每个乡镇一份）；审批仍须另一名工作人员在页面上完成"

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--month", required=True, help="发放月份，如 2026-12")
        parser.add_argument("--town", default="", help="乡镇区划代码（9或12位）；省略为全部乡镇")
        parser.add_argument(
            "--user", default="", help="以哪位工作人员的名义生成（默认第一位县级管理员）"
        )

    def handle(self, *args: Any, **options: Any) -> None:
        """Prepare the month's payrolls town by town, printing each result and refusal."""
        actor = command_user(options["user"])
        if actor is None:
            raise CommandError("找不到生成名册的工作人员（--user）。")
        try:
            month = parse_month(options["month"])
            with tqdm(total=100, desc=f"名册 {month:%Y-%m}", unit="%") as bar:

                def report(percent: int) -> None:
                    bar.update(max(0, percent - bar.n))

                result = prepare_towns(actor, month, options["town"], report)
        except (DomainError, PermissionError) as error:
            raise CommandError(refusal_message(error)) from None
        for p in result["prepared"]:
            self.stdout.write(
                f"{p['town_name']}：{p['lines']} 笔，实发 {plain_yuan(p['total_fen'])} 元，"
                f"{p['seconds']} 秒"
            )
        for r in result["refused"]:
            self.stderr.write(f"{r['town']}：{r['error']}")
        if not result["prepared"] and result["refused"]:
            raise CommandError("没有生成任何名册。")
