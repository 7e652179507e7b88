"""Issue 16 in the portal: a unit's team applies together, a make-up for a missed mandatory session counts toward
completion, and interest in the next cohort names a region that coordinators see per region. Real enrollment
(and sessions) on the real stack, driven in Chromium."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from playwright.async_api import Browser, Page, expect

LEADER, UNION, SAFETY = "Lars Haugen", "Amina Khalid", "Per Moen"  # the demo ward's three parties
MANAGER = "Kristin Berg"  # the head of department, who approves the ward's team


def address(name: str) -> str:
    return f"{name.lower().replace(' ', '.')}@demo.samla.example"


def choice(name: str) -> str:
    """A person as the team form lists them: name and address, so that two people of one name differ."""
    return f"{name} ({address(name)})"


async def the_demo_ward(enrollment) -> None:
    for path, body in (("/networks", {"id": "net-demo", "name": "Kulturnettverk Vest", "country": "NO"}),
                       ("/organisations", {"id": "org-demo", "network_id": "net-demo", "name": "Bergen kommune",
                                           "kind": "municipality"}),
                       ("/units", {"id": "unit-demo-ward", "organisation_id": "org-demo", "name": "Sengepost 3",
                                   "kind": "ward"})):
        created = await enrollment.post(path, json=body)
        assert created.status_code == 201, created.text


async def a_programme(enrollment, *capacities: int) -> tuple[str, list[str]]:
    """The workshop programme with a cohort of each capacity, all taking applications now, in that order."""
    programme = await enrollment.post("/programmes", json={
        "code": "DST", "title": "Der skoen trykker", "network_id": "net-demo", "language": "nb",
        "requires_manager_approval": False})
    assert programme.status_code == 201, programme.text
    now = datetime.now(UTC)
    cohorts = []
    for term, capacity in zip(("høst-2026", "vår-2027"), capacities, strict=False):
        cohort = await enrollment.post("/cohorts", json={
            "programme_id": programme.json()["id"], "term": term, "capacity": capacity, "location": "Bergen",
            "applications_open_at": (now - timedelta(days=1)).isoformat(),
            "applications_close_at": (now + timedelta(days=30)).isoformat()})
        assert cohort.status_code == 201, cohort.text
        cohorts.append(cohort.json()["id"])
    return programme.json()["id"], cohorts


async def applies(enrollment, cohort_id: str, name: str) -> dict:
    response = await enrollment.post(f"/cohorts/{cohort_id}/applications", json={
        "participant": {"name": name, "email": address(name)},
        "manager": {"name": LEADER, "email": "lars.haugen@demo.samla.example"},
        "organisation_id": "org-demo", "unit_id": "unit-demo-ward"})
    assert response.status_code == 201, response.text
    return response.json()


async def test_a_leader_registers_a_team_of_three_that_takes_three_seats_at_once(
        page: Page, portal, accessible, sign_in_as) -> None:
    await the_demo_ward(portal.enrollment)
    programme_id, (earlier, cohort_id) = await a_programme(portal.enrollment, 10, 3)
    # The representatives took part in the autumn, so the leader finds them among the ward's people by name.
    for name in (UNION, SAFETY):
        await applies(portal.enrollment, earlier, name)

    await page.goto(f"{portal.url}/programmes/{programme_id}")
    await sign_in_as(page, LEADER)
    await page.get_by_role("link", name="Meld på et team til vår-2027").click()
    await expect(page.get_by_role("heading", level=1)).to_have_text("Meld på et team til vår-2027")
    # The leader registering is the team's leader, unless they choose someone else; their own manager approves.
    await expect(page.get_by_role("group", name="Leder", exact=True).get_by_label("Velg ved navn")).to_have_value(
        "lars.haugen@demo.samla.example")
    await page.get_by_label("Navnet på lederen", exact=True).fill(MANAGER)
    await page.get_by_label("E-postadressen til lederen").fill(address(MANAGER))
    await accessible(page, "team-new")

    # One person chosen for two places: refused at the field, and every choice made is still there.
    await page.get_by_role("group", name="Tillitsvalgt", exact=True).get_by_label("Velg ved navn").select_option(label=choice(UNION))
    await page.get_by_role("group", name="Verneombud", exact=True).get_by_label("Velg ved navn").select_option(label=choice(UNION))
    await page.get_by_label("Hvorfor deltar enheten?").fill("Vi vil bli bedre på partssamarbeid.")
    await page.get_by_role("button", name="Meld på teamet").click()
    summary = page.get_by_role("alert")
    await expect(summary).to_contain_text("Verneombud: denne personen er allerede valgt til en annen plass i teamet.")
    await expect(page.get_by_role("group", name="Tillitsvalgt", exact=True).get_by_label("Velg ved navn")).to_have_value(
        "amina.khalid@demo.samla.example")
    await expect(page.get_by_label("Hvorfor deltar enheten?")).to_have_value("Vi vil bli bedre på partssamarbeid.")
    await expect(page.get_by_label("Navnet på lederen", exact=True)).to_have_value(MANAGER)
    await accessible(page, "team-new-errors")
    assert (await portal.enrollment.get(f"/cohorts/{cohort_id}")).json()["seats_taken"] == 0

    await page.get_by_role("group", name="Verneombud", exact=True).get_by_label("Velg ved navn").select_option(label=choice(SAFETY))
    await page.get_by_role("button", name="Meld på teamet").click()
    await expect(page.get_by_role("status")).to_have_text("Teamet er meldt på.")
    await expect(page.locator("#team-standing")).to_have_text("Teamet har fått plass sammen: 3 plasser tatt.")
    members = page.get_by_role("table", name="3 medlemmer", exact=True)
    for name, role in ((LEADER, "Leder"), (UNION, "Tillitsvalgt"), (SAFETY, "Verneombud")):
        await expect(members.get_by_role("row").filter(has_text=name)).to_contain_text(role)
    await accessible(page, "team-seated")

    cohort = (await portal.enrollment.get(f"/cohorts/{cohort_id}")).json()
    assert (cohort["seats_taken"], cohort["seats_free"]) == (3, 0)
    seated = (await portal.enrollment.get(f"/cohorts/{cohort_id}/applications")).json()
    assert sorted((a["applicant"]["name"], a["team_role"], a["status"]) for a in seated) == sorted([
        (LEADER, "leader", "enrolled"), (UNION, "union_representative", "enrolled"),
        (SAFETY, "safety_representative", "enrolled")])
    assert len({a["team_id"] for a in seated}) == 1


async def test_a_team_that_waits_shows_one_place_in_the_queue(page: Page, portal, accessible, sign_in_as) -> None:
    await the_demo_ward(portal.enrollment)
    _, (cohort_id,) = await a_programme(portal.enrollment, 1)
    assert (await applies(portal.enrollment, cohort_id, "Kari Nilsen"))["status"] == "enrolled"
    assert (await applies(portal.enrollment, cohort_id, "Ola Berg"))["waitlist_position"] == 1

    # The coordinator registers the ward's team from the cohort page, writing in people not yet known.
    await page.goto(f"{portal.url}/cohorts/{cohort_id}")
    await sign_in_as(page, "Ingrid Solberg")
    await page.get_by_role("link", name="Meld på en enhets team").click()
    await page.get_by_label("Teamets enhet").select_option(label="Sengepost 3 (Bergen kommune)")
    # Ola, already waiting in this cohort, cannot join a team there: said at his place, nothing typed lost.
    for place, name in (("Leder", LEADER), ("Tillitsvalgt", UNION), ("Verneombud", "Ola Berg")):
        group = page.get_by_role("group", name=place, exact=True)
        await group.get_by_label(f"{place}: navn").fill(name)
        await group.get_by_label(f"{place}: e-postadresse").fill(address(name))
    await page.get_by_label("Navnet på lederen", exact=True).fill(MANAGER)
    await page.get_by_label("E-postadressen til lederen").fill(address(MANAGER))
    await page.get_by_role("button", name="Meld på teamet").click()
    await expect(page.get_by_role("alert")).to_contain_text(
        "Verneombud: e-postadresse: denne personen har allerede søkt på dette kullet.")
    await expect(page.get_by_label("Tillitsvalgt: navn")).to_have_value(UNION)
    await expect(page.get_by_label("E-postadressen til lederen")).to_have_value(address(MANAGER))
    await accessible(page)
    safety = page.get_by_role("group", name="Verneombud", exact=True)
    await safety.get_by_label("Verneombud: navn").fill(SAFETY)
    await safety.get_by_label("Verneombud: e-postadresse").fill(address(SAFETY))
    await page.get_by_role("button", name="Meld på teamet").click()

    await expect(page.get_by_role("status")).to_have_text("Teamet er meldt på.")
    await expect(page.locator("#team-standing")).to_have_text(
        "Teamet venter samlet som nummer 2 i køen. Det får plassene sammen når det er plass til alle.")
    members = page.get_by_role("table", name="3 medlemmer", exact=True)
    await expect(members.get_by_role("row").filter(has_text="nummer 2 på ventelisten")).to_have_count(3)
    await accessible(page, "team-waiting")

    await page.goto(f"{portal.url}/cohorts/{cohort_id}")
    await expect(page.get_by_role("list", name="Team", exact=True)).to_have_text("Sengepost 3: 3 medlemmer, venter samlet som nummer 2")
    await accessible(page)

    waiting = (await portal.enrollment.get(f"/cohorts/{cohort_id}/applications", params={"status": "waitlisted"})).json()
    assert sorted((a["applicant"]["name"], a["waitlist_position"]) for a in waiting) == sorted([
        ("Ola Berg", 1), (LEADER, 2), (UNION, 2), (SAFETY, 2)])


async def a_kickoff_ola_missed(portal, cohort_with_two_participants) -> tuple[str, str, str]:
    """(cohort id, the held kickoff's id, Ola's participant id): Kari came, Ola was absent."""
    cohort_id, (kari, ola) = await cohort_with_two_participants(portal)
    generated = await portal.sessions.post(f"/cohorts/{cohort_id}/sessions/generated", json={})
    assert generated.status_code == 201, generated.text
    kickoff = generated.json()[0]["id"]
    taken = await portal.sessions.put(f"/sessions/{kickoff}/attendance", json={"records": [
        {"participant_id": kari, "status": "present"}, {"participant_id": ola, "status": "absent"}]})
    assert taken.status_code == 200, taken.text
    held = await portal.sessions.post(f"/sessions/{kickoff}/held", json={})
    assert held.status_code == 200, held.text
    return cohort_id, kickoff, ola


async def test_a_make_up_recorded_in_the_browser_counts_toward_completion(
        browser: Browser, portal_with_sessions, accessible, sign_in_as, cohort_with_two_participants) -> None:
    portal = portal_with_sessions
    cohort_id, kickoff, ola = await a_kickoff_ola_missed(portal, cohort_with_two_participants)

    # On a phone: the make-up is a plain form under the attendance.
    phone = await browser.new_context(bypass_csp=True, locale="nb-NO", viewport={"width": 390, "height": 844},
                                      is_mobile=True, has_touch=True)
    phone.set_default_timeout(20_000)
    try:
        page = await phone.new_page()
        await page.goto(f"{portal.url}/sessions/{kickoff}")
        await sign_in_as(page, "Ingrid Solberg")
        form = page.get_by_role("form", name="Registrer erstatning")
        await form.get_by_label("Hvem var borte").select_option(label="Ola Berg (Fraværende)")
        await form.get_by_text("En oppgave", exact=True).click()
        await form.get_by_role("button", name="Registrer erstatningen").click()
        # An assignment says what it was: refused, and the choices made are kept.
        await expect(page.get_by_role("alert")).to_contain_text("Hva oppgaven var")
        await expect(form.get_by_label("Hvem var borte")).to_have_value(ola)
        await expect(form.get_by_role("radio", name="En oppgave")).to_be_checked()
        await accessible(page, "session-make-up-phone")
        await form.get_by_label("Hva oppgaven var").fill("Refleksjonsnotat om gruppenormer")
        await form.get_by_role("button", name="Registrer erstatningen").click()
        await expect(page.get_by_role("status")).to_have_text("Erstatningen er registrert. Den teller med for å fullføre.")
        await expect(page.locator("#make-ups-recorded")).to_contain_text(
            "Ola Berg: en oppgave: Refleksjonsnotat om gruppenormer")
        await expect(page.get_by_role("form", name="Registrer erstatning")).to_have_count(0)  # nobody else missed it
        assert await page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
        await accessible(page)

        await page.get_by_role("link", name="Alle samlingene i kullet").click()
        await page.get_by_role("link", name="Fullføringer").click()
        table = page.get_by_role("table", name="Fremdrift mot fullføring")
        await expect(table.get_by_role("row").filter(has_text="Ola Berg")).to_contain_text("1 / 4")
        await expect(table.get_by_role("row").filter(has_text="Kari Nilsen")).to_contain_text("1 / 4")
    finally:
        await phone.close()

    recorded = (await portal.sessions.get(f"/sessions/{kickoff}/attendance")).json()["make_ups"]
    assert [(m["participant_id"], m["kind"], m["note"]) for m in recorded] == [
        (ola, "assignment", "Refleksjonsnotat om gruppenormer")]


async def test_a_coordinator_records_a_make_up_with_the_keyboard_alone(
        page: Page, portal_with_sessions, accessible, keyboard, cohort_with_two_participants) -> None:
    portal = portal_with_sessions
    _, kickoff, ola = await a_kickoff_ola_missed(portal, cohort_with_two_participants)
    keys = keyboard(page)
    await page.goto(f"{portal.url}/sessions/{kickoff}")
    await keys.activate("Ingrid Solberg")
    await expect(page.get_by_role("heading", level=1)).to_have_text("Oppstartssamling")
    await keys.skip_to_main("Hopp til hovedinnholdet")
    await keys.tab_to("Hvem var borte")
    await keys.press("ArrowDown")  # the first (and only) one who missed it
    await expect(page.get_by_label("Hvem var borte")).to_have_value(ola)
    await keys.tab_to("Samling med et annet kull")  # the choice made: Tab enters the group there
    await keys.press("ArrowRight")
    await expect(page.get_by_role("radio", name="En oppgave")).to_be_checked()
    await keys.tab_to("Hva oppgaven var")
    await page.keyboard.type("Refleksjonsnotat")
    await keys.activate("Registrer erstatningen")
    await expect(page.get_by_role("status")).to_have_text("Erstatningen er registrert. Den teller med for å fullføre.")
    await accessible(page)
    recorded = (await portal.sessions.get(f"/sessions/{kickoff}/attendance")).json()["make_ups"]
    assert [(m["participant_id"], m["note"]) for m in recorded] == [(ola, "Refleksjonsnotat")]


async def test_the_regional_table_lists_regions_most_waiting_first_after_interest_from_two_regions(
        browser: Browser, page: Page, portal, accessible, sign_in_as) -> None:
    programme_id, (cohort_id,) = await a_programme(portal.enrollment, 1)
    await applies(portal.enrollment, cohort_id, "Kari Nilsen")  # the cohort is full: interest is taken
    for name, region in (("Nora Strand", "Troms"), ("Ola Berg", "Nordland")):
        registered = await portal.enrollment.post(f"/programmes/{programme_id}/interest", json={
            "person": {"name": name, "email": address(name)}, "region": region})
        assert registered.status_code == 201, registered.text

    # A participant asks to hear of the next cohort, in Nordland, on a plain form without script.
    plain = await browser.new_context(locale="nb-NO", java_script_enabled=False)
    plain.set_default_timeout(20_000)
    try:
        participant = await plain.new_page()
        await participant.goto(f"{portal.url}/programmes/{programme_id}")
        await sign_in_as(participant, "Sofie Lund")
        await participant.get_by_label("Hvor vil du at det skal holdes? (valgfritt)").fill("nordland ")
        await participant.get_by_role("button", name="Gi meg beskjed når det åpner").click()
        await expect(participant.get_by_role("status")).to_have_text(
            "Takk. Vi sender deg en e-post når neste kull åpner.")
    finally:
        await plain.close()

    await page.goto(f"{portal.url}/programmes/{programme_id}")
    await sign_in_as(page, "Ingrid Solberg")
    table = page.get_by_role("table", name="Interesse for neste kull etter region, flest som venter først")
    rows = table.get_by_role("row")
    await expect(rows).to_have_count(3)
    await expect(rows.nth(1).get_by_role("cell")).to_have_text(["Nordland", "2", "2"])
    await expect(rows.nth(2).get_by_role("cell")).to_have_text(["Troms", "1", "1"])
    await accessible(page, "programme-regions")

    stored = (await portal.enrollment.get(f"/programmes/{programme_id}/interest/regions")).json()
    assert [(r["region"], r["pending"]) for r in stored] == [("Nordland", 2), ("Troms", 1)]
