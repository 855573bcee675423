import re

import pytest
from django.core.exceptions import ValidationError

from districts.validators import (
    id_check_character,
    mask_id_number,
    mask_phone,
    validate_id_number,
    validate_phone,
)


def test_check_character_of_the_standard_example():
    # GB 11643-1999's worked example: 11010519491231002X.
    assert id_check_character("11010519491231002") == "X"


@pytest.mark.parametrize(
    "value", ["11010519491231002X", "11010519491231002x", "530827198001019998"]
)
def test_valid_id_numbers_pass(value):
    validate_id_number(value)


ID_FORMAT = "身份证号码为 18 位：前 17 位为数字，最后一位为数字或 X。"


@pytest.mark.parametrize(
    ("value", "code", "message"),
    [
        ("110105194912310021", "id_checksum", "该身份证号码的校验位不正确，请检查是否输入有误。"),
        ("11010519491231002", "id_format", ID_FORMAT),
        ("1101051949123100XX", "id_format", ID_FORMAT),
        (
            "110105194902300021",
            "id_birth_date",
            "该身份证号码中的出生日期（19490230）不是有效日期。",
        ),
        (
            "110105189901010021",
            "id_birth_date",
            "该身份证号码中的出生日期（18990101）超出合理范围。",
        ),
    ],
)
def test_invalid_id_numbers_are_rejected_with_their_reason(value, code, message):
    with pytest.raises(ValidationError, match=re.escape(message)) as exc:
        validate_id_number(value)
    assert (exc.value.code, exc.value.messages) == (code, [message])


@pytest.mark.parametrize("value", ["13900001234", "0879-8722345", "08798722345", "139 0000 1234"])
def test_valid_phones(value):
    validate_phone(value)


@pytest.mark.parametrize("value", ["12900001234", "1390000123", "abc", "879-8722345"])
def test_invalid_phones(value):
    with pytest.raises(ValidationError, match="请输入 11 位手机号码或带区号的固定电话号码。"):
        validate_phone(value)


def test_masks_keep_only_the_ends():
    assert mask_id_number("53082719800101123X") == "5308**********123X"
    assert mask_phone("13900001234") == "139****1234"
    assert mask_id_number("") == ""
    assert mask_phone("") == ""
