"""`jiuzhu verify --households all|region CODE|ID --engine duckdb|spark`: run a job here."""

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from tqdm import tqdm

from jiuzhu.core.errors import DomainError
from jiuzhu.core.models import Region
from jiuzhu.core.selectors import command_user
from jiuzhu.registry.models import Household
from jiuzhu.verification import jobs, services
from jiuzhu.verification.models import Engine, VerificationJob

# --households: every household in the user's area (else a region code or a household id).
ALL_HOUSEHOLDS = "all"


class Command(BaseCommand):
    help = "运行家庭经济状况核对任务（带进度条，可续跑）。"

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--households", default=ALL_HOUSEHOLDS, help="all、区划代码（12位），或家庭内部编号"
        )
        parser.add_argument("--engine", choices=Engine.values, default=Engine.DUCKDB)
        parser.add_argument("--user", help="发起人用户名（默认：第一个县级管理员）")
        parser.add_argument("--resume", type=int, metavar="JOB", help="续跑中断的任务")
        parser.add_argument("--force", action="store_true", help="接管仍显示运行中的任务")

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            job = self._job(options)
            bar = tqdm(total=job.households_total or None, unit="户", desc=f"核对任务 #{job.pk}")

            def progress(current: VerificationJob) -> None:
                bar.total = current.households_total
                bar.n = current.households_done
                bar.refresh()

            done = jobs.run_job(job.pk, progress=progress, force=options["force"])
            bar.close()
        except DomainError as error:
            raise CommandError(error.message) from None
        except PermissionError as error:
            raise CommandError(f"无权限：{error}") from None
        self.stdout.write(
            f"任务 #{done.pk} 完成：核对 {done.households_done} 户，"
            f"未授权跳过 {done.skipped_unauthorised} 户。"
        )

    def _job(self, options: dict[str, Any]) -> VerificationJob:
        if options["resume"]:
            job = VerificationJob.objects.filter(pk=options["resume"]).first()
            if job is None:
                raise CommandError(f"任务 #{options['resume']} 不存在。")
            return job
        user = command_user(options["user"])
        if user is None:
            raise CommandError("找不到发起人，请用 --user 指定。")
        target = options["households"]
        if target == ALL_HOUSEHOLDS:
            return services.create_job(user, engine=options["engine"], note="命令行")
        if len(target) == 12 and target.isdigit():
            region = Region.objects.filter(code=target).first()
            if region is None:
                raise CommandError(f"区划 {target} 不存在。")
            return services.create_job(user, region=region, engine=options["engine"])
        household = Household.objects.filter(pk=int(target)).first() if target.isdigit() else None
        if household is None:
            raise CommandError(f"家庭 {target} 不存在。")
        return services.create_job(user, household=household, engine=options["engine"])
