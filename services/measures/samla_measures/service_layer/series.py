"""A unit's own indicator series, and each network's copy of its units' series for the trend.

Recording a reading is one write of the series document with its UnitIndicatorRecorded
event (the series' whole state). The network's trend document is a projection of those
events, consumed from this service's own topic: it keeps each unit's latest series by
version, so a redelivered or older event changes nothing, and the trend is read with one
`_id` lookup per kind whatever the number of units.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from typing import Any

from samla_shared.clock import Clock, local_today
from samla_shared.contract import MEASURES_TOPIC
from samla_shared.contract.cloudevents import CloudEvent
from samla_shared.contract.measures import PeriodReading, SeriesKind, UnitIndicatorRecorded
from samla_shared.persistence.document_locks import DocumentLocks
from samla_measures.adapters.ports import TRENDS, SeriesRepository, TrendRepository
from samla_measures.domain import series as rules
from samla_measures.domain.actors import renamed
from samla_measures.domain.errors import NotFound, RuleViolation
from samla_measures.domain.series import Series

SERIES = "unit_series"
TREND_LEASE_WAIT_SECONDS = 30.0  # longer than a lease left by a crashed instance lives


class TrendBusy(TimeoutError):
    """Another instance kept a trend document's lease too long. A TimeoutError (an OSError) is a transient
    failure to the consumer: the event comes again after a pause and is never dead-lettered."""


def trend_id(network_id: str, kind: SeriesKind | str) -> str:
    return f"{network_id}:{SeriesKind(kind).value}"


class UnitSeries:
    def __init__(self, store: SeriesRepository, trends: TrendRepository, locks: DocumentLocks, clock: Clock, *,
                 on_events_staged: Callable[[], None] = lambda: None) -> None:
        """`store`: the units' series (SERIES); `trends`: the networks' copies of them."""
        self.store = store
        self.trends = trends
        self._locks = locks
        self.clock = clock
        self._wake_relay = on_events_staged

    async def record(self, *, unit_id: str, kind: SeriesKind, network_id: str, organisation_id: str,
                     period: str, value: float, by: str | None) -> Series:
        """Record (or correct) one month's reading; the series is created by its first reading."""
        rules.check_period(period, local_today(self.clock()))
        rules.check_reading(kind, value)
        series_id = rules.series_id(unit_id, kind)
        async with self._locks.hold(SERIES, series_id):
            series = await self.store.get(series_id)
            if series is not None and (series.network_id, series.organisation_id) != (network_id, organisation_id):
                raise RuleViolation(f"unit {unit_id}'s series belongs to organisation {series.organisation_id} "
                                    f"of network {series.network_id}", unit_id=unit_id)
            readings = rules.with_reading(series.readings if series else {}, period, value)
            version = (series.version if series else 0) + 1
            event = UnitIndicatorRecorded(
                network_id=network_id, organisation_id=organisation_id, unit_id=unit_id, kind=kind,
                series_version=version, readings=[PeriodReading(period=p, value=v) for p, v in readings.items()])
            actors = sorted({*(series.actors if series else []), *([by] if by else [])})
            if series is None:
                await self.store.add(Series(id=series_id, unit_id=unit_id, kind=kind, network_id=network_id,
                                            organisation_id=organisation_id, readings=readings,
                                            last_recorded_by=by, actors=actors, version=version), event)
            else:
                await self.store.save(series, changes={"readings": readings, "last_recorded_by": by,
                                                       "actors": actors}, events=[event])
        self._wake_relay()
        recorded = await self.store.get(series_id)
        if recorded is None:
            raise NotFound(f"no series {series_id}")
        return recorded

    async def of_unit(self, unit_id: str) -> list[Series]:
        """The unit's series, one `_id` lookup per kind."""
        found = await self.store.many(rules.series_id(unit_id, kind) for kind in SeriesKind)
        return [found[rules.series_id(unit_id, kind)] for kind in SeriesKind if rules.series_id(unit_id, kind) in found]

    async def of_units(self, unit_ids: list[str], kind: SeriesKind) -> dict[str, dict[str, float]]:
        found = await self.store.many(rules.series_id(u, kind) for u in unit_ids)
        return {series.unit_id: series.readings for series in found.values()}

    async def naming(self, person_id: str) -> list[dict[str, Any]]:
        return await self.store.naming(person_id)

    async def erase(self, person_id: str, alias: str) -> None:
        """Each series naming the person gets the pseudonym instead, read again and written under its lock."""
        for series_id in await self.store.ids_naming(person_id, ("actors",)):
            async with self._locks.hold(SERIES, series_id):
                series = await self.store.get(series_id)
                if series is not None:
                    await self.store.save(series, changes={
                        "actors": renamed(series.actors, person_id, alias),
                        "last_recorded_by": alias if series.last_recorded_by == person_id else series.last_recorded_by})

    # -- the network's copies, from the events ------------------------------------------------

    async def on_recorded(self, event: CloudEvent) -> None:
        data: Any = event.data
        doc_id = trend_id(data.network_id, data.kind)
        async with self._locks.hold(TRENDS, doc_id), self._trend_lease(doc_id):
            if data.series_version <= await self.trends.unit_version(doc_id, data.unit_id):
                return  # a redelivery, or an older state overtaken by a newer one
            await self.trends.put_unit(doc_id, data.unit_id, version=data.series_version,
                                       organisation_id=data.organisation_id,
                                       readings={r.period: r.value for r in data.readings},
                                       network_id=data.network_id, kind=data.kind.value)

    @asynccontextmanager
    async def _trend_lease(self, doc_id: str) -> AsyncIterator[None]:
        """The trend document to this process alone for one read-modify-write, across instances.

        FerretDB v1 applies an update by reading and writing back the whole document, so without it two
        instances projecting two units of one network and kind at once could each drop the other's unit
        until that unit's next reading. The process lock (held around this) keeps this process's own
        coroutines in line; the lease (an insert per term, atomic on FerretDB) does so between processes.
        """
        lease = self.trends.lease(doc_id)
        deadline = time.monotonic() + TREND_LEASE_WAIT_SECONDS
        while await lease.hold() is None:
            if time.monotonic() > deadline:
                raise TrendBusy(f"trend {doc_id} is held by another instance")
            await asyncio.sleep(0.05)
        try:
            yield
        finally:
            await lease.release()  # the next unit's event, here or at another instance, need not wait

    def handlers(self) -> dict[str, dict[type, Callable[[CloudEvent], Any]]]:
        return {MEASURES_TOPIC: {UnitIndicatorRecorded: self.on_recorded}}

    async def network_trends(self, network_id: str, organisation_id: str | None = None) -> list[dict[str, Any]]:
        """Per kind, the trend across the network's units (or one organisation's): one `_id` lookup per kind."""
        found = await self.trends.many([trend_id(network_id, k) for k in SeriesKind])
        trends = []
        for kind in SeriesKind:
            doc = found.get(trend_id(network_id, kind))
            if doc is None:
                continue
            units = {u: copy["readings"] for u, copy in doc.get("units", {}).items()
                     if organisation_id is None or copy.get("organisation_id") == organisation_id}
            if units:
                trends.append(rules.network_trend(kind, units))
        return trends
