"""The network coordinator's dashboard (GET /networks/{id}/insight) and the national coordinator's overview
(GET /national/overview, measures in national mode), in the browser."""

from __future__ import annotations

import uuid
from datetime import timedelta

from playwright.async_api import Page, expect

from samla_shared.clock import local_today


async def adopted_measure_with_a_reading(measures, issuer, network: str) -> str:
    """A measure of the network, agreed by its three parties (each with their own token), adopted and followed up."""
    organisation, unit = f"org-{network}", f"unit-{network}"
    created = await measures.post("/measures", json={
        "network_id": network, "organisation_id": organisation, "unit_ids": [unit],
        "title": "Kartlegging for heltidskultur", "area": "full_time_culture",
        "goal": "Flere ansatte i hele stillinger.",
        "indicators": [{"kind": "full_time_share_percent", "baseline": 40, "target": 55,
                        "baseline_date": (local_today() - timedelta(days=90)).isoformat()}]})
    assert created.status_code == 201, created.text
    measure = created.json()
    for role, party in (("organisation_leader", "leader"), ("union_representative", "union_representative"),
                        ("safety_representative", "safety_representative")):
        token = issuer.mint(f"{party}-{network}", roles=[role], networks=[network], organisations=[organisation],
                            units=[unit], person_id=f"{party}-{network}")
        agreed = await measures.post(f"/measures/{measure['id']}/consents", json={},
                                     headers={"Authorization": f"Bearer {token}"})
        assert agreed.status_code == 200, agreed.text
    assert (await measures.post(f"/measures/{measure['id']}/adoption", json={})).status_code == 200
    followed = await measures.post(f"/measures/{measure['id']}/follow-ups", json={
        "held_on": local_today().isoformat(), "in_practice": True,
        "readings": [{"indicator_id": measure["indicators"][0]["id"], "value": 46}]})
    assert followed.status_code == 201, followed.text
    return measure["id"]


async def test_a_network_coordinator_sees_the_networks_measures_as_a_dashboard(
        page: Page, portal_with_measures, accessible, sign_in_as, wait_until) -> None:
    portal = portal_with_measures
    network = f"net-{uuid.uuid4().hex[:8]}"  # a network of this test alone: the insight counts all of it
    await adopted_measure_with_a_reading(portal.measures, portal.issuer, network)

    async def counted():
        insight = (await portal.measures.get(f"/networks/{network}/insight")).json()
        return insight.get("measures_by_status", {}).get("in_practice") == 1 and insight["indicator_movement"]

    await wait_until(counted)
    portal.add_person("Koordinator Eva Lie", roles=["network_coordinator"], networks=[network])
    await page.goto(f"{portal.url}/")
    await page.get_by_role("link", name="Logg inn").first.click()
    await sign_in_as(page, "Koordinator Eva Lie")
    await page.get_by_role("main").get_by_role("link", name="Nettverksinnsikt").click()
    await expect(page.get_by_role("heading", level=1)).to_have_text(f"Nettverksinnsikt: {network}")
    await expect(page.locator("#figure-measures")).to_have_text("1")
    await expect(page.locator("#figure-units")).to_have_text("1")
    await expect(page.locator("#by-status")).to_contain_text("i praksis")
    await expect(page.get_by_role("table", name="Tiltak per område og status")).to_contain_text("Heltidskultur")
    movement = page.get_by_role("table", name="Indikatorene sammenlignet med utgangsverdien ved siste oppfølging")
    await expect(movement.get_by_role("row").filter(has_text="Andel i heltidsstillinger")).to_contain_text("6")
    await accessible(page, "network-insight")


async def test_a_national_coordinator_reads_the_national_overview_and_a_leader_does_not(
        browser, portal_national, accessible, sign_in_as) -> None:
    portal = portal_national
    page = await (await browser.new_context(bypass_csp=True, locale="nb-NO")).new_page()
    await page.goto(f"{portal.url}/")
    await page.get_by_role("link", name="Logg inn").first.click()
    await sign_in_as(page, "Mette Dahl")
    await page.get_by_role("link", name="Nasjonal oversikt").click()
    await expect(page.get_by_role("heading", level=1)).to_have_text("Nasjonal oversikt")
    await expect(page.get_by_role("table", name="Regioner")).to_contain_text("Ingen region har rapportert ennå.")
    await accessible(page, "national-overview")
    await page.context.close()

    leader = await (await browser.new_context(bypass_csp=True, locale="nb-NO")).new_page()
    await leader.goto(f"{portal.url}/national")
    await sign_in_as(leader, "Lars Haugen")
    await expect(leader.get_by_role("heading", level=1)).to_have_text("Ikke tilgjengelig for deg")
    await leader.context.close()
