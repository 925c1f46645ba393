"""`jiuzhu import_provincial_list FILE [--user NAME]`: the province's list of recipients,
checked against this county's recipients for persons receiving in two counties."""

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from jiuzhu.api.exchange import import_provincial_list
from jiuzhu.core.errors import DomainError
from jiuzhu.core.forms import refusal_message
from jiuzhu.core.selectors import command_user


class Command(BaseCommand):
    help = "导入省级救助对象名单，查找在本县和外县同时享受救助的人员"

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("file", help="省级名单 CSV（UTF-8），格式见 docs/exchange.md")
        parser.add_argument("--user", default="", help="以哪位县级工作人员的名义导入")

    def handle(self, *args: Any, **options: Any) -> None:
        actor = command_user(options["user"])
        if actor is None:
            raise CommandError("找不到导入的工作人员（--user）。")
        path = Path(options["file"])
        try:
            content = path.read_bytes()
        except OSError:
            raise CommandError(f"无法读取文件 {path}。") from None
        try:
            listing = import_provincial_list(actor, path.name, content)
        except (DomainError, PermissionError) as error:
            raise CommandError(refusal_message(error)) from None
        self.stdout.write(
            f"名单 {listing.rows} 人，其中外县 {listing.rows_elsewhere} 人；"
            f"在本县同时享受救助的 {listing.matches} 人次。"
        )
