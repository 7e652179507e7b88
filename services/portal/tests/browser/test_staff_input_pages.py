"""A unit's staff input and a workshop's dialogue results in the browser, against measures on the real stack:
the leader shares the unit's link, staff send through it without signing in, the parties rank, and a
ranked item becomes a proposed measure that keeps its link to the item."""

from __future__ import annotations

from playwright.async_api import Page, expect

UNIT = "unit-demo-ward"  # Lars Haugen's, Amina Khalid's and Sofie Lund's unit on the development issuer


async def test_staff_send_through_the_link_the_parties_rank_and_an_item_becomes_a_measure(
        browser, page: Page, portal_with_measures, accessible, sign_in_as) -> None:
    portal = portal_with_measures
    await page.goto(f"{portal.url}/")
    await page.get_by_role("link", name="Logg inn").first.click()
    await sign_in_as(page, "Lars Haugen")
    await page.get_by_role("navigation", name="Hovedmeny").get_by_role("link", name="Innspill fra ansatte").click()
    await expect(page.get_by_role("heading", level=1)).to_have_text(f"Innspill fra ansatte: {UNIT}")
    await expect(page.get_by_text("Ingen idéer eller bekymringer ennå.")).to_be_visible()
    await accessible(page)

    await page.get_by_role("button", name="Lag en ny lenke til de ansatte").click()
    link = await page.get_by_label("Adressen til skjemaet").input_value()
    assert link.startswith(f"{portal.url}/input/")
    await accessible(page)

    # A member of staff on another device, not signed in: a plain form.
    staff = await (await browser.new_context(bypass_csp=True, locale="nb-NO")).new_page()
    await staff.goto(link)
    await expect(staff.get_by_role("heading", level=1)).to_have_text("Idéer og bekymringer for enheten din")
    await staff.get_by_role("button", name="Send").click()
    await expect(staff.get_by_role("alert")).to_contain_text("Idéen eller bekymringen din")
    await accessible(staff)
    await staff.get_by_role("radio", name="Bekymring").check()
    await staff.get_by_label("Område").select_option(label="Heltidskultur")
    await staff.get_by_label("Idéen eller bekymringen din").fill("Mange små stillinger gjør vaktplanen skjør i helgene.")
    await staff.get_by_role("button", name="Send").click()
    await expect(staff.get_by_role("status")).to_contain_text("Takk.")
    await accessible(staff, "staff-input-anonymous")
    await staff.context.close()

    # The leader adds one of their own, then sees both and ranks the staff's concern first.
    await page.get_by_role("link", name="Tilbake").click()
    await page.get_by_label("Område").select_option(label="Kultur og verdier")
    await page.get_by_label("Idéen eller bekymringen din").fill("Felles refleksjon ti minutter etter vaktskiftet.")
    await page.get_by_role("button", name="Send", exact=True).click()
    await expect(page.get_by_role("status")).to_have_text("Idéen eller bekymringen din er sendt.")
    concern = page.get_by_role("listitem").filter(has_text="Mange små stillinger")
    await expect(concern).to_contain_text("Sendt anonymt via lenken")
    await expect(concern).to_contain_text("Ikke rangert ennå")
    await concern.get_by_label("Rangering (1 er viktigst)").fill("1")
    await concern.get_by_role("button", name="Ranger", exact=True).click()
    await expect(page.get_by_role("status")).to_have_text("Rangeringen er lagret.")
    concern = page.get_by_role("listitem").filter(has_text="Mange små stillinger")
    await expect(concern).to_contain_text("Rangert 1")
    other = page.get_by_role("listitem").filter(has_text="Felles refleksjon")
    await other.get_by_role("button", name="Legg til side").click()
    await expect(page.get_by_role("listitem").filter(has_text="Felles refleksjon")).to_contain_text("Lagt til side")

    # The ranked concern becomes a proposed measure; the measure keeps the item.
    concern = page.get_by_role("listitem").filter(has_text="Mange små stillinger")
    await concern.get_by_text("Foreslå som tiltak").click()
    await accessible(page, "staff-input-leader")
    await concern.get_by_role("button", name="Foreslå tiltaket").click()
    await expect(page.get_by_role("alert")).to_contain_text("Tittel på tiltaket")
    concern = page.get_by_role("listitem").filter(has_text="Mange små stillinger")
    await concern.get_by_text("Foreslå som tiltak").click()
    await concern.get_by_label("Tittel på tiltaket").fill("Større stillinger i helgene")
    await concern.get_by_label("Mål").fill("Færre små stillinger og en tryggere helgeturnus.")
    await concern.get_by_role("button", name="Foreslå tiltaket").click()
    await expect(page.get_by_role("heading", level=1)).to_have_text("Større stillinger i helgene")
    measure_id = page.url.rsplit("/", 1)[-1]
    stored = (await portal.measures.get(f"/measures/{measure_id}")).json()
    items = (await portal.measures.get(f"/units/{UNIT}/items")).json()
    source = next(i for i in items if i["text"].startswith("Mange små stillinger"))
    assert stored["source_item_id"] == source["id"] and source["measure_id"] == measure_id
    assert source["submitted_by"] is None and source["source"] == "anonymous"
    assert next(o for o in stored["owners"] if o["role"] == "leader")["person_id"] == "demo-leader"

    await page.goto(f"{portal.url}/units/{UNIT}/input")
    concern = page.get_by_role("listitem").filter(has_text="Mange små stillinger")
    await expect(concern).to_contain_text("Foreslått som tiltak")
    await expect(concern.get_by_role("link", name="Åpne tiltaket")).to_have_attribute("href", f"/measures/{measure_id}")

    # The union representative reads the same list; a representative does not make links.
    rep = await (await browser.new_context(bypass_csp=True, locale="nb-NO")).new_page()
    await rep.goto(f"{portal.url}/units/{UNIT}/input")
    await sign_in_as(rep, "Amina Khalid")
    await expect(rep.get_by_role("listitem").filter(has_text="Mange små stillinger")).to_contain_text("Foreslått som tiltak")
    await expect(rep.get_by_role("button", name="Lag en ny lenke til de ansatte")).to_have_count(0)
    await rep.context.close()


async def test_an_ended_link_says_so_and_stores_nothing(browser, portal_with_measures, accessible) -> None:
    page = await (await browser.new_context(bypass_csp=True, locale="da-DK")).new_page()
    await page.goto(f"{portal_with_measures.url}/input/{'x' * 32}")
    await page.get_by_label("Område").select_option(label="Fuldtidskultur")
    await page.get_by_label("Din idé eller bekymring").fill("Noget")
    await page.get_by_role("button", name="Send").click()
    await expect(page.get_by_role("alert")).to_contain_text("Dette link virker ikke længere")
    await accessible(page)
    await page.context.close()


async def test_workshop_groups_record_their_dialogue_results(
        page: Page, portal_with_measures, accessible, sign_in_as) -> None:
    portal = portal_with_measures
    await page.goto(f"{portal.url}/units/{UNIT}/dialogue-results?session_id=session-workshop-1")
    await sign_in_as(page, "Lars Haugen")
    await expect(page.get_by_role("heading", level=1)).to_have_text(f"Dialogresultater: {UNIT}")
    await expect(page.get_by_label("Verkstedsamling")).to_have_value("session-workshop-1")
    await page.get_by_label("Gruppenummer").fill("2")
    await page.get_by_label("Stikkord").fill("trygghet, tillit\nå bli sett")
    await page.get_by_label("Hvorfor de betyr noe").fill("Vi tør å si fra når vi kjenner hverandre.")
    await page.get_by_label("Neste steg").fill("Fast kaffeprat med nye ansatte første uke.")
    await page.get_by_role("button", name="Registrer resultatet").click()
    await expect(page.get_by_role("alert")).to_contain_text("Område")  # the area was not chosen: kept, not lost
    await expect(page.get_by_label("Neste steg")).to_have_value("Fast kaffeprat med nye ansatte første uke.")
    await page.get_by_label("Område", exact=True).select_option(label="Kultur og verdier")
    await page.get_by_role("button", name="Registrer resultatet").click()
    await expect(page.get_by_role("status")).to_have_text("Gruppens resultat er registrert.")
    row = page.get_by_role("table", name="Gruppenes resultater").get_by_role("row").filter(has_text="session-workshop-1")
    await expect(row).to_contain_text("trygghet, tillit, å bli sett")
    await expect(row).to_contain_text("Fast kaffeprat")
    await accessible(page, "dialogue-results")

    # The same group again: measures answers 409 and the form says why, keeping what was typed.
    await page.get_by_label("Gruppenummer").fill("2")
    await page.get_by_label("Stikkord").fill("igjen")
    await page.get_by_label("Hvorfor de betyr noe").fill("igjen")
    await page.get_by_label("Neste steg").fill("igjen")
    await page.get_by_label("Område", exact=True).select_option(label="Kultur og verdier")
    await page.get_by_role("button", name="Registrer resultatet").click()
    await expect(page.get_by_role("alert")).to_be_visible()
    await expect(page.get_by_role("table", name="Gruppenes resultater").get_by_role("row")).to_have_count(2)

    # The next step joins the unit's list, from group 2.
    await page.get_by_role("link", name="Innspill fra ansatte").first.click()
    item = page.get_by_role("listitem").filter(has_text="Fast kaffeprat")
    await expect(item).to_contain_text("Fra verkstedgruppe 2")


async def test_a_link_used_too_often_asks_to_wait_and_keeps_what_was_typed(
        browser, start_portal, dev_issuer, accessible) -> None:
    # measures' limit per link at one item, refilled only after two minutes
    async with start_portal("measures", measures={"input_link_burst": 1, "input_link_per_minute": 0.5}) as portal:
        token = dev_issuer.mint("demo-leader", roles=["organisation_leader"], networks=["net-demo"],
                                organisations=["org-demo"], units=[UNIT], person_id="demo-leader")
        made = await portal.measures.post(f"/units/{UNIT}/input-link", headers={"Authorization": f"Bearer {token}"},
                                          json={"network_id": "net-demo", "organisation_id": "org-demo"})
        assert made.status_code == 201, made.text
        page = await (await browser.new_context(bypass_csp=True, locale="nb-NO")).new_page()
        for text in ("Første innspill", "Andre innspill"):
            await page.goto(f"{portal.url}/input/{made.json()['token']}")
            await page.get_by_label("Område").select_option(label="Heltidskultur")
            await page.get_by_label("Idéen eller bekymringen din").fill(text)
            await page.get_by_role("button", name="Send").click()
        await expect(page.get_by_role("alert")).to_contain_text("Mange har sendt via denne lenken akkurat nå")
        await expect(page.get_by_label("Idéen eller bekymringen din")).to_have_value("Andre innspill")
        await accessible(page)
        await page.context.close()
        items = (await portal.measures.get(f"/units/{UNIT}/items")).json()
        assert [i["text"] for i in items] == ["Første innspill"]
