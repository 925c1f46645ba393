"""Citizen ID numbers (GB 11643): validation, the facts they encode, masking by role."""

import datetime as dt
import re
from dataclasses import dataclass
from enum import StrEnum

from jiuzhu.core.errors import DomainError

WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
CHECK_CHARS = "10X98765432"
_SHAPE = re.compile(r"^\d{17}[\dX]$")
# Provinces and autonomous regions: the first two digits of every GB/T 2260 code.
PROVINCE_PREFIXES = frozenset(
    (
        "11",
        "12",
        "13",
        "14",
        "15",
        "21",
        "22",
        "23",
        "31",
        "32",
        "33",
        "34",
        "35",
        "36",
        "37",
        "41",
        "42",
        "43",
        "44",
        "45",
        "46",
        "50",
        "51",
        "52",
        "53",
        "54",
        "61",
        "62",
        "63",
        "64",
        "65",
        "71",
        "81",
        "82",
    )
)


@dataclass(frozen=True)
class IdFacts:
    id_number: str
    region_code: str
    birth_date: dt.date
    sex: str  # "M" or "F"

    def age_on(self, day: dt.date) -> int:
        return age_on(self.birth_date, day)


def age_on(birth_date: dt.date, day: dt.date) -> int:
    return day.year - birth_date.year - ((day.month, day.day) < (birth_date.month, birth_date.day))


def check_char(first17: str) -> str:
    total = sum(int(c) * w for c, w in zip(first17, WEIGHTS, strict=True))
    return CHECK_CHARS[total % 11]


def normalise(raw: str) -> str:
    return (raw or "").strip().upper()


def parse(raw: str, today: dt.date | None = None) -> IdFacts:
    """Validate an ID number and return what it encodes; DomainError (Chinese) if invalid."""
    value = normalise(raw)
    if len(value) != 18:
        raise DomainError("身份证号应为18位。")
    if not _SHAPE.match(value):
        raise DomainError("身份证号前17位应为数字，最后一位为数字或X。")
    if value[:2] not in PROVINCE_PREFIXES or value[2:6] == "0000":
        raise DomainError("身份证号的行政区划代码无效。")
    try:
        birth = dt.date(int(value[6:10]), int(value[10:12]), int(value[12:14]))
    except ValueError:
        raise DomainError("身份证号中的出生日期不存在。") from None
    today = today or dt.date.today()
    if birth > today or birth.year < 1890:
        raise DomainError("身份证号中的出生日期不合理。")
    if check_char(value[:17]) != value[17]:
        raise DomainError("身份证号校验码错误，请核对。")
    return IdFacts(
        id_number=value,
        region_code=value[:6],
        birth_date=birth,
        sex="M" if int(value[16]) % 2 else "F",
    )


def is_valid(raw: str) -> bool:
    try:
        parse(raw)
    except DomainError:
        return False
    return True


def make(region_code: str, birth_date: dt.date, sequence: int) -> str:
    """Build a valid ID number (demo data and tests); odd sequence = male."""
    first17 = f"{region_code[:6]}{birth_date:%Y%m%d}{sequence % 1000:03d}"
    return first17 + check_char(first17)


class Visibility(StrEnum):
    """How much of an ID number a role sees on screen."""

    FULL = "full"
    PARTIAL = "partial"  # region and the last four digits
    HIDDEN = "hidden"  # first and last character only


def mask(id_number: str, level: str) -> str:
    """Mask for display at a ``Visibility`` level (an unknown level hides)."""
    if not id_number:
        return ""
    if level == Visibility.FULL:
        return id_number
    if level == Visibility.PARTIAL:
        return f"{id_number[:6]}{'*' * 8}{id_number[-4:]}"
    return f"{id_number[:1]}{'*' * 16}{id_number[-1:]}"


# Longer digit runs than this are (part of) an ID number and do not belong in a URL: URLs
# end up in browser history, proxy and server logs (PIPL: minimum necessary exposure).
MAX_DIGITS_IN_URL = 6
# More than that many ID characters in a row: digits, the last one possibly the check "X".
_LONG_DIGITS = re.compile(rf"\d{{{MAX_DIGITS_IN_URL},}}[\dXx]")


def too_many_digits_for_a_url(text: str) -> bool:
    """Whether `text` holds a run of digits long enough to be (part of) an ID number."""
    return _LONG_DIGITS.search(text) is not None
