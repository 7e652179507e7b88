"""Competences per staff type in the browser, against measures on the real stack: a leader names a staff
type with the competences it requires, places staff in it, and reads the coverage and gaps."""

from __future__ import annotations

from playwright.async_api import Page, expect


async def test_a_leader_names_a_staff_type_places_staff_and_sees_the_gaps(
        page: Page, portal_with_measures, accessible, sign_in_as) -> None:
    portal = portal_with_measures
    await page.goto(f"{portal.url}/")
    await page.get_by_role("link", name="Logg inn").first.click()
    await sign_in_as(page, "Lars Haugen")
    await page.get_by_role("navigation", name="Hovedmeny").get_by_role("link", name="Kompetanse").click()
    await expect(page.get_by_role("heading", level=1)).to_have_text("Kompetanse: org-demo")
    await expect(page.get_by_text("Organisasjonen har ingen personalgrupper ennå.")).to_be_visible()
    await accessible(page)

    await page.get_by_label("Navn på personalgruppen").fill("Helsefagarbeider")
    await page.get_by_label("Kompetanse som kreves").fill("Dialogduken, fadderordning")
    await page.get_by_role("button", name="Lagre personalgruppen").click()
    await expect(page.get_by_role("status")).to_have_text("Personalgruppen er lagret.")
    await expect(page.get_by_role("heading", name="Helsefagarbeider")).to_be_visible()

    # An id that is not one is refused before it reaches measures, and what was typed stays.
    await page.get_by_label("Person-id").fill("../emp")
    await page.get_by_role("button", name="Plasser").click()
    await expect(page.get_by_role("alert")).to_contain_text("bruk bare bokstaver")
    await expect(page.get_by_label("Person-id")).to_have_value("../emp")
    for person in ("emp-1001", "emp-1002"):
        await page.get_by_label("Person-id").fill(person)
        await page.get_by_label("Personalgruppe", exact=True).select_option(label="Helsefagarbeider")
        await page.get_by_role("button", name="Plasser").click()
        await expect(page.get_by_role("status")).to_have_text("Den ansatte er plassert.")

    await expect(page.locator("#type-helsefagarbeider-summary")).to_contain_text("2 ansatte")
    coverage = page.get_by_role("table", name="Dekning for Helsefagarbeider")
    await expect(coverage.get_by_role("row").filter(has_text="dialogduken")).to_contain_text("0 / 2")
    gaps = page.get_by_role("list", name="Mangler i Helsefagarbeider")
    await expect(gaps.get_by_role("listitem")).to_have_count(2)
    await expect(gaps).to_contain_text("emp-1001: mangler dialogduken, fadderordning")
    await accessible(page, "competence-coverage")

    await page.get_by_label("Person-id").fill("emp-1002")
    await page.get_by_label("Personalgruppe", exact=True).select_option(label="Ingen: ta av listen")
    await page.get_by_role("button", name="Plasser").click()
    await expect(page.locator("#type-helsefagarbeider-summary")).to_contain_text("1 ansatt")
    stored = (await portal.measures.get("/organisations/org-demo/competence-coverage")).json()
    assert [(t["staff_type_id"], t["required"], t["members"]) for t in stored["staff_types"]] == [
        ("helsefagarbeider", ["dialogduken", "fadderordning"], 1)]
