"""`jiuzhu import_regions [PATH]`: load a county's region tree from CSV.

Columns: code, name, level (county / town / village), parent_code, is_urban. Without PATH
the shipped tree of 平阴县 (370124) is loaded; another county ships or writes its own CSV
in the same shape. All rows are checked first: a bad row rejects the whole file.
"""

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from jiuzhu.core.errors import DomainError
from jiuzhu.core.services import import_regions_csv

# Codes and the eight towns are the official ones; village names are partly real and
# partly made up for the demo (the shipped file is for demonstration, not for production).
SHIPPED_CSV = Path(__file__).resolve().parents[2] / "data" / "regions_370124.csv"


def load_shipped_regions() -> int:
    return import_regions_csv(SHIPPED_CSV.read_text(encoding="utf-8"))


def _decode(raw: bytes) -> str | None:
    # Excel on a Chinese Windows saves CSV as GBK; the region page accepts both too.
    for encoding in ("utf-8-sig", "gb18030"):
        try:
            return raw.decode(encoding)
        except UnicodeDecodeError:
            continue
    return None


class Command(BaseCommand):
    help = "导入行政区划（县、镇街、村社区）CSV；不指定文件时导入平阴县区划。"

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("path", nargs="?", help="CSV 文件（UTF-8 或 GBK）")

    def handle(self, *args: Any, **options: Any) -> None:
        path = Path(options["path"]) if options["path"] else SHIPPED_CSV
        try:
            raw = path.read_bytes()
        except OSError as exc:
            raise CommandError(f"无法读取文件 {path}：{exc.strerror}") from exc
        text = _decode(raw)
        if text is None:
            raise CommandError("无法识别文件编码，请使用UTF-8或GBK编码的CSV。")
        try:
            count = import_regions_csv(text)
        except DomainError as exc:
            raise CommandError(exc.message) from exc
        self.stdout.write(f"已导入行政区划 {count} 条（{path.name}）。")
