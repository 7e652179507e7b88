"""How an application's page reads its approval chain and who holds the step waiting, and where a coordinator
may move a participant: pure rules, checked without a browser (the browser tests drive the pages)."""

from __future__ import annotations

from datetime import UTC, datetime

from samla_portal.domain.approvals import chain_of, holds_current_step
from samla_portal.domain.cohorts import has_started, next_cohort, transfer_targets
from samla_portal.domain.people import SignedIn

CHAIN = [{"kind": "leader", "approver_ids": [], "deputy_ids": []},
         {"kind": "hr", "approver_ids": ["hr-1"], "deputy_ids": ["hr-deputy"]},
         {"kind": "named", "approver_ids": ["director"], "deputy_ids": []}]


def application(**fields) -> dict:
    return {"status": "awaiting_manager_approval", "approval_steps": CHAIN, "current_step": 2,
            "manager_id": "manager", "organisation_id": "org-a", "unit_id": "unit-a", "history": [
                {"at": "2027-01-04T09:00:00+00:00", "by": "manager", "from": "awaiting_manager_approval",
                 "to": "awaiting_manager_approval", "reason": "ok", "step": 1, "step_kind": "leader"}], **fields}


def person(*roles: str, person_id: str = "x", **claims) -> SignedIn:
    return SignedIn.from_claims({"sub": person_id, "person_id": person_id, "roles": list(roles), **claims})


def test_the_chain_shows_each_step_decided_waiting_or_not_reached() -> None:
    waiting = chain_of(application(), ["manager"])
    assert waiting is not None and (waiting.current, waiting.total) == (2, 3)
    assert [s.state for s in waiting.steps] == ["decided", "current", "waiting"]
    assert waiting.steps[0].decision.by_me and waiting.steps[0].decision.reason == "ok"

    declined = application(status="declined", current_step=None, history=[*application()["history"], {
        "at": "2027-01-05T09:00:00+00:00", "by": "hr-deputy", "to": "declined", "reason": "no budget", "step": 2}])
    shown = chain_of(declined)
    assert [s.state for s in shown.steps] == ["decided", "decided", "not_reached"]
    assert shown.steps[1].decision.as_deputy and not shown.steps[1].decision.approved


def test_an_expiry_ends_the_step_that_was_waiting() -> None:
    expired = application(status="declined", current_step=None, history=[*application()["history"], {
        "at": "2027-02-01T09:00:00+00:00", "by": "approval-expiry", "to": "declined", "reason": "no decision"}])
    shown = chain_of(expired)
    assert shown.steps[1].decision.expired and shown.steps[2].state == "not_reached"


def test_one_approval_is_no_chain() -> None:
    assert chain_of(application(approval_steps=None, current_step=1)) is None


def test_the_step_waiting_is_held_by_its_approvers_and_deputies_whatever_their_role_among_those_who_decide() -> None:
    assert holds_current_step(person("programme_coordinator", person_id="hr-1"), ["hr-1"], application())
    assert holds_current_step(person("organisation_leader", person_id="hr-deputy"), ["hr-deputy"], application())
    # The leader of the unit decided step 1; step 2 is not theirs.
    leader = person("organisation_leader", person_id="manager", organisations=["org-a"], units=["unit-a"])
    assert not holds_current_step(leader, ["manager"], application())
    assert holds_current_step(leader, ["manager"], application(current_step=1))
    # Enrollment's approval route admits leaders and coordinators only.
    assert not holds_current_step(person("participant", person_id="hr-1"), ["hr-1"], application())
    # A leader named for a later step does not hold the leader step of another organisation's application.
    other = person("organisation_leader", person_id="director", organisations=["org-b"])
    assert not holds_current_step(other, ["director"], application(current_step=1))


def cohort(id: str, opens: str, **fields) -> dict:
    return {"id": id, "programme_id": "p", "status": "open", "time_zone": "Europe/Oslo",
            "applications_open_at": opens, **fields}


def test_a_participant_moves_only_to_cohorts_that_have_not_started_and_defers_to_the_next_to_open() -> None:
    now = datetime(2027, 3, 1, 12, tzinfo=UTC)
    spring = cohort("spring", "2027-01-04T09:00:00+01:00")
    started = cohort("started", "2026-12-01T09:00:00+01:00", starts_on="2027-02-01")
    running = cohort("running", "2027-01-10T09:00:00+01:00", status="running")
    autumn = cohort("autumn", "2027-06-01T09:00:00+02:00")
    summer = cohort("summer", "2027-04-01T09:00:00+02:00")
    siblings = [spring, started, running, autumn, summer]
    assert has_started(started, now) and has_started(running, now) and not has_started(autumn, now)
    assert [c["id"] for c in transfer_targets(spring, siblings, now)] == ["summer", "autumn"]
    assert next_cohort(spring, siblings, now)["id"] == "summer"
    assert next_cohort(autumn, siblings, now) is None
