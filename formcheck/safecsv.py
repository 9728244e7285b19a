"""CSV cells a spreadsheet shows as text and never runs as a formula (CSV injection).

A cell that starts with ``=``, ``+``, ``-``, ``@``, a tab or a carriage return is a formula to
Excel, LibreOffice and Google Sheets, so a patient called ``=HYPERLINK(...)`` could run one.
Following OWASP's advice such a text cell gets a leading single quote; numbers stay numbers
(``-12.5`` is still written as ``-12.5``).
"""

from __future__ import annotations

import csv
import io
import math
from collections.abc import Iterable
from typing import Any

_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def cell(value: Any) -> Any:
    """``value`` as a CSV cell: None as empty, a text that a spreadsheet would run quoted.

    Line breaks inside a text become ``\\n`` (the writer then quotes the cell).
    """
    if value is None:
        return ""
    if not isinstance(value, str):
        return value
    if value.startswith(_FORMULA_START) and not _is_number(value):
        value = "'" + value
    # A bare CR would end the row for most readers (Python 3.11's writer leaves it unquoted).
    return value.replace("\r\n", "\n").replace("\r", "\n")


def _is_number(text: str) -> bool:
    try:
        return math.isfinite(float(text))
    except ValueError:
        return False


def rows_to_csv(rows: Iterable[Iterable[Any]]) -> str:
    """The rows as CSV text (``\\n`` line ends), every cell through :func:`cell`."""
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\n")
    for row in rows:
        w.writerow([cell(v) for v in row])
    return buf.getvalue()
