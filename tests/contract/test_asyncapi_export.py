"""Integrators read the AsyncAPI documents in docs/asyncapi/; they are what the running services serve."""

from __future__ import annotations

import importlib
import json
from pathlib import Path

import pytest
import yaml

from samla_shared.contract.publication import SERVICES, asyncapi_file

ROOT = Path(__file__).resolve().parents[2]


def without_servers(document: dict) -> dict:
    # `servers` says where a deployment's broker is (the test's, here); everything else is the contract.
    return {key: value for key, value in document.items() if key != "servers"}


@pytest.mark.parametrize("name", SERVICES)
async def test_the_exported_asyncapi_document_is_the_one_the_running_service_serves(name, service):
    app = importlib.import_module(f"samla_{name}.entrypoints.app")
    settings = importlib.import_module(f"samla_{name}.settings")
    settings_class = next(v for v in vars(settings).values() if getattr(v, "service_name", None) == name
                          and isinstance(v, type))
    exported = json.loads(asyncapi_file(ROOT, name, "json").read_text())
    assert yaml.safe_load(asyncapi_file(ROOT, name, "yaml").read_text()) == exported

    async with service(app.create_app, settings_class) as client:
        served = await client.get("/asyncapi.json")
    assert served.status_code == 200
    assert without_servers(served.json()) == without_servers(exported), (
        "run `.venv/bin/python -m samla_shared.contract.publication` and commit docs/asyncapi/")
    addresses = {channel["address"] for channel in exported["channels"].values()}
    assert addresses, f"{name} documents no channel"
    assert exported["servers"], "the exported document names the development broker"
