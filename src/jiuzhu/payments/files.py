"""Payment files per bank (CSV with BOM for banks' Excel, and XLSX) with a control total,
and the import of the bank's results file, reconciled line by line.

A results file that does not match its payment file (unknown or missing references, an
amount that differs, another payroll) is refused whole, with a report; nothing is written.
"""

import csv
import io
import os
import re
import tempfile
import time
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass
from operator import itemgetter
from pathlib import Path
from typing import IO, Any

from django.conf import settings
from django.db import connection, transaction
from django.db.models import Max
from django.utils import timezone
from openpyxl import load_workbook

from jiuzhu.core.crypto import decrypt_many
from jiuzhu.core.errors import DomainError
from jiuzhu.core.files import file_sha256
from jiuzhu.core.models import User
from jiuzhu.core.money import parse_yuan
from jiuzhu.core.services import record_audit
from jiuzhu.core.tasks import supervised
from jiuzhu.payments.models import (
    PAYABLE,
    FileFormat,
    LineResult,
    PaymentFile,
    Payroll,
    PayrollLine,
    ResultStatus,
    line_id_range,
    line_ref,
    plain_yuan,
)
from jiuzhu.payments.sheet import SheetWriter, text_column
from jiuzhu.payments.signals import payroll_changed
from jiuzhu.payments.workflow import PayrollAction, enforce

HEADER = ["参考号", "账号", "户名", "身份证号", "金额（元）", "救助项目", "所属月份"]
RESULT_HEADER = ["参考号", "账号", "金额（元）", "状态", "失败原因"]
PAID_WORDS = {"成功", "paid", "success", "0"}
FAILED_WORDS = {"失败", "failed", "fail", "1"}


# Lines read, formatted and written per chunk, so that a file of a million lines takes
# the memory of one chunk.
CHUNK_LINES = 100_000
_NEEDS_QUOTES = re.compile(r'[,"\r\n]')


@dataclass
class BankColumns:
    """A chunk of a bank file's lines as columns, in line order, numbers in plain text."""

    line_no: list[int]
    account: list[str]
    holder: list[str]
    id_number: list[str]
    net_fen: list[int]
    programme: list[str]
    month: list[str]  # YYYY-MM


def bank_columns(rows: Sequence[Sequence[Any]]) -> BankColumns:
    """Lines given as rows (line no, account, holder, ID number, net fen, programme,
    month as a date or ISO text) as a chunk of columns."""
    no, account, holder, id_number, net, programme, month = (
        list(map(itemgetter(i), rows)) for i in range(7)
    )
    return BankColumns(no, account, holder, id_number, net, programme, [str(m)[:7] for m in month])


def bank_lines(payroll: Payroll, bank: str) -> Iterator[BankColumns]:
    """The lines one bank pays, in line order, chunk by chunk of line ids (the payroll's
    lines are one range of ids), the sealed numbers opened a chunk at a time."""
    after, before = line_id_range(payroll.pk)
    sql = (
        "SELECT line_no, account_number, holder_name, id_number, net_fen, programme, for_month "
        "FROM payments_payrollline WHERE id > %s AND id <= %s AND bank = %s "
        "AND (account_id IS NOT NULL OR institution_id IS NOT NULL) ORDER BY id"
    )
    last = PayrollLine.objects.of_payroll(payroll.pk).aggregate(m=Max("pk"))["m"] or after
    with connection.cursor() as cursor:
        for start in range(after, min(last, before), CHUNK_LINES):
            cursor.execute(sql, [start, start + CHUNK_LINES, bank])
            chunk = bank_columns(cursor.fetchall())
            chunk.account = decrypt_many(chunk.account)
            chunk.id_number = decrypt_many(chunk.id_number)
            yield chunk


def banks_of(payroll: Payroll) -> list[str]:
    """The banks the payroll's lines with an account are paid through."""
    return list(
        PayrollLine.objects.of_payroll(payroll.pk)
        .filter(PAYABLE)
        .values_list("bank", flat=True)
        .distinct()
        .order_by("bank")
    )


Reference = Callable[[int, int], str]  # (file's owner id, line number) → what banks echo


def _columns(owner_id: int, chunk: BankColumns, ref: Reference) -> list[Sequence[str]]:
    """A chunk's cells as text, in HEADER's order."""
    return [
        [ref(owner_id, no) for no in chunk.line_no],
        chunk.account,
        chunk.holder,
        chunk.id_number,
        [f"{v // 100}.{v % 100:02d}" if v >= 0 else plain_yuan(v) for v in chunk.net_fen],
        chunk.programme,
        chunk.month,
    ]


def _totals(count: int, total: int) -> list[str]:
    return ["合计", f"{count}笔", "", "", plain_yuan(total), "", ""]


def write_csv(
    path: Path, owner_id: int, chunks: Iterable[BankColumns], ref: Reference = line_ref
) -> tuple[int, int]:
    """The bank's lines as CSV with a BOM and a totals row: (rows, total fen). The bytes
    are the csv module's (quoted only where a value needs it, CRLF), a chunk joined at once."""
    count = total = 0
    with open(_create_private(path), "w", encoding="utf-8-sig", newline="") as fh:
        writer = csv.writer(fh)
        writer.writerow(HEADER)
        for chunk in chunks:
            columns = _columns(owner_id, chunk, ref)
            if any(_NEEDS_QUOTES.search("".join(column)) for column in columns[1:]):
                writer.writerows(zip(*columns, strict=True))
            elif columns[0]:
                fh.write("\r\n".join(map(",".join, zip(*columns, strict=True))) + "\r\n")
            count += len(chunk.line_no)
            total += sum(chunk.net_fen)
        writer.writerow(_totals(count, total))
    return count, total


def write_xlsx(
    path: Path, owner_id: int, chunks: Iterable[BankColumns], ref: Reference = line_ref
) -> tuple[int, int]:
    """The bank's lines as XLSX with a totals row: (rows, total fen). Every cell is text:
    account and ID stay as written (Excel would round 18 digits), and the amount is a
    string of yuan so that no binary float ever holds money."""
    count = total = 0
    sheet = SheetWriter(_create_private(path), "发放明细")
    try:
        sheet.rows([[name] for name in HEADER])
        for chunk in chunks:
            sheet.rows([text_column(c) for c in _columns(owner_id, chunk, ref)])
            count += len(chunk.line_no)
            total += sum(chunk.net_fen)
        sheet.rows([[value] for value in _totals(count, total)])
    finally:
        sheet.close()
    return count, total


# Files here hold full ID numbers and bank accounts: owner-only, and kept no longer than
# settings.JIUZHU_FILE_RETENTION_DAYS (PIPL's storage limitation; MLPS 2.0 level 3).
PRIVATE_DIR_MODE = 0o700
PRIVATE_FILE_MODE = 0o600


def files_dir() -> Path:
    """The payment files' directory, created (or tightened) to owner-only access."""
    path = Path(settings.DATA_DIR) / "payments"
    path.mkdir(mode=PRIVATE_DIR_MODE, parents=True, exist_ok=True)
    path.chmod(PRIVATE_DIR_MODE)
    return path


def _create_private(path: Path) -> Path:
    """Create `path` empty with owner-only permissions before anything is written to it, so
    that no reader ever finds it open to others (whatever the process umask is); writers
    opening it afterwards keep the mode."""
    descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, PRIVATE_FILE_MODE)
    os.fchmod(descriptor, PRIVATE_FILE_MODE)  # an older file of that name keeps no wider mode
    os.close(descriptor)
    return path


def spooled_workbook(save: Callable[[IO[bytes]], object]) -> IO[bytes]:
    """A workbook written to a nameless temporary file (gone when closed) for a download,
    so an export never rests on disk by name: `save` is the workbook's save method."""
    spool = tempfile.TemporaryFile(dir=files_dir())  # noqa: SIM115  (the response closes it)
    save(spool)
    spool.seek(0)
    return spool


def purge_expired(now: float | None = None) -> list[Path]:
    """Delete the payment files older than the retention period (by modification time);
    the PaymentFile records stay, with their digest and totals. Run by `jiuzhu supervise`."""
    days = int(getattr(settings, "JIUZHU_FILE_RETENTION_DAYS", 30))
    cutoff = (time.time() if now is None else now) - days * 86400
    directory = Path(settings.DATA_DIR) / "payments"
    if not directory.exists():
        return []
    purged = []
    for path in sorted(directory.iterdir()):
        if path.is_file() and path.stat().st_mtime < cutoff:
            path.unlink(missing_ok=True)
            purged.append(path)
    return purged


@supervised
def sweep_expired_files(inline: bool) -> list[str]:
    """The supervisor's round deletes the payment files past retention."""
    return [f"已删除超过保留期限的发放文件：{path.name}" for path in purge_expired()]


def make_payment_file(actor: User, payroll: Payroll, bank: str, fmt: str) -> PaymentFile:
    """One bank's payment file of an approved payroll, with its control total and digest."""
    enforce(actor, payroll, PayrollAction.FILE)
    if fmt not in FileFormat.values:
        raise DomainError("文件格式应为 csv 或 xlsx。", field="format")
    if not bank:
        raise DomainError("请选择银行。", field="bank")
    if bank not in banks_of(payroll):
        raise DomainError(f"该名册没有{bank}的发放明细。", field="bank")
    stamp = timezone.now().strftime("%Y%m%d%H%M%S")
    path = files_dir() / f"payroll{payroll.pk}_{abs(hash(bank)) % 10**8}_{stamp}.{fmt}"
    writer = write_csv if fmt == FileFormat.CSV else write_xlsx
    count, total = writer(path, payroll.pk, bank_lines(payroll, bank))
    with transaction.atomic():
        made = PaymentFile.objects.create(
            payroll=payroll,
            bank=bank,
            format=fmt,
            rows=count,
            total_fen=total,
            sha256=file_sha256(path),
            stored_path=str(path),
            created_by=actor,
        )
        record_audit(
            actor,
            "make_payment_file",
            made,
            {"bank": bank, "rows": count, "total_fen": total, "sha256": made.sha256},
        )
    return made


@dataclass
class ResultRow:
    ref: str
    amount_fen: int
    paid: bool
    reason: str


def parse_results(name: str, content: bytes) -> list[ResultRow]:
    """The bank's results file (CSV in UTF-8 or GBK, or XLSX): 参考号, 账号, 金额, 状态, 原因."""
    raw_rows: list[list[str]] = []
    if name.lower().endswith(".xlsx"):
        try:
            book = load_workbook(io.BytesIO(content), read_only=True, data_only=True)
        except Exception:
            raise DomainError("无法读取回盘文件（xlsx 格式有误）。") from None
        for values in book.worksheets[0].iter_rows(values_only=True):
            raw_rows.append(["" if v is None else str(v).strip() for v in values])
    else:
        text = None
        for encoding in ("utf-8-sig", "gb18030"):
            try:
                text = content.decode(encoding)
                break
            except UnicodeDecodeError:
                continue
        if text is None:
            raise DomainError("无法识别回盘文件编码，请使用UTF-8或GBK编码的CSV。")
        raw_rows = [[c.strip() for c in row] for row in csv.reader(io.StringIO(text))]
    if not raw_rows or [c for c in raw_rows[0][:4]] != RESULT_HEADER[:4]:
        raise DomainError("回盘文件表头应为：" + "、".join(RESULT_HEADER) + "。")
    out: list[ResultRow] = []
    problems: list[str] = []
    for number, row in enumerate(raw_rows[1:], start=2):
        if not any(row) or row[0] == "合计":
            continue
        row = row + [""] * (5 - len(row))
        status = row[3].lower()
        try:
            amount = parse_yuan(row[2])
        except DomainError:
            problems.append(f"第{number}行金额格式不正确")
            continue
        if status in PAID_WORDS:
            out.append(ResultRow(row[0], amount, True, ""))
        elif status in FAILED_WORDS:
            if not row[4]:
                problems.append(f"第{number}行发放失败但未写明原因")
            out.append(ResultRow(row[0], amount, False, row[4][:200]))
        else:
            problems.append(f"第{number}行状态应为“成功”或“失败”")
    if problems:
        raise DomainError("回盘文件有误，未导入：" + "；".join(problems[:20]) + "。")
    return out


def _mismatches(rows: list[ResultRow], lines: dict[str, tuple[int, int]]) -> list[str]:
    """What does not match between the results and the file's lines (reference → line id,
    net fen): repeated or unknown references, other amounts, lines without a result."""
    problems: list[str] = []
    seen: set[str] = set()
    for row in rows:
        if row.ref in seen:
            problems.append(f"参考号{row.ref}重复")
        seen.add(row.ref)
        found = lines.get(row.ref)
        if found is None:
            problems.append(f"参考号{row.ref}不在该发放文件中")
        elif found[1] != row.amount_fen:
            problems.append(
                f"参考号{row.ref}金额{plain_yuan(row.amount_fen)}元与发放文件"
                f"{plain_yuan(found[1])}元不符"
            )
    missing = sorted(set(lines) - seen)
    if missing:
        problems.append(f"发放文件中有{len(missing)}笔未出现在回盘中（如{missing[0]}）")
    return problems


def import_results(
    actor: User, payment_file: PaymentFile, name: str, content: bytes
) -> dict[str, int]:
    """Reconcile a results file against its payment file; all rows or none."""
    payroll = payment_file.payroll
    enforce(actor, payroll, PayrollAction.RESULTS)
    if payment_file.results_imported_at is not None:
        raise DomainError("该发放文件的回盘结果已经导入。")
    rows = parse_results(name, content)
    lines = {
        line_ref(payroll.pk, no): (pk, net)
        for pk, no, net in PayrollLine.objects.of_payroll(payroll.pk)
        .filter(PAYABLE, bank=payment_file.bank)
        .values_list("pk", "line_no", "net_fen")
    }
    problems = _mismatches(rows, lines)
    if problems:
        raise DomainError(
            "回盘文件与发放文件不一致，整份拒收，未作任何修改：" + "；".join(problems[:20]) + "。"
        )
    now = timezone.now()
    with transaction.atomic():
        if (
            PaymentFile.objects.filter(pk=payment_file.pk, results_imported_at__isnull=True).update(
                results_imported_at=now
            )
            != 1
        ):
            raise DomainError("该发放文件的回盘结果已经导入。")
        if LineResult.objects.filter(line_id__in=[lines[r.ref][0] for r in rows]).exists():
            raise DomainError("部分明细已有回盘结果（可能来自另一份发放文件），未导入。")
        LineResult.objects.bulk_create(
            [
                LineResult(
                    line_id=lines[r.ref][0],
                    payment_file=payment_file,
                    status=ResultStatus.PAID if r.paid else ResultStatus.FAILED,
                    reason=r.reason,
                )
                for r in rows
            ],
            batch_size=5000,
        )
        paid = sum(1 for r in rows if r.paid)
        summary = {"paid": paid, "failed": len(rows) - paid}
        record_audit(actor, "import_results", payment_file, summary)
        transaction.on_commit(lambda: payroll_changed.send(Payroll, payroll=payroll, actor=actor))
    return summary
