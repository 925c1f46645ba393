"""`jiuzhu find_duplicates`: the nightly duplicate scan (registry/duplicates/job.py; cron)."""

from typing import Any

from django.core.management.base import BaseCommand

from jiuzhu.registry.duplicates.job import scan_registry


class Command(BaseCommand):
    help = "查找疑似重复登记的人员（姓名和出生日期相同，或姓名相同、身份证号仅一位数字不同）"

    def handle(self, *args: Any, **options: Any) -> None:
        done = scan_registry()
        self.stdout.write(
            f"已检查 {done['persons']:,} 人：疑似重复 {done['pairs']} 对，新增 {done['added']} 对，"
            f"移除 {done['dropped']} 对；用时 {done['seconds']} 秒。"
        )
