"""A constant-memory XLSX of text cells, written straight as SpreadsheetML.

Rows go through the compressor as they come (nothing is kept per row), each cell an inline
string: a bank's clerk sees text exactly as written (an 18-digit ID number or an account
is never rounded, an amount is never a binary float). Openpyxl's write-only workbook does
the same at a sixth of the speed (a cell object per value).
"""

import re
import zipfile
from collections.abc import Sequence
from pathlib import Path
from xml.sax.saxutils import escape

_XML = '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
_MAIN = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
_PACKAGE = "http://schemas.openxmlformats.org/package/2006/relationships"
_DOCUMENT = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml"
_CONTENT_TYPES = (
    f'{_XML}<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
    '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.'
    'relationships+xml"/><Default Extension="xml" ContentType="application/xml"/>'
    f'<Override PartName="/xl/workbook.xml" ContentType="{_TYPE}.sheet.main+xml"/>'
    f'<Override PartName="/xl/worksheets/sheet1.xml" ContentType="{_TYPE}.worksheet+xml"/>'
    f'<Override PartName="/xl/styles.xml" ContentType="{_TYPE}.styles+xml"/></Types>'
)
_ROOT_RELS = (
    f'{_XML}<Relationships xmlns="{_PACKAGE}"><Relationship Id="rId1" '
    f'Type="{_DOCUMENT}/officeDocument" Target="xl/workbook.xml"/></Relationships>'
)
_WORKBOOK_RELS = (
    f'{_XML}<Relationships xmlns="{_PACKAGE}">'
    f'<Relationship Id="rId1" Type="{_DOCUMENT}/worksheet" Target="worksheets/sheet1.xml"/>'
    f'<Relationship Id="rId2" Type="{_DOCUMENT}/styles" Target="styles.xml"/></Relationships>'
)
_STYLES = (
    f'{_XML}<styleSheet xmlns="{_MAIN}"><fonts count="1"><font><sz val="11"/>'
    '<name val="Calibri"/></font></fonts><fills count="2"><fill><patternFill '
    'patternType="none"/></fill><fill><patternFill patternType="gray125"/></fill></fills>'
    '<borders count="1"><border><left/><right/><top/><bottom/><diagonal/></border></borders>'
    '<cellStyleXfs count="1"><xf numFmtId="0" fontId="0" fillId="0" borderId="0"/>'
    '</cellStyleXfs><cellXfs count="1"><xf numFmtId="0" fontId="0" fillId="0" borderId="0" '
    'xfId="0"/></cellXfs><cellStyles count="1"><cellStyle name="Normal" xfId="0" '
    'builtinId="0"/></cellStyles></styleSheet>'
)
_CELL = '<c t="inlineStr"><is><t>{}</t></is></c>'
# Leading or trailing spaces survive only where the text says so (as openpyxl writes it).
_KEPT_CELL = '<c t="inlineStr"><is><t xml:space="preserve">{}</t></is></c>'
# An empty text is no value at all, as openpyxl writes it.
_EMPTY = (_CELL.format(""), _KEPT_CELL.format(""))
_SPACES = "".join(c for c in map(chr, range(0x3001)) if c.isspace())  # all that strip() strips
# XML 1.0 has no place for these (openpyxl refuses them too): no cell may hold one.
_ILLEGAL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f]")


def _edge_spaces(values: Sequence[str]) -> bool:
    """Whether a value starts or ends with a space (looked for one by one only when the
    column holds a space at all: a search for each kind of space over the whole column)."""
    joined = "".join(values)
    if not any(space in joined for space in _SPACES):
        return False
    return any(value != value.strip() for value in values)


def _workbook(sheet_name: str) -> str:
    return (
        f'{_XML}<workbook xmlns="{_MAIN}" xmlns:r="{_DOCUMENT}"><sheets>'
        f'<sheet name="{escape(sheet_name, {chr(34): "&quot;"})}" sheetId="1" r:id="rId1"/>'
        "</sheets></workbook>"
    )


def text_column(values: Sequence[str]) -> Sequence[str]:
    """A column of cell texts made safe for the sheet: escaped only if some value needs it
    (one search over the whole column), refused if a value holds a control character."""
    joined = "".join(values)
    if _ILLEGAL.search(joined):
        raise ValueError("单元格内容含有控制字符。")
    if "&" in joined or "<" in joined or ">" in joined:
        return [escape(value) for value in values]
    return values


class SheetWriter:
    """One sheet of text rows, streamed into the XLSX at `path`: `rows` takes a batch of
    columns (each a sequence of texts, escaped by `text_column`), `close` ends the file."""

    def __init__(self, path: Path, sheet_name: str) -> None:
        self.book = zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED, compresslevel=1)
        for name, content in (
            ("[Content_Types].xml", _CONTENT_TYPES),
            ("_rels/.rels", _ROOT_RELS),
            ("xl/workbook.xml", _workbook(sheet_name)),
            ("xl/_rels/workbook.xml.rels", _WORKBOOK_RELS),
            ("xl/styles.xml", _STYLES),
        ):
            self.book.writestr(name, content)
        self.sheet = self.book.open("xl/worksheets/sheet1.xml", "w", force_zip64=True)
        self.sheet.write(f'{_XML}<worksheet xmlns="{_MAIN}"><sheetData>'.encode())

    def rows(self, columns: Sequence[Sequence[str]]) -> None:
        cells = (_KEPT_CELL if _edge_spaces(column) else _CELL for column in columns)
        row = "<row>" + "".join(cells) + "</row>"
        xml = "".join(map(row.format, *columns))
        if any("" in column for column in columns):
            for empty in _EMPTY:
                xml = xml.replace(empty, "<c/>")
        self.sheet.write(xml.encode())

    def close(self) -> None:
        self.sheet.write(b"</sheetData></worksheet>")
        self.sheet.close()
        self.book.close()
