"""`jiuzhu supervise`: the supervisor process (core/tasks.py).

Every --interval seconds it resumes background tasks and verification jobs whose worker died
(no heartbeat for JIUZHU_WORKER_STALE_SECONDS) and deletes payment files past their
retention period. Run it beside the web server; `--once` does one round (e.g. from cron).
"""

import time
from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from jiuzhu.core import tasks


class Command(BaseCommand):
    help = "监督后台任务：续跑工作进程已中断的任务和核对任务，删除超过保留期限的发放文件。"

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--once", action="store_true", help="只检查一轮后退出")
        parser.add_argument("--interval", type=float, default=30.0, help="检查间隔（秒）")
        parser.add_argument(
            "--inline", action="store_true", help="在本进程内续跑（默认为每个任务启动新进程）"
        )

    def handle(self, *args: Any, **options: Any) -> None:
        while True:
            for line in tasks.supervise(inline=options["inline"]):
                self.stdout.write(line)
            if options["once"]:
                return
            time.sleep(options["interval"])
