from functools import lru_cache

from pypinyin import Style, lazy_pinyin
from pypinyin.seg.simpleseg import seg


@lru_cache(maxsize=65536)
def initials(name: str) -> str:
    """Pinyin initials for search: 张三 → zs. Non-Chinese letters are kept, lower-cased.

    The same as the initials of `lazy_pinyin(name)`: pypinyin reads each word of its own
    segmentation of the name on its own, so the words' initials are cached instead of
    converting every character of every name (a bulk load has hundreds of thousands of
    distinct names made of a few thousand words)."""
    return "".join(_word_initials(word) for word in seg(name))


@lru_cache(maxsize=65536)
def _word_initials(word: str) -> str:
    letters = lazy_pinyin(word, style=Style.FIRST_LETTER, errors="default")
    return "".join(part[:1] for part in letters if part and part[0].isalnum()).lower()
