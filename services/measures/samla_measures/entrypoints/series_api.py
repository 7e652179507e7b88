"""HTTP routes of a unit's own indicator series (baselines over time)."""

from __future__ import annotations

from datetime import datetime

from fastapi import APIRouter, status
from pydantic import BaseModel, Field

from samla_shared.contract.base import Identifier
from samla_shared.contract.measures import BetterDirection, SeriesKind
from samla_shared.http.auth import Access
from samla_measures.domain.series import BETTER, UNITS, Series
from samla_measures.entrypoints.api import DirectoryNames, OwnSeries
from samla_measures.entrypoints.schemas import Number, Strict
from samla_measures.entrypoints.unit_scope import check_unit_place

router = APIRouter(prefix="/units", tags=["unit series"])


class ReadingCreate(Strict):
    network_id: Identifier
    organisation_id: Identifier
    period: str = Field(pattern=r"^\d{4}-(0[1-9]|1[0-2])$", description="The month, YYYY-MM; not in the future.")
    value: Number = Field(description="0-100: % for the percentages, points for the survey score.")


class PeriodValue(BaseModel):
    period: str
    value: float


class SeriesPublic(BaseModel):
    id: str = Field(description="`<unit_id>:<kind>`")
    unit_id: str
    kind: SeriesKind
    unit: str
    better: BetterDirection
    network_id: str
    organisation_id: str
    readings: list[PeriodValue] = Field(description="One value per month, oldest first (at most 120 months).")
    baseline: PeriodValue | None = Field(description="The first reading.")
    latest: PeriodValue | None
    updated_at: datetime | None = None


def series_public(series: Series) -> SeriesPublic:
    kind = series.kind
    readings = [PeriodValue(period=p, value=v) for p, v in sorted(series.readings.items())]
    return SeriesPublic(id=series.id, unit_id=series.unit_id, kind=kind, unit=UNITS[kind], better=BETTER[kind],
                        network_id=series.network_id, organisation_id=series.organisation_id, readings=readings,
                        baseline=readings[0] if readings else None, latest=readings[-1] if readings else None,
                        updated_at=series.updated_at)


@router.put("/{unit_id}/series/{kind}/readings", status_code=status.HTTP_200_OK, response_model=SeriesPublic,
            responses={404: {"description": "Unit out of reach"}, 422: {"description": "Invalid reading"}},
            summary="Record or correct one month's reading of the unit's own indicator series")
async def record_reading(unit_id: Identifier, kind: SeriesKind, body: ReadingCreate, series: OwnSeries,
                         directory: DirectoryNames, access: Access) -> SeriesPublic:
    await check_unit_place(unit_id, body.network_id, body.organisation_id, directory, access)
    return series_public(await series.record(unit_id=unit_id, kind=kind, network_id=body.network_id,
                                             organisation_id=body.organisation_id, period=body.period,
                                             value=body.value, by=access.person))


@router.get("/{unit_id}/series", response_model=list[SeriesPublic],
            summary="The unit's own indicator series (sick leave, full-time share, position size, turnover, survey)")
async def unit_series(unit_id: Identifier, series: OwnSeries, access: Access) -> list[SeriesPublic]:
    return [series_public(s) for s in await series.of_unit(unit_id)
            if access.sees(network_id=s.network_id, organisation_id=s.organisation_id, unit_ids=[unit_id])]
