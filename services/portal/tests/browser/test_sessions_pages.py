"""The coordinator's sessions work on a phone: sessions generated from the programme's plan, an agenda,
attendance taken in the room, the session marked held, and the completions list."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

from playwright.async_api import Browser, expect

# The culture-competence programme's plan: a two-day kickoff, a gathering, a digital meeting and a closing.
PLAN = [{"kind": "kickoff", "days": 2}, {"kind": "gathering", "days": 1, "weeks_after_previous": 6},
        {"kind": "digital_meeting", "days": 1, "online": True, "weeks_after_previous": 4},
        {"kind": "closing", "days": 1, "weeks_after_previous": 6}]


async def cohort_with_two_participants(enrollment, sessions, wait_until) -> tuple[str, list[str]]:
    programme = await enrollment.post("/programmes", json={
        "code": "KULT", "title": "Kulturkompetanse", "network_id": "net-demo", "language": "nb",
        "gathering_plan": PLAN, "requires_manager_approval": False})
    assert programme.status_code == 201, programme.text
    now = datetime.now(UTC)
    cohort = await enrollment.post("/cohorts", json={
        "programme_id": programme.json()["id"], "term": "spring-2027", "capacity": 20, "location": "Bergen",
        "applications_open_at": (now - timedelta(days=30)).isoformat(),
        "applications_close_at": (now + timedelta(days=30)).isoformat(),
        # Begun two weeks ago, so that the kickoff has been and attendance can be taken for it.
        "starts_on": (date.today() - timedelta(days=14)).isoformat()})
    assert cohort.status_code == 201, cohort.text
    cohort_id = cohort.json()["id"]
    participants = []
    for name, role in (("Kari Nilsen", "sykepleier"), ("Ola Berg", "helsefagarbeider")):
        slug = name.lower().replace(" ", ".")
        applied = await enrollment.post(f"/cohorts/{cohort_id}/applications", json={
            "participant": {"name": name, "email": f"{slug}@demo.samla.example", "role": role},
            "manager": {"name": "Lars Haugen", "email": "lars.haugen@demo.samla.example"},
            "organisation_id": "org-demo", "unit_id": "unit-demo-ward"})
        assert applied.status_code == 201 and applied.json()["status"] == "enrolled", applied.text
        participants.append(applied.json()["participant_id"])

    async def both_on_the_roster():
        roster = await sessions.get(f"/cohorts/{cohort_id}/roster")
        return roster.status_code == 200 and len(roster.json()["members"]) == 2

    await wait_until(both_on_the_roster)
    return cohort_id, participants


async def test_a_coordinator_generates_sessions_sets_an_agenda_takes_attendance_on_a_phone_and_marks_held(
        browser: Browser, portal_with_sessions, accessible, sign_in_as, wait_until) -> None:
    portal = portal_with_sessions
    cohort_id, (kari, ola) = await cohort_with_two_participants(portal.enrollment, portal.sessions, wait_until)
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
