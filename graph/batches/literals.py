"""Typed literals checked as a steward wrote them: :func:`literal_problem`.

Why a module of its own: the RDF parsers accept ``"abc"^^xsd:date`` and the store would keep it,
so the parser asks here about every typed literal of a batch (:func:`graph.store.load_rdf`'s
``check_literal``, given by :mod:`graph.batches.parsing`) and the steward hears what is wrong and
how to write it. The lexical rules of the XSD datatypes are a table of their own, and need nothing
else of the batches.
"""

from __future__ import annotations

import re

from graph.namespaces import XSD

_XSD = str(XSD)
_TZ = r"(?:Z|[+-](?:(?:0\d|1[0-3]):[0-5]\d|14:00))?"
_INTEGER = re.compile(r"[+-]?\d+")
_DECIMAL = re.compile(r"[+-]?(?:\d+(?:\.\d*)?|\.\d+)")
_DOUBLE = re.compile(r"(?:[+-]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?|[+-]?INF|NaN)")
_DATE = re.compile(r"(-?\d{4,})-(\d\d)-(\d\d)" + _TZ)
_DATETIME = re.compile(r"(-?\d{4,})-(\d\d)-(\d\d)T(\d\d):(\d\d):(\d\d)(?:\.\d+)?" + _TZ)
_GYEAR = re.compile(r"-?\d{4,}" + _TZ)
_GYEARMONTH = re.compile(r"(-?\d{4,})-(\d\d)" + _TZ)
_BOUNDS: dict[str, tuple[int | None, int | None]] = {
    "integer": (None, None),
    "nonNegativeInteger": (0, None),
    "positiveInteger": (1, None),
    "nonPositiveInteger": (None, 0),
    "negativeInteger": (None, -1),
    "long": (-(2**63), 2**63 - 1),
    "int": (-(2**31), 2**31 - 1),
    "short": (-(2**15), 2**15 - 1),
    "byte": (-128, 127),
    "unsignedLong": (0, 2**64 - 1),
    "unsignedInt": (0, 2**32 - 1),
    "unsignedShort": (0, 2**16 - 1),
    "unsignedByte": (0, 255),
}


def _valid_day(year: int, month: int, day: int) -> bool:
    if not 1 <= month <= 12 or day < 1:
        return False
    leap = year % 4 == 0 and (year % 100 != 0 or year % 400 == 0)
    days = [31, 29 if leap else 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31][month - 1]
    return day <= days


def literal_problem(lexical: str, datatype: str) -> str | None:
    """What is wrong with a typed literal, in words, or ``None`` if it is well-formed.

    The parsers accept ``"abc"^^xsd:date`` and the store would keep it; a steward should hear about
    it with the fix. Only XSD datatypes are checked; others are taken as they are.

    >>> literal_problem("2017-02-30", "http://www.w3.org/2001/XMLSchema#date")
    '"2017-02-30" is not a valid xsd:date: there is no such calendar day; write YYYY-MM-DD, e.g. "2017-02-10"'
    >>> literal_problem("0.9", "http://www.w3.org/2001/XMLSchema#decimal") is None
    True
    """
    if not datatype.startswith(_XSD):
        return None
    kind = datatype[len(_XSD) :]

    def bad(hint: str) -> str:
        return f'"{lexical}" is not a valid xsd:{kind}: {hint}'

    if kind in _BOUNDS:
        if not _INTEGER.fullmatch(lexical):
            return bad('write a whole number in digits, e.g. "42"')
        low, high = _BOUNDS[kind]
        value = int(lexical)
        if (low is not None and value < low) or (high is not None and value > high):
            span = f"at least {low}" if high is None else f"between {low} and {high}"
            span = f"at most {high}" if low is None else span
            return bad(f"xsd:{kind} must be {span}")
        return None
    if kind == "decimal":
        return None if _DECIMAL.fullmatch(lexical) else bad('write a decimal number, e.g. "0.9"')
    if kind in ("double", "float"):
        return None if _DOUBLE.fullmatch(lexical) else bad('write a number, e.g. "1.5e3"')
    if kind == "boolean":
        return None if lexical in ("true", "false", "1", "0") else bad('write "true" or "false"')
    if kind == "date":
        m = _DATE.fullmatch(lexical)
        if m is None:
            return bad('write YYYY-MM-DD, e.g. "2017-02-10"')
        if not _valid_day(int(m.group(1)), int(m.group(2)), int(m.group(3))):
            return bad('there is no such calendar day; write YYYY-MM-DD, e.g. "2017-02-10"')
        return None
    if kind == "dateTime":
        m = _DATETIME.fullmatch(lexical)
        ok = m is not None and _valid_day(int(m.group(1)), int(m.group(2)), int(m.group(3)))
        if ok and m is not None:
            hour, minute, second = int(m.group(4)), int(m.group(5)), int(m.group(6))
            ok = (hour < 24 and minute < 60 and second < 60) or (hour, minute, second) == (24, 0, 0)
        return None if ok else bad('write YYYY-MM-DDThh:mm:ss, e.g. "2017-02-10T14:30:00Z"')
    if kind == "gYear":
        return None if _GYEAR.fullmatch(lexical) else bad('write a year, e.g. "2017"')
    if kind == "gYearMonth":
        m = _GYEARMONTH.fullmatch(lexical)
        ok = m is not None and 1 <= int(m.group(2)) <= 12
        return None if ok else bad('write YYYY-MM, e.g. "2017-02"')
    return None
