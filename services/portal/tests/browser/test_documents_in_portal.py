"""Documents where their reader looks for them, fetched through the portal with the person's own token:
the coordinator's lists, sign-in sheet, attendance, completions and certificates, the cohort's calendar link;
the participant's own certificate and calendar subscription; and no coordinator's list for a participant.
Each file is opened with a real reader."""

from __future__ import annotations

import csv
import io
import uuid
import zipfile
from datetime import UTC, datetime, timedelta
from urllib.parse import urlsplit

import httpx
from icalendar import Calendar
from openpyxl import load_workbook
from playwright.async_api import Browser, Page, expect
from pypdf import PdfReader

TITLE = "Kulturkompetanse i helse og omsorg"


async def downloaded(page: Page, link_name: str) -> tuple[str, bytes]:
    """Follow a document link as a person would and return the file's suggested name and its bytes."""
    async with page.expect_download() as info:
        await page.get_by_role("link", name=link_name, exact=True).click()
    download = await info.value
    path = await download.path()
    with open(path, "rb") as file:
        return download.suggested_filename, file.read()


def pdf_text(content: bytes) -> str:
    return "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(content)).pages)


async def feed(portal, url: str) -> httpx.Response:
    """A calendar link is sessions' public address; in the tests sessions is served elsewhere."""
    async with httpx.AsyncClient(base_url=portal.urls["sessions_url"]) as client:
        return await client.get(urlsplit(url).path)


async def test_coordinator_and_participant_download_their_documents_through_the_portal(
        browser: Browser, portal_with_sessions, accessible, sign_in_as, wait_until) -> None:
    portal = portal_with_sessions
    now = datetime.now(UTC)
    programme = await portal.enrollment.post("/programmes", json={
        "code": "KULT", "title": TITLE, "network_id": "net-demo", "language": "nb",
        "requires_manager_approval": False})
    assert programme.status_code == 201, programme.text
    cohort = await portal.enrollment.post("/cohorts", json={
        "programme_id": programme.json()["id"], "term": "vår-2027", "capacity": 20, "location": "Tromsø",
        "applications_open_at": (now - timedelta(days=30)).isoformat(),
        "applications_close_at": (now + timedelta(days=30)).isoformat()})
    assert cohort.status_code == 201, cohort.text
    cohort_id = cohort.json()["id"]
    person_id = f"p-{uuid.uuid4().hex[:8]}"
    portal.add_person("Åse Ødegård", person_id=person_id, email=f"{person_id}@demo.samla.example",
                      roles=["participant"], networks=["net-demo"], organisations=["org-demo"],
                      units=["unit-demo-ward"])

    participant_context = await browser.new_context(bypass_csp=True, locale="nb-NO", accept_downloads=True)
    coordinator_context = await browser.new_context(bypass_csp=True, locale="nb-NO", accept_downloads=True)
    participant_context.set_default_timeout(20_000)
    coordinator_context.set_default_timeout(20_000)
    try:
        # Åse applies, signed in; the programme needs no approval, so she has her seat at once.
        participant = await participant_context.new_page()
        await participant.goto(f"{portal.url}/cohorts/{cohort_id}/apply")
        await sign_in_as(participant, "Åse Ødegård")
        await participant.get_by_label("Navnet på lederen din").fill("Lars Haugen")
        await participant.get_by_label("E-postadressen til lederen din").fill("lars.haugen@demo.samla.example")
        await participant.get_by_role("button", name="Send søknaden").click()
        await expect(participant.get_by_role("heading", level=1)).to_be_visible()

        async def on_the_roster() -> bool:
            roster = await portal.sessions.get(f"/cohorts/{cohort_id}/roster")
            return roster.status_code == 200 and len(roster.json()["members"]) == 1

        await wait_until(on_the_roster)
        # One gathering, held last week, which she attended: she completed the cohort.
        day = (now - timedelta(days=7)).date()
        session = await portal.sessions.post(f"/cohorts/{cohort_id}/sessions", json={
            "kind": "kickoff", "title": "Oppstart på Ørland", "starts_at": f"{day}T09:00:00",
            "ends_at": f"{day}T15:00:00", "time_zone": "Europe/Oslo"})
        assert session.status_code == 201, session.text
        session_id = session.json()["id"]
        recorded = await portal.sessions.put(f"/sessions/{session_id}/attendance", json={
            "records": [{"participant_id": person_id, "status": "present"}]})
        assert recorded.status_code == 200, recorded.text
        assert (await portal.sessions.post(f"/sessions/{session_id}/held", json={})).status_code == 200

        async def completed() -> bool:
            found = await portal.sessions.get(f"/cohorts/{cohort_id}/completions")
            return [c["participant_id"] for c in found.json()["completed"]] == [person_id]

        await wait_until(completed)

        # The coordinator's cohort page: applicants, waitlist and roster, in Excel and CSV.
        coordinator = await coordinator_context.new_page()
        await coordinator.goto(f"{portal.url}/cohorts/{cohort_id}")
        await sign_in_as(coordinator, "Ingrid Solberg")
        await expect(coordinator.get_by_role("heading", name="Lister å laste ned")).to_be_visible()
        await accessible(coordinator, "cohort-documents")
        name, content = await downloaded(coordinator, "Søkere (Excel)")
        assert name.endswith(".xlsx")
        rows = [list(r) for r in load_workbook(io.BytesIO(content)).active.iter_rows(values_only=True)]
        assert any("Åse Ødegård" in r for r in rows[1:]), rows
        name, content = await downloaded(coordinator, "Deltakerliste (CSV)")
        assert name.endswith(".csv") and content.startswith("\ufeff".encode())
        roster = list(csv.reader(io.StringIO(content.decode("utf-8-sig")), delimiter=";"))
        assert any("Åse Ødegård" in r and f"{person_id}@demo.samla.example" in r for r in roster[1:]), roster

        # The cohort's calendar link, shown once, is a feed a calendar application can read without a token.
        await coordinator.get_by_role("button", name="Lag en kalenderlenke for kullet").click()
        link = await coordinator.get_by_label("Kalenderadresse").input_value()
        await accessible(coordinator, "calendar-link")
        answer = await feed(portal, link)
        assert answer.status_code == 200
        events = [e for e in Calendar.from_ical(answer.content).walk("VEVENT")]
        assert [str(e["SUMMARY"]) for e in events] == ["Oppstart på Ørland"]

        # The session: the sign-in sheet to print and the attendance.
        await coordinator.goto(f"{portal.url}/sessions/{session_id}")
        await accessible(coordinator)
        name, content = await downloaded(coordinator, "Oppmøteliste til utskrift (PDF)")
        text = pdf_text(content)
        assert "Oppstart på Ørland" in text and "Åse Ødegård" in text
        name, content = await downloaded(coordinator, "Oppmøte (CSV)")
        attendance = list(csv.reader(io.StringIO(content.decode("utf-8-sig")), delimiter=";"))
        assert [r[0] for r in attendance[1:]] == ["Åse Ødegård"]

        # Completions: the list and every certificate as one archive.
        await coordinator.goto(f"{portal.url}/cohorts/{cohort_id}/completions")
        await accessible(coordinator)
        name, content = await downloaded(coordinator, "Fullføringer (Excel)")
        rows = [list(r) for r in load_workbook(io.BytesIO(content)).active.iter_rows(values_only=True)]
        assert rows[1][0] == "Åse Ødegård"
        name, content = await downloaded(coordinator, "Alle kursbevis (ZIP)")
        with zipfile.ZipFile(io.BytesIO(content)) as archive:
            [member] = archive.namelist()
            assert "Åse Ødegård" in pdf_text(archive.read(member))

        # Åse's own page: her certificate, and a calendar link of her own that a new one replaces.
        await participant.goto(f"{portal.url}/me")
        certificate_link = f"Kursbevis: {TITLE}, vår-2027 (PDF)"
        await expect(participant.get_by_role("link", name=certificate_link)).to_be_visible()
        await accessible(participant, "me-certificate")
        name, content = await downloaded(participant, certificate_link)
        certificate = pdf_text(content)
        assert "Kursbevis" in certificate and "Åse Ødegård" in certificate and TITLE in certificate
        await participant.get_by_role("button", name="Abonner på kalenderen min").click()
        first = await participant.get_by_label("Kalenderadresse").input_value()
        assert (await feed(portal, first)).status_code == 200
        await participant.goto(f"{portal.url}/me")
        await participant.get_by_role("button", name="Abonner på kalenderen min").click()
        second = await participant.get_by_label("Kalenderadresse").input_value()
        assert second != first
        assert (await feed(portal, first)).status_code == 404
        assert (await feed(portal, second)).status_code == 200

        # A participant gets no coordinator's list: the service's refusal, as a page.
        for path in (f"/cohorts/{cohort_id}/roster/export?format=csv", f"/cohorts/{cohort_id}/certificates",
                     f"/sessions/{session_id}/attendance-sheet"):
            refused = await participant.goto(f"{portal.url}{path}")
            assert refused is not None and refused.status in (403, 404), path
            assert refused.headers["content-type"].startswith("text/html")  # a page saying so, not a file
        # A hand-edited address gets a page too.
        assert (await participant.goto(f"{portal.url}/cohorts/{cohort_id}/nonsense/export")).status == 404
        wrong = await participant.goto(f"{portal.url}/cohorts/{cohort_id}/completions/export?format=pdf")
        assert wrong.status == 422 and wrong.headers["content-type"].startswith("text/html")
    finally:
        await participant_context.close()
        await coordinator_context.close()


async def test_a_leader_downloads_the_organisations_measures_from_a_measure_page(
        page: Page, portal_with_measures, accessible, sign_in_as) -> None:
    measures = portal_with_measures.measures
    created = await measures.post("/measures", json={
        "network_id": "net-demo", "organisation_id": "org-demo", "unit_ids": ["unit-demo-ward"],
        "title": "Dialogduken på Ærø-avdelingen", "area": "leadership_and_party_cooperation",
        "goal": "Partene blir enige om tre tiltak for et bedre arbeidsmiljø.",
        "owners": [{"role": "leader", "person_id": "demo-leader"},
                   {"role": "union_representative", "person_id": "demo-union-rep"},
                   {"role": "safety_representative", "person_id": "demo-safety-rep"}]})
    assert created.status_code == 201, created.text

    await page.goto(f"{portal_with_measures.url}/measures/{created.json()['id']}")
    await sign_in_as(page, "Lars Haugen")
    await accessible(page)
    name, content = await downloaded(page, "Alle tiltak i org-demo (Excel)")
    assert name.endswith(".xlsx")
    workbook = load_workbook(io.BytesIO(content))
    assert len(workbook.sheetnames) == 3  # measures, indicators, follow-ups
    rows = [list(r) for r in workbook.worksheets[0].iter_rows(values_only=True)]
    assert any("Dialogduken på Ærø-avdelingen" in r for r in rows[1:]), rows
