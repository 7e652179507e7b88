"""Measures in the browser: a leader proposes from the toolbox, the three parties agree each in their own
session, the leader adopts and records a follow-up, and the indicator's chart shows it. In bokmål and Danish."""

from __future__ import annotations

from datetime import timedelta

import pytest
from playwright.async_api import Browser, Page, expect

from samla_shared.clock import local_today

WORDS = {
    "nb": {"locale": "nb-NO", "measures": "Tiltak", "propose": "Foreslå et tiltak", "method": "Metode fra verktøykassen",
           "title": "Tittel", "goal": "Mål", "indicator": "Indikator", "sick_leave": "Sykefravær (%)",
           "baseline": "Utgangsverdi", "baseline_on": "Utgangsverdien målt", "target": "Målverdi",
           "send": "Foreslå tiltaket", "proposed": "Tiltaket er foreslått. Partene blir bedt om å slutte seg til.",
           "agree": "Slutt deg til", "agreed": "Tilslutningen din er registrert.",
           "awaiting_me": "Venter på at du slutter deg til", "adopt": "Vedta tiltaket",
           "adopted": "Tiltaket er vedtatt.", "reading": "Avlesning av Sykefravær (%)",
           "in_practice_yes": "Ja", "worked": "Hva som fungerte", "record": "Registrer oppfølgingen",
           "recorded": "Oppfølgingen er registrert.", "status_in_practice": "i praksis",
           "readings": "Avlesninger av Sykefravær (%)", "follow_up": "Oppfølging", "value": "7,2%",
           "add_indicator": "Legg til en indikator", "survey": "Resultat i undersøkelse", "name": "Navn (for en",
           "add_the_indicator": "Legg til indikatoren", "indicator_added": "Indikatoren er lagt til."},
    "da": {"locale": "da-DK", "measures": "Indsatser", "propose": "Foreslå en indsats", "method": "Metode fra værktøjskassen",
           "title": "Titel", "goal": "Mål", "indicator": "Indikator", "sick_leave": "Sygefravær (%)",
           "baseline": "Udgangsværdi", "baseline_on": "Udgangsværdien målt", "target": "Målværdi",
           "send": "Foreslå indsatsen", "proposed": "Indsatsen er foreslået. Parterne bliver bedt om at tilslutte sig.",
           "agree": "Tilslut dig", "agreed": "Din tilslutning er registreret.",
           "awaiting_me": "Venter på din tilslutning", "adopt": "Vedtag indsatsen",
           "adopted": "Indsatsen er vedtaget.", "reading": "Måling af Sygefravær (%)",
           "in_practice_yes": "Ja", "worked": "Hvad der virkede", "record": "Registrér opfølgningen",
           "recorded": "Opfølgningen er registreret.", "status_in_practice": "i praksis",
           "readings": "Målinger af Sygefravær (%)", "follow_up": "Opfølgning", "value": "7,2%",
           "add_indicator": "Tilføj en indikator", "survey": "Resultat i undersøgelse", "name": "Navn (for en",
           "add_the_indicator": "Tilføj indikatoren", "indicator_added": "Indikatoren er tilføjet."},
}


async def signed_in_page(browser: Browser, url: str, locale: str, sign_in_as, name: str) -> Page:
    """A browser of the person's own: their own cookies, so their own session."""
    context = await browser.new_context(bypass_csp=True, locale=locale, viewport={"width": 1100, "height": 800})
    context.set_default_timeout(20_000)
    page = await context.new_page()
    await page.goto(url)
    await sign_in_as(page, name)
    return page


@pytest.mark.parametrize("language", ["nb", "da"])
async def test_a_measure_is_proposed_agreed_by_each_party_adopted_followed_up_and_charted(
        browser: Browser, portal_with_measures, accessible, sign_in_as, language: str) -> None:
    words, portal = WORDS[language], portal_with_measures
    shot = "" if language == "nb" else f"-{language}"

    # The leader proposes from the toolbox, with sick leave as the indicator.
    leader = await signed_in_page(browser, f"{portal.url}/measures", words["locale"], sign_in_as, "Lars Haugen")
    await expect(leader.get_by_role("heading", level=1)).to_have_text(words["measures"])
    await leader.get_by_role("link", name=words["propose"]).click()
    await expect(leader.get_by_role("heading", level=1)).to_have_text(words["propose"])
    await leader.get_by_label(words["method"]).select_option(label="Dialogduk for partssamarbeid")
    await leader.get_by_label(words["title"], exact=True).fill("Dialogduken på avdelingsmøtet")
    await leader.get_by_label(words["goal"], exact=True).fill("Færre sykedager gjennom bedre samarbeid.")
    await leader.get_by_label(words["indicator"], exact=True).select_option(label=words["sick_leave"])
    await leader.get_by_label(words["baseline"], exact=True).fill("8,5" if language == "da" else "8.5")
    await leader.get_by_label(words["baseline_on"]).fill((local_today() - timedelta(days=60)).isoformat())
    await leader.get_by_label(words["target"], exact=True).fill("6")
    await accessible(leader, f"measure-propose{shot}")
    await leader.get_by_role("button", name=words["send"]).click()
    await expect(leader.get_by_role("status")).to_have_text(words["proposed"])
    await expect(leader.get_by_role("heading", level=1)).to_have_text("Dialogduken på avdelingsmøtet")
    measure_id = leader.url.rsplit("/", 1)[-1]
    await leader.get_by_role("button", name=words["agree"]).click()
    await expect(leader.get_by_role("status")).to_have_text(words["agreed"])

    # Each representative finds it in their own inbox and agrees in their own session.
    for name in ("Amina Khalid", "Per Moen"):
        representative = await signed_in_page(browser, f"{portal.url}/measures", words["locale"], sign_in_as, name)
        waiting = representative.get_by_role("region", name=words["awaiting_me"])
        await expect(waiting.get_by_role("link", name="Dialogduken på avdelingsmøtet")).to_be_visible()
        if name == "Amina Khalid":
            await accessible(representative, f"measures-representative{shot}")
        await waiting.get_by_role("link", name="Dialogduken på avdelingsmøtet").click()
        await representative.get_by_role("button", name=words["agree"]).click()
        await expect(representative.get_by_role("status")).to_have_text(words["agreed"])
        await expect(representative.get_by_role("button", name=words["agree"])).to_have_count(0)
        await representative.context.close()

    # The leader adopts, adds a survey's score as a second indicator, and records the first follow-up.
    await leader.reload()
    await leader.get_by_role("button", name=words["adopt"]).click()
    await expect(leader.get_by_role("status")).to_have_text(words["adopted"])
    await leader.get_by_text(words["add_indicator"]).click()  # a <details>: opens without script
    await leader.get_by_label(words["indicator"], exact=True).select_option(label=words["survey"])
    await leader.get_by_label(words["name"]).fill("Trivsel")
    await leader.get_by_label(words["baseline"], exact=True).fill("3,2")
    await leader.get_by_label(words["target"], exact=True).fill("4")
    await leader.get_by_role("button", name=words["add_the_indicator"]).click()
    await expect(leader.get_by_role("status")).to_have_text(words["indicator_added"])
    await expect(leader.get_by_role("img", name="Trivsel")).to_be_visible()
    await leader.get_by_label(words["reading"]).fill("7.2")
    await leader.get_by_role("radio", name=words["in_practice_yes"], exact=True).check()
    await leader.get_by_label(words["worked"]).fill("Dialogduken fikk alle til å snakke.")
    await leader.get_by_role("button", name=words["record"]).click()
    await expect(leader.get_by_role("status")).to_have_text(words["recorded"])
    await expect(leader.locator("#measure-status")).to_have_text(words["status_in_practice"])

    # The chart has the baseline and the new reading; its table says the same in words.
    chart = leader.get_by_role("img", name=words["sick_leave"])
    await expect(chart.locator("circle")).to_have_count(2)
    table = leader.get_by_role("table", name=words["readings"])
    await expect(table.get_by_role("row").filter(has_text=words["follow_up"])).to_contain_text(words["value"])
    await accessible(leader, f"measure-chart{shot}")
    await leader.context.close()

    stored = (await portal.measures.get(f"/measures/{measure_id}")).json()
    assert stored["status"] == "in_practice" and stored["missing_agreements"] == []
    assert {o["role"]: o["person_id"] for o in stored["owners"]}["leader"] == "demo-leader"
    follow_ups = (await portal.measures.get(f"/measures/{measure_id}/follow-ups")).json()
    assert [r["value"] for r in follow_ups[0]["readings"]] == [7.2]
