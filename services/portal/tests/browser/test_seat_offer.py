"""A seat freed from a full cohort is offered to the head of the waitlist, who takes it on /me with a plain form."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta

from playwright.async_api import Page, expect


async def test_the_head_of_the_waitlist_accepts_a_seat_offered_on_my_page(
        page: Page, portal, accessible, sign_in_as) -> None:
    tag = uuid.uuid4().hex[:8]
    portal.add_person("Åse Ødegård", person_id=f"p-{tag}", email=f"ase.{tag}@demo.samla.example",
                      roles=["participant"], networks=["net-demo"], organisations=["org-demo"],
                      units=["unit-demo-ward"])
    programme = await portal.enrollment.post("/programmes", json={
        "code": "KULT", "title": "Kulturkompetanse", "network_id": "net-demo", "language": "nb",
        "requires_manager_approval": False, "offer_days": 3})
    assert programme.status_code == 201, programme.text
    now = datetime.now(UTC)
    cohort = await portal.enrollment.post("/cohorts", json={
        "programme_id": programme.json()["id"], "term": "høst-2027", "capacity": 1, "location": "Bodø",
        "applications_open_at": (now - timedelta(days=1)).isoformat(),
        "applications_close_at": (now + timedelta(days=30)).isoformat()})
    assert cohort.status_code == 201, cohort.text
    cohort_id = cohort.json()["id"]
    seated = await portal.enrollment.post(f"/cohorts/{cohort_id}/applications", json={
        "participant": {"name": "Ola Berg", "email": f"ola.{tag}@demo.samla.example"},
        "manager": {"name": "Lars Haugen", "email": "lars.haugen@demo.samla.example"},
        "organisation_id": "org-demo", "unit_id": "unit-demo-ward"})
    assert seated.json()["status"] == "enrolled", seated.text

    # Åse applies for the full cohort and is first on the waitlist.
    await page.goto(f"{portal.url}/cohorts/{cohort_id}/apply")
    await sign_in_as(page, "Åse Ødegård")
    await page.get_by_label("Navnet på lederen din").fill("Lars Haugen")
    await page.get_by_label("E-postadressen til lederen din").fill("lars.haugen@demo.samla.example")
    await page.get_by_role("button", name="Send søknaden").click()
    await expect(page.get_by_role("status")).to_contain_text("på venteliste")

    # Ola withdraws: the seat is offered to Åse, with a deadline, on her page.
    withdrawn = await portal.enrollment.post(f"/applications/{seated.json()['id']}/withdrawal",
                                             json={"reason": "flyttet til et annet sykehus"})
    assert withdrawn.status_code == 200, withdrawn.text
    await page.goto(f"{portal.url}/me")
    offer = page.get_by_role("form", name="Tilbud om plass i høst-2027")
    await expect(offer).to_contain_text("En plass holdes av til deg til")
    await expect(page.locator("#my-applications")).to_contain_text("tilbudt plass")
    await accessible(page, "me-seat-offer")
    await offer.get_by_role("button", name="Takk ja til plassen").click()
    await expect(page.get_by_role("status")).to_have_text("Du takket ja til plassen.")
    await expect(page.locator("#my-applications")).to_contain_text("har fått plass")
    await expect(page.get_by_role("form", name="Tilbud om plass i høst-2027")).to_have_count(0)
    await accessible(page)

    stored = (await portal.enrollment.get(f"/cohorts/{cohort_id}/applications", params={"status": "enrolled"})).json()
    assert [(a["applicant"]["name"], a["participant_id"]) for a in stored] == [("Åse Ødegård", f"p-{tag}")]
