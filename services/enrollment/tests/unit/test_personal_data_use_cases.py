"""Erasure, access requests and retention on in-memory fakes (tests/fakes.py): what is removed, what stays,
what is announced, and that asking twice changes nothing."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from samla_shared.contract.enrollment import ParticipantErased
from samla_enrollment.domain.cohorts import CohortStatus
from samla_enrollment.domain.errors import NotFound
from samla_enrollment.entrypoints.schemas import ApplicationCreate, CohortCreate, ProgrammeCreate


async def applied(service, *, anonymous: bool = True) -> tuple[dict[str, Any], dict[str, Any]]:
    """A cohort of network `net-a` and one application to it from the public form, with free text."""
    data = ProgrammeCreate.model_validate({"code": "K", "title": "K", "network_id": "net-a",
                                          "requires_manager_approval": False}).model_dump(mode="json")
    programme = await service.publish_programme(data, by="coordinator")
    now = datetime.now(UTC)
    cohort = await service.announce_cohort(CohortCreate.model_validate({
        "programme_id": programme["_id"], "term": "t", "capacity": 2, "applications_open_at": now - timedelta(days=1),
        "applications_close_at": now + timedelta(days=1)}).model_dump(exclude={"by"}), by="coordinator")
    form = ApplicationCreate.model_validate({
        "participant": {"name": "Ola", "email": "ola@example.no", "role": "nurse"},
        "manager": {"name": "Lise", "email": "lise@example.no"}, "organisation_id": "org", "unit_id": "unit",
        "motivation": "I want to learn"}).model_dump(mode="json")
    return cohort, await service.submit_application(cohort["_id"], form)


async def test_an_erasure_removes_the_person_and_free_text_keeps_the_seat_and_announces_it_once(
        service, privacy, store, personal_data_store):
    cohort, application = await applied(service)
    person_id = application["participant_id"]
    record = await privacy.erase(person_id, by="admin")
    assert record["erased"] == {"people": 1, "applications": 1, "interests": 0}
    assert person_id not in store.people and "ola@example.no" not in store.emails
    stored = store.application_docs[application["_id"]]
    assert (stored["motivation"], stored["role"], stored["anonymised_because"]) == (None, None, "erasure")
    assert application["_id"] in store.cohort_docs[cohort["_id"]]["enrolled"]  # the seat stays
    [event] = personal_data_store.events(ParticipantErased)
    assert (event.participant_id, event.network_id) == (person_id, "net-a")
    assert await privacy.erase(person_id, by="admin") == record
    assert len(personal_data_store.events(ParticipantErased)) == 1


async def test_the_manager_named_is_not_erased_with_the_applicant_nor_the_other_way_round(service, privacy, store):
    _, application = await applied(service)
    await privacy.erase(application["manager_id"], by="admin")
    assert store.application_docs[application["_id"]]["motivation"] == "I want to learn"
    assert application["participant_id"] in store.people


async def test_an_erasure_of_nobody_known_is_not_found(privacy):
    with pytest.raises(NotFound):
        await privacy.erase("nobody", by="admin")
    with pytest.raises(NotFound):
        await privacy.export("nobody")


async def test_an_access_request_lists_the_persons_own_applications_and_those_they_approve_apart(service, privacy):
    _, application = await applied(service)
    own = await privacy.export(application["participant_id"])
    assert [a["_id"] for a in own["applications"]] == [application["_id"]]
    assert own["contact"]["email"] == "ola@example.no"
    managed = await privacy.export(application["manager_id"])
    assert managed["applications"] == []
    assert [a["_id"] for a in managed["applications_approved_as_manager"]] == [application["_id"]]


async def test_retention_strips_applications_of_cohorts_completed_longer_ago_than_the_period(service, privacy, store):
    cohort, application = await applied(service)
    await service.change_status(cohort["_id"], CohortStatus.RUNNING, by="coordinator", reason=None)
    await service.change_status(cohort["_id"], CohortStatus.COMPLETED, by="coordinator", reason=None)
    assert await privacy.expire_applications(retention=timedelta(days=30)) == {"cohorts": 0, "applications": 0}
    later = datetime.now(UTC) + timedelta(days=31)
    assert await privacy.expire_applications(retention=timedelta(days=30), now=later) == {
        "cohorts": 1, "applications": 1}
    assert store.application_docs[application["_id"]]["anonymised_because"] == "retention"
    assert await privacy.expire_applications(retention=timedelta(days=30), now=later) == {
        "cohorts": 1, "applications": 0}
