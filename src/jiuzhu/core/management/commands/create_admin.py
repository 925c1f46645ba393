"""`jiuzhu create_admin USERNAME --name NAME`: the first county administrator of a new
installation (the others are created on the 工作人员 page). Prints a first password once."""

import secrets
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from jiuzhu.core.models import Region, RegionLevel, User
from jiuzhu.core.roles import Role, two_factor_required


class Command(BaseCommand):
    help = "建立第一位县级管理员账户（其余账户在“工作人员”页面建立），初始密码只显示一次。"

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("username", help="用户名")
        parser.add_argument("--name", required=True, help="姓名")

    def handle(self, *args: Any, **options: Any) -> None:
        county = Region.objects.filter(level=RegionLevel.COUNTY).order_by("code").first()
        if county is None:
            raise CommandError("还没有行政区划，请先运行 jiuzhu import_regions。")
        if User.objects.filter(username__iexact=options["username"]).exists():
            raise CommandError("该用户名已被使用。")
        password = secrets.token_urlsafe(12)
        admin = User.objects.create_user(
            options["username"],
            password=password,
            first_name=options["name"],
            role=Role.COUNTY_ADMIN,
            region=county,
        )
        self.stdout.write(
            f"已建立{county.name}县级管理员 {options['username']}，初始密码：{password}"
        )
        self.stdout.write("初始密码只显示这一次；请登录后立即修改密码。")
        if two_factor_required(admin):
            self.stdout.write("县级管理员须使用两步验证：首次登录时用手机上的身份验证器扫码绑定。")
