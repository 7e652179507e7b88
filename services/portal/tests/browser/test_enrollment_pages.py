"""The coordinator's cohort page and the leader's decision page, against enrollment on the real stack."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from playwright.async_api import Page, expect


async def open_cohort(enrollment, *, capacity: int = 30, approval: bool = False) -> tuple[str, str]:
    programme = await enrollment.post("/programmes", json={
        "code": "KULT", "title": "Kulturkompetanse", "network_id": "net-demo", "language": "nb",
        "requires_manager_approval": approval})
    assert programme.status_code == 201, programme.text
    now = datetime.now(UTC)
    cohort = await enrollment.post("/cohorts", json={
        "programme_id": programme.json()["id"], "term": "spring-2027", "capacity": capacity, "location": "Bergen",
        "applications_open_at": (now - timedelta(days=1)).isoformat(),
        "applications_close_at": (now + timedelta(days=30)).isoformat()})
    assert cohort.status_code == 201, cohort.text
    return programme.json()["id"], cohort.json()["id"]


async def submit(enrollment, cohort_id: str, name: str, *, role: str = "sykepleier") -> dict:
    slug = name.lower().replace(" ", ".")
    response = await enrollment.post(f"/cohorts/{cohort_id}/applications", json={
        "participant": {"name": name, "email": f"{slug}@demo.samla.example", "role": role},
        "manager": {"name": "Lars Haugen", "email": "lars.haugen@demo.samla.example"},
        "organisation_id": "org-demo", "unit_id": "unit-demo-ward"})
    assert response.status_code == 201, response.text
    return response.json()


async def test_a_coordinator_sees_a_cohorts_applications_and_its_waitlist_in_order(
        page: Page, portal, accessible, sign_in_as) -> None:
    _, cohort_id = await open_cohort(portal.enrollment, capacity=1)
    first = await submit(portal.enrollment, cohort_id, "Kari Nilsen")
    second = await submit(portal.enrollment, cohort_id, "Ola Berg", role="helsefagarbeider")
    third = await submit(portal.enrollment, cohort_id, "Nora Strand")
    assert [a["status"] for a in (first, second, third)] == ["enrolled", "waitlisted", "waitlisted"]

    await page.goto(f"{portal.url}/programmes")
    await sign_in_as(page, "Ingrid Solberg")
    await expect(page.get_by_role("heading", level=1)).to_have_text("Programmer")
    await accessible(page, "programmes")
    await page.get_by_role("link", name="Kulturkompetanse").click()
    await expect(page.get_by_role("table")).to_contain_text("Bergen")
    await accessible(page, "programme")
    await page.get_by_role("link", name="Søknader spring-2027").click()

    await expect(page.get_by_role("heading", level=1)).to_have_text("Kull spring-2027")
    rows = page.get_by_role("table").get_by_role("row")
    await expect(rows).to_have_count(4)  # the header and three applications
    await expect(page.get_by_role("table")).to_contain_text("helsefagarbeider")
    # Applicants by name (enrollment shows them to the cohort's coordinators), the waitlist in order.
    await expect(page.get_by_role("table").get_by_role("row").filter(has_text="Kari Nilsen")).to_contain_text(
        "har fått plass")
    waitlist = page.get_by_role("list").filter(has_text="Ola Berg")
    await expect(waitlist.get_by_role("listitem")).to_have_count(2)
    await expect(waitlist.get_by_role("listitem").first).to_contain_text("Ola Berg")
    await expect(waitlist.get_by_role("listitem").last).to_contain_text("Nora Strand")
    await accessible(page, "cohort")


async def test_a_leader_approves_an_application_on_its_page_and_the_participant_gets_the_seat(
        page: Page, portal, accessible, sign_in_as) -> None:
    _, cohort_id = await open_cohort(portal.enrollment, approval=True)
    application = await submit(portal.enrollment, cohort_id, "Kari Nilsen")
    assert application["status"] == "awaiting_manager_approval"
    # The leader the application names signs in as themself (the issuer knows them by enrollment's person id).
    portal.add_person("Leder Lise Vik", person_id=application["manager_id"], roles=["organisation_leader"],
                      networks=["net-demo"], organisations=["org-demo"], units=["unit-demo-ward"])

    # The link in the leader's mail: sign-in first, then straight back to the application.
    await page.goto(f"{portal.url}/applications/{application['id']}")
    await sign_in_as(page, "Leder Lise Vik")
    await expect(page.get_by_role("heading", level=1)).to_have_text("Søknad om å delta")
    await expect(page.locator("#application-status")).to_have_text("venter på lederens godkjenning")
    await accessible(page, "application-leader")

    # Declining without a reason is sent back with the reason asked for, and nothing changes.
    await page.get_by_role("radio", name="Avslå").check()
    await page.get_by_role("button", name="Send avgjørelsen").click()
    await expect(page.get_by_role("alert")).to_contain_text("Skriv en begrunnelse når du avslår.")
    await accessible(page)
    unchanged = (await portal.enrollment.get(f"/applications/{application['id']}")).json()
    assert unchanged["status"] == "awaiting_manager_approval"

    await page.get_by_role("radio", name="Godkjenn").check()
    await page.get_by_role("button", name="Send avgjørelsen").click()
    await expect(page.get_by_role("status")).to_have_text("Du godkjente søknaden.")
    await expect(page.locator("#application-status")).to_have_text("har fått plass")
    await expect(page.get_by_role("button", name="Send avgjørelsen")).to_have_count(0)

    decided = (await portal.enrollment.get(f"/applications/{application['id']}")).json()
    assert decided["status"] == "enrolled"
    # The approval is recorded in the leader's own name, taken from their sign-in.
    assert {"by": application["manager_id"], "to": "approved"} in [
        {"by": entry["by"], "to": entry["to"]} for entry in decided["history"]]


async def test_a_leader_of_another_organisation_is_not_shown_the_application(
        page: Page, portal, accessible, sign_in_as) -> None:
    _, cohort_id = await open_cohort(portal.enrollment, approval=True)
    application = await submit(portal.enrollment, cohort_id, "Kari Nilsen")
    portal.add_person("Leder Siv Aune", roles=["organisation_leader"], networks=["net-demo"],
                      organisations=["org-other"], units=["unit-other"])
    await page.goto(f"{portal.url}/applications/{application['id']}")
    await sign_in_as(page, "Leder Siv Aune")  # a leader, but of another organisation, and not the one named
    await expect(page.get_by_role("heading", level=1)).to_have_text("Fant ikke siden")
    await accessible(page)
    await expect(page.get_by_role("button", name="Send avgjørelsen")).to_have_count(0)
    still = (await portal.enrollment.get(f"/applications/{application['id']}")).json()
    assert still["status"] == "awaiting_manager_approval"


async def test_a_danish_leader_declines_with_a_reason(browser, portal, accessible, sign_in_as) -> None:
    _, cohort_id = await open_cohort(portal.enrollment, approval=True)
    application = await submit(portal.enrollment, cohort_id, "Mads Holm")
    portal.add_person("Leder Sanne Krog", person_id=application["manager_id"], roles=["organisation_leader"],
                      networks=["net-demo"], organisations=["org-demo"], units=["unit-demo-ward"])
    danish = await browser.new_context(bypass_csp=True, locale="da-DK")  # a browser set up for Danish
    page = await danish.new_page()
    await page.goto(f"{portal.url}/applications/{application['id']}")
    await sign_in_as(page, "Leder Sanne Krog")
    await expect(page.locator("html")).to_have_attribute("lang", "da")
    await expect(page.get_by_role("heading", level=1)).to_have_text("Ansøgning om deltagelse")
    await page.get_by_role("radio", name="Afvis").check()
    await page.get_by_label("Begrundelse").fill("Afdelingen har ikke bemanding i foråret.")
    await page.get_by_role("button", name="Send afgørelsen").click()
    await expect(page.get_by_role("status")).to_have_text("Du afviste ansøgningen.")
    await expect(page.locator("#application-status")).to_have_text("afvist")
    await accessible(page, "application-declined-da")

    await danish.close()
    decided = (await portal.enrollment.get(f"/applications/{application['id']}")).json()
    assert decided["status"] == "declined"
    assert decided["history"][-1]["reason"] == "Afdelingen har ikke bemanding i foråret."


async def test_the_cohort_page_fits_a_phone(browser, portal, accessible, sign_in_as) -> None:
    _, cohort_id = await open_cohort(portal.enrollment, capacity=1)
    for name in ("Kari Nilsen", "Ola Berg"):
        await submit(portal.enrollment, cohort_id, name)
    phone = await browser.new_context(bypass_csp=True, locale="nb-NO", viewport={"width": 390, "height": 844},
                                      is_mobile=True, has_touch=True)
    try:
        page = await phone.new_page()
        await page.goto(f"{portal.url}/cohorts/{cohort_id}")
        await sign_in_as(page, "Ingrid Solberg")
        await expect(page.get_by_role("heading", level=1)).to_have_text("Kull spring-2027")
        # Nothing but the wide table scrolls sideways: the page itself fits the screen.
        assert await page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
        await accessible(page, "cohort-phone")
    finally:
        await phone.close()


async def test_one_trace_runs_from_the_page_into_enrollment(page: Page, portal, sign_in_as, spans) -> None:
    _, cohort_id = await open_cohort(portal.enrollment)
    await page.goto(f"{portal.url}/programmes")
    await sign_in_as(page, "Ingrid Solberg")
    await expect(page.get_by_role("heading", level=1)).to_have_text("Programmer")
    spans.clear()
    await page.goto(f"{portal.url}/cohorts/{cohort_id}")
    await expect(page.get_by_role("heading", level=1)).to_have_text("Kull spring-2027")

    finished = spans.get_finished_spans()
    # Only enrollment serves the applications list; the page request that caused it is its trace's root.
    # (Without propagation, enrollment's own span would be the root of its trace.)
    listed = [s for s in finished if s.kind.name == "SERVER" and s.name == "GET /cohorts/{cohort_id}/applications"]
    assert listed, [s.name for s in finished]
    for span in listed:
        roots = [s for s in finished if s.context.trace_id == span.context.trace_id and s.parent is None]
        assert [(r.name, r.kind.name) for r in roots] == [("GET /cohorts/{cohort_id}", "SERVER")]


async def test_a_leader_approves_from_the_inbox_and_the_participant_sees_the_waitlist_place_on_my_page(
        browser, portal, accessible, sign_in_as) -> None:
    _, cohort_id = await open_cohort(portal.enrollment, capacity=1, approval=True)
    seated = await submit(portal.enrollment, cohort_id, "Kari Nilsen")
    approved = await portal.enrollment.post(f"/applications/{seated['id']}/approval", json={"decision": "approve"})
    assert approved.json()["status"] == "enrolled", approved.text

    # Sofie applies in the portal, signed in: her name and address come from the sign-in.
    participant = await (await browser.new_context(bypass_csp=True, locale="nb-NO")).new_page()
    await participant.goto(f"{portal.url}/cohorts/{cohort_id}/apply")
    await sign_in_as(participant, "Sofie Lund")
    await participant.get_by_label("Navnet på lederen din").fill("Lars Haugen")
    await participant.get_by_label("E-postadressen til lederen din").fill("lars.haugen@demo.samla.example")
    await participant.get_by_role("button", name="Send søknaden").click()
    await expect(participant.get_by_role("heading", level=1)).to_have_text("Søknaden er sendt")

    # Her leader finds it in the applications inbox and approves it; the one seat is taken, so she waits.
    leader = await (await browser.new_context(bypass_csp=True, locale="nb-NO")).new_page()
    await leader.goto(f"{portal.url}/")
    await leader.get_by_role("link", name="Logg inn").first.click()
    await sign_in_as(leader, "Lars Haugen")
    await leader.get_by_role("link", name="Søknader fra medarbeiderne dine").click()
    waiting = leader.get_by_role("region", name="Venter på din avgjørelse")
    await expect(waiting.get_by_role("row").filter(has_text="Sofie Lund")).to_have_count(1)
    await accessible(leader, "applications-leader-inbox")
    await waiting.get_by_role("link", name="Sofie Lund").click()
    await leader.get_by_role("radio", name="Godkjenn").check()
    await leader.get_by_role("button", name="Send avgjørelsen").click()
    await expect(leader.get_by_role("status")).to_have_text("Du godkjente søknaden.")
    await expect(leader.locator("#application-status")).to_have_text("på venteliste")
    await leader.context.close()

    await participant.get_by_role("link", name="Min side", exact=True).click()
    mine = participant.locator("#my-applications")
    await expect(mine).to_contain_text("Kulturkompetanse, spring-2027")
    await expect(mine).to_contain_text("på venteliste, nummer 1 på ventelisten")
    await accessible(participant, "me-waitlisted")
    await participant.context.close()
