"""Sessions' documents on the real stack: an application at the real enrollment API becomes a name on the
attendance export, the sign-in sheet and the certificate, each opened with a real reader."""

from __future__ import annotations

import csv
import io
import uuid
import zipfile
from datetime import UTC, datetime, timedelta

import httpx
import pytest
from asgi_lifespan import LifespanManager
from openpyxl import load_workbook
from pymongo import AsyncMongoClient
from pypdf import PdfReader

from samla_shared.contract.directory import NetworkRegistered, OrganisationRegistered
from samla_enrollment.entrypoints.app import create_app as create_enrollment
from samla_enrollment.settings import EnrollmentSettings
from samla_measures.entrypoints.app import create_app as create_measures
from samla_measures.settings import MeasuresSettings
from samla_sessions.entrypoints.app import create_app as create_sessions
from samla_sessions.settings import SessionsSettings

NAMES = ["Åse Ødegård", "Bjørn Ærø", "Søren Kærgård"]


def pdf_text(content: bytes) -> str:
    return "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(content)).pages)


@pytest.fixture
async def enrollment_url(served, kafka_bootstrap, mongo_url):
    database = f"test_enrollment_{uuid.uuid4().hex[:10]}"
    app = create_enrollment(EnrollmentSettings(environment="test", kafka_bootstrap_servers=kafka_bootstrap,
                                               mongo_url=mongo_url, mongo_database=database, run_consumers=False))
    try:
        async with LifespanManager(app, startup_timeout=60), served(app) as url:
            yield url
    finally:
        mongo = AsyncMongoClient(mongo_url)
        await mongo.drop_database(database)
        await mongo.close()


@pytest.fixture
async def measures_url(served, kafka_bootstrap, mongo_url):
    """Measures with its toolbox, which names the curriculum's methods on certificates."""
    database = f"test_measures_{uuid.uuid4().hex[:10]}"
    app = create_measures(MeasuresSettings(environment="test", kafka_bootstrap_servers=kafka_bootstrap,
                                           mongo_url=mongo_url, mongo_database=database, run_consumers=False))
    try:
        async with LifespanManager(app, startup_timeout=60), served(app) as url:
            yield url
    finally:
        mongo = AsyncMongoClient(mongo_url)
        await mongo.drop_database(database)
        await mongo.close()


@pytest.fixture
async def cohort_at_enrollment(enrollment_url, admin_headers):
    """A Danish programme with three enrolled participants, made through enrollment's API."""

    async def make(network: str) -> tuple[dict, list[str]]:
        async with httpx.AsyncClient(base_url=enrollment_url, headers=admin_headers) as enrollment:
            programme = (await enrollment.post("/programmes", json={
                "code": "DST", "title": "Der skoen trykker – trivsel på arbejdspladsen", "network_id": network,
                "language": "da", "requires_manager_approval": False,
                "curriculum_method_ids": ["dialogue-cloth-party-cooperation", "dialogue-cloth"]})).json()
            now = datetime.now(UTC)
            cohort = (await enrollment.post("/cohorts", json={
                "programme_id": programme["id"], "term": "forår-2026", "capacity": 10, "location": "Odense",
                "time_zone": "Europe/Copenhagen",
                "applications_open_at": (now - timedelta(days=1)).isoformat(),
                "applications_close_at": (now + timedelta(days=30)).isoformat()})).json()
            assert "id" in cohort, cohort
            tag = uuid.uuid4().hex[:6]
            ids = []
            for n, name in enumerate(NAMES):
                applied = await enrollment.post(f"/cohorts/{cohort['id']}/applications", json={
                    "participant": {"name": name, "email": f"p{n}.{tag}@example.dk"},
                    "manager": {"name": "Leder Lund", "email": f"leder.{tag}@example.dk"},
                    "organisation_id": f"org-ouh-{tag}", "unit_id": "unit-9"})
                assert applied.status_code == 201 and applied.json()["status"] == "enrolled", applied.text
                ids.append(applied.json()["participant_id"])
            return cohort | {"organisation_id": f"org-ouh-{tag}"}, ids

    return make


async def test_attendance_exports_sheet_and_certificates_carry_names_from_enrollment(
        service, enrollment_url, measures_url, admin_headers, cohort_at_enrollment, enrollment_feed,
        known_to_sessions, roster_of, caller):
    network = f"net-syddanmark-{uuid.uuid4().hex[:6]}"
    async with service(create_sessions, SessionsSettings, enrollment_url=enrollment_url,
                       measures_url=measures_url) as sessions:
        cohort, [ase, bjorn, soren] = await cohort_at_enrollment(network)
        await enrollment_feed.send(
            NetworkRegistered(network_id=network, name="Region Syddanmark – Læringsnetværk", country="DK",
                              default_language="da", time_zone="Europe/Copenhagen"),
            OrganisationRegistered(network_id=network, organisation_id=cohort["organisation_id"],
                                   name="Odense Universitetshospital", kind="hospital_trust"))
        await known_to_sessions(sessions, cohort["id"])
        await roster_of(sessions, cohort["id"], 3)

        kickoff = (await sessions.post(f"/cohorts/{cohort['id']}/sessions", json={
            "kind": "kickoff", "title": "Opstart på Ærø", "starts_at": "2026-03-02T09:00:00",
            "ends_at": "2026-03-03T16:00:00", "time_zone": "Europe/Copenhagen"})).json()
        closing = (await sessions.post(f"/cohorts/{cohort['id']}/sessions", json={
            "kind": "closing", "title": "Afslutning", "starts_at": "2026-05-04T09:00:00",
            "ends_at": "2026-05-04T15:00:00", "time_zone": "Europe/Copenhagen"})).json()

        sheet = await sessions.get(f"/sessions/{kickoff['id']}/attendance-sheet")
        assert sheet.status_code == 200 and sheet.headers["content-type"] == "application/pdf"
        text = pdf_text(sheet.content)
        assert "Fremmødeliste" in text and "Opstart på Ærø" in text and "Underskrift" in text
        for name in NAMES:
            assert name in text
        assert "Odense Universitetshospital" in text

        for session, present in ((kickoff, [ase, bjorn, soren]), (closing, [ase, bjorn])):
            recorded = await sessions.put(f"/sessions/{session['id']}/attendance", json={"records": [
                {"participant_id": p, "status": "present"} for p in present]})
            assert recorded.status_code == 200, recorded.text
            assert (await sessions.post(f"/sessions/{session['id']}/held", json={})).status_code == 200

        attendance = await sessions.get(f"/sessions/{closing['id']}/attendance/export")
        assert attendance.content.startswith("\ufeff".encode())
        rows = list(csv.reader(io.StringIO(attendance.content.decode("utf-8-sig")), delimiter=";"))
        assert rows[0][:3] == ["Navn", "Organisation", "Fremmøde"]
        assert sorted((r[0], r[2]) for r in rows[1:]) == [
            ("Bjørn Ærø", "til stede"), ("Søren Kærgård", "fravær"), ("Åse Ødegård", "til stede")]

        completions = load_workbook(io.BytesIO((await sessions.get(
            f"/cohorts/{cohort['id']}/completions/export", params={"format": "xlsx"})).content)).active
        table = [list(r) for r in completions.iter_rows(values_only=True)]
        assert table[0][:3] == ["Navn", "Organisation", "Gennemført"]
        assert [(r[0], r[2]) for r in table[1:]] == [("Bjørn Ærø", "ja"), ("Åse Ødegård", "ja"),
                                                     ("Søren Kærgård", "nej")]

        mine = caller(sessions, ase, roles=["participant"], person_id=ase)
        theirs = caller(sessions, soren, roles=["participant"], person_id=soren)
        outsider = caller(sessions, "coordinator-elsewhere", roles=["programme_coordinator"],
                          networks=["net-helse-nord"])
        async with mine, theirs, outsider:
            own = await mine.get(f"/cohorts/{cohort['id']}/certificates/{ase}")
            assert own.status_code == 200, own.text
            certificate = pdf_text(own.content)
            for expected in ("Kursusbevis", "Åse Ødegård", "Der skoen trykker – trivsel på arbejdspladsen",
                             "Hold forår-2026, Odense", "Opstart på Ærø", "02.03.2026–03.03.2026", "Afslutning",
                             "I alt (timer)", "20 t", "Region Syddanmark – Læringsnetværk"):
                assert expected in certificate, expected
            # The toolbox names the method it knows (the catalogue has no Danish: the Norwegian name);
            # a method it does not know is printed as its id in words, and the certificate is still issued.
            assert "Dialogduk for partssamarbeid" in certificate and "Dialogue cloth" in certificate
            # The plan names the cohorts completed, so a participant's page can link the certificate.
            assert (await mine.get(f"/participants/{ase}/plan")).json()["completed_cohorts"] == [cohort["id"]]
            assert (await theirs.get(f"/participants/{soren}/plan")).json()["completed_cohorts"] == []
            assert (await mine.get(f"/cohorts/{cohort['id']}/certificates/{bjorn}")).status_code == 404
            assert (await theirs.get(f"/cohorts/{cohort['id']}/certificates/{soren}")).status_code == 404
            assert (await mine.get(f"/cohorts/{cohort['id']}/certificates")).status_code == 403
            for path in (f"/cohorts/{cohort['id']}/certificates", f"/cohorts/{cohort['id']}/completions/export",
                         f"/sessions/{kickoff['id']}/attendance-sheet", f"/sessions/{kickoff['id']}/attendance/export",
                         f"/cohorts/{cohort['id']}/certificates/{ase}"):
                assert (await outsider.get(path)).status_code == 404, path

        archive = await sessions.get(f"/cohorts/{cohort['id']}/certificates")
        assert archive.status_code == 200 and archive.headers["content-type"] == "application/zip"
        with zipfile.ZipFile(io.BytesIO(archive.content)) as files:
            assert sorted(files.namelist()) == ["Kursusbevis - Bjørn Ærø.pdf", "Kursusbevis - Åse Ødegård.pdf"]
            assert "Bjørn Ærø" in pdf_text(files.read("Kursusbevis - Bjørn Ærø.pdf"))
