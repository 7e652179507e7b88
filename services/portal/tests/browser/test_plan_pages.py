"""Progress plans in the browser, against measures on the real stack: a leader sets a goal with milestones
on the unit's own series, sees its progress, and puts a measure under it."""

from __future__ import annotations

from playwright.async_api import Page, expect

from samla_shared.clock import local_today

UNIT = "unit-demo-ward"


async def test_a_leader_sets_a_full_time_goal_with_milestones_and_follows_its_progress(
        page: Page, portal_with_measures, accessible, sign_in_as) -> None:
    portal = portal_with_measures
    month = local_today().strftime("%Y-%m")
    recorded = await portal.measures.put(f"/units/{UNIT}/series/full_time_share_percent/readings", json={
        "network_id": "net-demo", "organisation_id": "org-demo", "period": month, "value": 50})
    assert recorded.status_code == 200, recorded.text
    created = await portal.measures.post("/measures", json={
        "network_id": "net-demo", "organisation_id": "org-demo", "unit_ids": [UNIT],
        "title": "Kartlegging av ønsket stillingsstørrelse", "area": "full_time_culture",
        "goal": "Alle får tilbud om den stillingen de ønsker."})
    assert created.status_code == 201, created.text

    await page.goto(f"{portal.url}/")
    await page.get_by_role("link", name="Logg inn").first.click()
    await sign_in_as(page, "Lars Haugen")
    await page.get_by_role("navigation", name="Hovedmeny").get_by_role("link", name="Opptrappingsplaner").click()
    await expect(page.get_by_role("heading", level=1)).to_have_text("Opptrappingsplaner")
    await expect(page.get_by_text("Ingen planer ennå.")).to_be_visible()

    await page.get_by_label("Indikator").select_option(label="Andel i heltidsstillinger (%)")
    await page.get_by_label("Startverdi").fill("40")
    await page.get_by_label("Målverdi").fill("60")
    await page.get_by_label("Måldato").fill(f"{local_today().year + 2}-12-31")
    await page.get_by_label("Delmål 1: dato").fill(f"{local_today().year + 1}-06-30")
    await page.get_by_label("Delmål 1: verdi").fill("45")
    await page.get_by_role("button", name="Opprett planen").click()
    await expect(page.get_by_role("alert")).to_contain_text("Tittel")  # no title: refused, the rest kept
    await expect(page.get_by_label("Delmål 1: verdi")).to_have_value("45")
    await expect(page.get_by_role("checkbox", name=UNIT)).to_be_checked()
    await accessible(page)
    await page.get_by_label("Tittel").fill("Heltidskultur: flere hele stillinger")
    await page.get_by_role("button", name="Opprett planen").click()

    await expect(page.get_by_role("heading", level=1)).to_have_text("Heltidskultur: flere hele stillinger")
    await expect(page.get_by_role("status")).to_have_text("Planen er opprettet.")
    await expect(page.locator("#plan-current")).to_contain_text("50%")
    await expect(page.locator("#plan-progress")).to_contain_text("50 % av veien fra start til mål")
    await expect(page.get_by_role("table", name="Delmål og hvor enhetene sto")).to_contain_text("45%")

    await page.get_by_label("Legg et tiltak under planen").select_option(label="Kartlegging av ønsket stillingsstørrelse")
    await page.get_by_role("button", name="Legg til tiltaket").click()
    await expect(page.get_by_role("status")).to_have_text("Tiltaket er lagt under planen.")
    await expect(page.locator("#plan-measures + ul")).to_contain_text("Kartlegging av ønsket stillingsstørrelse")
    await accessible(page, "progress-plan")

    await page.get_by_role("link", name="Alle planer").click()
    row = page.get_by_role("table", name="Organisasjonens planer").get_by_role("row").filter(has_text="Heltidskultur")
    await expect(row).to_contain_text("50 %")
    stored = (await portal.measures.get("/plans")).json()
    assert [(p["title"], p["created_by"], len(p["measures"])) for p in stored] == [
        ("Heltidskultur: flere hele stillinger", "demo-leader", 1)]
