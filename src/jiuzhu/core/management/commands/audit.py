"""`jiuzhu audit verify`: walk the hash chains of the audit trail and the access log."""

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from jiuzhu.core.audit_chain import LOG_NAMES, LOGS, verify


class Command(BaseCommand):
    help = "核验操作记录与访问日志的哈希链：发现被改动或删除的记录。"

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("action", choices=["verify"], help="verify：核验哈希链")

    def handle(self, *args: Any, **options: Any) -> None:
        broken = False
        for log in LOGS:
            report = verify(log)
            if report.intact:
                self.stdout.write(f"{LOG_NAMES[log]}：{report.entries:,} 条，哈希链完整。")
            else:
                broken = True
                for problem in report.problems:
                    self.stderr.write(problem)
        if broken:
            raise CommandError("哈希链不完整：日志可能被篡改，请保全数据库并报告。")
