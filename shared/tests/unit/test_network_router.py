"""Where the network router puts each network's events."""

import pytest

from samla_shared.contract.cloudevents import InvalidEvent
from samla_shared.contract.topics import ENROLLMENT_TOPIC, MEASURES_TOPIC
from samla_shared.messaging.network_router import network_topic, network_topics


def test_each_network_has_its_own_copy_of_each_topic():
    assert network_topic("vestland", ENROLLMENT_TOPIC) == "samla.net.vestland.enrollment.v1"
    assert network_topic("vest.land", MEASURES_TOPIC) == "samla.net.vest.land.measures.v1"
    assert network_topics("vest") == ["samla.net.vest.enrollment.v1", "samla.net.vest.sessions.v1",
                                      "samla.net.vest.measures.v1"]


def test_a_network_id_that_cannot_name_a_topic_is_refused_not_rewritten():
    # Rewriting "a:b" to "a_b" would hand network a:b's records to network a_b's integrator.
    with pytest.raises(InvalidEvent, match="cannot be part of a Kafka topic name"):
        network_topic("region:west", ENROLLMENT_TOPIC)
