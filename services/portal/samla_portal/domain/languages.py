"""The portal's languages and how one is chosen for a person."""

from __future__ import annotations

from collections.abc import Iterable

# Norwegian bokmål first: the default for anyone who has not chosen.
LANGUAGES: dict[str, str] = {"nb": "Norsk bokmål", "da": "Dansk", "en": "English"}
DEFAULT_LANGUAGE = "nb"


def choose_language(chosen: str | None, accepted: Iterable[str] = ()) -> str:
    """The person's own choice wins; then the browser's preferences; then bokmål.

    Browsers say `no` or `nn` for Norwegian more often than `nb`; both read bokmål well enough.
    """
    if chosen in LANGUAGES:
        return chosen
    for tag in accepted:
        primary = tag.split("-")[0].strip().lower()
        if primary in LANGUAGES:
            return primary
        if primary in {"no", "nn"}:
            return "nb"
    return DEFAULT_LANGUAGE


def accepted_languages(header: str | None) -> list[str]:
    """Accept-Language tags in the order of their quality values."""
    weighted = []
    for position, part in enumerate((header or "").split(",")):
        tag, _, params = part.strip().partition(";")
        if not tag:
            continue
        quality = 1.0
        if params.strip().startswith("q="):
            try:
                quality = float(params.strip()[2:])
            except ValueError:
                quality = 0.0
        weighted.append((-quality, position, tag))
    return [tag for _, _, tag in sorted(weighted)]
