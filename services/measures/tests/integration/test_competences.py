"""Competences per staff type: coverage and gaps after a cohort completes, from sessions' real events."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime

from samla_shared.contract.sessions import CompletionRevoked, ParticipantCompleted


async def test_coverage_per_staff_type_after_a_completed_cohort(steps, produce, measure_events, wait_until):
    org = f"org-{uuid.uuid4().hex[:6]}"
    network = steps.network_id
    leader = steps.caller(steps.client, "leder", roles=["organisation_leader"], organisations=[org],
                          networks=[network], person_id="person-leder")
    for type_id, name, required in (("sosu-assistent", "Social- og sundhedsassistent",
                                     ["sundhedsfremmende-samtale", "forebyggelsespakker"]),
                                    ("hjaelper", "Hjælper", ["sundhedsfremmende-samtale"])):
        response = await leader.put(f"/organisations/{org}/staff-types/{type_id}", json={
            "network_id": network, "name": name, "competence_ids": required})
        assert response.status_code == 200, response.text
    staff = {"p-anna": "sosu-assistent", "p-bent": "sosu-assistent", "p-carl": "hjaelper"}
    for person, type_id in staff.items():
        response = await leader.put(f"/organisations/{org}/staff/{person}",
                                    json={"network_id": network, "staff_type_id": type_id})
        assert response.status_code == 200, response.text
    coordinator = steps.caller(steps.client, "kari", roles=["network_coordinator"], networks=[network])
    programme = f"prog-{uuid.uuid4().hex[:6]}"
    response = await coordinator.put(f"/programmes/{programme}/competences", json={
        "network_id": network, "competence_ids": ["sundhedsfremmende-samtale", "forebyggelsespakker"]})
    assert response.status_code == 200, response.text

    cohort = f"cohort-{uuid.uuid4().hex[:6]}"

    def completed(person: str) -> ParticipantCompleted:
        return ParticipantCompleted(network_id=network, cohort_id=cohort, programme_id=programme,
                                    participant_id=person, organisation_id=org, completed_at=datetime.now(UTC))

    async def coverage():
        # Delivered again until seen: a fresh instance's consumer may join after the first record
        # (and a completion delivered twice is recorded once).
        await produce(completed("p-anna"))
        await produce(completed("p-carl"))
        found = (await leader.get(f"/organisations/{org}/competence-coverage")).json()
        by_type = {t["staff_type_id"]: t for t in found["staff_types"]}
        done = by_type["sosu-assistent"]["fully_covered"] == 1 and by_type["hjaelper"]["fully_covered"] == 1
        return by_type if done else None

    by_type = await wait_until(coverage, interval=1.0)
    sosu = by_type["sosu-assistent"]
    assert (sosu["members"], sosu["coverage_percent"]) == (2, 50.0)
    assert sosu["gaps"] == [{"person_id": "p-bent", "missing": ["sundhedsfremmende-samtale", "forebyggelsespakker"]}]
    assert [(c["competence_id"], c["holders"]) for c in sosu["competences"]] == [
        ("sundhedsfremmende-samtale", 1), ("forebyggelsespakker", 1)]
    assert (by_type["hjaelper"]["coverage_percent"], by_type["hjaelper"]["gaps"]) == (100.0, [])

    async def events_of_this_cohort(kind: str) -> list[dict]:
        # The person ids are fixed and the topic is shared by every run: only this run's cohort counts.
        return [d for k, d in await measure_events.of("p-anna") if k == kind and d["cohort_id"] == cohort]

    async def recorded():
        events = await events_of_this_cohort("CompetenceRecorded")
        return events if len(events) >= 2 else None

    events = await wait_until(recorded)
    assert sorted(e["competence_id"] for e in events) == ["forebyggelsespakker", "sundhedsfremmende-samtale"]
    assert {(e["person_id"], e["programme_id"], e["cohort_id"], e["organisation_id"]) for e in events} == {
        ("p-anna", programme, cohort, org)}
    assert "name" not in events[0]

    anna = steps.caller(steps.client, "anna", roles=["participant"], person_id="p-anna")
    own = (await anna.get("/people/p-anna/competences")).json()
    assert sorted(c["competence_id"] for c in own["competences"]) == ["forebyggelsespakker",
                                                                      "sundhedsfremmende-samtale"]
    assert (await anna.get("/people/p-carl/competences")).status_code == 404

    await produce(CompletionRevoked(network_id=network, cohort_id=cohort, programme_id=programme,
                                    participant_id="p-anna", organisation_id=org, revoked_at=datetime.now(UTC),
                                    reason="Fravær rettet"))

    async def revoked():
        found = (await leader.get(f"/organisations/{org}/competence-coverage")).json()
        sosu = {t["staff_type_id"]: t for t in found["staff_types"]}["sosu-assistent"]
        return sosu if sosu["fully_covered"] == 0 else None

    assert len((await wait_until(revoked))["gaps"]) == 2

    async def revoked_events():
        return await events_of_this_cohort("CompetenceRevoked")

    assert len(await wait_until(revoked_events)) == 2


async def test_staff_types_are_the_organisations_own(steps):
    org = f"org-{uuid.uuid4().hex[:6]}"
    leader = steps.caller(steps.client, "leder", roles=["organisation_leader"], organisations=[org],
                          person_id="person-leder")
    body = {"network_id": steps.network_id, "name": "Sygeplejerske", "competence_ids": ["medicinhaandtering"]}
    assert (await leader.put(f"/organisations/{org}/staff-types/sygeplejerske", json=body)).status_code == 200
    other = steps.caller(steps.client, "leder2", roles=["organisation_leader"], organisations=["org-andet"])
    assert (await other.put(f"/organisations/{org}/staff-types/sygeplejerske", json=body)).status_code == 404
    assert (await other.get(f"/organisations/{org}/competence-coverage")).status_code == 404
    assert (await leader.put(f"/organisations/{org}/staff-types/Not%20A%20Slug", json=body)).status_code == 422
    unknown_type = await leader.put(f"/organisations/{org}/staff/p-x", json={"network_id": steps.network_id,
                                                                            "staff_type_id": "leder"})
    assert unknown_type.status_code == 422
    union = steps.party("union_representative", organisation_id=org)
    assert (await union.get(f"/organisations/{org}/competence-coverage")).status_code == 200
    assert (await union.put(f"/organisations/{org}/staff-types/x", json=body)).status_code == 403


async def test_a_person_id_with_a_dot_is_staff_like_any_other_and_odd_ids_find_nothing(steps):
    # Ids are data, not field names: an id with a dot (allowed by the contract's identifiers) is
    # placed and found, and an access request for an id full of control characters finds nothing.
    org = f"org-{uuid.uuid4().hex[:6]}"
    leader = steps.caller(steps.client, "leder", roles=["organisation_leader"], organisations=[org],
                          person_id="person-leder")
    body = {"network_id": steps.network_id, "name": "Sykepleier", "competence_ids": ["legemiddelhandtering"]}
    assert (await leader.put(f"/organisations/{org}/staff-types/sykepleier", json=body)).status_code == 200
    person = f"p.{uuid.uuid4().hex[:6]}.no"
    placed = await leader.put(f"/organisations/{org}/staff/{person}",
                              json={"network_id": steps.network_id, "staff_type_id": "sykepleier"})
    assert placed.status_code == 200, placed.text
    assert [t["members"] for t in placed.json()["staff_types"]] == [1]
    found = await steps.client.get(f"/people/{person}/data")
    assert found.status_code == 200, found.text
    assert {"organisation_id": org, "staff_type_id": "sykepleier"} in found.json()["competences"]
    odd = await steps.client.get("/people/%14%F3%B9%A2%80%C3%B8%09%F1%82%94%9E%E6%B0%BE%0D/data")
    assert odd.status_code == 200, odd.text
    assert odd.json()["competences"] == []
