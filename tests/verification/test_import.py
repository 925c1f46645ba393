"""Extract import: validation with row numbers, encodings, file-level refusals, idempotency."""

import datetime as dt
from pathlib import Path

import pyarrow.parquet as pq
import pytest
from openpyxl import Workbook

from jiuzhu.core import crypto, idnumber
from jiuzhu.core.errors import DomainError
from jiuzhu.core.months import long_moment
from jiuzhu.verification import importer, services
from jiuzhu.verification.models import ExtractImport, ExtractStatus
from jiuzhu.verification.sources import SOURCES
from tests.verification.conftest import AS_OF, csv_text, import_rows, write_file

pytestmark = pytest.mark.django_db

A = idnumber.make("370124", dt.date(1970, 5, 1), 11)
B = idnumber.make("370124", dt.date(1982, 3, 9), 24)


def wage(id_number=A, name="张三", amount="3000.50", **extra):
    return {
        "id_number": id_number,
        "name": name,
        "employer": "某厂",
        "monthly_wage": amount,
        **extra,
    }


def test_clean_file_is_accepted_with_provenance(officer, tmp_path):
    outcome = import_rows(officer, tmp_path, "employment", [wage(), wage(B, "李四", "1,200")])
    extract = outcome.extract
    assert extract.status == ExtractStatus.ACCEPTED
    assert (extract.rows_total, extract.rows_valid, extract.error_count) == (2, 2, 0)
    table = pq.read_table(extract.parquet_path)
    assert table.column("amount_fen").to_pylist() == [300050, 120000]
    meta = table.schema.metadata
    assert meta[b"source"] == b"employment"
    assert meta[b"extract_date"] == AS_OF.isoformat().encode()
    assert meta[b"sha256"].decode() == extract.sha256
    assert meta[b"imported_by"].decode() == officer.username
    # The ID numbers rest on disk only as their search digests (issue 19).
    assert "id_number" not in table.column_names
    assert table.column("id_digest").to_pylist() == [crypto.digest(A), crypto.digest(B)]
    raw = Path(extract.parquet_path).read_bytes()
    assert A.encode() not in raw and B.encode() not in raw


def test_row_errors_are_reported_with_line_numbers(officer, tmp_path):
    bad_check = A[:-1] + ("1" if A[-1] != "1" else "2")
    rows = [
        wage(),  # line 2
        wage(bad_check, "王五"),  # line 3: check digit
        wage(B, "李四", "-5"),  # line 4: negative amount
        wage("", "赵六"),  # line 5: no ID and no birth date
        wage("", "钱七", birth_date="1960-02-30"),  # line 6: no such date
        wage(),  # line 7: same as line 2
        wage(B, "李四", "12.345"),  # line 8: three decimals
        wage(B, "李四", birth_date="1982-03-10"),  # line 9: birth date ≠ ID
    ]
    outcome = import_rows(officer, tmp_path, "employment", rows)
    extract = outcome.extract
    assert extract.status == ExtractStatus.PENDING
    by_row = {e["row"]: (e["column"], e["message"]) for e in extract.errors}
    assert by_row == {
        3: ("身份证号", "身份证号无效（长度、出生日期或校验码错误；Excel中请设为文本格式）"),
        4: ("月工资（元）", "金额应为不小于0、最多两位小数的数字"),
        5: ("出生日期", "缺少身份证号时须填写出生日期"),
        6: ("出生日期", "日期格式应为YYYY-MM-DD"),
        7: ("", "与第2行重复"),
        8: ("月工资（元）", "金额应为不小于0、最多两位小数的数字"),
        9: ("出生日期", "与身份证号中的出生日期不一致"),
    }
    assert (extract.rows_valid, extract.rows_invalid) == (1, 7)
    assert outcome.message == "文件有 7 行错误、1 行有效，请选择整体退回或仅导入有效行。"


def test_officer_keeps_valid_rows_or_rejects(officer, tmp_path):
    rows = [wage(), wage("123", "坏")]
    pending = import_rows(officer, tmp_path, "employment", rows).extract
    kept = services.decide_extract(officer, pending.pk, keep_valid=True)
    assert kept.status == ExtractStatus.ACCEPTED
    assert pq.read_table(kept.parquet_path).num_rows == 1

    other = import_rows(officer, tmp_path, "employment", [wage(B, "李四"), wage("x", "坏")])
    staged = Path(other.extract.parquet_path)
    assert staged.exists()
    rejected = services.decide_extract(officer, other.extract.pk, keep_valid=False)
    assert rejected.status == ExtractStatus.REJECTED and rejected.parquet_path == ""
    assert not staged.exists()
    with pytest.raises(DomainError) as error:
        services.decide_extract(officer, other.extract.pk, keep_valid=True)
    assert error.value.message == "该批次不在待确认状态。"
    assert ExtractImport.objects.get(pk=other.extract.pk).status == ExtractStatus.REJECTED


def test_api_style_choice_at_upload(officer, tmp_path):
    outcome = import_rows(
        officer, tmp_path, "employment", [wage(), wage("bad", "坏")], on_errors="reject"
    )
    assert outcome.extract.status == ExtractStatus.REJECTED
    assert outcome.extract.parquet_path == ""
    assert outcome.message == "文件有 1 行错误，已整体退回。"


def test_unknown_error_choice_is_refused_before_anything_is_written(officer, tmp_path):
    with pytest.raises(DomainError) as error:
        import_rows(officer, tmp_path, "employment", [wage()], on_errors="maybe")
    assert error.value.message == "错误处理方式无效。"
    assert not ExtractImport.objects.exists()


def test_unknown_source_is_refused(officer, tmp_path):
    path = write_file(tmp_path, csv_text("employment", [wage()]))
    with pytest.raises(DomainError) as error:
        services.import_extract(officer, "lottery", AS_OF, path, path.name)
    assert error.value.message == "未知的数据来源：lottery。"
    assert not ExtractImport.objects.exists()


def test_same_file_twice_adds_nothing(officer, tmp_path):
    import_rows(officer, tmp_path, "employment", [wage()])
    first = ExtractImport.objects.get()
    with pytest.raises(DomainError) as error:
        import_rows(officer, tmp_path, "employment", [wage()])
    assert error.value.message.startswith("该文件已于")
    assert error.value.message == f"该文件已于{long_moment(first.imported_at)}导入，未重复导入。"
    assert ExtractImport.objects.count() == 1


def test_gbk_file_with_chinese_headers(officer, tmp_path):
    text = csv_text("employment", [wage(name="张三", employer="平阴县某厂")], labels=True)
    path = write_file(tmp_path, text, "gbk.csv", encoding="gbk")
    outcome = services.import_extract(officer, "employment", AS_OF, path, path.name)
    assert outcome.extract.encoding == "gb18030"
    table = pq.read_table(outcome.extract.parquet_path)
    assert table.column("name").to_pylist() == ["张三"]
    assert table.column("detail").to_pylist() == ["平阴县某厂"]


def test_undecodable_file_is_refused(officer, tmp_path):
    path = tmp_path / "junk.csv"
    path.write_bytes(b"id_number,name\n" + bytes(range(128, 256)) * 50)
    with pytest.raises(DomainError) as error:
        services.import_extract(officer, "employment", AS_OF, path, path.name)
    assert error.value.message == (
        "无法识别文件编码：请使用 UTF-8 或 GBK（GB18030）编码的 CSV 文件。"
    )
    assert not ExtractImport.objects.exists()


def test_unknown_and_missing_columns(officer, tmp_path):
    path = write_file(tmp_path, "id_number,name,salary\n" + f"{A},张三,100\n")
    with pytest.raises(DomainError) as error:
        services.import_extract(officer, "employment", AS_OF, path, path.name)
    assert error.value.message == (
        "未知的列：salary。 缺少必填列：工作单位、月工资（元）。"
        " 本来源应有的列：身份证号、姓名、出生日期、工作单位、月工资（元）。"
    )
    assert not ExtractImport.objects.exists()


def test_file_of_the_wrong_source(officer, tmp_path):
    path = write_file(
        tmp_path,
        csv_text(
            "bank_deposits",
            [{"id_number": A, "name": "张三", "institution": "农行", "balance": "1"}],
        ),
    )
    with pytest.raises(DomainError, match="银行存款"):
        services.import_extract(officer, "employment", AS_OF, path, path.name)


def test_extract_older_than_the_last_is_refused(officer, tmp_path):
    import_rows(officer, tmp_path, "employment", [wage()], extract_date=AS_OF)
    with pytest.raises(DomainError, match="早于"):
        import_rows(
            officer,
            tmp_path,
            "employment",
            [wage(B, "李四")],
            extract_date=AS_OF - dt.timedelta(days=30),
        )


def test_xlsx_upload(officer, tmp_path):
    book = Workbook()
    sheet = book.active
    sheet.append(["身份证号", "姓名", "出生日期", "工作单位", "月工资（元）"])
    sheet.append([A, "张三", dt.date(1970, 5, 1), "某厂", 2500])
    sheet.append([float(B[:15]), "李四", None, "某厂", 100])  # an ID Excel turned into a number
    path = tmp_path / "wages.xlsx"
    book.save(path)
    outcome = services.import_extract(officer, "employment", AS_OF, path, path.name)
    extract = outcome.extract
    assert (extract.rows_valid, extract.rows_invalid) == (1, 1)
    assert extract.errors == [
        {
            "row": 3,
            "column": "身份证号",
            "message": "身份证号无效（长度、出生日期或校验码错误；Excel中请设为文本格式）",
        }
    ]
    table = pq.read_table(extract.parquet_path)
    assert table.column("row_no").to_pylist() == [2]
    assert table.column("amount_fen").to_pylist() == [250000]


def test_town_assistant_cannot_import(dong_e_assistant, tmp_path):
    with pytest.raises(PermissionError):
        import_rows(dong_e_assistant, tmp_path, "employment", [wage()])
    assert not ExtractImport.objects.exists()


def test_validation_scales_without_python_loops(officer, tmp_path):
    rows = [
        wage(
            idnumber.make("370124", dt.date(1950 + i % 50, 1 + i % 12, 1 + i % 28), i % 999),
            f"人{i}",
            str(i),
        )
        for i in range(30_000)
    ]
    outcome = import_rows(officer, tmp_path, "employment", rows)
    assert outcome.extract.rows_valid == 30_000
    assert outcome.message == "已导入 30,000 行。"
    table = pq.read_table(outcome.extract.parquet_path)
    assert table.column("amount_fen").to_pylist()[:3] == [0, 100, 200]


def test_dates_and_whitespace_across_formats(officer, tmp_path):
    """The byte-matrix fast paths agree with the careful ones, at exact line numbers."""
    c = idnumber.make("370124", dt.date(2000, 2, 29), 31)
    rows = [
        wage("", "甲", birth_date="2000-02-29"),  # line 2: leap day, valid
        wage("", "乙", birth_date="1900-02-29"),  # line 3: 1900 is not a leap year
        wage("", "丙", birth_date="1982/03/09"),  # line 4: other format, valid
        wage("", "丁", birth_date="19820309"),  # line 5: compact format, valid
        wage("", "戊", birth_date="1982-3-9"),  # line 6: not zero-padded
        wage(c.lower() if c[-1] == "X" else c, " 己\u3000", birth_date="2000-02-29"),  # 7
        wage("", "庚", birth_date="1982-13-01"),  # line 8: no such month
        wage(c, "辛", birth_date="2000-03-01"),  # line 9: differs from the ID
    ]
    outcome = import_rows(officer, tmp_path, "employment", rows, on_errors="keep_valid")
    extract = outcome.extract
    by_row = {e["row"]: e["message"] for e in extract.errors}
    assert by_row == {
        3: "日期格式应为YYYY-MM-DD",
        6: "日期格式应为YYYY-MM-DD",
        8: "日期格式应为YYYY-MM-DD",
        9: "与身份证号中的出生日期不一致",
    }
    table = pq.read_table(extract.parquet_path)
    assert table.column("row_no").to_pylist() == [2, 4, 5, 7]
    assert table.column("birth_date").to_pylist() == [
        dt.date(2000, 2, 29),
        dt.date(1982, 3, 9),
        dt.date(1982, 3, 9),
        dt.date(2000, 2, 29),
    ]
    assert table.column("name").to_pylist()[3] == "己"


def test_batches_checked_in_parallel_match_one_worker(tmp_path, monkeypatch):
    """Many small batches on two workers give the rows, errors and file of one worker."""
    rows = []
    for i in range(600):
        number = idnumber.make("370124", dt.date(1950 + i % 50, 1 + i % 12, 1 + i % 28), i)
        if i % 89 == 7:  # a wrong check digit
            number = number[:-1] + ("1" if number[-1] != "1" else "2")
        rows.append(wage(number, f"人{i}", "-1" if i % 97 == 5 else f"{i}.5"))
    rows[450] = dict(rows[20])  # a duplicate in another batch
    rows[500]["monthly_wage"] = "nan"
    path = write_file(tmp_path, csv_text("employment", rows))
    monkeypatch.setattr(importer.readers, "CSV_BLOCK_BYTES", 2048)  # dozens of batches
    outcomes = []
    for workers in (1, 2):
        monkeypatch.setattr(importer.pipeline, "WORKERS", workers)
        staged = tmp_path / f"staged-{workers}.parquet"
        result = importer.validate_file(path, path.name, SOURCES["employment"], staged, AS_OF)
        outcomes.append((result, pq.read_table(staged)))
    (one, one_table), (two, two_table) = outcomes
    assert one == two
    assert one_table.equals(two_table)
    assert one_table.schema.metadata == two_table.schema.metadata
    by_row = {e.row: e.message for e in one.errors}
    assert by_row[452] == "与第22行重复"
    assert by_row[502] == "金额应为不小于0、最多两位小数的数字"
    assert one.rows_valid == one_table.num_rows == 600 - len(by_row)
    assert one_table.column("row_no").to_pylist() == sorted(set(range(2, 602)) - set(by_row))


def test_each_batch_keeps_its_rows_digests_in_order(tmp_path, monkeypatch):
    """Batches checked side by side: each row's digest is its own ID number's, a row without
    a number has none."""
    rows = [
        wage(idnumber.make("370124", dt.date(1960 + i % 40, 1 + i % 12, 1 + i % 28), i), f"人{i}")
        for i in range(300)
    ]
    rows[7]["id_number"] = ""  # no ID number: no digest, matched by name and birth date
    rows[7]["birth_date"] = "1970-01-01"
    path = write_file(tmp_path, csv_text("employment", rows))
    monkeypatch.setattr(importer.readers, "CSV_BLOCK_BYTES", 2048)  # several batches
    staged = tmp_path / "staged.parquet"
    result = importer.validate_file(path, path.name, SOURCES["employment"], staged, AS_OF)
    assert result.rows_valid == 300
    table = pq.read_table(staged)
    expected = [crypto.digest(row["id_number"]) or None for row in rows]
    assert table.column("id_digest").to_pylist() == expected
    assert expected[7] is None and table.column("row_no").to_pylist() == list(range(2, 302))


def csv_lines(lines, labels=False):
    """A CSV file of employment rows (dicts) and raw lines (strings), header first."""
    text = csv_text("employment", [], labels=labels)
    for line in lines:
        text += line if isinstance(line, str) else csv_text("employment", [line]).split("\n", 1)[1]
    return text


@pytest.mark.parametrize("encoding", ["utf-8", "gbk"])
def test_rows_after_malformed_and_blank_lines_keep_their_numbers(officer, tmp_path, encoding):
    """Numbers are the file's rows as Excel shows them: header 1, blank lines counted."""
    c = idnumber.make("370124", dt.date(1990, 7, 7), 35)
    text = csv_lines(
        [
            wage(),  # row 2
            "\n",  # row 3: blank
            f"{B},李四,,某厂\n",  # row 4: a field short
            "\r\n",  # row 5: blank
            ",,,,\n",  # row 6: empty cells only, blank as in Excel
            "   \n",  # row 7: spaces only
            wage("123", "王五"),  # row 8: bad ID number
            f"{B},李四,,某厂,100,多余\n",  # row 9: a field too many
            wage(B, "李四", employer="某厂\n二车间"),  # row 10: a line break in a value
            wage(c, "赵六", "-1"),  # row 11
            wage(),  # row 12: same as row 2
        ],
        labels=encoding == "gbk",
    )
    path = write_file(tmp_path, text, encoding=encoding)
    outcome = services.import_extract(officer, "employment", AS_OF, path, path.name)
    extract = outcome.extract
    by_row = {e["row"]: e for e in extract.errors}
    assert set(by_row) == {4, 8, 9, 11, 12}
    assert by_row[4]["message"].startswith("字段数应为5，实为4")
    assert by_row[9]["message"].startswith("字段数应为5，实为6")
    assert (
        by_row[8]["message"] == "身份证号无效（长度、出生日期或校验码错误；Excel中请设为文本格式）"
    )
    assert by_row[11]["message"] == "金额应为不小于0、最多两位小数的数字"
    assert by_row[12]["message"] == "与第2行重复"
    assert (extract.rows_total, extract.rows_valid, extract.rows_invalid) == (7, 2, 5)
    assert extract.error_count == 5
    table = pq.read_table(extract.parquet_path)
    assert table.column("row_no").to_pylist() == [2, 10]
    assert table.column("detail").to_pylist()[1] == "某厂\n二车间"


def test_malformed_rows_count_under_keep_valid_and_reject(officer, tmp_path):
    text = csv_lines([wage(), f"{B},李四\n"])
    path = write_file(tmp_path, text, "short.csv")
    kept = services.import_extract(
        officer, "employment", AS_OF, path, path.name, on_errors="keep_valid"
    ).extract
    assert kept.status == ExtractStatus.ACCEPTED
    assert (kept.rows_valid, kept.rows_invalid, kept.errors[0]["row"]) == (1, 1, 3)
    assert pq.read_table(kept.parquet_path).num_rows == 1

    path = write_file(tmp_path, text + csv_lines([wage(B, "李四")]).split("\n", 1)[1], "b.csv")
    rejected = services.import_extract(
        officer, "employment", AS_OF, path, path.name, on_errors="reject"
    ).extract
    assert rejected.status == ExtractStatus.REJECTED
    assert [e["row"] for e in rejected.errors] == [3]


def test_row_numbers_across_many_blocks(tmp_path, monkeypatch):
    """Rows left out and blank lines in and between the parser's blocks, on two workers."""
    lines, expected_valid, expected_errors = [], [], []
    for i in range(400):
        row = len(lines) + 2
        number = idnumber.make("370124", dt.date(1950 + i % 50, 1 + i % 12, 1 + i % 28), i)
        if i % 37 == 3:
            lines.append(f"{number},人{i}\n")
            expected_errors.append(row)
        else:
            lines.append(wage(number, f"人{i}", f"{i}.5", employer=f"厂\n{i}" if i % 11 else ""))
            (expected_errors if i % 11 == 0 else expected_valid).append(row)
        if i % 13 == 0:
            lines.append("\n")
    path = write_file(tmp_path, csv_lines(lines))
    monkeypatch.setattr(importer.readers, "CSV_BLOCK_BYTES", 300)  # a few rows per block
    staged = tmp_path / "staged.parquet"
    result = importer.validate_file(path, path.name, SOURCES["employment"], staged, AS_OF)
    assert sorted(e.row for e in result.errors) == expected_errors
    assert pq.read_table(staged).column("row_no").to_pylist() == expected_valid


def test_blank_rows_in_a_workbook_keep_the_numbers(officer, tmp_path):
    book = Workbook()
    sheet = book.active
    sheet.append(["身份证号", "姓名", "出生日期", "工作单位", "月工资（元）"])
    sheet.append([A, "张三", None, "某厂", 2500])  # row 2
    sheet.append([None, None, None, None, None])  # row 3: blank
    sheet.append([B, "李四", None, "某厂", "1e5"])  # row 4
    sheet.append([B, "李四", None, "某厂", 0.1 + 0.2])  # row 5: a formula's float noise
    path = tmp_path / "wages.xlsx"
    book.save(path)
    extract = services.import_extract(officer, "employment", AS_OF, path, path.name).extract
    assert [(e["row"], e["column"]) for e in extract.errors] == [(4, "月工资（元）")]
    assert pq.read_table(extract.parquet_path).column("amount_fen").to_pylist() == [250000, 30]


@pytest.mark.parametrize(
    "amount",
    [
        *("1e5", "1E5", "12,00", "1,0000", "12.345", "12.340", "+5", "-0"),
        *("5.", ".5", "1.2.3", "nan", "inf"),
    ],
)
def test_amounts_must_be_plain_decimals(officer, tmp_path, amount):
    rows = [wage(), wage(B, "李四", amount)]
    extract = import_rows(officer, tmp_path, "employment", rows).extract
    assert extract.errors == [
        {"row": 3, "column": "月工资（元）", "message": "金额应为不小于0、最多两位小数的数字"}
    ]


def test_plain_amounts_in_fen(officer, tmp_path):
    amounts = ["0", "7.5", "0012.30", "9999999999999.99", " 100 "]
    rows = [
        wage(idnumber.make("370124", dt.date(1980, 1, 1 + i), i), f"人{i}", a)
        for i, a in enumerate(amounts)
    ]
    extract = import_rows(officer, tmp_path, "employment", rows).extract
    assert extract.error_count == 0
    fen = pq.read_table(extract.parquet_path).column("amount_fen").to_pylist()
    assert fen == [0, 750, 1230, 999999999999999, 10000]
