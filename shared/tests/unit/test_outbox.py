"""Outbox entries are staged into the same update as the state change they describe."""

from __future__ import annotations

import pytest

from samla_shared.contract.enrollment import CohortCapacityChanged
from samla_shared.messaging.outbox import (
    merge_updates,
    new_document_outbox,
    pending_entries,
    stages_events,
    staged,
    staged_packed,
)


def capacity(n: int) -> CohortCapacityChanged:
    return CohortCapacityChanged(network_id="n", cohort_id="c1", programme_id="p1", capacity=n, seats_taken=0)


def test_staged_events_join_the_state_update_as_one_write():
    update = merge_updates({"$set": {"capacity": 40}}, staged(capacity(40), capacity(41), source="/samla/t"))
    assert update["$set"]["capacity"] == 40
    entries = [v for k, v in update["$set"].items() if k.startswith("outbox.")]
    assert [e["data"]["capacity"] for e in sorted(entries, key=lambda e: e["sequence"])] == [40, 41]
    assert update["$inc"] == {"outbox_pending": 2}
    assert {e["topic"] for e in entries} == {"samla.enrollment.v1"} and {e["key"] for e in entries} == {"c1"}


def test_conflicting_updates_of_one_field_are_refused_rather_than_silently_merged():
    with pytest.raises(ValueError, match="conflicting updates"):
        merge_updates({"$inc": {"outbox_pending": 1}}, {"$inc": {"outbox_pending": 2}})


def test_pending_entries_come_out_in_the_order_they_were_staged():
    document = new_document_outbox(capacity(1), capacity(2), capacity(3), source="/samla/t")
    assert [e["data"]["capacity"] for e in pending_entries(document)] == [1, 2, 3]


def test_a_packed_write_holds_its_events_in_one_entry_and_unpacks_them_in_order():
    update = merge_updates({"$set": {"capacity": 3}},
                           staged_packed(capacity(1), capacity(2), capacity(3), source="/samla/t"))
    [(key, pack)] = [(k, v) for k, v in update["$set"].items() if k.startswith("outbox.")]
    assert update["$inc"] == {"outbox_pending": 1} and pack["count"] == 3
    document = {"outbox": {key.removeprefix("outbox."): pack} | new_document_outbox(capacity(9), source="/s")["outbox"]}
    entries = pending_entries(document)
    assert [e["data"]["capacity"] for e in entries] == [1, 2, 3, 9]
    assert {e["outbox_key"] for e in entries[:3]} == {key.removeprefix("outbox.")}
    assert len({e["id"] for e in entries}) == 4 and all(e["time"].tzinfo is not None for e in entries)


def test_only_a_write_that_leaves_events_pending_asks_for_a_marker():
    update = merge_updates({"$set": {"capacity": 40}}, staged(capacity(40), source="/samla/t"))
    assert stages_events(update)
    assert stages_events(new_document_outbox(capacity(1), source="/samla/t"))
    assert not stages_events({"$set": {"capacity": 40}})
    assert not stages_events(new_document_outbox(source="/samla/t"))
