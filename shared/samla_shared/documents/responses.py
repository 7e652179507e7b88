"""HTTP responses carrying a document: a download with its file name, never cached on the way."""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable, Mapping, Sequence
from typing import Any
from urllib.parse import quote

from fastapi.responses import Response, StreamingResponse

from samla_shared.documents.tables import Column, TableFormat, csv_chunks, write_xlsx

PDF = "application/pdf"
ZIP = "application/zip"
CALENDAR = "text/calendar; charset=utf-8"
SVG = "image/svg+xml"
PNG = "image/png"
NORDIC_ASCII = str.maketrans({"æ": "ae", "Æ": "Ae", "ø": "o", "Ø": "O"})


def disposition(filename: str, *, inline: bool = False) -> str:
    """Content-Disposition with an ASCII fallback and the UTF-8 name (RFC 6266), so æ ø å survive."""
    spelled = filename.translate(NORDIC_ASCII)  # ø and æ do not decompose; å does (NFKD)
    ascii_name = unicodedata.normalize("NFKD", spelled).encode("ascii", "ignore").decode()
    ascii_name = re.sub(r"[^A-Za-z0-9.]+", "-", ascii_name).strip("-") or "samla"
    kind = "inline" if inline else "attachment"
    return f"{kind}; filename=\"{ascii_name}\"; filename*=UTF-8''{quote(filename)}"


def document_headers(filename: str, *, inline: bool = False) -> dict[str, str]:
    # Documents hold personal data: never kept by caches or proxies on the way.
    return {"Content-Disposition": disposition(filename, inline=inline), "Cache-Control": "no-store"}


def table_response(fmt: TableFormat, name: str, columns: Sequence[Column], rows: Iterable[Mapping[str, Any]],
                   *, sheet: str = "Samla") -> Response:
    """A CSV streams row by row; an XLSX (a zip file) is written whole with openpyxl's streaming writer."""
    headers = document_headers(f"{name}.{fmt.value}")
    if fmt is TableFormat.CSV:
        return StreamingResponse(csv_chunks(columns, rows), media_type=fmt.media_type, headers=headers)
    return Response(write_xlsx(columns, rows, sheet=sheet), media_type=fmt.media_type, headers=headers)


def file_response(content: bytes, filename: str, media_type: str, *, inline: bool = False) -> Response:
    return Response(content, media_type=media_type, headers=document_headers(filename, inline=inline))


TABLE_RESPONSES: dict[int | str, dict[str, Any]] = {
    200: {"description": "The file: CSV (UTF-8 with BOM, `;`-separated) or XLSX",
          "content": {TableFormat.CSV.media_type: {}, TableFormat.XLSX.media_type: {}}}}
PDF_RESPONSES: dict[int | str, dict[str, Any]] = {200: {"description": "A PDF", "content": {PDF: {}}}}
ZIP_RESPONSES: dict[int | str, dict[str, Any]] = {200: {"description": "A ZIP archive of PDFs",
                                                        "content": {ZIP: {}}}}
