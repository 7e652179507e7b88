"""A party agrees to a measure on /measures/{id}, against measures on the real stack."""

from __future__ import annotations

from playwright.async_api import Page, expect


async def test_the_leader_agrees_to_a_measure_in_their_own_name(
        page: Page, portal_with_measures, accessible, sign_in_as) -> None:
    measures = portal_with_measures.measures
    created = await measures.post("/measures", json={
        "network_id": "net-demo", "organisation_id": "org-demo", "unit_ids": ["unit-demo-ward"],
        "title": "Dialogduken i personalmøtet", "area": "leadership_and_party_cooperation",
        "goal": "Partene blir enige om tre tiltak for et bedre arbeidsmiljø.",
        "owners": [{"role": "leader", "person_id": "demo-leader"},
                   {"role": "union_representative", "person_id": "demo-union-rep"},
                   {"role": "safety_representative", "person_id": "demo-safety-rep"}]})
    assert created.status_code == 201, created.text
    measure_id = created.json()["id"]

    await page.goto(f"{portal_with_measures.url}/measures/{measure_id}")
    await sign_in_as(page, "Lars Haugen")
    await expect(page.get_by_role("heading", level=1)).to_have_text("Dialogduken i personalmøtet")
    await expect(page.locator("#measure-status")).to_have_text("foreslått")
    await expect(page.get_by_role("listitem").filter(has_text="Leder:")).to_contain_text("har ikke sluttet seg til ennå")
    await accessible(page, "measure-leader")

    await page.get_by_role("button", name="Slutt deg til").click()
    await expect(page.get_by_role("status")).to_have_text("Tilslutningen din er registrert.")
    await expect(page.get_by_role("listitem").filter(has_text="Leder:")).to_contain_text("sluttet seg til")
    await expect(page.get_by_role("button", name="Slutt deg til")).to_have_count(0)
    await accessible(page)

    stored = (await measures.get(f"/measures/{measure_id}")).json()
    assert sorted(stored["missing_agreements"]) == ["safety_representative", "union_representative"]
    leader = next(o for o in stored["owners"] if o["role"] == "leader")
    assert leader["person_id"] == "demo-leader" and leader["agreed_at"]
