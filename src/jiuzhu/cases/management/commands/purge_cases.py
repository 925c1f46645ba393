"""`jiuzhu purge_cases [--apply]`: anonymise closed applications past their retention, then
the households and persons whose every application is (cases/retention.py)."""

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from jiuzhu.cases.retention import purge, purge_registry, retention_cutoff
from jiuzhu.core.selectors import command_user


class Command(BaseCommand):
    help = "对超过保存期限的已办结申请及其家庭、人员匿名化（默认只报告，不修改；加 --apply 执行）。"

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--apply", action="store_true", help="执行匿名化（默认只报告）")
        parser.add_argument("--years", type=int, default=None, help="保存年限（默认按配置）")
        parser.add_argument("--user", default="", help="执行人的用户名（默认第一位县级管理员）")

    def handle(self, *args: Any, **options: Any) -> None:
        actor = command_user(options["user"])
        if actor is None:
            raise CommandError("找不到执行人，请用 --user 指定县级管理员。")
        if options["years"] is not None and options["years"] < 1:
            raise CommandError("保存年限至少为 1 年。")
        before = retention_cutoff(years=options["years"])
        try:
            report = purge(actor, before, not options["apply"])
            registry = purge_registry(actor, before, not options["apply"])
        except PermissionError as error:
            raise CommandError(str(error)) from error
        verb = "将匿名化" if report.dry_run else "已匿名化"
        self.stdout.write(
            f"{verb} {report.before:%Y-%m-%d} 之前办结的申请 {report.cases:,} 件，"
            f"删除材料 {report.documents:,} 份（{report.document_bytes / 1048576:.1f} MB）。"
        )
        self.stdout.write(
            f"{verb}申请均已办结且不在保的家庭 {registry.households:,} 户、"
            f"人员 {registry.persons:,} 人，删除收入 {registry.incomes:,} 条、"
            f"财产 {registry.assets:,} 条。"
        )
        if report.dry_run:
            self.stdout.write("这是预演：没有修改任何数据。确认后加 --apply 执行。")
