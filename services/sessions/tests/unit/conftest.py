"""The use-case tests' world: sessions' use cases wired by bootstrap over the in-memory stores of tests/fakes.py."""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path

import pytest

# Tests run with --import-mode=importlib (no package here), so tests/fakes.py is loaded under a name
# of its own: a bare `fakes` on sys.path would collide with another service's fakes in one run.
_NAME = "samla_sessions_tests_fakes"
if _NAME not in sys.modules:
    _spec = importlib.util.spec_from_file_location(_NAME, Path(__file__).parents[1] / "fakes.py")
    assert _spec is not None and _spec.loader is not None
    sys.modules[_NAME] = importlib.util.module_from_spec(_spec)
    _spec.loader.exec_module(sys.modules[_NAME])
fakes = sys.modules[_NAME]


@pytest.fixture
def world():  # -> fakes.FakeWorld
    return fakes.fake_world()
