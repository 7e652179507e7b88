"""Which language a person gets, and what the front page offers each role."""

from __future__ import annotations

from samla_portal.domain.languages import accepted_languages, choose_language
from samla_portal.domain.people import SignedIn
from samla_portal.entrypoints.session import local_path


def test_a_person_without_a_choice_gets_norwegian_bokmal() -> None:
    assert choose_language(None, []) == "nb"


def test_a_chosen_language_wins_over_the_browser() -> None:
    assert choose_language("da", accepted_languages("en-GB,en;q=0.9")) == "da"


def test_a_browser_asking_for_norwegian_or_danish_gets_it_in_order_of_preference() -> None:
    assert choose_language(None, accepted_languages("de;q=0.9, da;q=0.8, en;q=0.5")) == "da"
    assert choose_language(None, accepted_languages("no,en;q=0.5")) == "nb"
    assert choose_language("xx", accepted_languages("fr")) == "nb"


def test_each_role_is_offered_its_own_tasks() -> None:
    def tasks(*roles: str) -> list[str]:
        return [t.key for t in SignedIn.from_claims({"sub": "s", "roles": list(roles)}).tasks()]

    assert tasks("programme_coordinator") == ["programmes"]
    assert tasks("organisation_leader") == ["decide_applications", "employees", "agree_measures"]
    assert tasks("union_representative") == ["agree_measures"]
    assert tasks("participant") == ["apply", "my_page"]
    assert tasks("national_coordinator") == ["national_overview"]
    assert tasks("integrator") == []
    representative = SignedIn.from_claims({"sub": "s", "roles": ["safety_representative"], "units": ["unit-a"]})
    assert [(t.key, t.href) for t in representative.tasks()] == [
        ("agree_measures", "/measures"), ("unit_workshop", "/units/unit-a/input")]
    coordinator = SignedIn.from_claims({"sub": "s", "roles": ["network_coordinator"], "networks": ["net-a", "net-b"]})
    assert [(t.key, t.href) for t in coordinator.tasks()] == [
        ("programmes", "/programmes"), ("network_insight", "/networks/net-a"), ("network_insight", "/networks/net-b")]


def test_only_a_path_on_this_site_is_a_redirect_target() -> None:
    assert local_path("/applications/a-1") == "/applications/a-1"
    for outside in ("https://evil.example/", "//evil.example/x", "javascript:alert(1)", ""):
        assert local_path(outside) == "/"
