from functools import lru_cache

from pypinyin import Style, lazy_pinyin


@lru_cache(maxsize=65536)
def initials(name: str) -> str:
    """Pinyin initials for search: 张三 → zs. Non-Chinese letters are kept, lower-cased."""
    letters = lazy_pinyin(name, style=Style.FIRST_LETTER, errors="default")
    return "".join(part[:1] for part in letters if part and part[0].isalnum()).lower()
