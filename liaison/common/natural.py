"""Natural order of names with numbers in them: 第二 before 第十, "3组" before "10组".

A database orders text by code point, where 十 (U+5341) sorts before 三 (U+4E09) and "10"
before "3". `natural_key(name)` rewrites every number — Arabic digits, full-width digits or
Chinese numerals (第十一, 二十三, 一百零五, 二〇二六) — as its length followed by its digits,
so that plain string order of the keys is the natural order of the names. Stored in a column
(`Zone.sort_key`), the key lets the database sort and paginate in that order.
"""

import re

DIGITS = {"零": 0, "〇": 0, "一": 1, "二": 2, "两": 2, "三": 3, "四": 4}
DIGITS |= {"五": 5, "六": 6, "七": 7, "八": 8, "九": 9}
UNITS = {"十": 10, "百": 100, "千": 1000}
MYRIAD = {"万": 10_000, "亿": 100_000_000}

_NUMERALS = "".join([*DIGITS, *UNITS, *MYRIAD])
_NUMBER = re.compile(rf"(\d+|[{_NUMERALS}]+)")
# The key of one number is its length in digits (one digit, so at most 9) then its digits.
_LARGEST = 999_999_999
MAX_LENGTH = 255


def chinese_numeral_value(numeral: str) -> int:
    """Return the value of a Chinese numeral: 十一 → 11, 一百零五 → 105, 二〇二六 → 2026.

    Numerals without units (十, 百, …) are read digit by digit, as years and house numbers are.
    """
    if not any(ch in UNITS or ch in MYRIAD for ch in numeral):
        return int("".join(str(DIGITS[ch]) for ch in numeral))
    hundred_millions = myriads = section = digit = 0
    for ch in numeral:
        if ch in DIGITS:
            digit = DIGITS[ch]
        elif ch in UNITS:
            # 十 alone is ten: the digit before a unit may be left out.
            section += (digit or 1) * UNITS[ch]
            digit = 0
        elif ch == "万":
            myriads = ((section + digit) or 1) * 10_000
            section = digit = 0
        else:  # 亿
            hundred_millions = ((hundred_millions + myriads + section + digit) or 1) * 100_000_000
            myriads = section = digit = 0
    return hundred_millions + myriads + section + digit


def _number_key(value: int) -> str:
    digits = str(min(value, _LARGEST))
    return f"{len(digits)}{digits}"


def natural_key(name: str) -> str:
    """Return the key that sorts `name` naturally among others (at most MAX_LENGTH long)."""
    parts = []
    for i, part in enumerate(_NUMBER.split(name)):
        if i % 2 == 0:  # text between numbers
            parts.append(part.casefold())
        elif part[0] in DIGITS or part[0] in UNITS or part[0] in MYRIAD:
            parts.append(_number_key(chinese_numeral_value(part)))
        else:  # digits, Arabic or full-width (int() reads any decimal digit)
            parts.append(_number_key(int(part)))
    return "".join(parts)[:MAX_LENGTH]
