"""Pages are Jinja2 templates rendered in the person's language (gettext catalogues through Babel)."""

from __future__ import annotations

from datetime import date, datetime
from pathlib import Path
from typing import Any

from zoneinfo import ZoneInfo

from babel.dates import format_date, format_time
from babel.numbers import format_decimal
from babel.support import NullTranslations
from fastapi.templating import Jinja2Templates
from jinja2 import Environment, FileSystemLoader
from starlette.requests import Request
from starlette.responses import HTMLResponse

from samla_shared.clock import Clock, local_today, system_clock
from samla_portal.domain.languages import LANGUAGES, accepted_languages, choose_language
from samla_portal.entrypoints.session import CSRF_FIELD, csrf_token, signed_in, take_flashes

TEMPLATES = Path(__file__).resolve().parents[1] / "templates"
LANGUAGE_COOKIE = "samla_lang"


class Renderer:
    def __init__(self, catalogues: dict[str, NullTranslations], time_zone: str = "Europe/Oslo",
                 clock: Clock = system_clock) -> None:
        self._catalogues = catalogues
        self._zone = ZoneInfo(time_zone)
        self._clock = clock
        environment = Environment(loader=FileSystemLoader(TEMPLATES), autoescape=True, extensions=["jinja2.ext.i18n"])
        # The i18n extension looks `gettext`/`ngettext` up in each render's context first, so one
        # environment serves every language at once without a global switch.
        environment.install_null_translations(newstyle=True)  # type: ignore[attr-defined]
        self.templates = Jinja2Templates(env=environment)

    def today(self) -> date:
        """The deployment's calendar day, for a form's default date: the server's own clock keeps UTC."""
        return local_today(self._clock(), self._zone)

    def language(self, request: Request) -> str:
        return choose_language(request.cookies.get(LANGUAGE_COOKIE),
                               accepted_languages(request.headers.get("accept-language")))

    def render(self, request: Request, template: str, status_code: int = 200, **context: Any) -> HTMLResponse:
        language = self.language(request)
        translations = self._catalogues[language]

        def gettext(message: str, **variables: Any) -> str:
            text = translations.gettext(message)
            return text % variables if variables else text

        def ngettext(singular: str, plural: str, n: int, **variables: Any) -> str:
            text = translations.ngettext(singular, plural, n)
            return text % {"num": n, **variables}

        def day(value: str | date | None) -> str:
            if not value:
                return ""
            parsed = date.fromisoformat(value[:10]) if isinstance(value, str) else value
            return format_date(parsed, format="long", locale=language)

        def moment(value: str | datetime | None) -> str:
            if not value:
                return ""
            parsed = datetime.fromisoformat(value) if isinstance(value, str) else value
            # Local wall-clock time, without seconds: "6. des. 2026 05:03".
            local = parsed.astimezone(self._zone)
            return f"{format_date(local, 'medium', locale=language)} {format_time(local, 'short', locale=language)}"

        def local(text: dict[str, str | None] | None) -> str:
            """A text the services keep in several languages (e.g. the toolbox), in the reader's language.
            Danish readers get bokmål before English where the Danish text is missing: it is closer."""
            if not text:
                return ""
            return next((text[code] for code in (language, "nb", "da", "en") if text.get(code)), "")

        def month(value: str | date | None) -> str:
            """A series' period as people say it: "mars 2026"."""
            if not value:
                return ""
            parsed = date.fromisoformat(value[:10]) if isinstance(value, str) else value
            return format_date(parsed, format="LLLL y", locale=language)

        def number(value: float | None) -> str:
            return "" if value is None else format_decimal(value, format="#,##0.##", locale=language)

        return self.templates.TemplateResponse(request, template, {
            "gettext": gettext, "ngettext": ngettext, "_": gettext, "day": day, "moment": moment,
            "local": local, "number": number, "month": month,
            "lang": language, "languages": LANGUAGES, "user": signed_in(request),
            "csrf_field": CSRF_FIELD, "csrf_token": csrf_token(request), "flashes": take_flashes(request),
            "here": request.url.path + (f"?{request.url.query}" if request.url.query else ""),
            **context,
        }, status_code=status_code)


def page_renderer(request: Request) -> Renderer:
    """The app's renderer, for a page's route."""
    return request.app.state.renderer
