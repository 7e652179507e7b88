"""Network insight, free of I/O: what each measure and facilitator adds to its network's counters.

The insight of a network is a set of counters (measures per area and status, active units
per organisation, overdue follow-ups, indicator movement, facilitators per programme).
Every *contributor* — a measure, or a facilitator in a programme — keeps a small view of
itself built from events, and its *contribution* is the set of counters that view adds up
to. When an event changes a view, the network's counters move by the difference between
the new and the old contribution. Counting this way keeps the read a single document and
never needs an aggregation, which FerretDB v1 could not run ($group knows only $sum/$count
and there is no $lookup or $facet).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from samla_shared.contract.base import IntegrationEvent
from samla_shared.contract.enrollment import ParticipantEnrolled, ParticipantWithdrawn
from samla_shared.contract.measures import (
    FollowUpOverdue,
    IndicatorDefinition,
    IndicatorKind,
    MeasureAdopted,
    MeasureArea,
    MeasureDiscontinued,
    MeasureEvaluated,
    MeasureFollowedUp,
    MeasureProposed,
)
from samla_shared.contract.sessions import CompletionRevoked, ParticipantCompleted
from samla_measures.domain.indicators import PERCENT_KINDS, Movement, movement
from samla_measures.domain.measure import ACTIVE_STATUSES, MeasureStatus

# A counter path -> amount. Paths are dotted, so ids in them are escaped with `field_key`.
Counters = dict[str, float]

View = dict[str, Any]


def field_key(identifier: str) -> str:
    """An id made safe as one segment of a dotted field path (ids may contain '.')."""
    return identifier.replace("%", "%25").replace(".", "%2E")


def from_field_key(key: str) -> str:
    return key.replace("%2E", ".").replace("%25", "%")


def difference(old: Mapping[str, float], new: Mapping[str, float]) -> Counters:
    """How the counters move when a contributor's contribution changes from `old` to `new`."""
    delta = {path: new.get(path, 0) - old.get(path, 0) for path in old.keys() | new.keys()}
    return {path: amount for path, amount in delta.items() if amount != 0}


# -- measures ----------------------------------------------------------------------------------

def measure_contributor(measure_id: str) -> str:
    return f"measure:{measure_id}"


def measure_view_after(view: View | None, event: IntegrationEvent) -> View:
    """The projection's view of a measure after one of its events.

    Every measure event carries the organisation, units and area, so a view can start
    from any event (e.g. a consumer that joined after the proposal).
    """
    view = dict(view or {"status": MeasureStatus.PROPOSED.value, "overdue": False, "indicators": {},
                         "programme_id": None, "facilitator_id": None})
    view["indicators"] = {k: dict(v) for k, v in view.get("indicators", {}).items()}
    data: Any = event
    view.update(network_id=data.network_id, organisation_id=data.organisation_id,
                unit_ids=list(data.unit_ids), area=data.area.value)
    match event:
        case MeasureProposed():
            view.update(status=MeasureStatus.PROPOSED.value, programme_id=event.programme_id,
                        facilitator_id=event.facilitator_id)
        case MeasureAdopted():
            view.update(status=MeasureStatus.ADOPTED.value, overdue=False)
        case MeasureFollowedUp():
            status = MeasureStatus.IN_PRACTICE if event.in_practice else MeasureStatus.ADOPTED
            view.update(status=status.value, overdue=False)
            _learn_definitions(view, event.indicators)
            for reading in event.readings:
                view["indicators"].setdefault(reading.indicator_id, {})["latest"] = reading.value
        case FollowUpOverdue():
            view.update(overdue=True)
        case MeasureEvaluated():
            view.update(status=MeasureStatus.EVALUATED.value, overdue=False)
            _learn_definitions(view, event.indicators)
            for change in event.indicator_changes:
                known = view["indicators"].setdefault(change.indicator_id, {})
                known.update(baseline=change.baseline, latest=change.latest)
        case MeasureDiscontinued():
            view.update(status=MeasureStatus.DISCONTINUED.value, overdue=False)
    return view


def _learn_definitions(view: View, definitions: Iterable[IndicatorDefinition]) -> None:
    for definition in definitions:
        view["indicators"].setdefault(definition.indicator_id, {}).update(
            kind=definition.kind.value, better=definition.better, baseline=definition.baseline)


def measure_contribution(view: View) -> Counters:
    counters: Counters = {}

    def add(path: str, amount: float = 1) -> None:
        counters[path] = counters.get(path, 0) + amount

    status = MeasureStatus(view["status"])
    org = f"orgs.{field_key(view['organisation_id'])}"
    add(f"by_area.{view['area']}.{status.value}")
    add(f"{org}.measures")
    if status in ACTIVE_STATUSES:
        add(f"{org}.measures_active")
        for unit_id in view["unit_ids"]:
            add(f"{org}.units.{field_key(unit_id)}")
        if view.get("overdue"):
            add("overdue")
            add(f"{org}.overdue")
        if view.get("programme_id") and view.get("facilitator_id"):
            add(f"programmes.{field_key(view['programme_id'])}.on_measures.{field_key(view['facilitator_id'])}")
    # A discontinued measure's readings no longer speak for work under way; evaluated ones do.
    if status is not MeasureStatus.DISCONTINUED:
        for indicator in view.get("indicators", {}).values():
            if not {"kind", "better", "baseline", "latest"} <= indicator.keys():
                continue
            kind = indicator["kind"]
            moved = movement(indicator["baseline"], indicator["latest"], indicator["better"])
            add(f"movement.{kind}.{moved.value}")
            add(f"{org}.movement.{kind}.{moved.value}")
            if IndicatorKind(kind) in PERCENT_KINDS:  # averaging only makes sense on one shared scale
                add(f"movement.{kind}.measured")
                add(f"movement.{kind}.change_sum", indicator["latest"] - indicator["baseline"])
    return counters


# -- facilitators ------------------------------------------------------------------------------

def facilitator_contributor(network_id: str, programme_id: str, participant_id: str) -> str:
    return f"facilitator:{network_id}:{programme_id}:{participant_id}"


def facilitator_view_after(view: View | None, event: IntegrationEvent) -> View | None:
    """A participant's standing in a programme: the cohorts they hold a seat in, and completion.

    Returns None when the event does not concern a seat (e.g. leaving a waitlist).
    """
    view = dict(view or {"cohorts": [], "completed": False})
    data: Any = event
    view.update(network_id=data.network_id, programme_id=data.programme_id, participant_id=data.participant_id)
    cohorts = set(view["cohorts"])
    match event:
        case ParticipantEnrolled():
            cohorts.add(event.cohort_id)
        case ParticipantWithdrawn() if event.previous_status == "enrolled":
            cohorts.discard(event.cohort_id)
        case ParticipantCompleted():
            view["completed"] = True
        case CompletionRevoked():
            view["completed"] = False
        case _:
            return None
    view["cohorts"] = sorted(cohorts)
    return view


def facilitator_contribution(view: View) -> Counters:
    """Facilitators are the programme's participants: active while they hold a seat, and after completing."""
    programme = f"programmes.{field_key(view['programme_id'])}"
    counters: Counters = {}
    if view["cohorts"] or view["completed"]:
        counters[f"{programme}.facilitators_active"] = 1
    if view["completed"]:
        counters[f"{programme}.facilitators_completed"] = 1
    return counters


# -- reading -----------------------------------------------------------------------------------

# The enums' values, taken once: a member's `.value` is a descriptor call, and reading a network's
# insight asked for them thousands of times (per organisation, per kind, per movement), which made the
# computation cost more than the database read it follows (docs/profiles/README.md).
_STATUSES = tuple(s.value for s in MeasureStatus)
_AREAS = tuple(a.value for a in MeasureArea)
_KINDS = tuple(k.value for k in IndicatorKind)
_MOVEMENTS = tuple(m.value for m in Movement)


def network_insight(network_id: str, counters: Mapping[str, Any]) -> dict[str, Any]:
    """The insight a network sees, read off its counters (a zero counter is left in place, not removed)."""
    organisations = []
    for org_key, org in sorted(counters.get("orgs", {}).items()):
        if not org.get("measures"):
            continue
        organisations.append({
            "organisation_id": from_field_key(org_key),
            "measures": int(org.get("measures", 0)),
            "measures_active": int(org.get("measures_active", 0)),
            "units_active": sum(1 for n in org.get("units", {}).values() if n > 0),
            "overdue_follow_ups": int(org.get("overdue", 0)),
            "indicator_movement": _movement_rows(org.get("movement", {})),
        })
    by_area = counters.get("by_area", {})
    areas = []
    for area in _AREAS:
        counts = by_area.get(area, {})
        row: dict[str, Any] = {"area": area, **{s: int(counts.get(s, 0)) for s in _STATUSES}}
        row["total"] = sum(row[s] for s in _STATUSES)
        areas.append(row)
    programmes = [{
        "programme_id": from_field_key(key),
        "facilitators_active": int(programme.get("facilitators_active", 0)),
        "facilitators_completed": int(programme.get("facilitators_completed", 0)),
        "facilitators_supporting_measures": sum(1 for n in programme.get("on_measures", {}).values() if n > 0),
    } for key, programme in sorted(counters.get("programmes", {}).items())]
    return {
        "network_id": network_id,
        "organisations_active": sum(1 for o in organisations if o["measures_active"] > 0),
        "organisations_with_measures": len(organisations),
        "units_active": sum(o["units_active"] for o in organisations),
        "measures_total": sum(row["total"] for row in areas),
        "measures_by_status": {s: sum(row[s] for row in areas) for s in _STATUSES},
        "measures_by_area": areas,
        "overdue_follow_ups": int(counters.get("overdue", 0)),
        "indicator_movement": _movement_rows(counters.get("movement", {})),
        "organisations": organisations,
        "facilitators_by_programme": [p for p in programmes if any(v for k, v in p.items() if k != "programme_id")],
        "updated_at": counters.get("updated_at"),
    }


def _movement_rows(movement_counters: Mapping[str, Any]) -> list[dict[str, Any]]:
    rows = []
    for kind in _KINDS:
        counts = movement_counters.get(kind)
        if not counts:
            continue  # no indicator of this kind moved: its row would be all zeros
        row: dict[str, Any] = {"kind": kind, **{m: int(counts.get(m, 0)) for m in _MOVEMENTS}}
        if not any(row[m] for m in _MOVEMENTS):
            continue
        measured = counts.get("measured", 0)
        row["average_change"] = round(counts.get("change_sum", 0) / measured, 2) if measured else None
        rows.append(row)
    return rows
