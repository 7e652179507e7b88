"""Publishing the contract for integrators: JSON Schemas, docs/events.md, and the compatibility rule.

    python -m samla_shared.contract.publication [--check]

writes `docs/schemas/<Event>.v<N>.json` for every event version, `docs/events.md`, and
`docs/asyncapi/<service>.json|yaml`, the AsyncAPI document each service serves at
`/asyncapi.json` (or, with --check, only reports whether they are up to date).

The compatibility rule for a published version: a field may be added only as optional;
removing a field, changing its type, or making an optional field required needs a new
version of the event, and both versions are then published side by side while consumers
move over.
"""

from __future__ import annotations

import argparse
import importlib
import json
import sys
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from samla_shared.contract.base import IntegrationEvent
from samla_shared.contract.registry import EVENT_TYPES
from samla_shared.contract.topics import ENROLLMENT_TOPIC, MEASURES_TOPIC, SESSIONS_TOPIC
from samla_shared.settings import ServiceSettings

PRODUCERS = {ENROLLMENT_TOPIC: "enrollment", SESSIONS_TOPIC: "sessions", MEASURES_TOPIC: "measures"}

# Each event's published versions, oldest first: (version, what changed).
VERSION_HISTORY: dict[str, list[tuple[int, str]]] = {name: [(1, "first published version")] for name in EVENT_TYPES}


def schema_of(event: type[IntegrationEvent]) -> dict[str, Any]:
    version = event.model_fields["schema_version"].default
    schema = event.model_json_schema(mode="serialization")
    return {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "$id": f"urn:samla:event:{event.event_type()}:v{version}",
        "x-topic": event.topic,
        "x-key": event.key_field,
        **schema,
    }


def schema_file(directory: Path, name: str, version: int) -> Path:
    return directory / f"{name}.v{version}.json"


# -- compatibility --------------------------------------------------------------------------

def _shape(schema: dict[str, Any], prop: dict[str, Any]) -> Any:
    """What a property's type is, with titles and descriptions (which may change freely) left out."""
    if "$ref" in prop:
        return _shape(schema, schema.get("$defs", {}).get(prop["$ref"].split("/")[-1], {}))
    ignored = {"title", "description", "default", "examples"}
    shape: dict[str, Any] = {}
    for key, value in prop.items():
        if key in ignored:
            continue
        if key == "properties":
            shape[key] = {k: _shape(schema, v) for k, v in value.items()}
        elif key in ("items", "additionalProperties") and isinstance(value, dict):
            shape[key] = _shape(schema, value)
        elif key in ("anyOf", "oneOf", "allOf"):
            shape[key] = sorted((json.dumps(_shape(schema, v), sort_keys=True) for v in value))
        else:
            shape[key] = value
    return shape


def compatibility_problems(published: dict[str, Any], current: dict[str, Any]) -> list[str]:
    """Why `current` cannot replace `published` under the same version (empty when it can)."""
    problems = []
    old_props, new_props = published.get("properties", {}), current.get("properties", {})
    old_required, new_required = set(published.get("required", [])), set(current.get("required", []))
    for name, prop in old_props.items():
        if name not in new_props:
            problems.append(f"field {name!r} was removed")
            continue
        if _shape(published, prop) != _shape(current, new_props[name]):
            problems.append(f"field {name!r} changed type")
        if name not in old_required and name in new_required:
            problems.append(f"field {name!r} changed from optional to required")
    for name in new_props.keys() - old_props.keys():
        if name in new_required:
            problems.append(f"new field {name!r} is required (a new field may only be optional)")
    return problems


# -- documentation ----------------------------------------------------------------------------

def example_payload(event: type[IntegrationEvent]) -> dict[str, Any]:
    """A valid example instance, built from the schema and checked against the model."""
    schema = event.model_json_schema(mode="validation")
    payload = {name: _example(schema, name, prop) for name, prop in schema["properties"].items()
               if name in schema.get("required", []) or name == "schema_version"}
    return event.model_validate(payload).payload()


def _example(schema: dict[str, Any], name: str, prop: dict[str, Any]) -> Any:
    if "$ref" in prop:
        target = schema["$defs"][prop["$ref"].split("/")[-1]]
        if "enum" in target:
            return target["enum"][0]
        return {k: _example(schema, k, v) for k, v in target.get("properties", {}).items()
                if k in target.get("required", [])}
    if "const" in prop:
        return prop["const"]
    if "enum" in prop:
        return prop["enum"][0]
    if "anyOf" in prop:
        return _example(schema, name, next(p for p in prop["anyOf"] if p.get("type") != "null"))
    kind = prop.get("type")
    if kind == "string":
        if prop.get("format") == "date-time":
            return "2027-03-01T09:00:00+01:00"
        if prop.get("format") == "date":
            return "2027-03-01"
        if name.endswith("_id") or "pattern" in prop:  # identifiers
            return f"{name.removesuffix('_id').replace('_', '-')}-1"
        return f"example {name.replace('_', ' ')}"
    if kind == "integer":
        return max(prop.get("minimum", 1), 1)
    if kind == "number":
        return 12.5
    if kind == "boolean":
        return True
    if kind == "array":
        return [_example(schema, name.removesuffix("s"), prop["items"])] if prop.get("minItems") else []
    return None


def events_markdown() -> str:
    lines = [
        "# Samla events, contract v1",
        "",
        "Generated from the pydantic models by `python -m samla_shared.contract.publication`; do not edit.",
        "",
        "Every event travels as a CloudEvents 1.0 record in Kafka binary mode: headers `ce_specversion`,",
        "`ce_id`, `ce_type` (the event name), `ce_source` (`/samla/<deployment>/<service>`), `ce_time`,",
        "`ce_subject` (the key), `content-type: application/json` and W3C `traceparent`; the value is the",
        "event's JSON data. Records that cannot be processed go to `<topic>.dlq` with `dlq_reason`.",
        "Events carry ids, never names or contact details. A published version changes only by adding",
        "optional fields; anything else is a new version, published beside the old one for a while.",
        "JSON Schemas: `docs/schemas/<Event>.v<N>.json`.",
        "",
    ]
    for topic, producer in PRODUCERS.items():
        lines += [f"## `{topic}` (producer: {producer})", ""]
        for name, event in EVENT_TYPES.items():
            if event.topic != topic:
                continue
            schema = event.model_json_schema(mode="serialization")
            required = set(schema.get("required", []))
            lines += [f"### {name}", "", (event.__doc__ or "").strip(), "",
                      f"Key: `{event.key_field}`. Schema: `docs/schemas/{name}.v1.json`.", "",
                      "| field | type | required | description |", "| --- | --- | --- | --- |"]
            for field, prop in schema["properties"].items():
                lines.append(f"| `{field}` | {_type_label(schema, prop)} | {'yes' if field in required else 'no'} "
                             f"| {prop.get('description', '')} |")
            lines += ["", "Example:", "", "```json", json.dumps(example_payload(event), indent=2, ensure_ascii=False),
                      "```", "", "Versions: " + "; ".join(f"v{v}: {note}" for v, note in VERSION_HISTORY[name]), ""]
    return "\n".join(lines)


def _type_label(schema: dict[str, Any], prop: dict[str, Any]) -> str:
    if "$ref" in prop:
        return prop["$ref"].split("/")[-1]
    if "anyOf" in prop:
        return " or ".join(_type_label(schema, p) for p in prop["anyOf"])
    if "enum" in prop:
        return " \\| ".join(f"`{v}`" for v in prop["enum"])
    if prop.get("type") == "array":
        return f"list of {_type_label(schema, prop.get('items', {}))}"
    return prop.get("format") or prop.get("type", "any")


# -- AsyncAPI ---------------------------------------------------------------------------------

SERVICES = ("enrollment", "sessions", "measures", "notifications")
# The exported documents describe the local development deployment; a deployment's served
# document differs only in its `servers` (where its broker is).
EXPORT_SETTINGS = {"environment": "development", "deployment": "local", "kafka_bootstrap_servers": "127.0.0.1:9092",
                   "run_consumers": True}


def asyncapi_document(service: str) -> dict[str, Any]:
    """The AsyncAPI document `service` serves, from the same generator (ServiceRuntime.asyncapi).

    The service is found by module name: samla_shared does not depend on the services (they
    depend on it), and the publication command runs where all of them are installed.
    """
    app_module = importlib.import_module(f"samla_{service}.entrypoints.app")
    settings_module = importlib.import_module(f"samla_{service}.settings")
    [settings_class] = [value for value in vars(settings_module).values() if isinstance(value, type)
                        and issubclass(value, ServiceSettings) and value.service_name == service]
    return app_module.create_app(settings_class(**EXPORT_SETTINGS)).state.runtime.asyncapi()


def asyncapi_file(root: Path, service: str, suffix: str) -> Path:
    return root / "docs/asyncapi" / f"{service}.{suffix}"


def expected_files(root: Path) -> dict[Path, str]:
    import yaml

    files = {root / "docs/events.md": events_markdown()}
    for name, event in EVENT_TYPES.items():
        version = event.model_fields["schema_version"].default
        files[schema_file(root / "docs/schemas", name, version)] = json.dumps(schema_of(event), indent=2) + "\n"
    for service in SERVICES:
        document = asyncapi_document(service)
        files[asyncapi_file(root, service, "json")] = json.dumps(document, indent=2) + "\n"
        files[asyncapi_file(root, service, "yaml")] = yaml.safe_dump(document, sort_keys=False, allow_unicode=True)
    return files


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--root", type=Path, default=Path.cwd())
    parser.add_argument("--check", action="store_true", help="only report files that are out of date")
    args = parser.parse_args()
    stale = []
    for path, content in expected_files(args.root).items():
        if not path.exists() or path.read_text() != content:
            stale.append(path)
            if not args.check:
                path.parent.mkdir(parents=True, exist_ok=True)
                path.write_text(content)
    verb = "out of date" if args.check else "written"
    print(f"{len(stale)} file(s) {verb} at {datetime.now(UTC):%H:%M:%S}: " + ", ".join(str(p) for p in stale))
    sys.exit(1 if args.check and stale else 0)


if __name__ == "__main__":
    main()
