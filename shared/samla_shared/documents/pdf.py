"""PDFs with fpdf2 and a Unicode TrueType font, so æ ø å print as they are written.

fpdf2 is pure Python (no system libraries, unlike WeasyPrint's Pango and Cairo). Its
built-in fonts know Latin-1 only, so the documents embed DejaVu Sans, from Debian's
`fonts-dejavu-core` package (`apt-get install fonts-dejavu-core`); SAMLA_PDF_FONT_DIR
points elsewhere when a system keeps it in another place.
"""

from __future__ import annotations

import os
from pathlib import Path

from fpdf import FPDF

FONT_DIRS = (Path(os.environ.get("SAMLA_PDF_FONT_DIR", "/usr/share/fonts/truetype/dejavu")),
             Path("/usr/share/fonts/dejavu"), Path("/usr/share/fonts/TTF"))
FAMILY = "Samla"


class FontMissing(RuntimeError):
    """No DejaVu Sans on this machine: install fonts-dejavu-core or set SAMLA_PDF_FONT_DIR."""


def _font_dir() -> Path:
    for folder in FONT_DIRS:
        if (folder / "DejaVuSans.ttf").exists() and (folder / "DejaVuSans-Bold.ttf").exists():
            return folder
    raise FontMissing("DejaVu Sans not found in " + ", ".join(map(str, FONT_DIRS))
                      + "; install Debian's fonts-dejavu-core or set SAMLA_PDF_FONT_DIR")


def font_file(*, bold: bool = False) -> Path:
    """The TrueType file of the documents' font (charts drawn as PNG use it too)."""
    return _font_dir() / ("DejaVuSans-Bold.ttf" if bold else "DejaVuSans.ttf")


def new_document(*, title: str, landscape: bool = False) -> FPDF:
    """An A4 document with the Samla font family (regular and bold) selected."""
    pdf = FPDF(orientation="L" if landscape else "P", unit="mm", format="A4")
    folder = _font_dir()
    pdf.add_font(FAMILY, "", str(folder / "DejaVuSans.ttf"))
    pdf.add_font(FAMILY, "B", str(folder / "DejaVuSans-Bold.ttf"))
    pdf.set_title(title)
    pdf.set_creator("Samla")
    pdf.set_auto_page_break(auto=True, margin=18)
    pdf.set_font(FAMILY, size=11)
    return pdf


def render(pdf: FPDF) -> bytes:
    return bytes(pdf.output())
