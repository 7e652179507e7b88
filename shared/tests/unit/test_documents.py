"""The shared document formats, read back with real readers: csv, openpyxl, pypdf, an XML parser."""

from __future__ import annotations

import csv
import io
import xml.etree.ElementTree as ET
from datetime import UTC, date, datetime

from openpyxl import load_workbook
from PIL import Image
from pypdf import PdfReader

from samla_shared.documents.charts import LineChart, ReferenceLine, Series, render_png, render_svg
from samla_shared.documents.pdf import FAMILY, new_document, render
from samla_shared.documents.responses import disposition
from samla_shared.documents.tables import Column, Sheet, csv_chunks, write_csv, write_workbook, write_xlsx

COLUMNS = [Column("Navn", "name"), Column("Telefon", "phone"), Column("Timer", "hours"), Column("Søkt", "at"),
           Column("Ja?", lambda row: row["name"].startswith("Å"))]
ROWS = [{"name": "Åse Ødegård", "phone": "+47 912 34 567", "hours": 7.5, "at": datetime(2027, 1, 4, 8, tzinfo=UTC)},
        {"name": "=HYPERLINK(\"http://evil\")", "phone": None, "hours": 3, "at": None}]


def test_csv_is_utf8_with_a_bom_semicolons_decimal_commas_and_oslo_time():
    content = write_csv(COLUMNS, ROWS)
    assert content.startswith("\ufeff".encode())
    rows = list(csv.reader(io.StringIO(content.decode("utf-8-sig")), delimiter=";"))
    assert rows[0] == ["Navn", "Telefon", "Timer", "Søkt", "Ja?"]
    assert rows[1] == ["Åse Ødegård", "+47 912 34 567", "7,5", "2027-01-04 09:00", "ja"]
    assert rows[2][0] == "'=HYPERLINK(\"http://evil\")", "a formula is written as text"


def test_csv_streams_in_chunks_that_join_to_the_whole_file():
    many = [{"name": f"Bjørn {n}", "phone": "", "hours": n, "at": None} for n in range(1200)]
    chunks = list(csv_chunks(COLUMNS, many, every=500))
    assert len(chunks) == 3 and b"".join(chunks) == write_csv(COLUMNS, many)


def test_xlsx_keeps_letters_numbers_and_times_and_never_writes_a_formula():
    sheet = load_workbook(io.BytesIO(write_xlsx(COLUMNS, ROWS, sheet="Påmeldte: vår/høst"))).active
    assert sheet.title == "Påmeldte- vår-høst"
    rows = [list(r) for r in sheet.iter_rows(values_only=True)]
    assert rows[1] == ["Åse Ødegård", "+47 912 34 567", 7.5, datetime(2027, 1, 4, 9, 0), "ja"]
    assert sheet.cell(row=3, column=1).data_type == "s" and rows[2][0].startswith("=HYPERLINK")


def test_xlsx_takes_text_with_control_characters_that_xml_cannot_hold():
    # Typed or pasted titles can carry them; the export must still open, with a visible mark instead.
    columns = [Column("Tiltak", "title")]
    sheet = load_workbook(io.BytesIO(write_xlsx(columns, [{"title": "Heltid\x00kultur\x1b"}]))).active
    assert [r[0] for r in sheet.iter_rows(values_only=True)] == ["Tiltak", "Heltid\ufffdkultur\ufffd"]


def test_a_workbook_holds_several_sheets():
    book = load_workbook(io.BytesIO(write_workbook([Sheet("Tiltak", COLUMNS, ROWS), Sheet("Oppfølginger", COLUMNS,
                                                                                          [])])))
    assert book.sheetnames == ["Tiltak", "Oppfølginger"]
    assert book["Oppfølginger"].max_row == 1


def test_a_pdf_keeps_norwegian_and_danish_letters():
    pdf = new_document(title="Kursbevis")
    pdf.add_page()
    pdf.set_font(FAMILY, "B", 14)
    pdf.cell(text="Blåbærsyltetøy på Ærø – Søren Kærgård")
    text = PdfReader(io.BytesIO(render(pdf))).pages[0].extract_text()
    assert "Blåbærsyltetøy på Ærø – Søren Kærgård" in text


def test_a_chart_is_valid_svg_with_a_title_a_description_and_its_reference_lines():
    chart = LineChart("Sykefravær – Sæby", [Series("Avdeling Å", [(date(2027, 1, 1), 9.5), (date(2027, 3, 1), 8.0)])],
                      unit="%", references=[ReferenceLine("Mål", 7.0, dashed=False)], low=0, high=None)
    svg = ET.fromstring(render_svg(chart))
    ns = "{http://www.w3.org/2000/svg}"
    assert svg.find(f"{ns}title").text == "Sykefravær – Sæby"
    assert "Avdeling Å: 01.01.2027: 9,5%, 01.03.2027: 8%" in svg.find(f"{ns}desc").text
    assert "Mål 7%" in [t.text for t in svg.iter(f"{ns}text")]


def test_an_empty_chart_still_renders():
    ET.fromstring(render_svg(LineChart("Ingen målinger ennå", [])))
    assert Image.open(io.BytesIO(render_png(LineChart("Ingen målinger ennå", [])))).format == "PNG"


def test_the_png_chart_has_the_svgs_layout_at_twice_the_size():
    chart = LineChart("Sykefravær", [Series("Å", [(date(2027, 1, 1), 9.5), (date(2027, 3, 1), 8.0)])], unit="%",
                      references=[ReferenceLine("Utgangspunkt", 9.5)], low=0)
    image = Image.open(io.BytesIO(render_png(chart)))
    assert image.size == (1440, 720)
    assert image.getpixel((5, 5)) == (255, 255, 255), "a white background, for mail clients in dark mode"
    assert len(image.getcolors(maxcolors=100_000)) > 10, "something is drawn"


def test_download_names_keep_their_letters_for_browsers_and_fall_back_to_ascii():
    header = disposition("Kursbevis - Åse Ødegård.pdf")
    assert header.startswith('attachment; filename="Kursbevis-Ase-Odegard.pdf"')
    assert "filename*=UTF-8''Kursbevis%20-%20%C3%85se%20%C3%98deg%C3%A5rd.pdf" in header
