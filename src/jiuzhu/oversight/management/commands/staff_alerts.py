"""`jiuzhu staff_alerts [--digest]`: the periodic staff alerts (cron: every 15 minutes; with
--digest once a morning); oversight/staff_alerts/delivery.py."""

from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from jiuzhu.oversight.staff_alerts.delivery import produce, send_digests


class Command(BaseCommand):
    help = "生成工作人员的工作提醒并按各人设置发送短信（--digest 同时发送每日汇总短信）"

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--digest", action="store_true", help="同时发送每日汇总短信")

    def handle(self, *args: Any, **options: Any) -> None:
        done = produce()
        line = f"新增提醒 {done['alerts']} 条，即时短信 {done['sms']} 条"
        if options["digest"]:
            line += f"，汇总短信 {send_digests()} 条"
        self.stdout.write(line + "。")
