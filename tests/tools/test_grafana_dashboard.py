"""The Grafana dashboard only charts metrics the services really export."""

from __future__ import annotations

import json
import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
DASHBOARD = ROOT / "infra/grafana/samla-dashboard.json"
METRIC = re.compile(r"\bsamla_[a-z0-9_]+")
DECLARED = re.compile(r"\b(Counter|Gauge|Histogram|Summary)\(\s*\"(samla_[a-z0-9_]+)\"", re.S)


def exported_metrics() -> dict[str, str]:
    """{name: kind} of every Prometheus metric declared in shared/ and services/."""
    found = {}
    for path in [*ROOT.glob("shared/**/*.py"), *ROOT.glob("services/**/*.py")]:
        for kind, name in DECLARED.findall(path.read_text()):
            found[name] = kind
    return found


def series_names(name: str, kind: str) -> set[str]:
    if kind == "Histogram":
        return {name, f"{name}_bucket", f"{name}_sum", f"{name}_count"}
    if kind == "Counter":
        base = name.removesuffix("_total")
        return {f"{base}_total", f"{base}_created"}
    return {name}


def test_every_panel_queries_only_metrics_that_the_code_exports():
    dashboard = json.loads(DASHBOARD.read_text())
    known = {series for name, kind in exported_metrics().items() for series in series_names(name, kind)}
    panels = [p for p in dashboard["panels"] if p["type"] != "row"]
    assert panels
    for panel in panels:
        assert panel["targets"], panel["title"]
        for target in panel["targets"]:
            used = set(METRIC.findall(target["expr"]))
            assert used, f"{panel['title']}: no samla metric in {target['expr']}"
            assert used <= known, f"{panel['title']}: unknown metric(s) {used - known}"


def test_the_dashboard_covers_the_runbook_signals_and_is_well_formed():
    dashboard = json.loads(DASHBOARD.read_text())
    exprs = " ".join(t["expr"] for p in dashboard["panels"] for t in p.get("targets", []))
    for metric in ("samla_http_requests_total", "samla_http_request_duration_seconds_bucket", "samla_consumer_lag",
                   "samla_outbox_backlog", "samla_outbox_oldest_age_seconds", "samla_dlq_messages_total",
                   "samla_notifications_total"):
        assert metric in exprs, metric
    ids = [p["id"] for p in dashboard["panels"]]
    assert len(ids) == len(set(ids)), "panel ids must be unique"
    assert dashboard["uid"] and dashboard["title"]
