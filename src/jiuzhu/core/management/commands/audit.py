"""`jiuzhu audit verify [--archives]`: walk the hash chains of the audit trail and the access
log (and check their archives); `jiuzhu audit prune [--dry-run]`: archive and remove the
entries past their retention (core/audit_chain.py)."""

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from jiuzhu.core.audit_chain import LOG_NAMES, LOGS, prune, verify, verify_archives
from jiuzhu.core.errors import DomainError
from jiuzhu.core.selectors import command_user


class Command(BaseCommand):
    help = "核验操作记录与访问日志的哈希链（verify）；把超过保存期限的记录封存归档（prune）。"

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "action", choices=["verify", "prune"], help="verify：核验哈希链；prune：归档过期记录"
        )
        parser.add_argument("--archives", action="store_true", help="同时核验归档文件")
        parser.add_argument("--dry-run", action="store_true", help="只报告将归档的记录，不写入")
        parser.add_argument("--user", default="", help="执行人的用户名（默认第一位县级管理员）")

    def handle(self, *args: Any, **options: Any) -> None:
        if options["action"] == "prune":
            self._prune(options["user"], options["dry_run"])
        else:
            self._verify(options["archives"])

    def _verify(self, archives: bool) -> None:
        broken = False
        for log in LOGS:
            report = verify(log)
            problems = report.problems + (verify_archives(log) if archives else [])
            if problems:
                broken = True
                for problem in problems:
                    self.stderr.write(problem)
                continue
            archived = f"（另有 {report.archived:,} 条已归档）" if report.archived else ""
            checked = "，归档文件完好" if archives and report.archived else ""
            self.stdout.write(
                f"{LOG_NAMES[log]}：{report.entries:,} 条{archived}，哈希链完整{checked}。"
            )
        if broken:
            raise CommandError("哈希链不完整：日志可能被篡改，请保全数据库并报告。")

    def _prune(self, username: str, dry_run: bool) -> None:
        actor = command_user(username)
        if actor is None:
            raise CommandError("找不到执行人，请用 --user 指定县级管理员。")
        for log in LOGS:
            try:
                report = prune(actor, log, dry_run=dry_run)
            except (DomainError, PermissionError) as error:
                raise CommandError(getattr(error, "message", str(error))) from error
            verb = "将归档" if dry_run else "已归档"
            line = f"{LOG_NAMES[log]}：{verb} {report.before:%Y-%m-%d} 之前的 {report.entries:,} 条"
            if report.entries:
                line += f"（编号 {report.first_sequence}–{report.last_sequence}）"
            if report.archive:
                line += f"，归档文件 {report.archive}"
            self.stdout.write(line + "。")
        if dry_run:
            self.stdout.write("这是预演：没有写入任何文件或数据。")
