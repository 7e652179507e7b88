"""The coordinator's sessions work on a phone: sessions generated from the programme's plan, an agenda,
attendance taken in the room, the session marked held, and the completions list."""

from __future__ import annotations

from playwright.async_api import Browser, expect


async def test_a_coordinator_generates_sessions_sets_an_agenda_takes_attendance_on_a_phone_and_marks_held(
        browser: Browser, portal_with_sessions, accessible, sign_in_as, cohort_with_two_participants) -> None:
    portal = portal_with_sessions
    cohort_id, (kari, ola) = await cohort_with_two_participants(portal)
    phone = await browser.new_context(bypass_csp=True, locale="nb-NO", viewport={"width": 390, "height": 844},
                                      is_mobile=True, has_touch=True)
    phone.set_default_timeout(20_000)
    try:
        page = await phone.new_page()
        await page.goto(f"{portal.url}/cohorts/{cohort_id}")
        await sign_in_as(page, "Ingrid Solberg")
        await page.get_by_role("link", name="Samlinger og oppmøte").click()
        await expect(page.get_by_role("heading", level=1)).to_have_text("Samlinger i spring-2027")
        await expect(page.get_by_text("Ingen samlinger ennå.")).to_be_visible()
        await accessible(page)
        await page.get_by_role("button", name="Lag samlingene fra planen").click()
        await expect(page.get_by_role("status")).to_have_text("Samlingene er lagt inn i kalenderen.")
        sessions = page.get_by_role("main").get_by_role("listitem")
        await expect(sessions).to_have_count(4)
        await accessible(page, "sessions-phone")

        await sessions.first.get_by_role("link").click()
        await expect(page.get_by_role("heading", level=1)).to_have_text("Oppstartssamling")

        # The agenda: one item, in a plain form.
        await page.get_by_label("Begynner").first.fill("09:00")
        await page.get_by_label("Slutter").first.fill("09:30")
        await page.get_by_label("Tittel").first.fill("Velkommen og innsjekk")
        await page.get_by_label("Type").first.select_option(label="Velkommen")
        await page.get_by_role("button", name="Lagre programmet").click()
        await expect(page.get_by_role("status")).to_have_text("Programmet er lagret.")
        await expect(page.locator("#agenda-items")).to_contain_text("09:00–09:30 Velkommen og innsjekk")

        # Attendance in the room: one large choice per participant, then held.
        # Each participant by the name enrollment shows the coordinator.
        present = page.get_by_role("group", name="Kari Nilsen").get_by_text("Til stede")
        box = await present.bounding_box()
        assert box and box["height"] >= 44 and box["width"] >= 44  # a thumb hits it (WCAG 2.5.5)
        await present.click()
        await page.get_by_role("group", name="Ola Berg").get_by_text("Meldt fravær").click()
        await accessible(page, "session-attendance-phone")
        await page.get_by_role("button", name="Lagre oppmøtet").click()
        await expect(page.get_by_role("status")).to_have_text("Oppmøtet er lagret.")
        await expect(page.locator("#attendance-counts")).to_have_text("1 til stede, 0 fraværende, 1 meldt fravær")
        await expect(page.get_by_role("group", name="Kari Nilsen").get_by_role("radio", name="Til stede")).to_be_checked()
        await page.get_by_role("button", name="Marker samlingen som holdt").click()
        await expect(page.get_by_role("status")).to_have_text("Samlingen er markert som holdt.")
        await expect(page.locator("#session-status")).to_have_text("holdt")
        assert await page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")

        await page.get_by_role("link", name="Alle samlingene i kullet").click()
        await page.get_by_role("link", name="Fullføringer").click()
        await expect(page.get_by_role("heading", level=1)).to_have_text("Fullføringer i spring-2027")
        table = page.get_by_role("table", name="Fremdrift mot fullføring")
        await expect(table.get_by_role("row").filter(has_text="Kari Nilsen")).to_contain_text("1 / 4")
        await expect(table.get_by_role("row").filter(has_text="Ola Berg")).to_contain_text("0 / 4")
        await accessible(page, "completions")
    finally:
        await phone.close()

    attendance = (await portal.sessions.get(f"/cohorts/{cohort_id}/sessions")).json()[0]
    assert attendance["status"] == "held"
    recorded = (await portal.sessions.get(f"/sessions/{attendance['id']}/attendance")).json()
    assert {r["participant_id"]: r["status"] for r in recorded["records"]} == {kari: "present", ola: "excused"}
