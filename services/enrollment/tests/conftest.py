"""What every enrollment test tier may use: the in-memory fakes of the ports (fakes.py)."""

from __future__ import annotations

from types import ModuleType

import pytest

# By its path from the repository root (pytest.ini puts it on the path), as every service's tests
# import their fakes: a bare `fakes` would collide with another service's in one run.
from services.enrollment.tests import fakes as fakes_module


@pytest.fixture(scope="session")
def fakes() -> ModuleType:
    return fakes_module
