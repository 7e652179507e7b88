"""Tabular exports as CSV (UTF-8 with BOM, `;`-separated) and XLSX, written row by row.

Norwegian and Danish Excel read a CSV file as the local code page unless it starts with a
byte-order mark, and expect `;` between fields because `,` is their decimal separator;
without both, æ ø å turn into mojibake and every row lands in one column.

XLSX is written with openpyxl's write-only mode, which streams rows to the file instead of
building a worksheet in memory (a cohort of thousands stays in a few megabytes).

Text that a spreadsheet would take as a formula (starting with = + - @) is written as text:
an applicant's name must never run as a formula on a coordinator's machine (CSV injection).
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from enum import StrEnum
from typing import Any
from zoneinfo import ZoneInfo

from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
from openpyxl.styles import Font

BOM = "\ufeff"
NORDIC_TIME = ZoneInfo("Europe/Oslo")
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
# A phone number such as +47 912 34 567 is not a formula; quoting it would only uglify it.
PHONE = re.compile(r"^\+[\d ()-]+$")


class TableFormat(StrEnum):
    CSV = "csv"
    XLSX = "xlsx"

    @property
    def media_type(self) -> str:
        if self is TableFormat.CSV:
            return "text/csv; charset=utf-8"
        return "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


@dataclass(frozen=True)
class Column:
    """One column: its heading and how to get its value from a row (a key or a function)."""

    heading: str
    value: str | Callable[[Mapping[str, Any]], Any]

    def of(self, row: Mapping[str, Any]) -> Any:
        return self.value(row) if callable(self.value) else row.get(self.value)


def plain(value: Any) -> Any:
    """A value a spreadsheet cell holds: text, number, date; lists joined; None empty."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "ja" if value else "nei"
    if isinstance(value, datetime):
        # Excel cannot hold time zones: written as Nordic wall-clock time (Oslo and Copenhagen share it).
        return value if value.tzinfo is None else value.astimezone(NORDIC_TIME).replace(tzinfo=None)
    if isinstance(value, (list, tuple, set)):
        return ", ".join(str(v) for v in value)
    if isinstance(value, StrEnum):
        return value.value
    return value


def _safe_text(value: str) -> str:
    if value.startswith(FORMULA_START) and not PHONE.match(value):
        return "'" + value
    return value


def _csv_cell(value: Any) -> str:
    value = plain(value)
    if isinstance(value, datetime):
        return value.strftime("%Y-%m-%d %H:%M")
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, float):
        return f"{value:g}".replace(".", ",")  # the decimal comma the Nordic Excel expects
    return _safe_text(str(value))


def csv_chunks(columns: Sequence[Column], rows: Iterable[Mapping[str, Any]], *, every: int = 500) -> Iterator[bytes]:
    """The CSV file in pieces of about `every` rows, so a response can stream it."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter=";", lineterminator="\r\n")
    buffer.write(BOM)
    writer.writerow([c.heading for c in columns])
    for n, row in enumerate(rows, 1):
        writer.writerow([_csv_cell(c.of(row)) for c in columns])
        if n % every == 0:
            yield buffer.getvalue().encode("utf-8")
            buffer.seek(0)
            buffer.truncate()
    yield buffer.getvalue().encode("utf-8")


def write_csv(columns: Sequence[Column], rows: Iterable[Mapping[str, Any]]) -> bytes:
    return b"".join(csv_chunks(columns, rows))


@dataclass(frozen=True)
class Sheet:
    """One worksheet of a workbook: its name, columns and rows."""

    name: str
    columns: Sequence[Column]
    rows: Iterable[Mapping[str, Any]]


def write_xlsx(columns: Sequence[Column], rows: Iterable[Mapping[str, Any]], *, sheet: str = "Samla") -> bytes:
    return write_workbook([Sheet(sheet, columns, rows)])


def write_workbook(sheets: Sequence[Sheet]) -> bytes:
    """An XLSX file of one or more worksheets, each with a bold heading row."""
    workbook = Workbook(write_only=True)
    bold = Font(bold=True)
    for sheet in sheets:
        worksheet = workbook.create_sheet(_sheet_title(sheet.name))
        heading = []
        for column in sheet.columns:
            cell = WriteOnlyCell(worksheet, value=column.heading)
            cell.font = bold
            heading.append(cell)
        worksheet.append(heading)
        for row in sheet.rows:
            worksheet.append([_xlsx_cell(worksheet, c.of(row)) for c in sheet.columns])
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()


def _xlsx_cell(worksheet: Any, value: Any) -> Any:
    value = plain(value)
    if isinstance(value, str):
        # XML 1.0, which XLSX is, has no place for most control characters: openpyxl refuses
        # them, and a title someone typed with one must not make the whole export fail.
        value = ILLEGAL_CHARACTERS_RE.sub("\ufffd", value)
    if isinstance(value, str) and value.startswith("="):
        cell = WriteOnlyCell(worksheet, value=value)
        cell.data_type = "s"  # openpyxl would store it as a formula
        return cell
    return value


def _sheet_title(name: str) -> str:
    """Excel's rules: at most 31 characters, none of []:*?/\\."""
    return re.sub(r"[\[\]:*?/\\]", "-", name)[:31] or "Samla"


def write_table(fmt: TableFormat, columns: Sequence[Column], rows: Iterable[Mapping[str, Any]], *,
                sheet: str = "Samla") -> bytes:
    if fmt is TableFormat.CSV:
        return write_csv(columns, rows)
    return write_xlsx(columns, rows, sheet=sheet)
