"""Measures with indicators and follow-ups as CSV or XLSX, and indicator charts as SVG.

Scoped exactly like the JSON they mirror: the export like `GET /measures`, a measure's
chart like its indicators, a network's trend like its insight.
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, Query, Request, Response

from samla_shared.contract.measures import IndicatorKind, MeasureArea
from samla_shared.documents.charts import LineChart, render_png, render_svg
from samla_shared.documents.responses import PNG, SVG, TABLE_RESPONSES, document_headers, table_response
from samla_shared.documents.tables import Column, Sheet, TableFormat, write_workbook
from samla_shared.http.auth import Access

from samla_measures.domain.measure import MeasureStatus
from samla_measures.entrypoints.api import Measures, visible_measure
from samla_measures.service_layer.exports import MeasureExports, scope_query
from samla_measures.service_layer.scope import scoped_filters

router = APIRouter(tags=["exports and charts"])


async def get_exports(request: Request) -> MeasureExports:
    return request.app.state.exports


Exports = Annotated[MeasureExports, Depends(get_exports)]
Language = Annotated[Literal["nb", "da", "en"], Query(alias="lang", description="Language of headings and labels")]
Format = Annotated[TableFormat, Query(alias="format", description="csv (UTF-8 with BOM, `;`) or xlsx")]
Rows = Annotated[Literal["measures", "indicators", "follow-ups"], Query(
    description="Which table a CSV holds; an XLSX holds all three as sheets")]
ChartFormat = Annotated[Literal["svg", "png"], Query(
    alias="format", description="svg, or png for mail clients and documents that show no SVG")]
SVG_RESPONSES: dict[int | str, dict[str, Any]] = {
    200: {"description": "A line chart, SVG or PNG", "content": {SVG: {}, PNG: {}}},
    404: {"description": "Unknown id, or one outside the caller's reach"}}

HEADINGS: dict[str, dict[str, str]] = {
    "nb": {"network_name": "Nettverksnavn", "organisation_name": "Organisasjonsnavn", "unit_names": "Enhetsnavn",
           "method_name": "Metodenavn",
           "measure_id": "Tiltak (id)", "title": "Tiltak", "network_id": "Nettverk", "organisation_id":
           "Organisasjon", "unit_ids": "Enheter", "area": "Område", "status": "Status", "method_id": "Metode",
           "goal": "Mål for tiltaket", "adopted_on": "Vedtatt", "next_follow_up_due": "Neste oppfølging",
           "overdue": "Forsinket", "follow_up_count": "Oppfølginger", "indicator_count": "Indikatorer",
           "indicator": "Indikator", "kind": "Type", "unit": "Enhet (mål)", "baseline": "Utgangspunkt",
           "baseline_date": "Utgangspunkt dato", "target": "Mål", "better": "Bedre er", "latest": "Siste måling",
           "change": "Endring", "trend": "Utvikling", "target_reached": "Mål nådd", "held_on": "Dato",
           "in_practice": "I praksis", "value": "Verdi", "worked": "Dette virket",
           "did_not_work": "Dette virket ikke"},
    "da": {"network_name": "Netværksnavn", "organisation_name": "Organisationsnavn", "unit_names": "Enhedsnavn",
           "method_name": "Metodenavn",
           "measure_id": "Tiltag (id)", "title": "Tiltag", "network_id": "Netværk", "organisation_id":
           "Organisation", "unit_ids": "Enheder", "area": "Område", "status": "Status", "method_id": "Metode",
           "goal": "Mål for tiltaget", "adopted_on": "Vedtaget", "next_follow_up_due": "Næste opfølgning",
           "overdue": "Forsinket", "follow_up_count": "Opfølgninger", "indicator_count": "Indikatorer",
           "indicator": "Indikator", "kind": "Type", "unit": "Enhed (mål)", "baseline": "Udgangspunkt",
           "baseline_date": "Udgangspunkt dato", "target": "Mål", "better": "Bedre er", "latest": "Seneste måling",
           "change": "Ændring", "trend": "Udvikling", "target_reached": "Mål nået", "held_on": "Dato",
           "in_practice": "I praksis", "value": "Værdi", "worked": "Det virkede",
           "did_not_work": "Det virkede ikke"},
    "en": {"network_name": "Network name", "organisation_name": "Organisation name", "unit_names": "Unit names",
           "method_name": "Method name",
           "measure_id": "Measure (id)", "title": "Measure", "network_id": "Network", "organisation_id":
           "Organisation", "unit_ids": "Units", "area": "Area", "status": "Status", "method_id": "Method",
           "goal": "Goal", "adopted_on": "Adopted", "next_follow_up_due": "Next follow-up", "overdue": "Overdue",
           "follow_up_count": "Follow-ups", "indicator_count": "Indicators", "indicator": "Indicator",
           "kind": "Kind", "unit": "Unit of measure", "baseline": "Baseline", "baseline_date": "Baseline date",
           "target": "Target", "better": "Better is", "latest": "Latest reading", "change": "Change",
           "trend": "Trend", "target_reached": "Target reached", "held_on": "Date", "in_practice": "In practice",
           "value": "Value", "worked": "What worked", "did_not_work": "What did not work"},
}
TABLES = {
    "measures": ("title", "area", "status", "organisation_id", "organisation_name", "unit_ids", "unit_names",
                 "method_id", "method_name", "goal", "adopted_on", "next_follow_up_due", "overdue", "follow_up_count",
                 "indicator_count", "network_id", "network_name", "measure_id"),
    "indicators": ("title", "indicator", "kind", "unit", "baseline", "baseline_date", "target", "better", "latest",
                   "change", "trend", "target_reached", "organisation_id", "organisation_name", "unit_ids",
                   "unit_names", "measure_id"),
    "follow-ups": ("title", "held_on", "in_practice", "indicator", "value", "unit", "worked", "did_not_work",
                   "organisation_id", "organisation_name", "unit_ids", "unit_names", "measure_id"),
}
SHEETS = {"nb": ("Tiltak", "Indikatorer", "Oppfølginger"), "da": ("Tiltag", "Indikatorer", "Opfølgninger"),
          "en": ("Measures", "Indicators", "Follow-ups")}


def _columns(language: str, table: str) -> list[Column]:
    words = HEADINGS[language]
    return [Column(words[key], key) for key in TABLES[table]]


@router.get("/exports/measures", response_class=Response, responses=TABLE_RESPONSES,
            summary="Measures with their indicators and follow-ups, scoped like GET /measures, as CSV or XLSX")
async def export_measures(exports: Exports, access: Access, fmt: Format = TableFormat.XLSX, rows: Rows = "measures",
                          lang: Language = "nb", network_id: str | None = None, organisation_id: str | None = None,
                          unit_id: str | None = None, area: MeasureArea | None = None,
                          status_filter: Annotated[MeasureStatus | None, Query(alias="status")] = None) -> Response:
    scope = scoped_filters(access, network_id, organisation_id, unit_id)
    tables: tuple[list[dict], list[dict], list[dict]] = ([], [], [])
    if scope is not None:
        tables = await exports.tables(scope_query(scope, area, status_filter), lang)
    name = "measures-" + "-".join(v for v in (network_id, organisation_id, unit_id) if v) if (
        network_id or organisation_id or unit_id) else "measures"
    if fmt is TableFormat.XLSX:
        # One network's export says which in its sheet titles (Excel cuts them at 31 characters).
        network = await exports.network_name(network_id) if network_id and scope is not None else None
        sheets = [Sheet(f"{title} – {network}" if network else title, _columns(lang, table), found)
                  for title, table, found in zip(SHEETS[lang], TABLES, tables, strict=True)]
        return Response(write_workbook(sheets), media_type=fmt.media_type, headers=document_headers(f"{name}.xlsx"))
    found = dict(zip(TABLES, tables, strict=True))[rows]
    return table_response(fmt, f"{name}-{rows}", _columns(lang, rows), found)


@router.get("/measures/{measure_id}/indicators/{indicator_id}/chart", response_class=Response,
            responses=SVG_RESPONSES,
            summary="An indicator's readings over time with its baseline and target lines, as SVG or PNG")
async def indicator_chart(measure_id: str, indicator_id: str, service: Measures, exports: Exports, access: Access,
                          lang: Language = "nb", fmt: ChartFormat = "svg") -> Response:
    await visible_measure(measure_id, service, access)
    return _chart(await exports.indicator_chart(await service.measure(measure_id), indicator_id, lang), fmt)


@router.get("/networks/{network_id}/indicator-trend", response_class=Response, responses=SVG_RESPONSES,
            summary="One kind of indicator across the network's organisations (monthly mean of readings), SVG or PNG")
async def network_trend(network_id: str, exports: Exports, access: Access,
                        kind: IndicatorKind = IndicatorKind.SICK_LEAVE_PERCENT, lang: Language = "nb",
                        fmt: ChartFormat = "svg") -> Response:
    access.require(f"network {network_id}", network_id=network_id)
    return _chart(await exports.network_trend(network_id, kind, lang), fmt)


def _chart(chart: LineChart, fmt: str) -> Response:
    if fmt == "png":
        return Response(render_png(chart), media_type=PNG, headers={"Cache-Control": "no-store"})
    return Response(render_svg(chart), media_type=SVG, headers={"Cache-Control": "no-store"})
