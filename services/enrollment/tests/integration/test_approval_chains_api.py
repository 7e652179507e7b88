"""Approval chains on the real stack: the leader, then HR (or a deputy), each with a reason; a decline at
any step ends the application; an application nobody decides in time is declined with a clear reason."""

from __future__ import annotations

from collections import Counter

from samla_enrollment.entrypoints.app import create_app
from samla_enrollment.settings import EnrollmentSettings

HR = "hr-hanne"
DEPUTY = "hr-deputy-per"
CHAIN = [{"kind": "leader"}, {"kind": "hr", "approver_ids": [HR], "deputy_ids": [DEPUTY]}]


def approver(desk, caller, person_id: str, **claims):
    """Someone the chain names, signed in: here a leader of another organisation, outside the application's reach."""
    claims = {"roles": ["organisation_leader"], "organisations": ["org-elsewhere"]} | claims
    return caller(desk.client, f"idp-{person_id}", person_id=person_id, **claims)


async def decide(client, application, decision: str, reason: str | None = None):
    return await client.post(f"/applications/{application['id']}/approval",
                             json={"decision": decision, "reason": reason})


async def test_a_two_step_chain_needs_the_leader_then_hr_whose_deputy_may_decide_each_with_a_reason(
        desk, caller, published):
    programme = await desk.programme(approval_steps=CHAIN)
    assert [s["kind"] for s in programme["approval_steps"]] == ["leader", "hr"]
    cohort = await desk.cohort(programme["id"], capacity=5)
    application = await desk.apply(cohort["id"], 1)
    assert (application["status"], application["current_step"]) == ("awaiting_manager_approval", 1)
    leader = desk.leader(application["manager_id"])

    no_reason = await decide(leader, application, "approve")
    assert no_reason.status_code == 422 and "reason" in no_reason.json()["detail"]
    # HR cannot decide before the leader has.
    assert (await decide(approver(desk, caller, HR), application, "approve", "ok")).status_code == 403
    first = await decide(leader, application, "approve", "fits the unit's plan for the autumn")
    assert first.status_code == 200, first.text
    assert (first.json()["status"], first.json()["current_step"]) == ("awaiting_manager_approval", 2)
    assert (await desk.shown("cohorts", cohort["id"]))["seats_taken"] == 0
    inbox = (await leader.get("/inbox/leader")).json()
    assert application["id"] not in [a["id"] for a in inbox["awaiting_decision"]], "no longer the leader's to decide"
    assert application["id"] in [a["id"] for a in inbox["employees"]]
    # The leader's step is done: the next one is HR's (or the deputy's), not the leader's or a coordinator's.
    assert (await decide(leader, application, "approve", "again")).status_code == 403
    kari = caller(desk.client, desk.coordinator, roles=["network_coordinator"], networks=[desk.network])
    assert (await decide(kari, application, "approve", "looks fine")).status_code == 403
    stranger = approver(desk, caller, "someone-else")
    assert (await decide(stranger, application, "approve", "looks fine")).status_code == 404

    deputy = await decide(approver(desk, caller, DEPUTY), application, "approve", "HR is away; budget is in place")
    assert deputy.status_code == 200, deputy.text
    assert (deputy.json()["status"], deputy.json()["current_step"]) == ("enrolled", None)
    history = (await desk.shown("applications", application["id"]))["history"]
    decisions = [(h["by"], h["step"], h["reason"]) for h in history if h.get("step")]
    assert decisions == [(application["manager_id"], 1, "fits the unit's plan for the autumn"),
                         (DEPUTY, 2, "HR is away; budget is in place")]

    records = await published.wait_for(cohort["id"], "ApplicationStepApproved", "ApplicationApproved",
                                       "ParticipantEnrolled")
    kinds = [kind for kind, data in records if data.get("application_id") == application["id"]]
    assert kinds == ["ApplicationSubmitted", "ApplicationStepApproved", "ApplicationApproved", "ParticipantEnrolled"]
    [step] = published.of_type(records, "ApplicationStepApproved")
    assert (step["step"], step["steps"], step["step_kind"], step["approved_by"], step["next_step_kind"],
            step["next_approver_ids"]) == (1, 2, "leader", application["manager_id"], "hr", [HR, DEPUTY])
    [approved] = published.of_type(records, "ApplicationApproved")
    assert approved["approved_by"] == DEPUTY


async def test_hr_declines_at_the_second_step_and_the_application_ends(desk, caller):
    programme = await desk.programme(approval_steps=CHAIN)
    cohort = await desk.cohort(programme["id"], capacity=5)
    application = await desk.apply(cohort["id"], 1)
    assert (await decide(desk.leader(application["manager_id"]), application, "approve", "yes")).status_code == 200
    declined = await decide(approver(desk, caller, HR), application, "decline", "no budget for travel this year")
    assert declined.status_code == 200 and declined.json()["status"] == "declined"
    assert (await desk.shown("cohorts", cohort["id"]))["seats_taken"] == 0


async def test_a_chain_must_start_with_the_leader_and_name_who_holds_the_later_steps(desk, enrollment):
    body = {"code": "X", "title": "X", "network_id": desk.network}
    for steps in ([{"kind": "hr", "approver_ids": [HR]}], [{"kind": "leader"}, {"kind": "hr"}],
                  [{"kind": "leader"}, {"kind": "leader"}]):
        response = await enrollment.post("/programmes", json=body | {"approval_steps": steps})
        assert response.status_code == 422, response.text


async def test_an_application_nobody_decides_in_time_is_declined_with_the_reason(service, desk, published):
    async with service(create_app, EnrollmentSettings, offer_watch_interval_seconds=0.2) as enrollment:
        desk.client = enrollment  # the deadline watch of this service looks often
        # A couple of seconds (0.00003 days), so that the test sees the deadline pass.
        programme = await desk.programme(approval_steps=CHAIN, approval_expires_days=0.00003)
        cohort = await desk.cohort(programme["id"], capacity=5)
        application = await desk.apply(cohort["id"], 1)
        assert application["approval_expires_at"] is not None
        records = await published.wait_for(cohort["id"], "ApplicationDeclined")
        shown = await desk.shown("applications", application["id"])
        assert shown["status"] == "declined"
        assert shown["history"][-1]["by"] == "approval-expiry"
        assert "no decision before" in shown["history"][-1]["reason"] and "step 1" in shown["history"][-1]["reason"]
        [declined] = published.of_type(records, "ApplicationDeclined")
        assert declined["declined_by"] == "approval-expiry"
        assert Counter(kind for kind, _ in records)["ApplicationDeclined"] == 1
