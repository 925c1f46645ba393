from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from jiuzhu.core import tasks


class Command(BaseCommand):
    help = "Run one queued background task (started by the platform itself)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("task_id", type=int)

    def handle(self, *args: Any, **options: Any) -> None:
        tasks.run(options["task_id"])
