"""Exports of a cohort on the real stack, opened with real readers (csv module, openpyxl)."""

from __future__ import annotations

import csv
import io

from openpyxl import load_workbook


def read_csv(response) -> list[list[str]]:
    assert response.content.startswith("\ufeff".encode()), "Excel needs the BOM to read UTF-8"
    return list(csv.reader(io.StringIO(response.content.decode("utf-8-sig")), delimiter=";"))


def read_xlsx(response) -> list[list[object]]:
    sheet = load_workbook(io.BytesIO(response.content), read_only=True).active
    return [list(row) for row in sheet.iter_rows(values_only=True)]


async def test_a_coordinator_exports_applicants_waitlist_and_roster_with_norwegian_letters_intact(desk, enrollment):
    cohort = await desk.cohort(capacity=2)
    names = ["Åse Ødegård", "Bjørn Ærlig", "Sæther Østby", "=Formel Ånesen"]
    for n, name in enumerate(names, 1):
        await desk.apply(cohort["id"], n, participant={**desk.form(n)["participant"], "name": name})

    applications = await enrollment.get(f"/cohorts/{cohort['id']}/applications/export")
    assert applications.status_code == 200
    assert applications.headers["content-type"].startswith("text/csv")
    assert "attachment" in applications.headers["content-disposition"]
    heading, *rows = read_csv(applications)
    assert heading[:3] == ["Navn", "Status", "Plass"]
    assert [r[:3] for r in rows] == [["Åse Ødegård", "har plass", ""], ["Bjørn Ærlig", "har plass", ""],
                                     ["Sæther Østby", "venteliste", "1"], ["'=Formel Ånesen", "venteliste", "2"]]

    waitlist = read_xlsx(await enrollment.get(f"/cohorts/{cohort['id']}/waitlist/export",
                                              params={"format": "xlsx"}))
    assert waitlist[0][:2] == ["Plass", "Navn"]
    assert [r[:2] for r in waitlist[1:]] == [[1, "Sæther Østby"], [2, "=Formel Ånesen"]]

    roster = await enrollment.get(f"/cohorts/{cohort['id']}/roster/export", params={"format": "xlsx"})
    assert roster.headers["content-type"].startswith("application/vnd.openxmlformats")
    sheet = read_xlsx(roster)
    assert sheet[0][:3] == ["Navn", "E-post", "Telefon"]
    assert [r[:3] for r in sheet[1:]] == [
        ["Åse Ødegård", f"deltaker1.{desk.tag}@example.no", "+47 912 34 567"],
        ["Bjørn Ærlig", f"deltaker2.{desk.tag}@example.no", "+47 912 34 567"]]

    as_csv = read_csv(await enrollment.get(f"/cohorts/{cohort['id']}/roster/export"))
    assert [r[0] for r in as_csv[1:]] == ["Åse Ødegård", "Bjørn Ærlig"]


async def test_exports_of_another_networks_cohort_are_refused_like_its_json(desk, enrollment, caller):
    cohort = await desk.cohort(capacity=2)
    await desk.apply(cohort["id"], 1)
    outsider = caller(enrollment, "coordinator-elsewhere", roles=["programme_coordinator"],
                      networks=["net-region-syddanmark"])
    insider = caller(enrollment, "coordinator-here", roles=["programme_coordinator"], networks=[desk.network])
    participant = caller(enrollment, "someone", roles=["participant"], person_id="someone")
    async with outsider, insider, participant:
        for path in ("applications", "waitlist", "roster"):
            url = f"/cohorts/{cohort['id']}/{path}/export"
            assert (await outsider.get(url)).status_code == 404
            assert (await outsider.get(f"/cohorts/{cohort['id']}/applications")).status_code == 404
            assert (await participant.get(url)).status_code == 403
            assert (await insider.get(url, params={"format": "xlsx"})).status_code == 200
        assert (await insider.get(f"/cohorts/{cohort['id']}/roster/export",
                                  params={"format": "pdf"})).status_code == 422


async def test_exports_name_organisations_units_and_the_network_from_the_directory(desk, enrollment, caller):
    assert (await enrollment.post("/networks", json={"id": desk.network, "name": "Læringsnettverk Nord",
                                                     "country": "NO"})).status_code == 201
    coordinator = caller(enrollment, "kari", roles=["network_coordinator"], networks=[desk.network])
    async with coordinator:
        assert (await coordinator.post("/organisations", json={
            "id": "org-unn", "network_id": desk.network, "name": "Universitetssykehuset Nord-Norge Tromsø",
            "kind": "hospital_trust"})).status_code == 201
        assert (await coordinator.post("/units", json={
            "id": "unit-1", "organisation_id": "org-unn", "name": "Hjemmetjenesten Ørsta og Åsane",
            "kind": "home_care_service"})).status_code == 201
    cohort = await desk.cohort(capacity=1)
    await desk.apply(cohort["id"], 1)
    await desk.apply(cohort["id"], 2)  # unit-2 is not in the directory
    await desk.apply(cohort["id"], 3, organisation_id="org-not-registered")

    heading, *rows = read_csv(await enrollment.get(f"/cohorts/{cohort['id']}/applications/export"))
    assert heading[3:7] == ["Organisasjon", "Organisasjonsnavn", "Enhet", "Enhetsnavn"]
    assert [r[3:7] for r in rows] == [
        ["org-unn", "Universitetssykehuset Nord-Norge Tromsø", "unit-1", "Hjemmetjenesten Ørsta og Åsane"],
        ["org-unn", "Universitetssykehuset Nord-Norge Tromsø", "unit-2", ""],
        ["org-not-registered", "", "unit-3", ""]]

    waitlist = await enrollment.get(f"/cohorts/{cohort['id']}/waitlist/export", params={"format": "xlsx"})
    book = load_workbook(io.BytesIO(waitlist.content), read_only=True)
    assert book.active.title == "Waitlist – Læringsnettverk Nord"
    sheet = [list(row) for row in book.active.iter_rows(values_only=True)]
    assert sheet[0][2:6] == ["Organisasjon", "Organisasjonsnavn", "Enhet", "Enhetsnavn"]
    assert [r[2:6] for r in sheet[1:]] == [["org-unn", "Universitetssykehuset Nord-Norge Tromsø", "unit-2", None],
                                          ["org-not-registered", None, "unit-3", None]]

    roster = read_xlsx(await enrollment.get(f"/cohorts/{cohort['id']}/roster/export", params={"format": "xlsx"}))
    assert roster[0][3:7] == ["Organisasjon", "Organisasjonsnavn", "Enhet", "Enhetsnavn"]
    assert [r[3:7] for r in roster[1:]] == [
        ["org-unn", "Universitetssykehuset Nord-Norge Tromsø", "unit-1", "Hjemmetjenesten Ørsta og Åsane"]]
