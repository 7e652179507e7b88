"""Team enrolment on the real stack: a unit's team takes its seats together or waits together, the
manager decides once for all, capacity may count teams, and a rush of teams and singles never oversells."""

from __future__ import annotations

import asyncio
from collections import Counter

from pymongo.errors import AutoReconnect

from samla_enrollment.adapters.repository import EnrollmentStore

ROLES = ["leader", "union_representative", "safety_representative", "member", "member"]


def team_form(desk, n: int, size: int = 3, **overrides) -> dict:
    members = [{"role": ROLES[i], "participant": {"name": f"Team {n} person {i}",
                                                  "email": f"team{n}.p{i}.{desk.tag}@example.no"}}
               for i in range(size)]
    return {"organisation_id": "org-unn", "unit_id": f"unit-team-{n}", "members": members,
            "manager": {"name": "Leder Lund", "email": f"leder.team{n}.{desk.tag}@example.no"}} | overrides


async def apply_team(client, cohort_id: str, form: dict):
    response = await client.post(f"/cohorts/{cohort_id}/teams", json=form)
    assert response.status_code == 201, response.text
    return response.json()


async def test_a_team_takes_three_seats_at_once_and_the_next_waits_as_one_place(desk, enrollment, published):
    programme = await desk.programme(requires_manager_approval=False)
    cohort = await desk.cohort(programme["id"], capacity=5)
    first = await apply_team(enrollment, cohort["id"], team_form(desk, 1))
    assert first["status"] == "enrolled" and [a["status"] for a in first["applications"]] == ["enrolled"] * 3
    assert [a["team_role"] for a in first["applications"]] == ROLES[:3]
    assert (await desk.shown("cohorts", cohort["id"]))["seats_taken"] == 3

    # Two seats left: not enough for a team of three, which waits as one place; a single queues behind it.
    second = await apply_team(enrollment, cohort["id"], team_form(desk, 2))
    assert (second["status"], second["waitlist_position"]) == ("waitlisted", 1)
    assert {a["waitlist_position"] for a in second["applications"]} == {1}
    single = await desk.apply(cohort["id"], 9)
    assert (single["status"], single["waitlist_position"]) == ("waitlisted", 2)
    queue = (await enrollment.get(f"/cohorts/{cohort['id']}/applications", params={"status": "waitlisted"})).json()
    assert [a["waitlist_position"] for a in queue] == [1, 1, 1, 2]

    # A seat more makes room for the whole team: its three members take their seats together.
    await desk.withdraw(first["applications"][2], "changed unit")
    for member in second["applications"]:
        assert (await desk.shown("applications", member["id"]))["status"] == "enrolled"
    assert (await desk.shown("applications", single["id"]))["waitlist_position"] == 1
    shown = await desk.shown("cohorts", cohort["id"])
    assert (shown["seats_taken"], shown["seats_free"]) == (5, 0)

    bad = team_form(desk, 3)
    bad["members"][1]["participant"]["email"] = bad["members"][0]["participant"]["email"]
    assert (await enrollment.post(f"/cohorts/{cohort['id']}/teams", json=bad)).status_code == 422
    again = await enrollment.post(f"/cohorts/{cohort['id']}/teams", json=team_form(desk, 1))
    assert again.status_code == 409, "the same people cannot apply twice"

    records = await published.wait_for(cohort["id"], *["ParticipantEnrolled"] * 6, *["ParticipantWaitlisted"] * 4)
    waited = [d["position"] for d in published.of_type(records, "ParticipantWaitlisted")]
    assert waited == [1, 1, 1, 2]


async def test_the_managers_one_approval_covers_the_whole_team(desk, enrollment, caller):
    cohort = await desk.cohort((await desk.programme())["id"], capacity=10)
    team = await apply_team(enrollment, cohort["id"], team_form(desk, 1))
    assert [a["status"] for a in team["applications"]] == ["awaiting_manager_approval"] * 3
    leader = desk.leader(team["applications"][0]["manager_id"])
    # A leader of the unit registers a team; a participant may not.
    assert (await leader.post(f"/cohorts/{cohort['id']}/teams", json=team_form(desk, 2))).status_code == 201
    participant = caller(enrollment, "idp-p", roles=["participant"])
    assert (await participant.post(f"/cohorts/{cohort['id']}/teams", json=team_form(desk, 3))).status_code == 403

    decided = await leader.post(f"/applications/{team['applications'][1]['id']}/approval",
                                json={"decision": "approve", "reason": "the unit's team for the workshops"})
    assert decided.status_code == 200, decided.text
    for member in team["applications"]:
        shown = await desk.shown("applications", member["id"])
        assert shown["status"] == "enrolled"
        assert shown["history"][-2]["by"] == member["manager_id"]


async def test_a_capacity_counted_in_teams_counts_each_team_once(desk, enrollment):
    programme = await desk.programme(requires_manager_approval=False)
    cohort = await desk.cohort(programme["id"], capacity=2, capacity_unit="teams")
    assert cohort["capacity_unit"] == "teams"
    assert (await apply_team(enrollment, cohort["id"], team_form(desk, 1, size=3)))["status"] == "enrolled"
    assert (await apply_team(enrollment, cohort["id"], team_form(desk, 2, size=4)))["status"] == "enrolled"
    third = await apply_team(enrollment, cohort["id"], team_form(desk, 3, size=3))
    assert (third["status"], third["waitlist_position"]) == ("waitlisted", 1)
    shown = await desk.shown("cohorts", cohort["id"])
    assert (shown["seats_taken"], shown["seats_free"], shown["waitlist_length"]) == (2, 0, 3)


async def test_a_rush_of_teams_and_single_applicants_together_never_oversells(desk, enrollment, published):
    seats = 20
    programme = await desk.programme(requires_manager_approval=False)
    cohort = await desk.cohort(programme["id"], capacity=seats)
    teams, singles = 12, 30

    async def team(n: int):
        return await enrollment.post(f"/cohorts/{cohort['id']}/teams", json=team_form(desk, n))

    answers = await asyncio.gather(*(team(n) for n in range(teams)),
                                   *(enrollment.post(f"/cohorts/{cohort['id']}/applications", json=desk.form(n))
                                     for n in range(singles)))
    assert [a.status_code for a in answers] == [201] * (teams + singles)

    listed = {}
    for status in ("enrolled", "waitlisted"):
        listed[status] = (await enrollment.get(f"/cohorts/{cohort['id']}/applications",
                                               params={"status": status, "limit": 200})).json()
    enrolled, waiting = listed["enrolled"], listed["waitlisted"]
    assert len(enrolled) + len(waiting) == teams * 3 + singles
    assert len(enrolled) <= seats, "never oversold"
    shown = await desk.shown("cohorts", cohort["id"])
    assert shown["seats_taken"] == len(enrolled) and shown["seats_free"] == seats - len(enrolled)
    # Every team is wholly seated or wholly waiting, at one place in the queue.
    by_team: dict[str, set] = {}
    for application in enrolled + waiting:
        if application["team_id"]:
            by_team.setdefault(application["team_id"], set()).add(
                (application["status"], application["waitlist_position"]))
    assert len(by_team) == teams and all(len(places) == 1 for places in by_team.values())
    places = sorted({a["waitlist_position"] for a in waiting})
    assert places == list(range(1, len(places) + 1)), "queue places are contiguous"
    # Whoever waits at the head needs more seats than are free (nobody was skipped past).
    if waiting and shown["seats_free"]:
        head = [a for a in waiting if a["waitlist_position"] == 1]
        assert len(head) > shown["seats_free"]

    records = await published.wait_for(cohort["id"], *["ParticipantEnrolled"] * len(enrolled),
                                       *["ParticipantWaitlisted"] * len(waiting))
    counts = Counter(kind for kind, _ in records)
    assert (counts["ParticipantEnrolled"], counts["ParticipantWaitlisted"]) == (len(enrolled), len(waiting))


async def test_a_team_approved_while_the_cohort_write_fails_is_placed_as_one_soon_after(
        desk, enrollment, monkeypatch, wait_until):
    cohort = await desk.cohort((await desk.programme())["id"], capacity=4)
    await desk.apply(cohort["id"], 1)
    team = await apply_team(enrollment, cohort["id"], team_form(desk, 1))
    leader = desk.leader(team["applications"][0]["manager_id"])
    save = EnrollmentStore.save_cohort
    failed: list[int] = []

    async def fail_once(self, cohort_id, **changes):
        if not failed:
            failed.append(1)
            raise AutoReconnect("connection to the database was lost")
        return await save(self, cohort_id, **changes)

    monkeypatch.setattr(EnrollmentStore, "save_cohort", fail_once)
    decided = await leader.post(f"/applications/{team['applications'][0]['id']}/approval",
                                json={"decision": "approve"})
    assert decided.status_code == 503 and failed

    async def placed_as_one():
        shown = [await desk.shown("applications", a["id"]) for a in team["applications"]]
        return shown if {s["status"] for s in shown} == {"enrolled"} else None

    shown = await wait_until(placed_as_one)
    assert all(s["history"][-1]["reason"].startswith("placed again") for s in shown)
    # The team's three seats; the single applicant still awaits their manager's approval.
    assert (await desk.shown("cohorts", cohort["id"]))["seats_taken"] == 3
