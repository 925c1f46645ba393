"""`jiuzhu demo_code USERNAME`: the current two-factor code of a demo account, for trying the
demo without an authenticator app. Development only: it refuses unless DEBUG is on and the
account carries the demo's (public) authenticator key."""

from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser

from jiuzhu.core.errors import DomainError
from jiuzhu.core.two_factor import current_code
from jiuzhu.demo.accounts import demo_authenticator


class Command(BaseCommand):
    help = "显示演示账号当前的两步验证码（仅开发环境）。"

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("username", help="演示账号的用户名，如 county_admin")

    def handle(self, *args: Any, **options: Any) -> None:
        if not settings.DEBUG:
            raise CommandError("只能在开发环境（JIUZHU_DEBUG=1）中查看演示验证码。")
        device = demo_authenticator(options["username"])
        if device is None:
            raise CommandError("该用户不是绑定了演示身份验证器的演示账号。")
        try:
            self.stdout.write(current_code(device))
        except DomainError as error:
            raise CommandError(error.message) from error
