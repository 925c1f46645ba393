"""Worker entry point: run (or resume) one queued job; started detached by the web page."""

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from jiuzhu.core.errors import DomainError
from jiuzhu.verification import jobs


class Command(BaseCommand):
    help = "在后台运行一个核对任务。"

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("job_id", type=int)

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            job = jobs.run_job(options["job_id"])
        except DomainError as error:
            raise CommandError(error.message) from None
        self.stdout.write(f"任务 #{job.pk}：{job.get_status_display()}")
