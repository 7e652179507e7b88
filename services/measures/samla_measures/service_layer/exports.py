"""Measures as rows for a spreadsheet, and indicators as charts.

An export mirrors `GET /measures` and is scoped the same way (the caller's networks, or
organisation and units); its workbook has three sheets: the measures, each indicator
with its baseline, target and latest reading, and every follow-up reading. Charts show an
indicator's readings over time against its baseline and target, and a network's trend
for one kind of indicator across its member organisations (a monthly mean per
organisation, since units follow up on their own rhythm).

Networks, organisations and units are named from measures' read model of the directory,
next to their ids: one `_id` read for the whole export, never one per row. An id the
directory does not know (yet) has an empty name; a unit it does not know is left out of
the list of unit names (the ids column still lists it).
"""

from __future__ import annotations

from collections import defaultdict
from datetime import date
from statistics import fmean
from typing import Any

from samla_shared.contract.measures import IndicatorKind, MeasureArea
from samla_shared.documents.charts import LineChart, ReferenceLine, Series
from samla_measures.adapters.ports import MeasureExportSource, MeasureQuery
from samla_measures.domain import indicators as indicator_rules
from samla_measures.domain.errors import NotFound
from samla_measures.domain.measure import Measure, MeasureStatus
from samla_measures.service_layer.directory import Directory
from samla_measures.service_layer.measures import MeasuresService

WORDS = {
    "nb": {"baseline": "Utgangspunkt", "target": "Mål", "trend": "utvikling i nettverket"},
    "da": {"baseline": "Udgangspunkt", "target": "Mål", "trend": "udvikling i netværket"},
    "en": {"baseline": "Baseline", "target": "Target", "trend": "trend across the network"},
}


def readings_of(measure: Measure) -> dict[str, list[tuple[str, float]]]:
    """Each indicator's (ISO date, value) readings, from the follow-ups and the evaluation."""
    readings: dict[str, list[tuple[str, float]]] = defaultdict(list)
    for follow_up in measure.follow_ups:
        for r in follow_up["readings"]:
            readings[r["indicator_id"]].append((follow_up["held_on"], r["value"]))
    evaluation = measure.evaluation or {}
    for r in evaluation.get("final_readings", []):
        readings[r["indicator_id"]].append((evaluation["evaluated_on"], r["value"]))
    return readings


def scope_query(scope: dict[str, Any], area: MeasureArea | None, status: MeasureStatus | None) -> MeasureQuery:
    """The measures of a caller's scope (one id or a list of ids each), as the list endpoint reads them."""
    return MeasureQuery(network_id=scope.get("network_id"), organisation_id=scope.get("organisation_id"),
                        unit_id=scope.get("unit_id"), area=area.value if area else None,
                        status=status.value if status else None)


class MeasureExports:
    def __init__(self, reader: MeasureExportSource, measures: MeasuresService, directory: Directory) -> None:
        self.reader = reader
        self.measures = measures
        self.directory = directory

    async def network_name(self, network_id: str) -> str | None:
        return (await self.directory.names(networks=[network_id])).networks.get(network_id)

    async def tables(self, query: MeasureQuery, language: str = "nb") -> tuple[list[dict], list[dict], list[dict]]:
        """(measures, indicators, follow-up readings) rows for every measure the query finds."""
        measures, indicators, follow_ups = [], [], []
        async for m in self.reader.measures(query):
            base = {"measure_id": m.id, "title": m.title, "organisation_id": m.organisation_id,
                    "unit_ids": m.unit_ids, "network_id": m.network_id}
            measures.append(base | {
                "area": m.area.value if m.area else None, "status": m.status.value, "method_id": m.method_id,
                "goal": m.goal, "adopted_on": m.adopted_on, "next_follow_up_due": m.next_follow_up_due,
                "overdue": self.measures.is_overdue(m), "follow_up_count": m.follow_up_count,
                "indicator_count": len(m.indicators)})
            readings = readings_of(m)
            named = {i["id"]: i for i in m.indicators}
            for i in m.indicators:
                effect = indicator_rules.effect(i, readings.get(i["id"], []))
                indicators.append(base | {
                    "indicator": i["name"], "kind": i["kind"], "unit": i["unit"], "baseline": i["baseline"],
                    "baseline_date": _day(i["baseline_date"]), "target": i["target"], "better": i["better"],
                    "latest": effect["latest"], "change": effect["change"], "trend": effect["trend"],
                    "target_reached": effect["target_reached"]})
            for f in sorted(m.follow_ups, key=lambda f: f["held_on"]):
                for r in f["readings"] or [{"indicator_id": None, "value": None}]:
                    indicator = named.get(r["indicator_id"] or "", {})
                    follow_ups.append(base | {
                        "held_on": _day(f["held_on"]), "in_practice": f["in_practice"],
                        "indicator": indicator.get("name"), "value": r["value"], "unit": indicator.get("unit"),
                        "worked": f.get("worked"), "did_not_work": f.get("did_not_work")})
        await self._name(measures, indicators, follow_ups)
        await self._name_methods(measures, language)
        return measures, indicators, follow_ups

    async def _name_methods(self, measures: list[dict], language: str) -> None:
        """Each measure's method by its toolbox name in `language` (or the nearest one the method has)."""
        names = await self.measures.toolbox.names(m["method_id"] for m in measures)
        order = (language, *(lang for lang in ("nb", "da", "en") if lang != language))
        for row in measures:
            name = names.get(row["method_id"] or "", {})
            row["method_name"] = next((name[lang] for lang in order if name.get(lang)), None)

    async def _name(self, measures: list[dict], *others: list[dict]) -> None:
        """Every row with its measure's network, organisation and unit names, from one read of the directory."""
        names = await self.directory.names(networks={r["network_id"] for r in measures},
                                           organisations={r["organisation_id"] for r in measures},
                                           units={u for r in measures for u in r["unit_ids"]})
        for row in [*measures, *(r for rows in others for r in rows)]:
            row["network_name"] = names.networks.get(row["network_id"])
            row["organisation_name"] = names.organisations.get(row["organisation_id"])
            row["unit_names"] = [names.units[u] for u in row["unit_ids"] if u in names.units]

    async def indicator_chart(self, measure: Measure, indicator_id: str, language: str) -> LineChart:
        indicator = next((i for i in measure.indicators if i["id"] == indicator_id), None)
        if indicator is None:
            raise NotFound(f"no indicator {indicator_id} on measure {measure.id}")
        words = WORDS.get(language, WORDS["nb"])
        points = [(date.fromisoformat(on), value) for on, value in readings_of(measure).get(indicator_id, [])]
        points.insert(0, (date.fromisoformat(indicator["baseline_date"]), indicator["baseline"]))
        return LineChart(
            title=f"{indicator['name']} – {measure.title}", unit=indicator["unit"],
            series=[Series(indicator["name"], points)],
            references=[ReferenceLine(words["baseline"], indicator["baseline"]),
                        ReferenceLine(words["target"], indicator["target"], dashed=False)],
            low=indicator.get("scale_min"), high=indicator.get("scale_max"))

    async def network_trend(self, network_id: str, kind: IndicatorKind, language: str) -> LineChart:
        monthly: dict[str, dict[date, list[float]]] = defaultdict(lambda: defaultdict(list))
        unit, low, high, name = "", None, None, kind.value
        async for m in self.reader.measures(MeasureQuery(network_id=network_id)):
            readings = readings_of(m)
            for i in m.indicators:
                if i["kind"] != kind.value:
                    continue
                unit, low, high, name = i["unit"], i.get("scale_min"), i.get("scale_max"), i["name"]
                for on, value in readings.get(i["id"], []):
                    day = date.fromisoformat(on)
                    monthly[m.organisation_id][day.replace(day=1)].append(value)
        # Each organisation's line is labelled with its name, or its id while the directory does not know it.
        names = (await self.directory.names(organisations=monthly)).organisations
        series = [Series(names.get(organisation) or organisation,
                         [(month, round(fmean(values), 2)) for month, values in sorted(months.items())])
                  for organisation, months in sorted(monthly.items(), key=lambda o: names.get(o[0]) or o[0])]
        words = WORDS.get(language, WORDS["nb"])
        return LineChart(title=f"{name} – {words['trend']}", unit=unit, series=series, low=low, high=high)


def _day(value: str | None) -> date | None:
    return date.fromisoformat(value) if value else None
