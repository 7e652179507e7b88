"""How the workshop pages read what people type: key words, competences, milestones."""

from __future__ import annotations

from samla_portal.service_layer.competences import competences_of, slug_of
from samla_portal.service_layer.progress_plans import milestones_of
from samla_portal.service_layer.unit_input import keywords_of


def test_key_words_come_one_per_line_or_separated_by_commas() -> None:
    assert keywords_of("trygghet, tillit\n\n å bli sett ,") == ["trygghet", "tillit", "å bli sett"]


def test_a_staff_type_and_its_competences_become_the_ids_measures_keeps() -> None:
    assert slug_of("Social- og sundhedsassistent") == "social-og-sundhedsassistent"
    assert slug_of("Sykepleier på nattevakt") == "sykepleier-pa-nattevakt"
    assert competences_of("Dialogduken, Forflytning\nSamtale om sykefravær") == [
        "dialogduken", "forflytning", "samtale-om-sykefravaer"]


def test_only_the_milestone_rows_filled_go_to_measures_with_a_decimal_comma_read() -> None:
    form = {"milestone-1-date": "2027-06-30", "milestone-1-value": "45,5", "milestone-2-date": "",
            "milestone-2-value": "", "milestone-3-date": "2028-06-30", "milestone-3-value": ""}
    assert milestones_of(form) == [{"due_on": "2027-06-30", "value": "45.5"}, {"due_on": "2028-06-30", "value": None}]
