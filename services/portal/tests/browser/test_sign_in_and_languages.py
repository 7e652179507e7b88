"""A person signs in through the identity provider's page, reads the portal in three languages, and signs out."""

from __future__ import annotations

from playwright.async_api import Page, expect


async def test_a_coordinator_signs_in_sees_their_front_page_in_nb_da_and_en_and_signs_out(
        page: Page, portal, accessible, sign_in_as) -> None:
    await page.goto(portal.url)
    await expect(page.locator("html")).to_have_attribute("lang", "nb")
    await accessible(page, "front-signed-out")
    await page.get_by_role("main").get_by_role("link", name="Logg inn").click()

    await expect(page.get_by_role("heading", name="Choose a demo person")).to_be_visible()
    await accessible(page, "sign-in-demo-people")  # the development issuer's page is part of the flow too
    await sign_in_as(page, "Ingrid Solberg")
    await expect(page.get_by_role("heading", level=1)).to_have_text("Velkommen, Ingrid Solberg")
    await expect(page.get_by_role("link", name="Programmer og kull")).to_be_visible()
    await accessible(page, "front-coordinator-nb")

    await page.get_by_role("button", name="Dansk").click()
    await expect(page.locator("html")).to_have_attribute("lang", "da")
    await expect(page.get_by_role("link", name="Programmer og hold")).to_be_visible()
    await expect(page.get_by_role("button", name="Log ud")).to_be_visible()
    await accessible(page, "front-coordinator-da")

    await page.get_by_role("button", name="English").click()
    await expect(page.locator("html")).to_have_attribute("lang", "en")
    await expect(page.get_by_role("heading", level=1)).to_have_text("Welcome, Ingrid Solberg")
    await accessible(page)

    await page.get_by_role("button", name="Sign out").click()
    await expect(page.get_by_role("status")).to_have_text("You are signed out.")
    await expect(page.get_by_role("main").get_by_role("link", name="Sign in")).to_be_visible()
    # The language stays chosen after signing out: it lives in its own cookie.
    await expect(page.locator("html")).to_have_attribute("lang", "en")
    await page.goto(f"{portal.url}/programmes")
    await expect(page.get_by_role("heading", name="Choose a demo person")).to_be_visible()


async def test_each_role_sees_what_it_can_do(page: Page, portal, sign_in_as) -> None:
    for name, offer in [("Lars Haugen", "Søknader fra medarbeiderne dine"), ("Amina Khalid", "Tiltak i enheten din"),
                        ("Sofie Lund", "Søk på et program"), ("Mette Dahl", "Nasjonal oversikt")]:
        await page.goto(f"{portal.url}/sign-in?next=/")
        await sign_in_as(page, name)
        await expect(page.get_by_role("heading", level=1)).to_have_text(f"Velkommen, {name}")
        await expect(page.get_by_role("heading", name=offer)).to_be_visible()
        await page.get_by_role("button", name="Logg ut").click()


async def test_a_form_without_its_csrf_token_is_refused_and_changes_nothing(page: Page, portal, accessible,
                                                                            sign_in_as) -> None:
    await page.goto(f"{portal.url}/sign-in?next=/")
    await sign_in_as(page, "Ingrid Solberg")
    await expect(page.get_by_role("heading", level=1)).to_have_text("Velkommen, Ingrid Solberg")

    # The browser's own cookies, but no token: what a page on another site could make it send.
    for path, form in [("/sign-out", {}), ("/language", {"lang": "en", "next": "/"}),
                       ("/sign-out", {"csrf_token": "guessed"})]:
        refused = await page.request.post(f"{portal.url}{path}", form=form, max_redirects=0)
        assert refused.status == 403, (path, refused.status)
        assert "Skjemaet var utløpt" in await refused.text()

    # The same from a form in the page itself, with its token removed: the person sees why.
    await page.evaluate("""() => { const form = document.querySelector('form[action="/sign-out"]');
                                   form.querySelector('input[name="csrf_token"]').remove(); form.submit(); }""")
    await expect(page.get_by_role("heading", level=1)).to_have_text("Skjemaet var utløpt")
    await accessible(page, "csrf-refused")

    await page.goto(portal.url)
    await expect(page.get_by_role("heading", level=1)).to_have_text("Velkommen, Ingrid Solberg")
    await expect(page.locator("html")).to_have_attribute("lang", "nb")


async def open_cohort(enrollment, *, capacity: int = 30, approval: bool = False) -> str:
    from datetime import UTC, datetime, timedelta

    programme = await enrollment.post("/programmes", json={
        "code": "KULT", "title": "Kulturkompetanse", "network_id": "net-demo", "language": "nb",
        "requires_manager_approval": approval})
    assert programme.status_code == 201, programme.text
    now = datetime.now(UTC)
    cohort = await enrollment.post("/cohorts", json={
        "programme_id": programme.json()["id"], "term": "spring-2027", "capacity": capacity,
        "applications_open_at": (now - timedelta(days=1)).isoformat(),
        "applications_close_at": (now + timedelta(days=30)).isoformat()})
    assert cohort.status_code == 201, cohort.text
    return cohort.json()["id"]


async def test_an_incomplete_application_is_sent_back_with_an_error_summary_linking_each_field(
        page: Page, portal, accessible, sign_in_as) -> None:
    cohort_id = await open_cohort(portal.enrollment)
    await page.goto(f"{portal.url}/cohorts/{cohort_id}/apply")
    await sign_in_as(page, "Sofie Lund")
    await page.get_by_label("Navnet på lederen din").fill("Lars Haugen")
    await page.get_by_role("button", name="Send søknaden").click()

    summary = page.get_by_role("alert")
    await expect(summary).to_contain_text("Dette feltet må fylles ut: E-postadressen til lederen din")
    await expect(page.get_by_label("Navnet på lederen din")).to_have_value("Lars Haugen")  # nothing typed is lost
    await summary.get_by_role("link", name="E-postadressen til lederen din").click()
    await expect(page.get_by_label("E-postadressen til lederen din")).to_be_focused()
    await accessible(page, "apply-errors")
    assert (await portal.enrollment.get(f"/cohorts/{cohort_id}/applications")).json() == []


async def test_a_participant_without_a_seat_is_told_their_plan_is_empty(page: Page, portal_with_sessions,
                                                                       accessible, sign_in_as) -> None:
    await page.goto(f"{portal_with_sessions.url}/me")
    await sign_in_as(page, "Sofie Lund")
    await expect(page.get_by_role("heading", level=1)).to_have_text("Min side")
    await expect(page.get_by_role("main")).to_contain_text("Logget inn som Sofie Lund.")
    await expect(page.get_by_role("main")).to_contain_text("Du har ingen samlinger ennå.")
    await accessible(page, "me")


async def test_my_page_still_serves_when_the_sessions_service_does_not_answer(page: Page, portal,
                                                                              sign_in_as) -> None:
    await page.goto(f"{portal.url}/me")  # this portal's sessions address has nothing behind it
    await sign_in_as(page, "Sofie Lund")
    await expect(page.get_by_role("heading", level=1)).to_have_text("Min side")
    await expect(page.get_by_role("main")).to_contain_text("Planen din kan ikke vises akkurat nå.")
