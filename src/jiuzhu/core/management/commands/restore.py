"""`jiuzhu restore DIR --yes`: restore a backup and prove it by comparing every table."""

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from jiuzhu.core.backup import restore
from jiuzhu.core.errors import DomainError


class Command(BaseCommand):
    help = "从备份目录恢复数据库与数据目录，并逐表核对校验值。会覆盖当前数据。"

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("folder", help="jiuzhu backup 生成的备份目录")
        parser.add_argument("--yes", action="store_true", help="确认覆盖当前数据库与数据目录")

    def handle(self, *args: Any, **options: Any) -> None:
        if not options["yes"]:
            raise CommandError("恢复会覆盖当前数据库与数据目录；确认请加 --yes。")
        try:
            report = restore(Path(options["folder"]))
        except DomainError as error:
            raise CommandError(error.message) from error
        if not report.ok:
            raise CommandError("恢复后校验不一致的表：" + "、".join(report.mismatched))
        self.stdout.write(f"恢复完成：{report.tables} 张表、{report.rows:,} 行，逐表校验一致。")
