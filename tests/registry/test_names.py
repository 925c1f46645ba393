"""Pinyin initials: read word by word, they are what pypinyin gives for the whole name."""

import pytest
from pypinyin import Style, lazy_pinyin

from jiuzhu.demo import pools
from jiuzhu.registry.names import initials


def whole_name_initials(name: str) -> str:
    letters = lazy_pinyin(name, style=Style.FIRST_LETTER, errors="default")
    return "".join(part[:1] for part in letters if part and part[0].isalnum()).lower()


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("张三", "zs"),
        ("曾国藩", "cgf"),
        ("曾", "c"),
        ("单田芳", "dtf"),
        ("Anna李", "al"),  # a run of other letters is one part
        ("李 四", "ls"),
        ("王2号", "w2h"),
        ("", ""),
    ],
)
def test_initials_of_names_and_mixed_text(name, expected):
    assert initials(name) == expected == whole_name_initials(name)


def test_initials_of_every_demo_surname_with_given_names_match_pypinyin():
    surnames = [surname for surname, _ in pools.SURNAMES]
    given = sorted(
        {
            name
            for sex in "MF"
            for modern in (False, True)
            for name in pools.given_name_pool(sex, modern)[0]
        }
    )
    names = [s + g for s in surnames for g in given[::37]] + [
        s + s + g for s, g in zip(surnames, given[: len(surnames)], strict=True)
    ]
    assert [initials(n) for n in names] == [whole_name_initials(n) for n in names]
