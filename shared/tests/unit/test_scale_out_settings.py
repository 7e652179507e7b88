"""Several instances of a service: the writer election needs the address standbys forward writes to."""

from __future__ import annotations

import pytest
from pydantic import ValidationError

from samla_shared.settings import ServiceSettings

LOCAL = {"environment": "test", "mongo_database": "samla"}


def test_one_instance_by_default_writes_without_an_election():
    assert ServiceSettings(**LOCAL).writer_lease_seconds == 0


def test_an_election_without_this_instances_address_is_refused():
    with pytest.raises(ValidationError, match="instance_url"):
        ServiceSettings(**LOCAL, writer_lease_seconds=10)


def test_a_lease_shorter_than_a_second_is_refused():
    with pytest.raises(ValidationError, match="at least 1"):
        ServiceSettings(**LOCAL, writer_lease_seconds=0.2, instance_url="http://10.0.0.7:8001")


def test_an_election_with_an_address_is_accepted():
    settings = ServiceSettings(**LOCAL, writer_lease_seconds=10, instance_url="http://10.0.0.7:8001")
    assert settings.instance_url == "http://10.0.0.7:8001"
