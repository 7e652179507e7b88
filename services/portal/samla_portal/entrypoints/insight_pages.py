"""The dashboards: a network's insight for its coordinators, the national overview for national coordinators."""

from __future__ import annotations

from fastapi import APIRouter, Request
from starlette.responses import Response

from samla_portal.entrypoints.rendering import page_renderer
from samla_portal.entrypoints.session import require_signed_in
from samla_portal.service_layer.measures import AREAS
from samla_portal.service_layer.unit_series import trend_charts

router = APIRouter()


@router.get("/networks/{network_id}", summary="A network's insight as a dashboard (network coordinators)")
async def network_dashboard(request: Request, network_id: str) -> Response:
    person, token = require_signed_in(request)
    insight = await request.app.state.insight.network(token, network_id)
    return page_renderer(request).render(request, "network.html", insight=insight, areas=AREAS,
                                         trends=trend_charts(insight.get("trends") or []))


@router.get("/national", summary="The national overview across every region (national coordinators)")
async def national_overview(request: Request) -> Response:
    person, token = require_signed_in(request)
    region = request.query_params.get("region") or None
    overview = await request.app.state.insight.national(token, region)
    return page_renderer(request).render(request, "national.html", overview=overview, region=region)
