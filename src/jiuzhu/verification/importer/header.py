"""The header row: its cells (English names or Chinese labels) mapped to a source's columns."""

from jiuzhu.core.errors import DomainError
from jiuzhu.verification.sources import SOURCES, Source


def _header_names(source: Source) -> dict[str, str]:
    names: dict[str, str] = {}
    for column in source.all_columns:
        names[column.name] = column.name
        names[column.label] = column.name
    return names


def map_header(source: Source, header: list[str]) -> list[str]:
    """Header cells (English name or Chinese label) → column names; DomainError if wrong."""
    cleaned = [str(cell or "").strip().lstrip("\ufeff") for cell in header]
    if not any(cleaned):
        raise DomainError("文件为空或缺少表头行。")
    known = _header_names(source)
    mapped = [known.get(cell) for cell in cleaned]
    problems = []
    unknown = [cell for cell, name in zip(cleaned, mapped, strict=True) if name is None]
    present = [name for name in mapped if name]
    missing = [source.column(c).label for c in source.required_columns if c not in present]
    if unknown or missing:
        guess = _guess_source(cleaned, source)
        if guess is not None:
            problems.append(
                f"该文件的表头与「{source.department} · {source.name}」不符，"
                f"看起来是「{guess.department} · {guess.name}」的数据，请核对数据来源。"
            )
    if unknown:
        problems.append("未知的列：" + "、".join(unknown) + "。")
    if missing:
        problems.append("缺少必填列：" + "、".join(missing) + "。")
    duplicated = sorted({name for name in present if present.count(name) > 1})
    if duplicated:
        problems.append("列重复：" + "、".join(source.column(c).label for c in duplicated) + "。")
    if problems:
        expected = "、".join(c.label for c in source.all_columns)
        raise DomainError(" ".join(problems) + f" 本来源应有的列：{expected}。")
    return [name for name in mapped if name is not None]


def _guess_source(header: list[str], chosen: Source) -> Source | None:
    best, best_score = None, 0
    for source in SOURCES.values():
        if source.code == chosen.code:
            continue
        known = _header_names(source)
        if all(cell in known for cell in header):
            score = sum(1 for cell in header if cell in known)
            if score > best_score:
                best, best_score = source, score
    return best
