"""A unit's own series and the effects of its measures, and the network's trend across units, in the browser
against measures on the real stack (the trend is measures' projection of its own events through Kafka)."""

from __future__ import annotations

from playwright.async_api import Page, expect

from samla_shared.clock import local_today

UNIT = "unit-demo-ward"


def months_ago(n: int) -> str:
    today = local_today()
    year, month = divmod(today.year * 12 + today.month - 1 - n, 12)
    return f"{year:04d}-{month + 1:02d}"


async def test_a_leader_records_the_units_readings_and_sees_them_against_its_measures(
        browser, page: Page, portal_with_measures, accessible, sign_in_as, wait_until) -> None:
    portal = portal_with_measures
    created = await portal.measures.post("/measures", json={
        "network_id": "net-demo", "organisation_id": "org-demo", "unit_ids": [UNIT],
        "title": "Faste rutiner for oppfølging av sykefravær", "area": "sick_leave_follow_up",
        "goal": "Tidlig og tett kontakt med den som er syk."})
    assert created.status_code == 201, created.text
    measure_id = created.json()["id"]

    await page.goto(f"{portal.url}/units/{UNIT}/effects")
    await sign_in_as(page, "Lars Haugen")
    await expect(page.get_by_role("heading", level=1)).to_have_text(f"Måleserier og effekter: {UNIT}")
    await expect(page.get_by_text("Ingen avlesninger ennå.")).to_be_visible()
    await expect(page.locator("#unit-measures")).to_contain_text("Faste rutiner for oppfølging av sykefravær")

    # A month in the future is refused by measures: the form says so and keeps what was typed.
    await page.get_by_label("Indikator").select_option(label="Sykefravær (%)")
    await page.get_by_label("Måned").fill("2999-01")
    await page.get_by_label("Verdi").fill("9,5")
    await page.get_by_role("button", name="Registrer avlesningen").click()
    await expect(page.get_by_role("alert")).to_be_visible()
    await expect(page.get_by_label("Verdi")).to_have_value("9,5")
    await accessible(page)

    for period, value in ((months_ago(5), "9,5"), (months_ago(1), "7,2")):
        await page.get_by_label("Indikator").select_option(label="Sykefravær (%)")
        await page.get_by_label("Måned").fill(period)
        await page.get_by_label("Verdi").fill(value)
        await page.get_by_role("button", name="Registrer avlesningen").click()
        await expect(page.get_by_role("status")).to_have_text("Avlesningen er registrert.")

    series = page.locator("#series-sick_leave_percent")
    await expect(series.get_by_role("img", name="Sykefravær (%)")).to_be_visible()
    await expect(series.get_by_role("table", name="Avlesninger av Sykefravær (%)").get_by_role("row")).to_have_count(3)
    await expect(series.get_by_role("table")).to_contain_text("7,2%")
    marked = series.get_by_role("list", name="Tiltak markert på Sykefravær (%)")
    await expect(marked.get_by_role("link", name="Faste rutiner for oppfølging av sykefravær")).to_have_attribute(
        "href", f"/measures/{measure_id}")
    await expect(marked).to_contain_text("foreslått")
    await accessible(page, "unit-effects")
    stored = (await portal.measures.get(f"/units/{UNIT}/series")).json()
    assert [r["value"] for r in stored[0]["readings"]] == [9.5, 7.2]

    # The network coordinator sees the units' trend on the network's dashboard.
    async def projected():
        # Recording again publishes the series again: the projection's consumer of a fresh service may join
        # the topic after the first events (it starts from the latest offset).
        again = await portal.measures.put(f"/units/{UNIT}/series/sick_leave_percent/readings", json={
            "network_id": "net-demo", "organisation_id": "org-demo", "period": months_ago(1), "value": 7.2})
        assert again.status_code == 200, again.text
        insight = (await portal.measures.get("/networks/net-demo/insight")).json()
        return any(t["kind"] == "sick_leave_percent" and len(t["periods"]) >= 2 for t in insight.get("trends", []))

    await wait_until(projected)
    coordinator = await (await browser.new_context(bypass_csp=True, locale="nb-NO")).new_page()
    await coordinator.goto(f"{portal.url}/networks/net-demo")
    await sign_in_as(coordinator, "Ingrid Solberg")
    trend = coordinator.locator("#trend-sick_leave_percent-section")
    await expect(trend.get_by_role("img", name="Sykefravær (%)")).to_be_visible()
    await expect(trend).to_contain_text("bedre")
    await expect(trend.get_by_role("table")).to_contain_text("7,2%")
    await accessible(coordinator, "network-trend")
    await coordinator.context.close()
