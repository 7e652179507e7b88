"""The v1 event contract: strict models, keys, and the CloudEvents binary-mode mapping."""

from __future__ import annotations

import json
from datetime import UTC, datetime

import pytest
from pydantic import ValidationError

from samla_shared.contract import EVENT_TYPES, CloudEvent, InvalidEvent, parse_record
from samla_shared.contract.enrollment import ParticipantEnrolled, ProgrammePublished
from samla_shared.contract.measures import MeasureAdopted
from samla_shared.contract.sessions import AttendanceCounts, SessionHeld


def enrolled(**overrides) -> ParticipantEnrolled:
    fields = dict(network_id="net-vest", cohort_id="c1", programme_id="p1", application_id="a1",
                  participant_id="u1", organisation_id="org-1", unit_id="unit-1", cohort_sequence=3)
    return ParticipantEnrolled(**(fields | overrides))


def test_events_refuse_unknown_fields_on_the_way_in():
    with pytest.raises(ValidationError, match="Extra inputs are not permitted"):
        ParticipantEnrolled.model_validate(enrolled().payload() | {"email": "kari@example.no"})


def test_the_three_anchor_events_carry_version_network_and_organisation():
    held = SessionHeld(network_id="net-1", cohort_id="c1", session_id="s1", held_at=datetime.now(UTC),
                       attendance=AttendanceCounts(present=10, absent=1, excused=1, partial=0))
    adopted = MeasureAdopted(network_id="net-1", organisation_id="org-1", measure_id="m1", unit_ids=["u1"],
                             area="sick_leave_follow_up", adopted_on="2026-01-05", next_follow_up_due="2026-03-02")
    for event in (enrolled(), held, adopted):
        assert event.payload()["schema_version"] == 1
        assert event.payload()["network_id"] == "net-1" or event.payload()["network_id"] == "net-vest"
    assert enrolled().payload()["organisation_id"] == "org-1"
    assert adopted.payload()["organisation_id"] == "org-1"


def test_events_are_keyed_by_the_aggregate_they_concern():
    assert enrolled().key() == "c1" and enrolled().topic == "samla.enrollment.v1"
    programme = ProgrammePublished(network_id="n", programme_id="p9", code="KULT", title="Kultur", language="nb")
    assert programme.key() == "p9"


def test_every_event_type_is_registered_under_its_class_name():
    assert {"ParticipantEnrolled", "SessionHeld", "MeasureAdopted"} <= EVENT_TYPES.keys()
    assert all(name == cls.__name__ for name, cls in EVENT_TYPES.items())


def test_a_cloud_event_round_trips_through_kafka_headers_and_value():
    event = CloudEvent(data=enrolled(), source="/samla/vest/enrollment",
                       trace_headers={"traceparent": "00-" + "1" * 32 + "-" + "2" * 16 + "-01"})
    headers = event.headers()
    assert headers["ce_specversion"] == "1.0" and headers["ce_type"] == "ParticipantEnrolled"
    assert headers["ce_subject"] == "c1" and headers["content-type"] == "application/json"
    assert json.loads(event.value())["participant_id"] == "u1"
    parsed = parse_record(headers, event.value())
    assert parsed.data == event.data and parsed.id == event.id
    assert parsed.trace_headers["traceparent"] == headers["traceparent"]


@pytest.mark.parametrize(("mutate", "reason"), [
    (lambda h, v: ({k: x for k, x in h.items() if k != "ce_id"}, v), "missing CloudEvents headers: ce_id"),
    (lambda h, v: (h | {"ce_type": "Nope"}, v), "unknown ce_type 'Nope'"),
    (lambda h, v: (h, b"\xff{"), "value is not JSON"),
    (lambda h, v: (h, json.dumps(json.loads(v) | {"cohort_sequence": 0}).encode()), "does not match schema v1"),
    (lambda h, v: (h | {"ce_specversion": "0.3"}, v), "unsupported ce_specversion"),
])
def test_records_that_break_the_contract_are_refused_with_a_reason(mutate, reason):
    event = CloudEvent(data=enrolled(), source="/samla/test")
    headers, value = mutate(event.headers(), event.value())
    with pytest.raises(InvalidEvent, match=reason):
        parse_record(headers, value)
