"""`jiuzhu backup [--to DIR]`: a consistent backup of the database and the data directory."""

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from jiuzhu.core.backup import backup
from jiuzhu.core.errors import DomainError


class Command(BaseCommand):
    help = "备份数据库与数据目录（含校验清单）；生产环境另见 README 中的 PostgreSQL 原生工具。"

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--to", default="backups", help="存放备份的目录（默认 ./backups）")

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            folder = backup(Path(options["to"]))
        except DomainError as error:
            raise CommandError(error.message) from error
        self.stdout.write(f"备份完成：{folder}")
