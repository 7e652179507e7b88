"""The main flows with the keyboard alone (Tab, Shift+Tab, Enter, Space), as someone who cannot use a mouse
works: signing in on the development issuer's page, applying (signed in, and on the public form), a leader's
approval, a representative's agreement to a measure and attendance taken in a session. Every stop shows its
focus, and the skip link takes focus past the header to the main content."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from playwright.async_api import Browser, Page, expect

SKIP = "Hopp til hovedinnholdet"


async def open_cohort(enrollment, *, public: bool = False) -> tuple[str, str]:
    programme = await enrollment.post("/programmes", json={
        "code": "KULT", "title": "Kulturkompetanse", "network_id": "net-demo", "language": "nb",
        "requires_manager_approval": True, "accepts_anonymous_applications": public})
    assert programme.status_code == 201, programme.text
    now = datetime.now(UTC)
    cohort = await enrollment.post("/cohorts", json={
        "programme_id": programme.json()["id"], "term": "spring-2027", "capacity": 30, "location": "Bergen",
        "applications_open_at": (now - timedelta(days=1)).isoformat(),
        "applications_close_at": (now + timedelta(days=30)).isoformat()})
    assert cohort.status_code == 201, cohort.text
    return programme.json()["id"], cohort.json()["id"]


async def new_page(browser: Browser) -> Page:
    context = await browser.new_context(bypass_csp=True, locale="nb-NO", viewport={"width": 1100, "height": 800})
    context.set_default_timeout(20_000)
    return await context.new_page()


async def test_a_participant_signs_in_and_applies_and_her_leader_approves_with_the_keyboard_alone(
        browser: Browser, portal, accessible, keyboard) -> None:
    _, cohort_id = await open_cohort(portal.enrollment)
    page = await new_page(browser)
    try:
        keys = keyboard(page)
        await page.goto(f"{portal.url}/")
        await keys.skip_to_main(SKIP)
        # Back up into the header with Shift+Tab to sign in.
        await keys.activate("Logg inn", backwards=True)
        await expect(page.get_by_role("heading", name="Choose a demo person")).to_be_visible()
        await keys.activate("Sofie Lund")
        await expect(page.get_by_role("heading", level=1)).to_have_text("Velkommen, Sofie Lund")

        await keys.skip_to_main(SKIP)
        await keys.activate("Søk på et program")
        await expect(page.get_by_role("heading", level=1)).to_have_text("Programmer")
        await keys.activate("Kulturkompetanse")
        await expect(page.get_by_role("heading", level=1)).to_have_text("Kulturkompetanse")
        await keys.activate("Søk på spring-2027")
        await expect(page.get_by_role("heading", level=1)).to_contain_text("Søk på Kulturkompetanse")
        await keys.tab_to("Navnet på lederen din")
        await page.keyboard.type("Lars Haugen")
        await keys.tab_to("E-postadressen til lederen din")
        await page.keyboard.type("lars.haugen@demo.samla.example")
        await keys.activate("Send søknaden")
        await expect(page.get_by_role("heading", level=1)).to_have_text("Søknaden er sendt")
        await accessible(page)
    finally:
        await page.context.close()

    [application] = (await portal.enrollment.get(f"/cohorts/{cohort_id}/applications")).json()
    assert application["status"] == "awaiting_manager_approval"
    portal.add_person("Leder Lise Vik", person_id=application["manager_id"], roles=["organisation_leader"],
                      networks=["net-demo"], organisations=["org-demo"], units=["unit-demo-ward"])
    page = await new_page(browser)
    try:
        keys = keyboard(page)
        await page.goto(f"{portal.url}/applications/{application['id']}")  # the link in the leader's mail
        await keys.activate("Leder Lise Vik")
        await expect(page.get_by_role("heading", level=1)).to_have_text("Søknad om å delta")
        await keys.skip_to_main(SKIP)
        # Tab into the radio group lands on its first choice; Space chooses it.
        await keys.activate("Godkjenn", key="Space")
        await expect(page.get_by_role("radio", name="Godkjenn")).to_be_checked()
        await keys.activate("Send avgjørelsen")
        await expect(page.get_by_role("status")).to_have_text("Du godkjente søknaden.")
        await accessible(page)
    finally:
        await page.context.close()
    decided = (await portal.enrollment.get(f"/applications/{application['id']}")).json()
    assert decided["status"] == "enrolled"


async def test_a_visitor_sends_the_public_form_with_the_keyboard_alone(page: Page, portal, keyboard) -> None:
    programme_id, cohort_id = await open_cohort(portal.enrollment, public=True)
    for path, body in (("/networks", {"id": "net-demo", "name": "Kulturnettverk Vest", "country": "NO"}),
                       ("/organisations", {"id": "org-demo", "network_id": "net-demo", "name": "Bergen kommune",
                                           "kind": "municipality"}),
                       ("/units", {"id": "unit-demo-ward", "organisation_id": "org-demo", "name": "Sengepost 3",
                                   "kind": "ward"})):
        created = await portal.enrollment.post(path, json=body)
        assert created.status_code == 201, created.text
    keys = keyboard(page)
    await page.goto(f"{portal.url}/programmes/{programme_id}")
    await keys.skip_to_main(SKIP)
    await keys.activate("Søk på spring-2027")
    await expect(page.get_by_role("heading", level=1)).to_have_text("Søk på Kulturkompetanse, spring-2027")
    for label, text in (("Navnet ditt", "Kari Nilsen"), ("E-postadressen din", "kari.nilsen@demo.samla.example")):
        await keys.tab_to(label)
        await page.keyboard.type(text)
    await keys.tab_to("Enheten din")
    await keys.press("ArrowDown")  # a closed select takes its next option from the arrow keys
    await expect(page.get_by_label("Enheten din")).to_have_value("unit-demo-ward")
    for label, text in (("Navnet på lederen din", "Lars Haugen"),
                        ("E-postadressen til lederen din", "lars.haugen@demo.samla.example")):
        await keys.tab_to(label)
        await page.keyboard.type(text)
    await keys.activate("Send søknaden", key="Space")  # a button takes Space as well as Enter
    await expect(page.get_by_role("heading", level=1)).to_have_text("Søknaden er mottatt")
    [application] = (await portal.enrollment.get(f"/cohorts/{cohort_id}/applications")).json()
    assert application["unit_id"] == "unit-demo-ward"


async def test_a_representative_agrees_to_a_measure_with_the_keyboard_alone(
        page: Page, portal_with_measures, accessible, keyboard) -> None:
    measures = portal_with_measures.measures
    created = await measures.post("/measures", json={
        "network_id": "net-demo", "organisation_id": "org-demo", "unit_ids": ["unit-demo-ward"],
        "title": "Rutine for tidlig kontakt ved sykefravær", "area": "sick_leave_follow_up",
        "goal": "Alle som blir sykmeldt, blir kontaktet innen en uke."})
    assert created.status_code == 201, created.text
    keys = keyboard(page)
    await page.goto(f"{portal_with_measures.url}/")
    await keys.activate("Logg inn")
    await expect(page.get_by_role("heading", name="Choose a demo person")).to_be_visible()
    await keys.activate("Per Moen")
    await expect(page.get_by_role("heading", level=1)).to_have_text("Velkommen, Per Moen")
    await keys.activate("Tiltak i enheten din")
    await expect(page.get_by_role("heading", level=1)).to_have_text("Tiltak")
    await keys.skip_to_main(SKIP)
    await keys.activate("Rutine for tidlig kontakt ved sykefravær")
    await expect(page.get_by_role("heading", level=1)).to_have_text("Rutine for tidlig kontakt ved sykefravær")
    await keys.activate("Slutt deg til")
    await expect(page.get_by_role("status")).to_have_text("Tilslutningen din er registrert.")
    await accessible(page)
    stored = (await measures.get(f"/measures/{created.json()['id']}")).json()
    assert stored["missing_agreements"] == ["leader", "union_representative"]


async def test_a_coordinator_takes_attendance_with_the_keyboard_alone(
        page: Page, portal_with_sessions, accessible, keyboard, sign_in_as, cohort_with_two_participants) -> None:
    portal = portal_with_sessions
    cohort_id, (kari, ola) = await cohort_with_two_participants(portal)
    keys = keyboard(page)
    await page.goto(f"{portal.url}/cohorts/{cohort_id}/sessions")
    await keys.activate("Ingrid Solberg")
    await expect(page.get_by_role("heading", level=1)).to_have_text("Samlinger i spring-2027")
    await keys.skip_to_main(SKIP)
    await keys.activate("Lag samlingene fra planen")
    await expect(page.get_by_role("status")).to_have_text("Samlingene er lagt inn i kalenderen.")
    await keys.activate("Oppstartssamling")
    await expect(page.get_by_role("heading", level=1)).to_have_text("Oppstartssamling")

    # Each participant is a radio group: Tab enters it at its first choice, Space chooses it, and the
    # arrow keys move the choice along the group.
    await keys.activate("Til stede", key="Space")
    following = await keys.step("Tab")  # out of Kari Nilsen's group, into Ola Berg's
    assert following and following["name"] == "Til stede" and following["ring"], following
    await keys.press("ArrowRight")
    await keys.press("ArrowRight")
    await expect(page.get_by_role("group", name="Ola Berg").get_by_role("radio", name="Meldt fravær")).to_be_checked()
    await keys.activate("Lagre oppmøtet")
    await expect(page.get_by_role("status")).to_have_text("Oppmøtet er lagret.")
    await accessible(page)
    session = (await portal.sessions.get(f"/cohorts/{cohort_id}/sessions")).json()[0]
    recorded = (await portal.sessions.get(f"/sessions/{session['id']}/attendance")).json()
    assert {r["participant_id"]: r["status"] for r in recorded["records"]} == {kari: "present", ola: "excused"}
