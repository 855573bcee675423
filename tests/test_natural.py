"""Natural order of names: Chinese ordinals and Arabic numbers by value."""

import random

import pytest

from liaison.common.natural import MAX_LENGTH, chinese_numeral_value, natural_key


@pytest.mark.parametrize(
    ("numeral", "value"),
    [
        ("一", 1),
        ("九", 9),
        ("十", 10),
        ("十一", 11),
        ("二十", 20),
        ("二十一", 21),
        ("两百", 200),
        ("一百零五", 105),
        ("一千零一", 1001),
        ("二〇二六", 2026),
        ("零", 0),
        ("万", 10_000),
        ("十万", 100_000),
        ("一万二千", 12_000),
        ("一亿二千万", 120_000_000),
    ],
)
def test_chinese_numeral_value(numeral, value):
    assert chinese_numeral_value(numeral) == value


ORDINALS = ["一", "二", "三", "四", "五", "六", "七", "八", "九", "十", "十一", "十二", "二十一"]


def test_chinese_ordinals_sort_by_value_not_by_code_point():
    names = [f"芒街村第{n}片区" for n in ORDINALS]
    shuffled = random.Random(8).sample(names, len(names))
    assert sorted(names) != names  # what the database did: 第一、第七、第三…
    assert sorted(shuffled, key=natural_key) == names


def test_arabic_and_full_width_numbers_sort_by_value():
    assert sorted(["10组", "3组", "２组", "1组", "21组"], key=natural_key) == [
        "1组",
        "２组",
        "3组",
        "10组",
        "21组",
    ]


def test_keys_are_exact():
    assert natural_key("芒街村第十一片区") == "芒街村第211片区"
    assert natural_key("3组") == "13组"
    assert natural_key("10组") == "210组"
    assert natural_key("三组") == natural_key("3组")  # same value: the name breaks the tie
    assert natural_key("Group B") == "group b"
    assert natural_key("") == ""


def test_text_before_the_number_still_leads():
    assert sorted(["勐啊村第二片区", "芒街村第一片区", "勐啊村第十片区"], key=natural_key) == [
        "勐啊村第二片区",
        "勐啊村第十片区",
        "芒街村第一片区",
    ]


def test_huge_numbers_and_long_names_stay_within_the_column():
    assert natural_key("第12345678901组") == "第9999999999组"
    assert len(natural_key("第一" * 100)) == MAX_LENGTH
