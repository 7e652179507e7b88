"""docs/security.md shows exactly the access tables the services enforce, and every route has a rule."""

from __future__ import annotations

import importlib
import sys
from pathlib import Path

import pytest

from samla_shared.security.access import FRAMEWORK_ENDPOINTS

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "tools"))
import security_matrix  # noqa: E402

SERVICES = ("enrollment", "sessions", "measures", "notifications")


def test_the_document_matches_the_access_tables():
    document = security_matrix.DOC.read_text()
    assert security_matrix.START in document and security_matrix.END in document
    assert document == security_matrix.with_matrix(document), "run python tools/security_matrix.py"


def _routes(name: str) -> set[str]:
    app_module = importlib.import_module(f"samla_{name}.entrypoints.app")
    settings_module = importlib.import_module(f"samla_{name}.settings")
    [settings] = [v for k, v in vars(settings_module).items() if k.endswith("Settings") and k != "ServiceSettings"]
    app = app_module.create_app(settings(environment="test"))
    paths = app.openapi()["paths"]
    return {f"{method.upper()} {path}" for path, operations in paths.items() for method in operations}


@pytest.mark.parametrize("name", SERVICES)
def test_every_route_has_exactly_one_rule_and_every_rule_a_route(name):
    table = importlib.import_module(f"samla_{name}.entrypoints.access").ACCESS
    routes = _routes(name)
    rules = {rule.endpoint for rule in table.rules}
    assert routes - rules == set(), "routes without an access rule are refused to everyone: add a rule"
    assert rules - routes - FRAMEWORK_ENDPOINTS == set(), "rules for routes that do not exist"
