"""The portal served over real HTTP, with enrollment (and measures) on the real stack, driven by Chromium.

Chromium is Debian's (/usr/bin/chromium; `make browser` installs it), driven by Playwright for
Python; Playwright's own browser download is not reachable from these machines. axe-core comes
from npm (services/portal/node_modules, `make install`) and is injected into each page.
"""

from __future__ import annotations

import asyncio
import email
import email.policy
import importlib.util
import os
import socket
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from contextlib import AsyncExitStack, asynccontextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from email.message import EmailMessage
from pathlib import Path
from typing import Any

import httpx
import pytest
import uvicorn
from aiosmtpd.controller import Controller
from asgi_lifespan import LifespanManager
from playwright.async_api import Browser, Page, async_playwright, expect
from playwright.async_api import Error as PlaywrightError

from samla_shared.clock import local_today
from samla_enrollment.entrypoints.app import create_app as create_enrollment
from samla_enrollment.settings import EnrollmentSettings
from samla_notifications.entrypoints.app import create_app as create_notifications
from samla_notifications.settings import NotificationsSettings
from samla_measures.entrypoints.app import create_app as create_measures
from samla_measures.settings import MeasuresSettings
from samla_sessions.entrypoints.app import create_app as create_sessions
from samla_sessions.settings import SessionsSettings
from samla_portal.entrypoints.app import create_app as create_portal
from samla_portal.settings import PortalSettings

PORTAL = Path(__file__).resolve().parents[2]
CHROMIUM = os.environ.get("SAMLA_CHROMIUM", "/usr/bin/chromium")
AXE = PORTAL / "node_modules" / "axe-core" / "axe.min.js"
SERVICES = {"measures": (create_measures, MeasuresSettings), "sessions": (create_sessions, SessionsSettings),
            "notifications": (create_notifications, NotificationsSettings)}
NOWHERE = "http://127.0.0.1:9"  # the discard port: nothing listens there
# Set to a folder (e.g. docs/portal) to save a PNG of each page the tests look at.
SCREENSHOTS = os.environ.get("SAMLA_PORTAL_SCREENSHOTS")


@pytest.fixture(scope="session")
async def browser() -> AsyncIterator[Browser]:
    async with async_playwright() as playwright:
        # --no-sandbox: the tests may run as root in a container, where Chromium's sandbox cannot start.
        chromium = await playwright.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox"])
        try:
            yield chromium
        finally:
            await chromium.close()


@dataclass
class Portal:
    url: str
    enrollment: httpx.AsyncClient  # platform-admin clients of the same services, to arrange what a test needs
    measures: httpx.AsyncClient | None
    sessions: httpx.AsyncClient | None
    issuer: Any
    urls: dict[str, str] = field(default_factory=dict)  # where each service is served over HTTP
    added_people: list[str] = field(default_factory=list)

    def add_person(self, name: str, **claims: Any) -> str:
        """A demo person of the test's own on the issuer's authorize page (e.g. the manager an application names)."""
        key = f"test-{uuid.uuid4().hex[:8]}"
        self.issuer.people[key] = {"key": key, "name": name, "subject": key, **claims}
        self.added_people.append(key)
        return key


@pytest.fixture
async def portal(service: Callable[..., Any], served: Callable[..., Any], dev_issuer: Any) -> AsyncIterator[Portal]:
    """The portal with enrollment behind it."""
    async with _portal(service, served, dev_issuer) as found:
        yield found


@pytest.fixture
async def portal_with_measures(service: Callable[..., Any], served: Callable[..., Any],
                               dev_issuer: Any) -> AsyncIterator[Portal]:
    """The portal with enrollment and measures behind it."""
    async with _portal(service, served, dev_issuer, "measures") as found:
        yield found


@pytest.fixture
async def portal_with_sessions(service: Callable[..., Any], served: Callable[..., Any],
                               dev_issuer: Any) -> AsyncIterator[Portal]:
    """The portal with enrollment and sessions (participants' plans) behind it."""
    async with _portal(service, served, dev_issuer, "sessions") as found:
        yield found


@pytest.fixture
async def portal_with_everything(service: Callable[..., Any], served: Callable[..., Any],
                                 dev_issuer: Any) -> AsyncIterator[Portal]:
    """The portal with enrollment, sessions and measures behind it (the demo region needs all three)."""
    async with _portal(service, served, dev_issuer, "sessions", "measures") as found:
        yield found


@pytest.fixture
async def portal_national(service: Callable[..., Any], served: Callable[..., Any], dev_issuer: Any,
                          kafka_bootstrap: str) -> AsyncIterator[Portal]:
    """The portal with measures in national mode, as the measures tests run it: the national consumer on
    the tests' broker, where no region's replicated topics exist, so the overview is real but empty."""
    national = {"national_kafka_bootstrap_servers": kafka_bootstrap,
                "national_consumer_group": f"test-national-{uuid.uuid4().hex[:10]}"}
    async with _portal(service, served, dev_issuer, "measures", overrides={"measures": national}) as found:
        yield found


@pytest.fixture
def start_portal(service: Callable[..., Any], served: Callable[..., Any], dev_issuer: Any) -> Callable[..., Any]:
    """`async with start_portal("measures", measures={...}) as portal`: the services named, with settings of
    the test's own (e.g. a limit set low)."""
    return lambda *others, **overrides: _portal(service, served, dev_issuer, *others, overrides=overrides or None)


@pytest.fixture
async def portal_behind_a_proxy(service: Callable[..., Any], served: Callable[..., Any],
                                dev_issuer: Any) -> AsyncIterator[Portal]:
    """The portal with enrollment trusting it as a proxy (its X-Forwarded-For names the visitor), and a
    public form that takes one application a minute from each visitor."""
    limits = {"trusted_proxies": ["127.0.0.1"], "public_form_burst": 1, "public_form_per_minute": 1}
    async with _portal(service, served, dev_issuer, overrides={"enrollment": limits}) as found:
        yield found


@dataclass
class Mailbox:
    """The local stack's SMTP sink (infra/local/smtp_sink.py), served by this test on its own port."""

    maildir: Path
    port: int

    def to(self, address: str) -> list[EmailMessage]:
        found = [email.message_from_bytes(path.read_bytes(), policy=email.policy.default)
                 for path in sorted(self.maildir.glob("*.eml"))]
        return [m for m in found if address in m["To"]]

    @staticmethod
    def text(message: EmailMessage) -> str:
        return message.get_body(preferencelist=("plain",)).get_content()


@pytest.fixture
def mailbox(tmp_path: Path, unused_tcp_port: int) -> Iterator[Mailbox]:
    spec = importlib.util.spec_from_file_location("samla_smtp_sink", PORTAL.parents[1] / "infra/local/smtp_sink.py")
    assert spec and spec.loader
    sink = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(sink)
    controller = Controller(sink.MaildirHandler(tmp_path / "mail"), hostname="127.0.0.1", port=unused_tcp_port)
    controller.start()
    try:
        yield Mailbox(tmp_path / "mail", unused_tcp_port)
    finally:
        controller.stop()


@pytest.fixture
async def portal_with_mail(service: Callable[..., Any], served: Callable[..., Any], dev_issuer: Any,
                           mailbox: Mailbox) -> AsyncIterator[Portal]:
    """The portal with enrollment and the real notifications service, which mails to `mailbox` and links
    to this portal (its `portal_url`)."""
    async with _portal(service, served, dev_issuer, "notifications",
                       overrides={"notifications": {"smtp_port": mailbox.port}}) as found:
        yield found


@asynccontextmanager
async def _portal(service: Callable[..., Any], served: Callable[..., Any], dev_issuer: Any,
                  *others: str, overrides: dict[str, dict[str, Any]] | None = None) -> AsyncIterator[Portal]:
    """Enrollment and the `others` on the real stack, each served over real HTTP, and the portal in front.

    A service a test does not start is given an address where nothing listens, so a page that
    needs it says it does not answer instead of reaching a stack that trusts another issuer.
    """
    apps: dict[str, Any] = {}

    def keep(name: str, create: Callable[..., Any]) -> Callable[..., Any]:
        def make(settings: Any) -> Any:
            apps[name] = create(settings)
            return apps[name]
        return make

    async with AsyncExitStack() as stack:
        enrollment = await stack.enter_async_context(service(keep("enrollment", create_enrollment), EnrollmentSettings,
                                                             **(overrides or {}).get("enrollment", {})))
        urls = {f"{name}_url": NOWHERE for name in ("sessions", "measures", "notifications")}
        urls["enrollment_url"] = await stack.enter_async_context(served(apps["enrollment"]))
        # The portal must know its own address for the OIDC redirect (and mails their links) before it is
        # served: a free port first.
        with socket.socket() as s:
            s.bind(("127.0.0.1", 0))
            port = s.getsockname()[1]
        clients: dict[str, httpx.AsyncClient] = {}
        for name in others:
            create, settings_class = SERVICES[name]
            # Sessions asks enrollment for names when it prints (sheets, certificates, exports); notifications
            # asks it for addresses and links to this portal.
            wiring = {"enrollment_url": urls["enrollment_url"]} if name in ("sessions", "notifications") else {}
            if name == "notifications":
                wiring["portal_url"] = f"http://127.0.0.1:{port}"
            clients[name] = await stack.enter_async_context(
                service(keep(name, create), settings_class, **wiring, **(overrides or {}).get(name, {})))
            urls[f"{name}_url"] = await stack.enter_async_context(served(apps[name]))
        settings = PortalSettings(environment="test", public_url=f"http://127.0.0.1:{port}", oidc_issuer=dev_issuer.url,
                                  cookie_secure=False, **urls)
        url = await stack.enter_async_context(_serve_on(create_portal(settings), port))
        found = Portal(url=url, enrollment=enrollment, measures=clients.get("measures"),
                       sessions=clients.get("sessions"), issuer=dev_issuer, urls=urls)
        try:
            yield found
        finally:
            for key in found.added_people:
                dev_issuer.people.pop(key, None)


def _serve_on(app: Any, port: int) -> Any:
    """Like the root conftest's `served`, on a port chosen beforehand (the portal's redirect URI names it)."""

    @asynccontextmanager
    async def serving() -> AsyncIterator[str]:
        server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning", lifespan="off"))
        async with LifespanManager(app):
            task = asyncio.create_task(server.serve())
            while not server.started:
                if task.done():
                    task.result()
                await asyncio.sleep(0.02)
            try:
                yield f"http://127.0.0.1:{port}"
            finally:
                server.should_exit = True
                await task

    return serving()


@pytest.fixture
async def page(browser: Browser) -> AsyncIterator[Page]:
    # bypass_csp: the portal's Content-Security-Policy would (rightly) refuse the injected axe-core script.
    # A browser set up for Norwegian, as most of the portal's people have it.
    context = await browser.new_context(bypass_csp=True, locale="nb-NO", viewport={"width": 1100, "height": 800})
    context.set_default_timeout(20_000)
    try:
        yield await context.new_page()
    finally:
        await context.close()


@pytest.fixture
def accessible() -> Callable[..., Any]:
    """accessible(page, "screenshot-name"): axe-core's check of the page (see `check_accessibility`)."""
    return check_accessibility


@pytest.fixture
def sign_in_as() -> Callable[..., Any]:
    return pick_demo_person


async def check_accessibility(page: Page, shot: str | None = None) -> None:
    """axe-core finds no serious or critical WCAG 2.1 A/AA violation on the page (and a screenshot is taken)."""
    await page.add_script_tag(path=str(AXE))
    result = await page.evaluate(
        "axe.run(document, {runOnly: {type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa']}})")
    bad = [(v["id"], v["impact"], [n["target"] for n in v["nodes"]][:3]) for v in result["violations"]
           if v["impact"] in ("serious", "critical")]
    assert bad == [], f"{page.url}: {bad}"
    if SCREENSHOTS and shot:
        Path(SCREENSHOTS).mkdir(parents=True, exist_ok=True)
        await page.screenshot(path=str(Path(SCREENSHOTS) / f"{shot}.png"), full_page=True)


async def pick_demo_person(page: Page, name: str) -> None:
    """On the development issuer's authorize page, pick the demo person by name."""
    await expect(page.get_by_role("heading", name="Choose a demo person")).to_be_visible()
    await page.get_by_role("button", name=name).click()



# -- a cohort under way, for the sessions pages -----------------------------------------------

# The culture-competence programme's plan: a two-day kickoff, a gathering, a digital meeting and a closing.
PLAN = [{"kind": "kickoff", "days": 2}, {"kind": "gathering", "days": 1, "weeks_after_previous": 6},
        {"kind": "digital_meeting", "days": 1, "online": True, "weeks_after_previous": 4},
        {"kind": "closing", "days": 1, "weeks_after_previous": 6}]


@pytest.fixture
def cohort_with_two_participants(wait_until: Callable[..., Any]) -> Callable[[Portal], Awaitable[tuple[str, list[str]]]]:
    """cohort_with_two_participants(portal) -> (cohort id, [Kari Nilsen's, Ola Berg's participant id]): a cohort
    begun two weeks ago (its kickoff has been, so attendance can be taken), both on sessions' roster."""

    async def arrange(portal: Portal) -> tuple[str, list[str]]:
        enrollment, sessions = portal.enrollment, portal.sessions
        assert sessions is not None, "use the portal_with_sessions fixture"
        programme = await enrollment.post("/programmes", json={
            "code": "KULT", "title": "Kulturkompetanse", "network_id": "net-demo", "language": "nb",
            "gathering_plan": PLAN, "requires_manager_approval": False})
        assert programme.status_code == 201, programme.text
        now = datetime.now(UTC)
        cohort = await enrollment.post("/cohorts", json={
            "programme_id": programme.json()["id"], "term": "spring-2027", "capacity": 20, "location": "Bergen",
            "applications_open_at": (now - timedelta(days=30)).isoformat(),
            "applications_close_at": (now + timedelta(days=30)).isoformat(),
            "starts_on": (local_today() - timedelta(days=14)).isoformat()})
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

        async def both_on_the_roster() -> bool:
            roster = await sessions.get(f"/cohorts/{cohort_id}/roster")
            return roster.status_code == 200 and len(roster.json()["members"]) == 2

        await wait_until(both_on_the_roster)
        return cohort_id, participants

    return arrange


# -- the keyboard alone -------------------------------------------------------------------------

# What the focused element is called and whether its focus shows: an outline (the portal's :focus-visible
# ring, or Chromium's own on the development issuer's page) or a box shadow (Designsystemet's focus style).
FOCUSED = """() => {
  const e = document.activeElement;
  if (!e || e === document.body) return null;
  const label = e.labels && e.labels.length ? e.labels[0].innerText : null;
  const style = getComputedStyle(e);
  return {name: (e.getAttribute('aria-label') || label || e.innerText || e.value || e.id || '').trim(),
          id: e.id, tag: e.tagName.toLowerCase(), inMain: !!e.closest('main'),
          ring: (style.outlineStyle !== 'none' && parseFloat(style.outlineWidth) >= 1) || style.boxShadow !== 'none'};
}"""


@dataclass
class Keyboard:
    """Drives a page with Tab, Shift+Tab, Enter and Space only, and checks that focus shows wherever it lands."""

    page: Page

    async def focused(self) -> dict[str, Any] | None:
        for _ in range(3):
            try:
                return await self.page.evaluate(FOCUSED)
            except PlaywrightError as error:
                # Enter on a link or button navigates; the new page is asked once it has loaded.
                if "context was destroyed" not in str(error):
                    raise
                await self.page.wait_for_load_state()
        return await self.page.evaluate(FOCUSED)

    async def press(self, key: str) -> None:
        await self.page.keyboard.press(key)

    async def step(self, key: str) -> dict[str, Any] | None:
        """A key that moves focus within the page (not one that may navigate), and where focus is then."""
        await self.press(key)
        return await self.focused()

    async def tab_to(self, name: str, *, backwards: bool = False, limit: int = 60) -> dict[str, Any]:
        """Tab (or Shift+Tab) until the focused element is called `name` (it may be already); every stop on
        the way must show its focus (WCAG 2.4.7)."""
        current = await self.focused()
        if current and current["name"] == name:
            assert current["ring"], f"focus does not show on {current} ({self.page.url})"
            return current
        seen = []
        for _ in range(limit):
            focused = await self.step("Shift+Tab" if backwards else "Tab")
            if focused is None:
                continue
            seen.append(focused["name"])
            assert focused["ring"], f"focus does not show on {focused} ({self.page.url})"
            if focused["name"] == name:
                return focused
        raise AssertionError(f"{name!r} cannot be reached with the keyboard on {self.page.url}; passed {seen}")

    async def activate(self, name: str, *, key: str = "Enter", backwards: bool = False) -> None:
        """Tab to the link, button or choice called `name` and press `key` on it."""
        await self.tab_to(name, backwards=backwards)
        await self.press(key)

    async def skip_to_main(self, skip_link: str) -> None:
        """The first Tab reaches the skip link; Enter moves focus to the main content, where Tab goes on."""
        first = await self.step("Tab")
        assert first and first["name"] == skip_link and first["ring"], first
        await self.press("Enter")
        await expect(self.page.locator("main#main")).to_be_focused()  # the fragment's focus moves after the key
        after = await self.step("Tab")
        assert after and after["inMain"], f"Tab after the skip link left the main content: {after}"


@pytest.fixture
def keyboard() -> Callable[[Page], Keyboard]:
    return Keyboard
