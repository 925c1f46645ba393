"""`jiuzhu load_parameters`: add the shipped parameter values the database lacks."""

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from jiuzhu.policy.models import Parameter
from jiuzhu.policy.parameter_files import group_names, load_parameters


class Command(BaseCommand):
    help = "从 policy/data/ 的参数文件载入政策参数（只补充缺少的日期取值，可重复执行）"

    def add_arguments(self, parser: CommandParser) -> None:
        names = "、".join(group_names())
        parser.add_argument("groups", nargs="*", help=f"参数文件名（不含扩展名），默认：{names}")

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            added = load_parameters(Parameter, options["groups"] or None)
        except ValueError as exc:
            raise CommandError(f"参数文件有误：{exc}") from None
        self.stdout.write(f"新增参数取值 {added} 条；已有的取值保持不变。")
