"""The national view: programmes, cohorts, seats, completions and measures of every region.

In national mode the measures service reads the topics MirrorMaker 2 replicated from each
regional cluster into the national one (`<region>.samla.<context>.v1`). The region of a
record is the topic's prefix, MirrorMaker's name for the source cluster; the event's
`ce_source` (`/samla/<deployment>/<service>`) must name the same region. A record whose
source names another region is refused to the national dead-letter topic: counting it under
either region could be wrong, and a misconfigured deployment or mirror should be seen and
fixed, after which the parked records can be replayed.
"""

from __future__ import annotations

import re
from collections import Counter, defaultdict
from collections.abc import Callable, Coroutine
from typing import Any

from samla_shared.contract.base import IntegrationEvent
from samla_shared.contract.cloudevents import CloudEvent, InvalidEvent
from samla_shared.contract.enrollment import (
    CohortOpened,
    ParticipantEnrolled,
    ParticipantWithdrawn,
    ProgrammeArchived,
    ProgrammePublished,
    ProgrammeUpdated,
)
from samla_shared.contract.measures import (
    MeasureAdopted,
    MeasureArea,
    MeasureDiscontinued,
    MeasureEvaluated,
    MeasureFollowedUp,
    MeasureProposed,
    SeriesKind,
    UnitIndicatorRecorded,
)
from samla_shared.contract.sessions import CompletionRevoked, ParticipantCompleted
from samla_shared.messaging.consumer import Delivery
from samla_shared.persistence.document_locks import DocumentLocks
from samla_measures.adapters.ports import National, NationalRepository
from samla_measures.domain.series import network_trend

# The replicated topics of every region (MirrorMaker 2's default naming: <source alias>.<topic>).
REPLICATED_TOPICS = r"^[a-z0-9-]+\.samla\.(enrollment|sessions|measures)\.v1$"
_REGION = re.compile(r"^(?P<region>[a-z0-9-]+)\.samla\.")
_SOURCE = re.compile(r"^/samla/(?P<deployment>[a-z0-9-]+)/")

# The measure statuses the view counts, keyed by the event that moves a measure into them.
_MEASURE_STATUS = {
    MeasureProposed: "proposed", MeasureAdopted: "adopted", MeasureFollowedUp: "adopted",
    MeasureEvaluated: "evaluated", MeasureDiscontinued: "discontinued",
}
MEASURE_STATUSES = ("proposed", "adopted", "evaluated", "discontinued")


def region_of(event: CloudEvent, delivery: Delivery) -> str:
    """The region a replicated record belongs to, or InvalidEvent when topic and source disagree."""
    topic = _REGION.match(delivery.topic)
    if topic is None:
        raise InvalidEvent(f"{delivery.topic} is not a replicated Samla topic (<region>.samla.<context>.v1)")
    source = _SOURCE.match(event.source)
    if source is None or source["deployment"] != topic["region"]:
        raise InvalidEvent(f"ce_source {event.source!r} does not name region {topic['region']!r}, "
                           f"the cluster {delivery.topic} was replicated from")
    return topic["region"]


Apply = Callable[[str, Any, Delivery], Coroutine[Any, Any, bool]]


class NationalView:
    def __init__(self, store: NationalRepository, locks: DocumentLocks) -> None:
        self.store = store
        self.locks = locks
        self._appliers: dict[type[IntegrationEvent], Apply] = {
            ProgrammePublished: self._programme, ProgrammeUpdated: self._programme,
            ProgrammeArchived: self._programme_archived,
            CohortOpened: self._cohort,
            ParticipantEnrolled: self._seat, ParticipantWithdrawn: self._seat,
            ParticipantCompleted: self._completion, CompletionRevoked: self._completion,
            **{event: self._measure for event in _MEASURE_STATUS},
            UnitIndicatorRecorded: self._series,
        }

    def handled_types(self) -> list[str]:
        return sorted(event.event_type() for event in self._appliers)

    async def apply(self, event: CloudEvent, delivery: Delivery) -> bool:
        """Apply one replicated event; False when its type does not concern the national view."""
        applier = self._appliers.get(type(event.data))
        if applier is None:
            return False
        await applier(region_of(event, delivery), event.data, delivery)
        return True

    async def _write(self, collection: str, region: str, aggregate_id: str, delivery: Delivery,
                     state: dict[str, Any]) -> bool:
        document_id = f"{region}:{aggregate_id}"
        async with self.locks.hold(collection, document_id):
            return await self.store.apply(collection, document_id, offset=delivery.offset,
                                          state={"region": region, **state})

    async def _programme(self, region: str, event: ProgrammePublished | ProgrammeUpdated, delivery: Delivery) -> bool:
        return await self._write(National.PROGRAMMES, region, event.programme_id, delivery, {
            "programme_id": event.programme_id, "network_id": event.network_id, "code": event.code,
            "title": event.title, "status": "published"})

    async def _programme_archived(self, region: str, event: ProgrammeArchived, delivery: Delivery) -> bool:
        return await self._write(National.PROGRAMMES, region, event.programme_id, delivery, {
            "programme_id": event.programme_id, "network_id": event.network_id, "status": "archived"})

    async def _cohort(self, region: str, event: CohortOpened, delivery: Delivery) -> bool:
        return await self._write(National.COHORTS, region, event.cohort_id, delivery, {
            "cohort_id": event.cohort_id, "programme_id": event.programme_id, "network_id": event.network_id,
            "term": event.term})

    async def _seat(self, region: str, event: ParticipantEnrolled | ParticipantWithdrawn, delivery: Delivery) -> bool:
        return await self._write(National.SEATS, region, f"{event.cohort_id}:{event.participant_id}", delivery, {
            "cohort_id": event.cohort_id, "programme_id": event.programme_id, "network_id": event.network_id,
            "organisation_id": event.organisation_id, "enrolled": isinstance(event, ParticipantEnrolled)})

    async def _completion(self, region: str, event: ParticipantCompleted | CompletionRevoked,
                          delivery: Delivery) -> bool:
        return await self._write(National.COMPLETIONS, region, f"{event.cohort_id}:{event.participant_id}", delivery, {
            "cohort_id": event.cohort_id, "programme_id": event.programme_id, "network_id": event.network_id,
            "organisation_id": event.organisation_id, "completed": isinstance(event, ParticipantCompleted)})

    async def _measure(self, region: str, event: Any, delivery: Delivery) -> bool:
        return await self._write(National.MEASURES, region, event.measure_id, delivery, {
            "measure_id": event.measure_id, "network_id": event.network_id,
            "organisation_id": event.organisation_id, "area": event.area.value,
            "status": _MEASURE_STATUS[type(event)]})

    async def _series(self, region: str, event: UnitIndicatorRecorded, delivery: Delivery) -> bool:
        # Keyed by unit: every kind of a unit's series sits on one partition, so offsets only grow.
        return await self._write(National.SERIES, region, f"{event.unit_id}:{event.kind.value}", delivery, {
            "unit_id": event.unit_id, "network_id": event.network_id, "organisation_id": event.organisation_id,
            "kind": event.kind.value, "readings": {r.period: r.value for r in event.readings}})

    # -- reading -------------------------------------------------------------------------------

    async def overview(self, region: str | None = None) -> dict[str, Any]:
        """Every region's programmes (with cohorts, seats and completions) and measures by area."""
        programmes = await self.store.all(National.PROGRAMMES, region)
        cohorts = await self.store.all(National.COHORTS, region)
        seats = [s for s in await self.store.all(National.SEATS, region) if s["enrolled"]]
        completions = [c for c in await self.store.all(National.COMPLETIONS, region) if c["completed"]]
        measures = await self.store.all(National.MEASURES, region)

        def per_programme(docs: list[dict[str, Any]]) -> Counter[tuple[str, str]]:
            return Counter((d["region"], d["programme_id"]) for d in docs)

        cohort_counts, seat_counts, completion_counts = map(per_programme, (cohorts, seats, completions))
        # A cohort or completion may arrive before its programme (different keys, partitions and
        # topics): the programme is listed as soon as anything refers to it, its title once known.
        known = {(p["region"], p["programme_id"]): p for p in programmes}
        keys = sorted(set(known) | set(cohort_counts) | set(seat_counts) | set(completion_counts))
        programme_rows = [{
            "region": region_, "programme_id": programme_id,
            "code": known.get((region_, programme_id), {}).get("code"),
            "title": known.get((region_, programme_id), {}).get("title"),
            "status": known.get((region_, programme_id), {}).get("status"),
            "cohorts": cohort_counts[(region_, programme_id)],
            "participants_enrolled": seat_counts[(region_, programme_id)],
            "completions": completion_counts[(region_, programme_id)],
        } for region_, programme_id in keys]

        by_area: dict[tuple[str, str], Counter[str]] = defaultdict(Counter)
        for measure in measures:
            by_area[(measure["region"], measure["area"])][measure["status"]] += 1
        measure_rows = [{"region": region_, "area": MeasureArea(area), "total": sum(counts.values()),
                         **{status: counts[status] for status in MEASURE_STATUSES}}
                        for (region_, area), counts in sorted(by_area.items())]

        regions = sorted({row["region"] for row in programme_rows} | {row["region"] for row in measure_rows})
        region_rows = [{
            "region": region_,
            # The programmes listed below, so the two agree while a programme's own record is still on its way.
            "programmes": sum(1 for row in programme_rows if row["region"] == region_),
            "cohorts": sum(1 for c in cohorts if c["region"] == region_),
            "participants_enrolled": sum(1 for s in seats if s["region"] == region_),
            "completions": sum(1 for c in completions if c["region"] == region_),
            "measures": sum(1 for m in measures if m["region"] == region_),
        } for region_ in regions]
        by_kind: dict[tuple[str, str], dict[str, dict[str, float]]] = defaultdict(dict)
        for unit_series in await self.store.all(National.SERIES, region):
            by_kind[(unit_series["region"], unit_series["kind"])][unit_series["unit_id"]] = unit_series["readings"]
        trends = [{"region": region_, **network_trend(SeriesKind(kind), units)}
                  for (region_, kind), units in sorted(by_kind.items())]
        return {"regions": region_rows, "programmes": programme_rows, "measures_by_area": measure_rows,
                "trends": trends}
