"""`make demo`: the demo region loaded through the services' public APIs shows on the pages, and loading it
twice changes nothing."""

from __future__ import annotations

from playwright.async_api import Browser, expect

from samla_ops.demo import Demo


async def test_the_demo_region_fills_the_pages_and_loading_it_again_changes_nothing(
        browser: Browser, portal_with_everything, accessible, sign_in_as, wait_until) -> None:
    portal = portal_with_everything
    urls = portal.urls

    def demo() -> Demo:
        return Demo(urls["enrollment_url"], urls["sessions_url"], urls["measures_url"], portal.issuer.url)

    first = await demo().run()
    assert "programme KULT" in first and "programme DST" in first and "organisation Fjordvik kommune" in first, first
    assert await demo().run() == []  # idempotent: every step finds its work done

    coordinator = await (await browser.new_context(bypass_csp=True, locale="nb-NO")).new_page()
    await coordinator.goto(f"{portal.url}/programmes")
    await sign_in_as(coordinator, "Ingrid Solberg")
    await expect(coordinator.get_by_role("link", name="Kulturkompetanseprogrammet")).to_have_count(1)
    await expect(coordinator.get_by_role("link", name="Der skoen trykker: digitale verksteder")).to_have_count(1)
    await accessible(coordinator, "demo-programmes")
    await coordinator.get_by_role("link", name="Kulturkompetanseprogrammet").click()
    await coordinator.get_by_role("link", name="Søknader høsten 2026").click()
    await expect(coordinator.get_by_role("table")).to_contain_text("Kari Nilsen")
    await expect(coordinator.get_by_role("table")).to_contain_text("Fjordvik sykehjem, avdeling 2")
    await accessible(coordinator, "demo-cohort")
    await coordinator.get_by_role("link", name="Samlinger og oppmøte").click()
    await coordinator.get_by_role("link", name="Oppstartssamling").click()
    await expect(coordinator.locator("#session-status")).to_have_text("holdt")
    await expect(coordinator.locator("#attendance-counts")).to_have_text("3 til stede, 0 fraværende, 1 meldt fravær")
    await coordinator.context.close()

    leader = await (await browser.new_context(bypass_csp=True, locale="nb-NO")).new_page()
    await leader.goto(f"{portal.url}/measures")
    await sign_in_as(leader, "Lars Haugen")
    active = leader.get_by_role("region", name="Vedtatt og i praksis")
    await expect(active.get_by_role("listitem")).to_have_count(2)
    await expect(leader.get_by_role("region", name="Venter på de andre partene")).to_contain_text(
        "Tidlig og tett på ved sykefravær")
    await accessible(leader, "demo-measures-leader")
    await active.get_by_role("link", name="Kartlegging for heltidskultur").click()
    await expect(leader.get_by_role("img", name="Andel i heltidsstillinger (%)").locator("circle")).to_have_count(3)
    await accessible(leader, "demo-measure-chart")
    await leader.context.close()

    representative = await (await browser.new_context(bypass_csp=True, locale="nb-NO")).new_page()
    await representative.goto(f"{portal.url}/measures")
    await sign_in_as(representative, "Amina Khalid")
    await expect(representative.get_by_role("region", name="Venter på at du slutter deg til")).to_contain_text(
        "Tidlig og tett på ved sykefravær")
    await representative.context.close()

    # The demo participant has a seat in the workshop: her page shows it, with the workshop's agenda
    # (once sessions has heard of her seat from enrollment's events).
    async def planned() -> bool:
        plan = await portal.sessions.get("/participants/demo-participant/plan")
        return plan.status_code == 200 and bool(plan.json()["sessions"])

    await wait_until(planned)
    participant = await (await browser.new_context(bypass_csp=True, locale="nb-NO")).new_page()
    await participant.goto(f"{portal.url}/me")
    await sign_in_as(participant, "Sofie Lund")
    await expect(participant.locator("#my-applications")).to_contain_text("har fått plass")
    await participant.get_by_text("Program", exact=True).first.click()
    await expect(participant.get_by_role("main")).to_contain_text("08:50–09:05 Fra tiltak til praksis")
    await accessible(participant, "demo-me")
    await participant.context.close()
