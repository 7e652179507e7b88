"""Use cases over a unit's own indicator series in measures: recording a month's reading, and the effects
view (the series with the unit's measures marked), drawn as charts; and the network's trend across units."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

from samla_portal.adapters.samla_api import SamlaApi
from samla_portal.domain.charts import SeriesChart, series_chart_of
from samla_portal.domain.people import SignedIn
from samla_portal.service_layer.measures import decimal
from samla_portal.service_layer.unit_input import place_of

SERIES_KINDS = ("sick_leave_percent", "full_time_share_percent", "average_position_size_percent",
                "turnover_percent", "survey_score")


@dataclass(frozen=True)
class UnitEffects:
    unit_id: str
    unit_name: str | None
    charts: list[tuple[dict[str, Any], SeriesChart]]  # each series with its chart
    measures: list[dict[str, Any]]


def trend_charts(trends: list[dict[str, Any]]) -> list[tuple[dict[str, Any], SeriesChart]]:
    """The network's mean per month across its units, one chart per kind that has readings."""
    return [(t, series_chart_of(t["kind"], t["unit"], [(date.fromisoformat(f"{p['period']}-01"), float(p["mean"]))
                                                       for p in t["periods"]]))
            for t in trends if t.get("periods")]


class UnitSeries:
    def __init__(self, api: SamlaApi) -> None:
        self._api = api

    async def effects(self, token: str, unit_id: str) -> UnitEffects:
        found = await self._api.get("measures", f"/units/{unit_id}/effects", token)
        charts = [(s, series_chart_of(s["kind"], s["unit"],
                                      [(date.fromisoformat(r["on"]), float(r["value"])) for r in s["readings"]],
                                      s["measures"]))
                  for s in found["series"] if s["readings"]]
        return UnitEffects(unit_id, found.get("unit_name"), charts, found["measures"])

    async def record(self, token: str, person: SignedIn, unit_id: str, form: dict[str, str]) -> dict[str, Any]:
        return await self._api.put("measures", f"/units/{unit_id}/series/{form['kind']}/readings", token, {
            **place_of(person), "period": form["period"], "value": decimal(form["value"])})
