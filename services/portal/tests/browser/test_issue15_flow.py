"""Issue 15's whole flow in one browser run: a coordinator publishes a programme and opens a cohort in the
portal, a participant applies signed in, the leader approves from the link in the mail the real notifications
service sent, and the participant sees the seat on her own page."""

from __future__ import annotations

import re
import uuid
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from playwright.async_api import Browser, expect

TITLE = "Heltidskultur i praksis"


async def test_coordinator_publishes_participant_applies_leader_approves_from_the_mail_seat_on_my_page(
        browser: Browser, portal_with_mail, mailbox, accessible, sign_in_as, wait_until) -> None:
    portal = portal_with_mail
    tag = uuid.uuid4().hex[:8]
    manager_email = f"leder.{tag}@demo.samla.example"
    portal.add_person("Lars Haugen (leder)", person_id=f"leader-{tag}", email=manager_email,
                               roles=["organisation_leader"], networks=["net-demo"], organisations=["org-demo"],
                               units=["unit-demo-ward"])
    portal.add_person("Åse Ødegård", person_id=f"p-{tag}", email=f"ase.{tag}@demo.samla.example",
                      roles=["participant"], networks=["net-demo"], organisations=["org-demo"],
                      units=["unit-demo-ward"])
    local = datetime.now(ZoneInfo("Europe/Oslo"))
    contexts = [await browser.new_context(bypass_csp=True, locale="nb-NO") for _ in range(3)]
    for context in contexts:
        context.set_default_timeout(20_000)
    coordinator, participant, manager = [await c.new_page() for c in contexts]
    try:
        # The coordinator publishes the programme and opens a cohort, with plain forms.
        await coordinator.goto(f"{portal.url}/programmes")
        await sign_in_as(coordinator, "Ingrid Solberg")
        await coordinator.get_by_role("link", name="Publiser et program").click()
        await accessible(coordinator, "programme-new")
        await coordinator.get_by_label("Kortkode").fill("HELT")
        await coordinator.get_by_label("Tittel").fill(TITLE)
        await coordinator.get_by_label("Beskrivelse").fill("Et nettverk for heltidskultur i kommunene.")
        await coordinator.get_by_role("button", name="Publiser programmet").click()
        await expect(coordinator.get_by_role("status")).to_have_text("Programmet er publisert.")
        await expect(coordinator.get_by_role("heading", level=1)).to_have_text(TITLE)
        await coordinator.get_by_role("link", name="Åpne et kull").click()
        await accessible(coordinator, "cohort-new")
        await coordinator.get_by_label("Semester").fill("høst-2027")
        await coordinator.get_by_label("Sted").fill("Trondheim")
        await coordinator.get_by_label("Plasser").fill("12")
        await coordinator.get_by_label("Søknader tas imot fra").fill((local - timedelta(days=1)).strftime("%Y-%m-%dT%H:%M"))
        await coordinator.get_by_label("Søknadsfrist").fill((local + timedelta(days=30)).strftime("%Y-%m-%dT%H:%M"))
        await coordinator.get_by_role("button", name="Åpne kullet").click()
        await expect(coordinator.get_by_role("status")).to_have_text("Kullet er åpnet.")
        await expect(coordinator.get_by_role("heading", level=1)).to_have_text("Kull høst-2027")
        cohort_id = coordinator.url.rsplit("/", 1)[-1]

        # The participant finds it and applies, signed in.
        await participant.goto(f"{portal.url}/programmes")
        await sign_in_as(participant, "Åse Ødegård")
        await participant.get_by_role("link", name=TITLE).click()
        await participant.get_by_role("link", name="Søk på høst-2027").click()
        await participant.get_by_label("Navnet på lederen din").fill("Lars Haugen")
        await participant.get_by_label("E-postadressen til lederen din").fill(manager_email)
        await participant.get_by_role("button", name="Send søknaden").click()
        await expect(participant.get_by_role("status")).to_contain_text("venter på lederens godkjenning")

        # The leader's mail, as the real notifications service sent it, links to the page where they decide.
        async def mailed() -> bool:
            return bool(mailbox.to(manager_email))

        await wait_until(mailed)
        [mail] = mailbox.to(manager_email)
        links = re.findall(rf"{re.escape(portal.url)}/applications/[\w-]+", mailbox.text(mail))
        assert links, mailbox.text(mail)
        await manager.goto(links[0])
        await sign_in_as(manager, "Lars Haugen (leder)")
        await expect(manager.get_by_role("heading", level=1)).to_have_text("Søknad om å delta")
        await expect(manager.locator("#applicant")).to_have_text("Åse Ødegård")  # the leader sees who applied
        await accessible(manager)
        await manager.get_by_label("Godkjenn").check()
        await manager.get_by_role("button", name="Send avgjørelsen").click()
        await expect(manager.get_by_role("status")).to_have_text("Du godkjente søknaden.")

        # Åse has her seat.
        await participant.goto(f"{portal.url}/me")
        mine = participant.locator("#my-applications").get_by_role("listitem").filter(has_text=TITLE)
        await expect(mine).to_contain_text("har fått plass")
        await accessible(participant)
        stored = (await portal.enrollment.get(f"/cohorts/{cohort_id}/applications")).json()
        assert [(a["applicant"]["name"], a["status"]) for a in stored] == [("Åse Ødegård", "enrolled")]
    finally:
        for context in contexts:
            await context.close()


async def test_the_same_flow_in_danish_from_application_to_seat(
        browser: Browser, portal_with_mail, mailbox, accessible, sign_in_as, wait_until) -> None:
    """The shorter path: the programme and cohort are made through the API; the people use Danish browsers."""
    portal = portal_with_mail
    tag = uuid.uuid4().hex[:8]
    manager_email = f"leder.{tag}@demo.samla.example"
    portal.add_person("Mette Lund (leder)", person_id=f"leader-{tag}", email=manager_email,
                      roles=["organisation_leader"], networks=["net-demo"], organisations=["org-demo"],
                      units=["unit-demo-ward"])
    portal.add_person("Søren Kærgård", person_id=f"p-{tag}", email=f"soren.{tag}@demo.samla.example",
                      roles=["participant"], networks=["net-demo"], organisations=["org-demo"],
                      units=["unit-demo-ward"])
    programme = await portal.enrollment.post("/programmes", json={
        "code": "DST", "title": "Der skoen trykker", "network_id": "net-demo", "language": "da",
        "requires_manager_approval": True})
    assert programme.status_code == 201, programme.text
    local = datetime.now(ZoneInfo("Europe/Oslo"))
    cohort = await portal.enrollment.post("/cohorts", json={
        "programme_id": programme.json()["id"], "term": "forår-2027", "capacity": 8, "location": "Odense",
        "applications_open_at": (local - timedelta(days=1)).isoformat(),
        "applications_close_at": (local + timedelta(days=30)).isoformat()})
    assert cohort.status_code == 201, cohort.text
    cohort_id = cohort.json()["id"]

    contexts = [await browser.new_context(bypass_csp=True, locale="da-DK") for _ in range(2)]
    for context in contexts:
        context.set_default_timeout(20_000)
    participant, manager = [await c.new_page() for c in contexts]
    try:
        await participant.goto(f"{portal.url}/programmes/{programme.json()['id']}")
        await sign_in_as(participant, "Søren Kærgård")
        await participant.get_by_role("link", name="Ansøg om forår-2027").click()
        await participant.get_by_label("Din leders navn").fill("Mette Lund")
        await participant.get_by_label("Din leders e-mailadresse").fill(manager_email)
        await participant.get_by_role("button", name="Send ansøgningen").click()
        await expect(participant.get_by_role("status")).to_contain_text("afventer lederens godkendelse")

        async def mailed() -> bool:
            return bool(mailbox.to(manager_email))

        await wait_until(mailed)
        [mail] = mailbox.to(manager_email)
        links = re.findall(rf"{re.escape(portal.url)}/applications/[\w-]+", mailbox.text(mail))
        assert links, mailbox.text(mail)
        await manager.goto(links[0])
        await sign_in_as(manager, "Mette Lund (leder)")
        await expect(manager.get_by_role("heading", level=1)).to_have_text("Ansøgning om deltagelse")
        await expect(manager.locator("#applicant")).to_have_text("Søren Kærgård")
        await accessible(manager, "application-leader-da")
        await manager.get_by_label("Godkend").check()
        await manager.get_by_role("button", name="Send afgørelsen").click()
        await expect(manager.get_by_role("status")).to_have_text("Du godkendte ansøgningen.")

        await participant.goto(f"{portal.url}/me")
        mine = participant.locator("#my-applications").get_by_role("listitem").filter(has_text="Der skoen trykker")
        await expect(mine).to_contain_text("har fået plads")
        await accessible(participant)
        stored = (await portal.enrollment.get(f"/cohorts/{cohort_id}/applications")).json()
        assert [(a["applicant"]["name"], a["status"]) for a in stored] == [("Søren Kærgård", "enrolled")]
    finally:
        for context in contexts:
            await context.close()


async def test_a_programme_form_sent_back_says_what_is_missing_and_publishes_nothing(
        page, portal, accessible, sign_in_as) -> None:
    await page.goto(f"{portal.url}/programmes/new")
    await sign_in_as(page, "Ingrid Solberg")
    await page.get_by_label("Tittel").fill("Uten kode")
    await page.get_by_role("button", name="Publiser programmet").click()
    summary = page.get_by_role("alert")
    await expect(summary).to_contain_text("Kortkode")
    await expect(page.get_by_label("Tittel")).to_have_value("Uten kode")  # nothing typed is lost
    await accessible(page, "programme-new-errors")
    assert [p for p in (await portal.enrollment.get("/programmes")).json() if p["title"] == "Uten kode"] == []


async def test_without_javascript_a_coordinator_publishes_opens_a_cohort_and_downloads_its_list(
        browser: Browser, portal, sign_in_as) -> None:
    """The portal serves no script: every form is a plain post and every document a plain link."""
    context = await browser.new_context(java_script_enabled=False, locale="nb-NO", accept_downloads=True)
    context.set_default_timeout(20_000)
    try:
        page = await context.new_page()
        await page.goto(f"{portal.url}/programmes/new")
        await sign_in_as(page, "Ingrid Solberg")
        await page.get_by_label("Kortkode").fill("UJS")
        await page.get_by_label("Tittel").fill("Uten skript")
        await page.get_by_role("button", name="Publiser programmet").click()
        await expect(page.get_by_role("status")).to_have_text("Programmet er publisert.")
        await page.get_by_role("link", name="Åpne et kull").click()
        local = datetime.now(ZoneInfo("Europe/Oslo"))
        await page.get_by_label("Semester").fill("høst-2027")
        await page.get_by_label("Sted").fill("Kirkenes")
        await page.get_by_label("Plasser").fill("5")
        await page.get_by_label("Søknader tas imot fra").fill((local - timedelta(days=1)).strftime("%Y-%m-%dT%H:%M"))
        await page.get_by_label("Søknadsfrist").fill((local + timedelta(days=9)).strftime("%Y-%m-%dT%H:%M"))
        await page.get_by_role("button", name="Åpne kullet").click()
        await expect(page.get_by_role("status")).to_have_text("Kullet er åpnet.")
        async with page.expect_download() as info:
            await page.get_by_role("link", name="Søkere (CSV)").click()
        download = await info.value
        with open(await download.path(), "rb") as file:
            content = file.read()
        assert content.startswith("\ufeff".encode()) and b";" in content.splitlines()[0]
    finally:
        await context.close()
