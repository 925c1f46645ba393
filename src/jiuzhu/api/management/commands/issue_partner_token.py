"""`jiuzhu issue_partner_token OFFICER SCOPE… --admin NAME`: a county administrator grants a
department officer a token for shared data (printed once)."""

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from jiuzhu.core.errors import DomainError
from jiuzhu.core.forms import refusal_message
from jiuzhu.core.models import User
from jiuzhu.core.selectors import command_user
from jiuzhu.core.tokens import PARTNER_SCOPES, issue_partner_token


class Command(BaseCommand):
    help = "为部门数据专员签发共享数据令牌（令牌只显示这一次）"

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("officer", help="部门数据专员的用户名")
        parser.add_argument(
            "scopes", nargs="+", help="权限范围：" + "、".join(s.value for s in PARTNER_SCOPES)
        )
        parser.add_argument("--admin", default="", help="签发的县级管理员（默认第一位）")

    def handle(self, *args: Any, **options: Any) -> None:
        admin = command_user(options["admin"])
        officer = User.objects.filter(username=options["officer"]).first()
        if admin is None or officer is None:
            raise CommandError("找不到该管理员或部门数据专员。")
        try:
            token, clear = issue_partner_token(admin, officer, options["scopes"])
        except (DomainError, PermissionError) as error:
            raise CommandError(refusal_message(error)) from None
        self.stdout.write(f"{token.scope_labels}，{token.expires_at:%Y-%m-%d}到期：\n{clear}")
