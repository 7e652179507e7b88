"""Issue 16 in the browser: an approval chain decided step by step with reasons, a coordinator moving and deferring
applications, and a seat freed after the start offered to the next in the queue, who takes it on /me."""

from __future__ import annotations

import uuid
from datetime import UTC, date, datetime, timedelta

from playwright.async_api import Browser, Page, expect

from samla_shared.clock import local_today

NOW = datetime.now(UTC)


async def programme(enrollment, **fields) -> str:
    created = await enrollment.post("/programmes", json={
        "code": "KULT", "title": "Kulturkompetanse", "network_id": "net-demo", "language": "nb", **fields})
    assert created.status_code == 201, created.text
    return created.json()["id"]


async def cohort(enrollment, programme_id: str, term: str, *, opens_in_days: float = -1, capacity: int = 20,
                 starts_on: date | None = None) -> str:
    created = await enrollment.post("/cohorts", json={
        "programme_id": programme_id, "term": term, "capacity": capacity, "location": "Tromsø",
        "applications_open_at": (NOW + timedelta(days=opens_in_days)).isoformat(),
        "applications_close_at": (NOW + timedelta(days=opens_in_days + 30)).isoformat(),
        **({"starts_on": starts_on.isoformat()} if starts_on else {})})
    assert created.status_code == 201, created.text
    return created.json()["id"]


async def apply(enrollment, cohort_id: str, name: str, tag: str) -> dict:
    slug = name.lower().replace(" ", ".")
    applied = await enrollment.post(f"/cohorts/{cohort_id}/applications", json={
        "participant": {"name": name, "email": f"{slug}.{tag}@demo.samla.example", "role": "sykepleier"},
        "manager": {"name": "Lars Haugen", "email": "lars.haugen@demo.samla.example"},
        "organisation_id": "org-demo", "unit_id": "unit-demo-ward"})
    assert applied.status_code == 201, applied.text
    return applied.json()


async def new_page(browser: Browser, *, javascript: bool = True) -> Page:
    context = await browser.new_context(bypass_csp=True, locale="nb-NO", java_script_enabled=javascript,
                                        viewport={"width": 1100, "height": 800})
    context.set_default_timeout(20_000)
    return await context.new_page()


async def test_a_two_step_chain_is_decided_by_the_leader_then_the_programme_owner_each_with_a_reason(
        browser: Browser, page: Page, portal, accessible, sign_in_as) -> None:
    tag = uuid.uuid4().hex[:8]
    owner_id = f"owner-{tag}"
    programme_id = await programme(portal.enrollment, requires_manager_approval=True, approval_steps=[
        {"kind": "leader"}, {"kind": "programme_owner", "approver_ids": [owner_id]}])
    cohort_id = await cohort(portal.enrollment, programme_id, "vår-2027")
    application = await apply(portal.enrollment, cohort_id, "Kari Nilsen", tag)
    assert application["status"] == "awaiting_manager_approval" and application["current_step"] == 1
    portal.add_person("Leder Lise Vik", person_id=application["manager_id"], roles=["organisation_leader"],
                      networks=["net-demo"], organisations=["org-demo"], units=["unit-demo-ward"])
    # The programme owner is a coordinator, not a leader: the step is hers by name.
    portal.add_person("Programeier Eva Lie", person_id=owner_id, email=f"eva.{tag}@demo.samla.example",
                      roles=["programme_coordinator"], networks=["net-demo"])
    link = f"{portal.url}/applications/{application['id']}"

    # The leader follows the mail's link and signs in.
    await page.goto(link)
    await sign_in_as(page, "Leder Lise Vik")
    await expect(page.locator("#approval-progress")).to_have_text("Steg 1 av 2: venter på lederen.")
    await expect(page.locator("#approval-step-2")).to_contain_text("Steg 2 av 2: programeieren")
    await expect(page.get_by_label("Begrunnelse")).to_have_attribute("aria-required", "true")
    await accessible(page, "application-chain-leader")

    # A reason typed without a choice is kept; approving without a reason is sent back at the reason field.
    await page.get_by_label("Begrunnelse").fill("Godt motivert, passer med avdelingens plan.")
    await page.get_by_role("button", name="Send avgjørelsen").click()
    await expect(page.get_by_role("alert")).to_contain_text("Velg godkjenn eller avslå.")
    await expect(page.get_by_label("Begrunnelse")).to_have_value("Godt motivert, passer med avdelingens plan.")
    await page.get_by_label("Begrunnelse").fill("")
    await page.get_by_role("radio", name="Godkjenn").check()
    await page.get_by_role("button", name="Send avgjørelsen").click()
    await expect(page.get_by_role("alert")).to_contain_text(
        "Skriv en begrunnelse: hver avgjørelse i en godkjenningskjede trenger en.")
    await expect(page.locator("#reason-error")).to_contain_text("Søkeren og neste godkjenner leser")
    await expect(page.get_by_label("Begrunnelse")).to_have_attribute("aria-invalid", "true")
    await expect(page.get_by_role("radio", name="Godkjenn")).to_be_checked()  # the choice made is kept
    await accessible(page, "application-chain-reason-needed")
    unchanged = (await portal.enrollment.get(f"/applications/{application['id']}")).json()
    assert unchanged["current_step"] == 1

    await page.get_by_label("Begrunnelse").fill("Godt motivert, passer med avdelingens plan.")
    await page.get_by_role("button", name="Send avgjørelsen").click()
    await expect(page.get_by_role("status")).to_have_text(
        "Du godkjente ditt steg. Neste godkjenner blir bedt om å avgjøre.")
    await expect(page.locator("#approval-progress")).to_have_text("Steg 2 av 2: venter på programeieren.")
    await expect(page.locator("#application-status")).to_have_text("venter på godkjenning, steg 2 av 2")
    await expect(page.locator("#approval-step-1")).to_contain_text("Godkjent")
    await expect(page.locator("#approval-step-1")).to_contain_text("av deg")
    await expect(page.locator("#approval-step-1")).to_contain_text("Godt motivert, passer med avdelingens plan.")
    # Step 2 is not the leader's: no form for her now.
    await expect(page.get_by_role("button", name="Send avgjørelsen")).to_have_count(0)

    # The programme owner follows the same link, signed in as herself, and decides her step.
    owner = await new_page(browser)
    await owner.goto(link)
    await sign_in_as(owner, "Programeier Eva Lie")
    await expect(owner.locator("#approval-step-1")).to_contain_text("av lederen")
    await expect(owner.get_by_role("group", name="Godkjenner du søknaden på ditt steg?")).to_be_visible()
    await accessible(owner, "application-chain-owner")
    await owner.get_by_role("radio", name="Godkjenn").check()
    await owner.get_by_label("Begrunnelse").fill("Plass i budsjettet for våren.")
    await owner.get_by_role("button", name="Send avgjørelsen").click()
    await expect(owner.get_by_role("status")).to_have_text("Du godkjente søknaden.")
    await expect(owner.locator("#application-status")).to_have_text("har fått plass")
    await expect(owner.locator("#approval-step-2")).to_contain_text("av deg")
    await expect(owner.locator("#approval-step-2")).to_contain_text("Plass i budsjettet for våren.")
    await expect(owner.locator("#approval-progress")).to_have_count(0)
    await accessible(owner)
    await owner.context.close()

    decided = (await portal.enrollment.get(f"/applications/{application['id']}")).json()
    assert decided["status"] == "enrolled"
    assert [(e["step"], e["by"], e["reason"]) for e in decided["history"] if e.get("step")] == [
        (1, application["manager_id"], "Godt motivert, passer med avdelingens plan."),
        (2, owner_id, "Plass i budsjettet for våren.")]


async def test_hr_outside_the_applicants_unit_opens_the_mail_link_and_declines_its_step_with_a_reason(
        page: Page, portal, accessible, sign_in_as) -> None:
    """HR is a leader of another unit: enrollment lets them read the application only because the chain names
    them, and the page must offer them the step's decision all the same (in English, as they chose)."""
    tag = uuid.uuid4().hex[:8]
    hr_id = f"hr-{tag}"
    programme_id = await programme(portal.enrollment, requires_manager_approval=True, approval_steps=[
        {"kind": "leader"}, {"kind": "hr", "approver_ids": [hr_id]}])
    application = await apply(portal.enrollment, await cohort(portal.enrollment, programme_id, "vår-2027"),
                              "Ola Berg", tag)
    first = await portal.enrollment.post(f"/applications/{application['id']}/approval",
                                         json={"decision": "approve", "reason": "Lederen støtter det"})
    assert first.status_code == 200 and first.json()["current_step"] == 2, first.text
    portal.add_person("HR Hanne Ruud", person_id=hr_id, email=f"hanne.{tag}@demo.samla.example",
                      roles=["organisation_leader"], networks=["net-demo"], organisations=["org-demo"],
                      units=[f"unit-hr-{tag}"])

    await page.goto(f"{portal.url}/applications/{application['id']}")
    await sign_in_as(page, "HR Hanne Ruud")
    await page.get_by_role("button", name="English").click()
    await expect(page.locator("#approval-progress")).to_have_text("Step 2 of 2: waiting for HR.")
    await expect(page.locator("#approval-step-1")).to_contain_text("Lederen støtter det")
    await page.get_by_role("radio", name="Decline").check()
    await page.get_by_label("Reason").fill("No budget for courses this spring")
    await page.get_by_role("button", name="Send decision").click()
    await expect(page.get_by_role("status")).to_have_text("You declined the application.")
    await expect(page.locator("#application-status")).to_have_text("declined")
    await expect(page.locator("#approval-step-2")).to_contain_text("Declined")
    await expect(page.locator("#approval-step-2")).to_contain_text("by you")
    await accessible(page, "application-chain-hr-en")
    declined = (await portal.enrollment.get(f"/applications/{application['id']}")).json()
    assert (declined["status"], declined["history"][-1]["by"]) == ("declined", hr_id)


async def test_a_coordinator_moves_an_application_to_another_cohort_and_is_told_plainly_when_it_cannot(
        page: Page, portal, accessible, sign_in_as) -> None:
    tag = uuid.uuid4().hex[:8]
    programme_id = await programme(portal.enrollment, requires_manager_approval=False)
    spring = await cohort(portal.enrollment, programme_id, "vår-2027")
    autumn = await cohort(portal.enrollment, programme_id, "høst-2027", opens_in_days=-0.5)
    await cohort(portal.enrollment, programme_id, "begynt-2026", opens_in_days=-20,
                 starts_on=local_today() - timedelta(days=3))  # has started: nobody is moved into it
    kari = await apply(portal.enrollment, spring, "Kari Nilsen", tag)
    nora = await apply(portal.enrollment, spring, "Nora Strand", tag)
    await apply(portal.enrollment, autumn, "Nora Strand", tag)  # Nora applied to the autumn as well

    await page.goto(f"{portal.url}/applications/{kari['id']}")
    await sign_in_as(page, "Ingrid Solberg")
    await expect(page.locator("#application-cohort")).to_have_text("vår-2027, Tromsø")
    move = page.get_by_role("form", name="Flytt til et annet kull")
    await expect(move.get_by_role("radio")).to_have_count(1)  # the autumn; not the one that has started
    await expect(move).not_to_contain_text("begynt-2026")
    await accessible(page, "application-move")
    await move.get_by_role("radio", name="høst-2027").check()
    await move.get_by_label("Hvorfor den flyttes").fill("Turnus i vår")
    await move.get_by_role("button", name="Flytt til kullet du valgte").click()
    await expect(page.get_by_role("status")).to_have_text("Søknaden er flyttet til kullet du valgte.")
    await expect(page.locator("#application-cohort")).to_have_text("høst-2027, Tromsø")
    moved = (await portal.enrollment.get(f"/applications/{kari['id']}")).json()
    assert (moved["cohort_id"], moved["status"]) == (autumn, "enrolled")
    assert moved["history"][-2]["reason"] == "Turnus i vår"

    # Nora is in the autumn cohort already: enrollment's 409 in plain words at the form, nothing moved.
    await page.goto(f"{portal.url}/applications/{nora['id']}")
    move = page.get_by_role("form", name="Flytt til et annet kull")
    await move.get_by_role("radio", name="høst-2027").check()
    await move.get_by_role("button", name="Flytt til kullet du valgte").click()
    await expect(page.get_by_role("alert")).to_contain_text("Deltakeren har allerede en søknad i det kullet.")
    await expect(page.locator("#cohort_id-error")).to_have_text(
        "Deltakeren har allerede en søknad i det kullet.")
    await expect(page.locator("#application-cohort")).to_have_text("vår-2027, Tromsø")
    await accessible(page, "application-move-refused")
    still = (await portal.enrollment.get(f"/applications/{nora['id']}")).json()
    assert still["cohort_id"] == spring


async def test_without_javascript_a_coordinator_defers_an_application_to_the_next_cohort(
        browser: Browser, portal, sign_in_as) -> None:
    """Every form is a plain post: the deferral works with the browser's scripts turned off."""
    tag = uuid.uuid4().hex[:8]
    programme_id = await programme(portal.enrollment, requires_manager_approval=False)
    spring = await cohort(portal.enrollment, programme_id, "vår-2027", capacity=1)
    autumn = await cohort(portal.enrollment, programme_id, "høst-2027", opens_in_days=20)
    await apply(portal.enrollment, spring, "Kari Nilsen", tag)
    ola = await apply(portal.enrollment, spring, "Ola Berg", tag)
    assert ola["status"] == "waitlisted"

    page = await new_page(browser, javascript=False)
    try:
        await page.goto(f"{portal.url}/applications/{ola['id']}")
        await sign_in_as(page, "Ingrid Solberg")
        defer = page.get_by_role("form", name="Utsett til neste kull")
        await expect(defer).to_contain_text("Neste kull er høst-2027 i Tromsø")
        await defer.get_by_label("Hvorfor den utsettes").fill("Ønsker høsten")
        await defer.get_by_role("button", name="Utsett til høst-2027").click()
        await expect(page.get_by_role("status")).to_have_text("Søknaden er utsatt til neste kull.")
        await expect(page.locator("#application-cohort")).to_have_text("høst-2027, Tromsø")
    finally:
        await page.context.close()
    deferred = (await portal.enrollment.get(f"/applications/{ola['id']}")).json()
    assert deferred["cohort_id"] == autumn
    assert [e for e in deferred["history"] if e.get("change") == "transfer"][-1]["reason"] == "Ønsker høsten"


async def test_a_coordinator_offers_a_seat_freed_after_the_start_and_the_next_in_the_queue_takes_it_on_my_page(
        browser: Browser, page: Page, portal, accessible, sign_in_as) -> None:
    tag = uuid.uuid4().hex[:8]
    portal.add_person("Åse Ødegård", person_id=f"p-{tag}", email=f"ase.{tag}@demo.samla.example",
                      roles=["participant"], networks=["net-demo"], organisations=["org-demo"],
                      units=["unit-demo-ward"])
    programme_id = await programme(portal.enrollment, requires_manager_approval=False, offer_days=3)
    started = await cohort(portal.enrollment, programme_id, "høst-2026", capacity=1, opens_in_days=-20,
                           starts_on=local_today() - timedelta(days=7))
    kari = await apply(portal.enrollment, started, "Kari Nilsen", tag)
    assert kari["status"] == "enrolled"

    # Åse applies for the full cohort and waits first in its queue.
    await page.goto(f"{portal.url}/cohorts/{started}/apply")
    await sign_in_as(page, "Åse Ødegård")
    await page.get_by_label("Navnet på lederen din").fill("Lars Haugen")
    await page.get_by_label("E-postadressen til lederen din").fill("lars.haugen@demo.samla.example")
    await page.get_by_role("button", name="Send søknaden").click()
    await expect(page.get_by_role("status")).to_contain_text("på venteliste")

    # Kari leaves after the kickoff: the seat stays free until the coordinator says otherwise.
    withdrawn = await portal.enrollment.post(f"/applications/{kari['id']}/withdrawal", json={"reason": "sykmeldt"})
    assert withdrawn.status_code == 200, withdrawn.text
    held = (await portal.enrollment.get(f"/cohorts/{started}")).json()
    assert (held["seats_free"], held["seats_on_offer"], held["waitlist_length"]) == (1, 0, 1)

    coordinator = await new_page(browser)
    await coordinator.goto(f"{portal.url}/cohorts/{started}")
    await sign_in_as(coordinator, "Ingrid Solberg")
    offer = coordinator.get_by_role("form", name="1 plass er ledig etter oppstart")
    await expect(offer).to_contain_text("Neste i køen: Åse Ødegård.")
    await expect(coordinator.locator("#seats-on-offer")).to_have_text("0")
    await accessible(coordinator, "cohort-seat-offer")
    await offer.get_by_role("button", name="Tilby plassen til neste i køen").click()
    await expect(coordinator.get_by_role("status")).to_have_text(
        "Plassen er tilbudt neste i køen, som svarer på sin egen side.")
    await expect(coordinator.locator("#seats-on-offer")).to_have_text("1")
    await expect(coordinator.get_by_role("button", name="Tilby plassen til neste i køen")).to_have_count(0)
    await accessible(coordinator)
    await coordinator.context.close()

    # Åse sees the offer on her page and takes the seat.
    await page.goto(f"{portal.url}/me")
    answer = page.get_by_role("form", name="Tilbud om plass i høst-2026")
    await expect(answer).to_contain_text("En plass holdes av til deg til")
    await answer.get_by_role("button", name="Takk ja til plassen").click()
    await expect(page.get_by_role("status")).to_have_text("Du takket ja til plassen.")
    await expect(page.locator("#my-applications")).to_contain_text("har fått plass")
    seated = (await portal.enrollment.get(f"/cohorts/{started}/applications", params={"status": "enrolled"})).json()
    assert [a["participant_id"] for a in seated] == [f"p-{tag}"]


async def test_a_seat_offer_refused_because_the_queue_emptied_meanwhile_says_so_and_offers_nothing(
        page: Page, portal, accessible, sign_in_as) -> None:
    tag = uuid.uuid4().hex[:8]
    programme_id = await programme(portal.enrollment, requires_manager_approval=False)
    started = await cohort(portal.enrollment, programme_id, "høst-2026", capacity=1, opens_in_days=-20,
                           starts_on=local_today() - timedelta(days=7))
    kari = await apply(portal.enrollment, started, "Kari Nilsen", tag)
    ola = await apply(portal.enrollment, started, "Ola Berg", tag)
    assert (kari["status"], ola["status"]) == ("enrolled", "waitlisted")
    assert (await portal.enrollment.post(f"/applications/{kari['id']}/withdrawal", json={})).status_code == 200

    await page.goto(f"{portal.url}/cohorts/{started}")
    await sign_in_as(page, "Ingrid Solberg")
    offer = page.get_by_role("button", name="Tilby plassen til neste i køen")
    await expect(offer).to_be_visible()
    # Ola leaves the queue while the page is open.
    assert (await portal.enrollment.post(f"/applications/{ola['id']}/withdrawal", json={})).status_code == 200
    await offer.click()
    await expect(page.get_by_role("alert")).to_contain_text(
        "Ingen plass ble tilbudt: ingen plass er ledig lenger, eller ingen venter.")
    await expect(page.get_by_role("button", name="Tilby plassen til neste i køen")).to_have_count(0)
    await accessible(page)
    cohort_now = (await portal.enrollment.get(f"/cohorts/{started}")).json()
    assert (cohort_now["seats_free"], cohort_now["seats_on_offer"]) == (1, 0)
