"""`jiuzhu rotate_data_key [--chunk N] [--no-progress]`: seal every stored ID and account
number, and every uploaded case document, under the current data key (the first of
JIUZHU_DATA_KEYS); resumable. Also seals documents uploaded before sealing began."""

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from tqdm import tqdm

from jiuzhu.cases.services import reseal_documents
from jiuzhu.core.crypto import CryptoError, keyring
from jiuzhu.payments.rotation import CHUNK, rotate, sealed_columns, stale_rows


class Command(BaseCommand):
    help = (
        "用当前密钥（JIUZHU_DATA_KEYS 的第一个）重新加密所有身份证号、银行账号和申请材料文件；"
        "可中断后重跑续做"
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--chunk", type=int, default=CHUNK, help="每批（每个事务）的行数")
        parser.add_argument("--no-progress", action="store_true", help="不显示进度条")

    def handle(self, *args: Any, **options: Any) -> None:
        if options["chunk"] < 1:
            raise CommandError("--chunk 应为正整数。")
        try:
            current = keyring().current_id
            columns = [(sealed, stale_rows(sealed)) for sealed in sealed_columns()]
            total = sum(count for _, count in columns)
            with tqdm(
                total=total, unit="行", desc=f"换用密钥 {current}", disable=options["no_progress"]
            ) as bar:
                for sealed, count in columns:
                    if count:
                        rotate(sealed, bar.update, options["chunk"])
            with tqdm(unit="个", desc="材料文件", disable=options["no_progress"]) as bar:
                files = reseal_documents(bar.update)
        except CryptoError as error:
            raise CommandError(str(error)) from None
        self.stdout.write(
            f"已用密钥“{current}”重新加密 {total:,} 行、{files:,} 个材料文件。"
            "确认备份完成后，可从 JIUZHU_DATA_KEYS 中删除旧密钥。"
        )
