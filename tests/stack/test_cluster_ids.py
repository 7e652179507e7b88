"""KRaft cluster ids the local stack formats its brokers with."""

from __future__ import annotations

import base64

import stack


def test_no_cluster_id_starts_with_a_dash_which_the_storage_tool_would_read_as_an_option() -> None:
    # One random id in 64 starts with "-"; among 5,000 draws a broken generator shows one
    # with near certainty (the chance of missing it is below 1e-34).
    ids = [stack.new_cluster_id() for _ in range(5000)]
    assert not [cluster_id for cluster_id in ids if cluster_id.startswith("-")]
    assert len(set(ids)) == len(ids)
    assert all(len(base64.urlsafe_b64decode(cluster_id + "==")) == 16 for cluster_id in ids)
