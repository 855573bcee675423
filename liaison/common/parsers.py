"""A JSON parser that refuses bodies nested too deeply, before the recursive decoder sees them.

Python's json decoder recurses once per level: a body of a few thousand `[` ends in a
RecursionError (a 500), and a body of a few hundred levels costs stack for nothing. No
request of this API nests more than a few levels.
"""

import codecs
import itertools
import re
from typing import Any

from django.utils.translation import gettext as _
from rest_framework.exceptions import ParseError
from rest_framework.parsers import JSONParser, get_encoding  # type: ignore[attr-defined]
from rest_framework.utils import json

MAX_DEPTH = 100

# A JSON string, escapes included (unrolled so that long strings need no backtracking).
_STRING = re.compile(r'"[^"\\]*(?:\\.[^"\\]*)*"', re.DOTALL)
_BRACKETS = re.compile(r"[\[\]{}]")
_STEP = {"[": 1, "{": 1, "]": -1, "}": -1}


def json_depth(text: str) -> int:
    """Return how deeply arrays and objects nest in `text`, without recursion.

    Brackets inside strings do not count. The text need not be valid JSON: the decoder
    reports what else is wrong with it.
    """
    brackets = _BRACKETS.findall(_STRING.sub('""', text))
    return max(itertools.accumulate(_STEP[b] for b in brackets), default=0)


class DepthLimitedJSONParser(JSONParser):
    """DRF's JSON parser, answering 400 for a body nested more than MAX_DEPTH levels."""

    def parse(self, stream: Any, media_type: str | None = None, parser_context: Any = None) -> Any:
        # DRF's get_encoding refuses non-text codecs (the stubs do not know it yet).
        encoding = get_encoding(parser_context or {})
        try:
            text = codecs.getreader(encoding)(stream).read()
        except ValueError as exc:  # UnicodeDecodeError included
            raise ParseError(_("JSON parse error - %(error)s") % {"error": exc}) from exc
        if json_depth(text) > MAX_DEPTH:
            raise ParseError(
                _("The JSON body nests more than %(max)d levels of arrays and objects.")
                % {"max": MAX_DEPTH}
            )
        parse_constant = json.strict_constant if self.strict else None
        try:
            return json.loads(text, parse_constant=parse_constant)
        except ValueError as exc:
            raise ParseError(_("JSON parse error - %(error)s") % {"error": exc}) from exc
