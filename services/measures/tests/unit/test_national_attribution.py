"""The national view attributes a replicated record to the region MirrorMaker 2 copied it from."""

from __future__ import annotations

import re

import pytest

from samla_shared.contract.cloudevents import CloudEvent, InvalidEvent
from samla_shared.contract.measures import MeasureArea, MeasureProposed
from samla_shared.messaging.consumer import Delivery
from samla_measures.service_layer.national_view import REPLICATED_TOPICS, region_of

PROPOSED = MeasureProposed(network_id="net-nord", measure_id="m-1", organisation_id="org-unn", unit_ids=["u-1"],
                           area=MeasureArea.FULL_TIME_CULTURE)


def test_the_region_is_the_topic_prefix_when_the_source_names_the_same_deployment():
    event = CloudEvent(data=PROPOSED, source="/samla/helse-nord/measures")
    assert region_of(event, Delivery("helse-nord.samla.measures.v1", 0, 7)) == "helse-nord"


@pytest.mark.parametrize("source", ["/samla/helse-vest/measures", "urn:other", "/samla/"])
def test_a_source_naming_another_region_is_refused(source):
    with pytest.raises(InvalidEvent, match="does not name region 'helse-nord'"):
        region_of(CloudEvent(data=PROPOSED, source=source), Delivery("helse-nord.samla.measures.v1", 0, 7))


@pytest.mark.parametrize(("topic", "replicated"), [
    ("west.samla.enrollment.v1", True), ("helse-sor-ost.samla.sessions.v1", True), ("west.samla.measures.v1", True),
    ("samla.measures.v1", False), ("west.samla.measures.v1.dlq", False), ("west.samla.notifications.v1", False),
    ("east.west.samla.measures.v1", False), ("samla.national.dlq", False), ("mm2-offsets.west.internal", False),
])
def test_the_subscription_pattern_matches_only_replicated_samla_topics(topic, replicated):
    assert bool(re.match(REPLICATED_TOPICS, topic)) is replicated
