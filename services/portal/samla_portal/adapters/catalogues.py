"""The gettext catalogues: `.po` files are committed and compiled in memory when the portal starts.

Compiling at start rather than committing `.mo` files keeps one source of truth and no
binary in git; it takes milliseconds for catalogues this size.
"""

from __future__ import annotations

from io import BytesIO
from pathlib import Path

from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from babel.support import NullTranslations, Translations

TRANSLATIONS = Path(__file__).resolve().parents[1] / "translations"


def load_catalogues(languages: list[str], directory: Path = TRANSLATIONS) -> dict[str, NullTranslations]:
    """One compiled catalogue per language; a language without a `.po` file shows the source (English) text."""
    found: dict[str, NullTranslations] = {}
    for language in languages:
        po = directory / language / "LC_MESSAGES" / "messages.po"
        if not po.exists():
            found[language] = NullTranslations()
            continue
        with po.open("rb") as source:
            catalog = read_po(source, locale=language)
        compiled = BytesIO()
        write_mo(compiled, catalog)
        compiled.seek(0)
        found[language] = Translations(compiled)
    return found
