"""A leader sees their employees' programmes on one page: cohort, start, and where each stands."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta

from playwright.async_api import Page, expect

from samla_shared.clock import local_today


async def test_a_leader_sees_each_employees_programmes_and_where_they_stand(
        page: Page, portal, accessible, sign_in_as) -> None:
    tag = uuid.uuid4().hex[:6]
    programme = await portal.enrollment.post("/programmes", json={
        "code": "KULT", "title": "Kulturkompetanse", "network_id": "net-demo", "language": "nb",
        "requires_manager_approval": False})
    assert programme.status_code == 201, programme.text
    now = datetime.now(UTC)
    cohort = await portal.enrollment.post("/cohorts", json={
        "programme_id": programme.json()["id"], "term": "vår-2027", "capacity": 1, "location": "Ålesund",
        "applications_open_at": (now - timedelta(days=1)).isoformat(),
        "applications_close_at": (now + timedelta(days=30)).isoformat(),
        "starts_on": (local_today() + timedelta(days=60)).isoformat()})
    assert cohort.status_code == 201, cohort.text
    for name in ("Kari Nilsen", "Bjørn Ærø"):
        applied = await portal.enrollment.post(f"/cohorts/{cohort.json()['id']}/applications", json={
            "participant": {"name": name, "email": f"{name.split()[0].lower()}.{tag}@demo.samla.example"},
            "manager": {"name": "Lars Haugen", "email": "lars.haugen@demo.samla.example"},
            "organisation_id": "org-demo", "unit_id": "unit-demo-ward"})
        assert applied.status_code == 201, applied.text

    # From the front page's task, and from the applications inbox.
    await page.goto(f"{portal.url}/sign-in?next=/")
    await sign_in_as(page, "Lars Haugen")
    await page.get_by_role("link", name="Medarbeidernes planer og framdrift").click()
    await page.get_by_role("link", name="Søknader fra medarbeiderne dine").click()
    await page.get_by_role("link", name="Medarbeidernes planer og framdrift").click()
    await expect(page.get_by_role("heading", level=1)).to_have_text("Medarbeidernes planer og framdrift")
    kari = page.get_by_role("table", name="Programmene til Kari Nilsen")
    await expect(kari.get_by_role("row").filter(has_text="Kulturkompetanse")).to_contain_text("vår-2027, Ålesund")
    await expect(kari).to_contain_text("har fått plass")
    await expect(page.get_by_role("table", name="Programmene til Bjørn Ærø")).to_contain_text(
        "nummer 1 på ventelisten")
    await accessible(page, "employees-leader")
