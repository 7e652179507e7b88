"""Renders a notice into a subject, a plain-text body and an HTML body from Jinja2 templates.

One file per kind and language (`templates/<language>/<kind>.j2`) holds all parts of that
mail as blocks; the language's `_layout.j2` decides which part is being rendered from the
`part` variable. Keeping the text and HTML wording of a mail in one file lets a translator
see both at once. Two environments render the same files: HTML with autoescaping, text and
subject without (escaping would put `&amp;` into plain text).

Every template runs with StrictUndefined: a missing value raises instead of leaving a
blank, and the whole mail is refused (TemplateRenderFailed) before anything is sent, so a
half-rendered mail cannot go out.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from babel.dates import format_date, format_time
from jinja2 import ChoiceLoader, Environment, FileSystemLoader, StrictUndefined, pass_context
from jinja2.runtime import Context

from samla_notifications.domain.language import LOCALES

BUILT_IN = Path(__file__).resolve().parents[1] / "templates"


class TemplateRenderFailed(Exception):
    """A template could not be rendered for this notice; the message names the template and why.

    The event consumer treats it as a fault of the message (retry, then dead-letter), never
    of the infrastructure.
    """


@dataclass(frozen=True)
class RenderedMail:
    subject: str
    text: str
    html: str
    calendar_summary: str | None = None


def _zone(context: Context) -> ZoneInfo:
    return ZoneInfo(context["time_zone"])


def _locale(context: Context) -> str:
    return LOCALES[context["language"]]


@pass_context
def _format_date(context: Context, value: date | datetime) -> str:
    """A long date with the weekday, in the recipient's language and the fact's time zone."""
    if isinstance(value, datetime):
        value = value.astimezone(_zone(context)).date()
    return format_date(value, "full", locale=_locale(context))


@pass_context
def _format_time(context: Context, value: datetime) -> str:
    return format_time(value, "short", tzinfo=_zone(context), locale=_locale(context))


class TemplateRenderer:
    def __init__(self, directory: Path | None = None) -> None:
        # A deployment's own directory comes first, so it can replace single templates.
        paths = [FileSystemLoader(directory)] if directory else []
        loader = ChoiceLoader([*paths, FileSystemLoader(BUILT_IN)])
        self._text = self._environment(loader, autoescape=False)
        self._html = self._environment(loader, autoescape=True)

    @staticmethod
    def _environment(loader: ChoiceLoader, *, autoescape: bool) -> Environment:
        # Compiled once per process: without auto_reload Jinja stops asking the file system
        # whether each template changed on every render (a stat per part of every mail).
        environment = Environment(loader=loader, undefined=StrictUndefined, autoescape=autoescape,
                                  trim_blocks=True, lstrip_blocks=True, keep_trailing_newline=False,
                                  auto_reload=False)
        environment.filters["date"] = _format_date
        environment.filters["time"] = _format_time
        return environment

    def render(self, kind: str, language: str, context: dict[str, Any], *, calendar: bool = False) -> RenderedMail:
        name = f"{language}/{kind}.j2"
        values = {**context, "language": language}
        try:
            text_template, html_template = self._text.get_template(name), self._html.get_template(name)
            subject = " ".join(text_template.render(values, part="subject").split())
            text = text_template.render(values, part="text").strip() + "\n"
            html = html_template.render(values, part="html").strip() + "\n"
            summary = " ".join(text_template.render(values, part="calendar").split()) if calendar else None
        except Exception as exc:  # any failure inside a template, from a missing value to a bad filter input
            raise TemplateRenderFailed(f"template {name} failed to render: {type(exc).__name__}: {exc}") from exc
        if not subject:
            raise TemplateRenderFailed(f"template {name} rendered an empty subject")
        if calendar and not summary:
            raise TemplateRenderFailed(f"template {name} rendered no calendar summary")
        return RenderedMail(subject=subject, text=text, html=html, calendar_summary=summary)
