"""Integrators rely on the published event schemas: they stay compatible and the docs stay current."""

from __future__ import annotations

import copy
import json
from pathlib import Path

import pytest

from samla_shared.contract.publication import compatibility_problems, expected_files, schema_of
from samla_shared.contract.registry import EVENT_TYPES

ROOT = Path(__file__).resolve().parents[2]
PUBLISHED = sorted((ROOT / "docs/schemas").glob("*.v*.json"))


def test_every_event_has_a_published_schema():
    published = {p.name.split(".v")[0] for p in PUBLISHED}
    assert set(EVENT_TYPES) <= published


@pytest.mark.parametrize("path", PUBLISHED, ids=lambda p: p.name)
def test_a_published_schema_is_still_satisfied_by_the_current_model(path):
    name, version = path.name.removesuffix(".json").split(".v")
    event = EVENT_TYPES.get(name)
    assert event is not None, f"{name} v{version} is published but no model produces it any more"
    current_version = event.model_fields["schema_version"].default
    assert current_version == int(version), f"{name} v{version} must stay published beside v{current_version}"
    problems = compatibility_problems(json.loads(path.read_text()), schema_of(event))
    assert problems == [], f"{name} v{version} changed incompatibly: {problems}; publish a new version instead"


def test_generated_docs_and_schemas_are_up_to_date():
    stale = [str(path.relative_to(ROOT)) for path, content in expected_files(ROOT).items()
             if not path.exists() or path.read_text() != content]
    assert stale == [], "run `.venv/bin/python -m samla_shared.contract.publication` and commit the result"


@pytest.fixture
def published():
    return schema_of(EVENT_TYPES["ParticipantEnrolled"])


def test_the_check_refuses_a_removed_field(published):
    current = copy.deepcopy(published)
    del current["properties"]["unit_id"]
    assert compatibility_problems(published, current) == ["field 'unit_id' was removed"]


def test_the_check_refuses_a_changed_type(published):
    current = copy.deepcopy(published)
    current["properties"]["cohort_sequence"] = {"type": "string"}
    assert compatibility_problems(published, current) == ["field 'cohort_sequence' changed type"]


def test_the_check_refuses_an_optional_field_made_required(published):
    current = copy.deepcopy(published)
    current["required"] = [*current["required"], "via"]
    assert compatibility_problems(published, current) == ["field 'via' changed from optional to required"]


def test_the_check_accepts_a_new_optional_field_and_new_descriptions(published):
    current = copy.deepcopy(published)
    current["properties"]["note"] = {"type": "string"}
    current["properties"]["unit_id"]["description"] = "The unit the participant works in."
    assert compatibility_problems(published, current) == []
