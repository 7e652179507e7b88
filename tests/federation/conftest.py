"""Fixtures of the federation tests: a regional and a national cluster with MirrorMaker 2 between them."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest

from tests.federation.federation_stack import Federation, start_federation, stop_federation


@pytest.fixture(scope="session")
async def federation() -> AsyncIterator[Federation]:
    federation = await start_federation()
    try:
        yield federation
    finally:
        await stop_federation(federation)
