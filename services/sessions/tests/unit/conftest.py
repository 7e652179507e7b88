"""The use-case tests' world: sessions' use cases wired by bootstrap over the in-memory stores of tests/fakes.py."""

from __future__ import annotations

import pytest

# By its path from the repository root (pytest.ini puts it on the path), as every service's tests
# import their fakes: a bare `fakes` would collide with another service's in one run.
from services.sessions.tests import fakes


@pytest.fixture
def world():  # -> fakes.FakeWorld
    return fakes.fake_world()
