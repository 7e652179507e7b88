"""Which language a recipient is written to, and the locale used to format dates for it."""

from __future__ import annotations

LANGUAGES = ("nb", "da", "en")

# Babel locales. English mail goes to Nordic readers, so it uses British conventions
# (day before month, 24-hour clock) rather than American ones.
LOCALES = {"nb": "nb_NO", "da": "da_DK", "en": "en_GB"}


def choose_language(*, preferred: str | None, from_contact: str | None, network_default: str) -> str:
    """The person's stated preference wins, then what enrollment knows, then the network's default.

    A stored preference in notifications is the most deliberate choice a person made about
    mail; enrollment's `language` (when it has one) was given with the application; the
    network's default is the deployment's own language.
    """
    for candidate in (preferred, from_contact, network_default):
        if candidate in LANGUAGES:
            return candidate
    return "nb"
