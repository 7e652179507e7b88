"""Measures exported as CSV and XLSX and indicators drawn as SVG, on the real stack, read back with real
readers (csv module, openpyxl, an XML parser) and scoped like the JSON they mirror."""

from __future__ import annotations

import csv
import io
import xml.etree.ElementTree as ET

from openpyxl import load_workbook
from PIL import Image

SVG = "{http://www.w3.org/2000/svg}"


async def follow_ups(steps, measure, readings: list[tuple[int, float]], **body):
    [indicator] = measure["indicators"]
    for days_ago, value in readings:
        response = await steps.follow_up(measure["id"], held_on=steps.days_ago(days_ago),
                                         readings=[{"indicator_id": indicator["id"], "value": value}], **body)
        assert response.status_code == 201, response.text
    return indicator


async def test_a_network_exports_its_measures_indicators_and_follow_ups_with_danish_letters_intact(steps, caller):
    first = await steps.adopted(organisation_id="org-aero", unit_ids=("unit-saeby",), adopted_days_ago=100,
                                title="Tidlig og tæt på – sygefravær")
    await follow_ups(steps, first, [(60, 9.0), (20, 8.2)], worked="Samtaler på én uge; ærlig dialog")
    await steps.propose(organisation_id="org-ostby", unit_ids=("unit-a",), title="Heltidskultur på Østby",
                        area="full_time_culture", indicators=[])
    params = {"network_id": steps.network_id, "lang": "da"}

    workbook = await steps.client.get("/exports/measures", params=params)
    assert workbook.status_code == 200, workbook.text
    assert workbook.headers["content-type"].startswith("application/vnd.openxmlformats")
    book = load_workbook(io.BytesIO(workbook.content), read_only=True)
    assert book.sheetnames == ["Tiltag", "Indikatorer", "Opfølgninger"]
    measures = [list(r) for r in book["Tiltag"].iter_rows(values_only=True)]
    assert measures[0][:3] == ["Tiltag", "Område", "Status"]
    assert [(r[0], r[2], r[3]) for r in measures[1:]] == [
        ("Tidlig og tæt på – sygefravær", "in_practice", "org-aero"),
        ("Heltidskultur på Østby", "proposed", "org-ostby")]
    indicators = [list(r) for r in book["Indikatorer"].iter_rows(values_only=True)]
    assert [(r[4], r[6], r[8], r[9], r[10]) for r in indicators[1:]] == [(9.5, 7.0, 8.2, -1.3, "improving")]
    readings = [list(r) for r in book["Opfølgninger"].iter_rows(values_only=True)]
    assert [(r[4], r[6]) for r in readings[1:]] == [(9.0, "Samtaler på én uge; ærlig dialog"),
                                                    (8.2, "Samtaler på én uge; ærlig dialog")]

    as_csv = await steps.client.get("/exports/measures", params=params | {"format": "csv", "rows": "follow-ups"})
    assert as_csv.content.startswith("\ufeff".encode())
    rows = list(csv.reader(io.StringIO(as_csv.content.decode("utf-8-sig")), delimiter=";"))
    assert rows[0][:2] == ["Tiltag", "Dato"]
    assert [(r[0], r[4]) for r in rows[1:]] == [("Tidlig og tæt på – sygefravær", "9"),
                                                ("Tidlig og tæt på – sygefravær", "8,2")]

    outsider = caller(steps.client, "coordinator-elsewhere", roles=["network_coordinator"], networks=["net-other"])
    leader = caller(steps.client, "leader-ostby", roles=["organisation_leader"], organisations=["org-ostby"])
    async with outsider, leader:
        nothing = await outsider.get("/exports/measures", params=params | {"format": "csv"})
        assert nothing.status_code == 200 and len(list(csv.reader(io.StringIO(
            nothing.content.decode("utf-8-sig")), delimiter=";"))) == 1, "headings only, like an empty JSON list"
        own = await leader.get("/exports/measures", params={"format": "csv"})
        titles = [r[0] for r in csv.reader(io.StringIO(own.content.decode("utf-8-sig")), delimiter=";")][1:]
        assert titles == ["Heltidskultur på Østby"]


async def test_an_indicator_chart_shows_readings_against_baseline_and_target_and_a_network_trend_per_organisation(
        steps, caller):
    measure = await steps.adopted(organisation_id="org-nordre-land", unit_ids=("unit-bo",), adopted_days_ago=100)
    indicator = await follow_ups(steps, measure, [(60, 9.1), (20, 7.8)])
    other = await steps.adopted(organisation_id="org-gjovik", unit_ids=("unit-as",), adopted_days_ago=100,
                                indicators=[steps.sick_leave(baseline=11.0, target=8.0)])
    await follow_ups(steps, other, [(40, 10.0)])

    chart = await steps.client.get(f"/measures/{measure['id']}/indicators/{indicator['id']}/chart")
    assert chart.status_code == 200 and chart.headers["content-type"].startswith("image/svg+xml")
    svg = ET.fromstring(chart.content)
    assert svg.find(f"{SVG}title").text == "Sykefravær / sick leave – Tidlig og tett på"
    texts = [t.text for t in svg.iter(f"{SVG}text")]
    assert "Utgangspunkt 9,5%" in texts and "Mål 7%" in texts
    [line] = svg.findall(f"{SVG}polyline")
    assert len(line.get("points").split()) == 3, "the baseline and two follow-ups"
    description = svg.find(f"{SVG}desc").text
    assert "9,1%" in description and "7,8%" in description

    png = await steps.client.get(f"/measures/{measure['id']}/indicators/{indicator['id']}/chart",
                                 params={"format": "png"})
    assert png.status_code == 200 and png.headers["content-type"] == "image/png"
    assert Image.open(io.BytesIO(png.content)).size == (1440, 720)

    missing = await steps.client.get(f"/measures/{measure['id']}/indicators/nope/chart")
    assert missing.status_code == 404

    trend = await steps.client.get(f"/networks/{steps.network_id}/indicator-trend",
                                   params={"kind": "sick_leave_percent", "lang": "en"})
    assert trend.status_code == 200, trend.text
    svg = ET.fromstring(trend.content)
    assert svg.find(f"{SVG}title").text.endswith("trend across the network")
    legend = [t.text for t in svg.iter(f"{SVG}text")]
    assert "org-gjovik" in legend and "org-nordre-land" in legend

    outsider = caller(steps.client, "coordinator-elsewhere", roles=["network_coordinator"], networks=["net-other"])
    async with outsider:
        assert (await outsider.get(f"/measures/{measure['id']}/indicators/{indicator['id']}/chart")).status_code == 404
        assert (await outsider.get(f"/networks/{steps.network_id}/indicator-trend")).status_code == 404
