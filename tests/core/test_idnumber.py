import datetime as dt

import pytest
from hypothesis import given
from hypothesis import strategies as st

from jiuzhu.core import idnumber
from jiuzhu.core.errors import DomainError

# A published example of a valid number (GB 11643 appendix style).
VALID = "11010519491231002X"


def test_valid_number_gives_birth_date_sex_and_region():
    facts = idnumber.parse(VALID)
    assert facts.birth_date == dt.date(1949, 12, 31)
    assert facts.sex == "F"  # sequence 002 is even
    assert facts.region_code == "110105"
    assert facts.age_on(dt.date(2020, 12, 30)) == 70
    assert facts.age_on(dt.date(2020, 12, 31)) == 71


def test_lower_case_x_and_spaces_are_accepted():
    assert idnumber.parse(" 11010519491231002x ").id_number == VALID


@pytest.mark.parametrize(
    ("raw", "message"),
    [
        ("1101051949123100", "18位"),
        ("11010519491231002Y", "最后一位"),
        ("110105194912310021", "校验码"),
        ("990105194912310028", "行政区划"),
        (idnumber.make("370124", dt.date(2020, 1, 1), 1)[:10] + "0230" + "0011", "出生日期不存在"),
    ],
)
def test_invalid_numbers_are_refused_in_chinese(raw, message):
    with pytest.raises(DomainError, match=message):
        idnumber.parse(raw)


def test_impossible_birth_date_is_refused():
    first17 = "37012419990230001"
    with pytest.raises(DomainError, match="出生日期不存在"):
        idnumber.parse(first17 + idnumber.check_char(first17))


def test_future_birth_date_is_refused():
    number = idnumber.make("370124", dt.date(2030, 1, 1), 1)
    with pytest.raises(DomainError, match="不合理"):
        idnumber.parse(number, today=dt.date(2026, 11, 28))


@given(
    birth=st.dates(min_value=dt.date(1900, 1, 1), max_value=dt.date(2025, 12, 31)),
    sequence=st.integers(0, 999),
)
def test_made_numbers_validate_and_round_trip(birth, sequence):
    number = idnumber.make("370124", birth, sequence)
    facts = idnumber.parse(number)
    assert facts.birth_date == birth
    assert facts.sex == ("M" if sequence % 2 else "F")


@given(position=st.integers(0, 16), digit=st.integers(0, 9))
def test_any_single_digit_change_breaks_the_check(position, digit):
    number = idnumber.make("370124", dt.date(1980, 6, 15), 123)
    if number[position] == str(digit):
        return
    changed = number[:position] + str(digit) + number[position + 1 :]
    assert idnumber.check_char(changed[:17]) != changed[17]


def test_masking_by_level():
    number = "37012419800615123X"
    assert idnumber.mask(number, "full") == number
    assert idnumber.mask(number, "partial") == "370124********123X"
    assert idnumber.mask(number, "hidden") == "3****************X"
