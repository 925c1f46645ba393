"""`jiuzhu calc household.json`: the same calculation as POST /api/policy/calculate."""

import json
import sys
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from jiuzhu.core.errors import DomainError
from jiuzhu.policy.calculator import calculate
from jiuzhu.policy.serializers import CalculateSerializer


class Command(BaseCommand):
    help = "测算一户家庭的救助资格与金额（JSON 输入，JSON 输出；- 表示标准输入）"

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("file", help="家庭 JSON 文件，格式同 POST /api/policy/calculate")
        parser.add_argument("--text", action="store_true", help="输出中文说明而不是 JSON")

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            if options["file"] == "-":
                data = json.load(sys.stdin)
            else:
                with open(options["file"], encoding="utf-8") as fh:
                    data = json.load(fh)
        except (OSError, ValueError) as exc:
            raise CommandError(f"无法读取家庭 JSON：{exc}") from None
        serializer = CalculateSerializer(data=data)
        if not serializer.is_valid():
            raise CommandError(f"输入有误：{json.dumps(serializer.errors, ensure_ascii=False)}")
        try:
            result = calculate(
                serializer.to_household(), serializer.validated_data.get("programmes")
            )
        except DomainError as exc:
            raise CommandError(exc.message) from None
        if options["text"]:
            for r in result.results:
                self.stdout.write(f"{r.label}：{r.summary}")
            for section in result.explanation:
                self.stdout.write(f"\n【{section.title}】")
                for line in section.lines:
                    self.stdout.write(f"  {line}")
        else:
            self.stdout.write(json.dumps(result.as_dict(), ensure_ascii=False, indent=2))
