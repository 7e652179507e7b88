"""The public application form: a programme that takes applications without signing in, applied to by a
visitor who never signs in, in bokmål and Danish, against enrollment on the real stack."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

import httpx
from playwright.async_api import Browser, Page, expect


async def public_cohort(enrollment, *, public: bool = True) -> tuple[str, str]:
    """A network with one organisation and two units, and a programme whose cohort takes the public form."""
    for path, body in (("/networks", {"id": "net-vest", "name": "Kulturnettverk Vest", "country": "NO"}),
                       ("/organisations", {"id": "org-bergen", "network_id": "net-vest", "name": "Bergen kommune",
                                           "kind": "municipality"}),
                       ("/units", {"id": "unit-ward-3", "organisation_id": "org-bergen", "name": "Sengepost 3",
                                   "kind": "ward"}),
                       ("/units", {"id": "unit-home-care", "organisation_id": "org-bergen",
                                   "name": "Hjemmetjenesten Årstad", "kind": "home_care_service"})):
        created = await enrollment.post(path, json=body)
        assert created.status_code in (201, 409), created.text
    programme = await enrollment.post("/programmes", json={
        "code": "HELTID", "title": "Heltidskultur", "network_id": "net-vest", "language": "nb",
        "requires_manager_approval": True, "accepts_anonymous_applications": public})
    assert programme.status_code == 201, programme.text
    now = datetime.now(UTC)
    cohort = await enrollment.post("/cohorts", json={
        "programme_id": programme.json()["id"], "term": "host-2027", "capacity": 20, "location": "Bergen",
        "applications_open_at": (now - timedelta(days=1)).isoformat(),
        "applications_close_at": (now + timedelta(days=30)).isoformat()})
    assert cohort.status_code == 201, cohort.text
    return programme.json()["id"], cohort.json()["id"]


async def applications(enrollment, cohort_id: str) -> list[dict]:
    found = await enrollment.get(f"/cohorts/{cohort_id}/applications")
    assert found.status_code == 200, found.text
    return found.json()


async def fill(page: Page, *, email: str, unit: str = "Sengepost 3") -> None:
    await page.get_by_label("Navnet ditt").fill("Kari Nilsen")
    await page.get_by_label("E-postadressen din").fill(email)
    await page.get_by_label("Telefonnummeret ditt").fill("+47 912 34 567")
    await page.get_by_label("Rollen eller stillingen din").fill("sykepleier")
    await page.get_by_label("Enheten din").select_option(label=unit)
    await page.get_by_label("Navnet på lederen din").fill("Lars Haugen")
    await page.get_by_label("E-postadressen til lederen din").fill("lars.haugen@demo.samla.example")
    await page.get_by_label("Hvorfor vil du delta?").fill("Vi vil ha flere hele stillinger på posten.")


async def test_a_visitor_applies_without_signing_in_and_the_receipt_says_nothing_of_earlier_applications(
        page: Page, portal, accessible) -> None:
    programme_id, cohort_id = await public_cohort(portal.enrollment)

    # The programme's public page, reached without signing in, links to the form of each open cohort.
    await page.goto(f"{portal.url}/programmes/{programme_id}")
    await expect(page.get_by_role("heading", level=1)).to_have_text("Heltidskultur")
    await expect(page.get_by_role("button", name="Logg ut")).to_have_count(0)
    await accessible(page, "programme-public")
    await page.get_by_role("link", name="Søk på host-2027").click()
    await expect(page.get_by_role("heading", level=1)).to_have_text("Søk på Heltidskultur, host-2027")
    await expect(page.get_by_label("Enheten din").locator("optgroup")).to_have_attribute("label", "Bergen kommune")
    await accessible(page, "apply-public")

    # Enrollment refuses the address (422): the form comes back filled in, the field marked in bokmål.
    await fill(page, email="kari.nilsen@")
    await page.get_by_role("button", name="Send søknaden").click()
    await expect(page.get_by_role("alert")).to_contain_text("Ikke en e-postadresse: E-postadressen din")
    await expect(page.get_by_label("E-postadressen din")).to_have_attribute("aria-invalid", "true")
    await expect(page.locator("#email-error")).to_have_text("Skriv en e-postadresse som navn@eksempel.no.")
    await expect(page.get_by_label("Navnet ditt")).to_have_value("Kari Nilsen")
    await expect(page.get_by_label("Enheten din")).to_have_value("unit-ward-3")
    await accessible(page, "apply-public-errors")
    assert await applications(portal.enrollment, cohort_id) == []

    await page.get_by_label("E-postadressen din").fill("kari.nilsen@demo.samla.example")
    await page.get_by_role("button", name="Send søknaden").click()
    await expect(page.get_by_role("heading", level=1)).to_have_text("Søknaden er mottatt")
    receipt = await page.get_by_role("status").inner_text()
    assert "Heltidskultur, host-2027" in receipt
    await accessible(page, "apply-public-received")
    [application] = await applications(portal.enrollment, cohort_id)
    assert application["status"] == "awaiting_manager_approval"
    assert (application["unit_id"], application["organisation_id"]) == ("unit-ward-3", "org-bergen")
    assert application["applicant"]["name"] == "Kari Nilsen"

    # The same address again: the very same receipt, and still one application.
    await page.goto(f"{portal.url}/cohorts/{cohort_id}/public-application")
    await fill(page, email="kari.nilsen@demo.samla.example", unit="Hjemmetjenesten Årstad")
    await page.get_by_role("button", name="Send søknaden").click()
    await expect(page.get_by_role("heading", level=1)).to_have_text("Søknaden er mottatt")
    assert await page.get_by_role("status").inner_text() == receipt
    assert len(await applications(portal.enrollment, cohort_id)) == 1


async def test_the_public_form_needs_its_csrf_token_and_exists_only_where_the_programme_allows(
        page: Page, portal, accessible) -> None:
    programme_id, cohort_id = await public_cohort(portal.enrollment)
    async with httpx.AsyncClient(base_url=portal.url) as visitor:
        refused = await visitor.post(f"/cohorts/{cohort_id}/public-application", data={
            "name": "Kari Nilsen", "email": "kari@demo.samla.example", "unit_id": "unit-ward-3",
            "manager_name": "Lars Haugen", "manager_email": "lars.haugen@demo.samla.example"})
    assert refused.status_code == 403
    assert await applications(portal.enrollment, cohort_id) == []

    # A programme for signed-in applicants only: its page asks the visitor to sign in, its form is not there.
    closed_programme, closed_cohort = await public_cohort(portal.enrollment, public=False)
    await page.goto(f"{portal.url}/programmes/{closed_programme}")
    await expect(page.get_by_role("heading", name="Choose a demo person")).to_be_visible()
    await page.goto(f"{portal.url}/cohorts/{closed_cohort}/public-application")
    await expect(page.get_by_role("heading", level=1)).to_have_text("Fant ikke siden")
    await accessible(page)


async def test_a_danish_visitor_applies_with_the_browser_in_danish_and_no_javascript(
        browser: Browser, portal, accessible) -> None:
    programme_id, cohort_id = await public_cohort(portal.enrollment)
    for javascript in (True, False):
        # axe-core needs script; the form itself is sent with script turned off.
        context = await browser.new_context(bypass_csp=True, locale="da-DK", java_script_enabled=javascript)
        page = await context.new_page()
        try:
            await page.goto(f"{portal.url}/programmes/{programme_id}")
            await page.get_by_role("link", name="Ansøg om host-2027").click()
            await expect(page.get_by_role("heading", level=1)).to_have_text("Ansøg om Heltidskultur, host-2027")
            if javascript:
                # Leaving the required fields empty: each is named in Danish, nothing is sent.
                await page.get_by_role("button", name="Send ansøgningen").click()
                await expect(page.get_by_role("alert")).to_contain_text("Ret venligst følgende")
                await expect(page.locator("#manager_email-error")).to_have_text("Udfyld dette felt.")
                await accessible(page, "apply-public-errors-da")
                continue
            await page.get_by_label("Dit navn").fill("Mads Holm")
            await page.get_by_label("Din e-mailadresse").fill("mads.holm@demo.samla.example")
            await page.get_by_label("Din enhed").select_option(label="Sengepost 3")
            await page.get_by_label("Din leders navn").fill("Sanne Krog")
            await page.get_by_label("Din leders e-mailadresse").fill("sanne.krog@demo.samla.example")
            await page.get_by_role("button", name="Send ansøgningen").click()
            await expect(page.get_by_role("heading", level=1)).to_have_text("Ansøgningen er modtaget")
        finally:
            await context.close()
    [application] = await applications(portal.enrollment, cohort_id)
    assert application["applicant"]["name"] == "Mads Holm"
    assert application["status"] == "awaiting_manager_approval"


async def test_a_coordinator_publishes_a_programme_with_the_public_form_and_a_visitor_finds_its_cohort(
        browser: Browser, portal, accessible, sign_in_as) -> None:
    coordinator = await browser.new_context(bypass_csp=True, locale="nb-NO")
    try:
        page = await coordinator.new_page()
        await page.goto(f"{portal.url}/programmes/new")
        await sign_in_as(page, "Ingrid Solberg")
        await page.get_by_label("Kortkode").fill("HELT")
        await page.get_by_label("Tittel").fill("Heltidskultur")
        await page.get_by_label("Alle kan søke på det åpne skjemaet, uten å logge inn").check()
        await page.get_by_role("button", name="Publiser programmet").click()
        await expect(page.get_by_role("status")).to_have_text("Programmet er publisert.")
        await expect(page.get_by_role("main")).to_contain_text("Del adressen til denne siden")
        await accessible(page)
        programme_id = page.url.rsplit("/", 1)[-1]
    finally:
        await coordinator.close()
    assert (await portal.enrollment.get(f"/programmes/{programme_id}")).json()["accepts_anonymous_applications"]

    now = datetime.now(UTC)
    cohort = await portal.enrollment.post("/cohorts", json={
        "programme_id": programme_id, "term": "host-2027", "capacity": 12, "location": "Trondheim",
        "applications_open_at": (now - timedelta(days=1)).isoformat(),
        "applications_close_at": (now + timedelta(days=30)).isoformat()})
    assert cohort.status_code == 201, cohort.text
    visitor = await browser.new_context(bypass_csp=True, locale="nb-NO")
    try:
        page = await visitor.new_page()
        await page.goto(f"{portal.url}/programmes/{programme_id}")
        await page.get_by_role("link", name="Søk på host-2027").click()
        await expect(page.get_by_role("heading", level=1)).to_have_text("Søk på Heltidskultur, host-2027")
    finally:
        await visitor.close()


async def test_the_rate_limit_counts_each_visitor_not_the_portal(portal_behind_a_proxy) -> None:
    portal = portal_behind_a_proxy
    _, cohort_id = await public_cohort(portal.enrollment)

    async def send(visitor: str, email: str) -> httpx.Response:
        # A visitor as the portal's own reverse proxy forwards them.
        async with httpx.AsyncClient(base_url=portal.url, headers={"X-Forwarded-For": visitor,
                                                                    "Accept-Language": "nb"}) as browser:
            form = await browser.get(f"/cohorts/{cohort_id}/public-application")
            token = re.search(r'name="csrf_token" value="([^"]+)"', form.text).group(1)
            return await browser.post(f"/cohorts/{cohort_id}/public-application", data={
                "csrf_token": token, "name": "Kari Nilsen", "email": email, "unit_id": "unit-ward-3",
                "manager_name": "Lars Haugen", "manager_email": "lars.haugen@demo.samla.example"})

    first = await send("203.0.113.7", "kari.nilsen@demo.samla.example")
    assert first.status_code == 303 and first.headers["location"].endswith("/public-application/received")
    again = await send("203.0.113.7", "ola.berg@demo.samla.example")
    assert again.status_code == 422
    assert "Det er sendt for mange søknader fra adressen din akkurat nå." in again.text
    assert 'name="email" type="email" value="ola.berg@demo.samla.example"' in again.text  # nothing typed is lost
    other = await send("198.51.100.4", "nora.strand@demo.samla.example")
    assert other.status_code == 303
    assert sorted(a["applicant"]["name"] for a in await applications(portal.enrollment, cohort_id)) == [
        "Kari Nilsen", "Kari Nilsen"]
