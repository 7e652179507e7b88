"""Enrollment's use cases on in-memory fakes of its ports (see tests/fakes.py and conftest.py here).

The same flows as the API tests in tests/integration, one layer down and without the
stack: what each use case stores, which events it stages in the same write, and which
requests it refuses (NotFound → 404, Conflict → 409, RuleViolation → 422). The apply path
runs through the real CohortWriter on the fake store.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from samla_shared.contract.directory import NetworkRegistered, NetworkRenamed, OrganisationRegistered, UnitRegistered
from samla_shared.contract.enrollment import (
    ApplicationApproved,
    ApplicationDeclined,
    ApplicationSubmitted,
    CohortOpened,
    InterestRegistered,
    ProgrammeArchived,
    ProgrammePublished,
    ProgrammeUpdated,
)
from samla_shared.persistence.document_locks import DocumentLocks
from samla_enrollment.domain.cohorts import CohortStatus
from samla_enrollment.domain.errors import Conflict, NotFound, RuleViolation
from samla_enrollment.entrypoints.schemas import ApplicationCreate, CohortCreate, ProgrammeCreate
from samla_enrollment.service_layer.handlers import EnrollmentService

NETWORK = "net-helse-nord"
COORDINATOR = "coordinator-kari"


async def publish(service, **overrides: Any) -> dict[str, Any]:
    body = {"code": "KULT", "title": "Kulturkompetanse", "network_id": NETWORK,
            "requires_manager_approval": False} | overrides
    data = ProgrammeCreate.model_validate(body).model_dump(mode="json", exclude={"by"})
    return await service.publish_programme(data, by=COORDINATOR)


async def announce(service, programme_id: str, *, capacity: int = 2, opens_in: timedelta = -timedelta(days=1),
                   **overrides: Any) -> dict[str, Any]:
    now = datetime.now(UTC)
    body = {"programme_id": programme_id, "term": "autumn-2027", "capacity": capacity,
            "applications_open_at": now + opens_in, "applications_close_at": now + opens_in + timedelta(days=30)}
    data = CohortCreate.model_validate(body | overrides).model_dump(exclude={"by"})
    return await service.announce_cohort(data, by=COORDINATOR)


def form(n: int, **overrides: Any) -> dict[str, Any]:
    body = {"participant": {"name": f"Deltaker {n}", "email": f"deltaker{n}@example.no", "language": "nb"},
            "manager": {"name": "Leder Lund", "email": "leder@example.no"},
            "organisation_id": "org-unn", "unit_id": f"unit-{n}"} | overrides
    return ApplicationCreate.model_validate(body).model_dump(mode="json")


# -- programmes ---------------------------------------------------------------------------------

async def test_publishing_stores_the_programme_and_stages_its_publication(service, store):
    programme = await publish(service)
    assert (await service.programme(programme["_id"]))["title"] == "Kulturkompetanse"
    [event] = store.events(ProgrammePublished)
    assert (event.programme_id, event.network_id) == (programme["_id"], NETWORK)
    assert [p["_id"] for p in await service.programmes(network_id=[NETWORK], archived=False, offset=0, limit=10)] \
        == [programme["_id"]]
    assert await service.programmes(network_id="another", archived=None, offset=0, limit=10) == []


async def test_a_change_is_announced_with_the_whole_state_and_no_change_announces_nothing(service, store):
    programme = await publish(service)
    updated = await service.update_programme(programme["_id"], {"title": "Ny tittel"}, by=COORDINATOR, reason="typo")
    assert updated["title"] == "Ny tittel"
    [event] = store.events(ProgrammeUpdated)
    assert event.title == "Ny tittel"
    await service.update_programme(programme["_id"], {"title": "Ny tittel"}, by=COORDINATOR, reason=None)
    assert len(store.events(ProgrammeUpdated)) == 1


async def test_an_archived_programme_takes_no_change_no_cohort_and_no_second_archiving(service, store):
    programme = await publish(service)
    await service.archive_programme(programme["_id"], by=COORDINATOR, reason="replaced")
    assert len(store.events(ProgrammeArchived)) == 1
    with pytest.raises(Conflict, match="already archived"):
        await service.archive_programme(programme["_id"], by=COORDINATOR, reason=None)
    with pytest.raises(Conflict, match="archived"):
        await service.update_programme(programme["_id"], {"title": "x"}, by=COORDINATOR, reason=None)
    with pytest.raises(Conflict, match="no new cohorts"):
        await announce(service, programme["_id"])
    assert await service.programmes(network_id=None, archived=True, offset=0, limit=10) != []


async def test_an_unknown_programme_is_not_found(service):
    with pytest.raises(NotFound):
        await service.programme("nope")
    with pytest.raises(NotFound):
        await announce(service, "nope")


# -- cohorts ------------------------------------------------------------------------------------

async def test_an_announced_cohort_is_open_in_its_window_and_found_by_its_status(service, store):
    programme = await publish(service)
    cohort = await announce(service, programme["_id"], capacity=3)
    planned = await announce(service, programme["_id"], opens_in=timedelta(days=10))
    assert (cohort["status"], cohort["seats_free"], cohort["network_id"]) == ("open", 3, NETWORK)
    assert planned["status"] == "planned"
    assert [e.cohort_id for e in store.events(CohortOpened)] == [cohort["_id"], planned["_id"]]
    found = await service.cohorts(programme_id=programme["_id"], network_id=None, term=None,
                                  status=CohortStatus.OPEN, offset=0, limit=10)
    assert [c["_id"] for c in found] == [cohort["_id"]]
    with pytest.raises(NotFound):
        await service.cohort("nope")


# -- applications -------------------------------------------------------------------------------

async def test_a_signed_in_applicant_takes_a_seat_and_cannot_apply_twice(service, store):
    programme = await publish(service)
    cohort = await announce(service, programme["_id"])
    application = await service.submit_application(cohort["_id"], form(1), participant_id="person-ola")
    assert (application["status"], application["participant_id"]) == ("enrolled", "person-ola")
    assert [e.application_id for e in store.events(ApplicationSubmitted)] == [application["_id"]]
    with pytest.raises(Conflict) as duplicate:
        await service.submit_application(cohort["_id"], form(1), participant_id="person-ola")
    assert duplicate.value.extensions["application_id"] == application["_id"]
    assert (await service.cohort(cohort["_id"]))["seats_taken"] == 1


async def test_an_anonymous_form_registers_the_person_by_address_and_never_overwrites_them(service, store):
    programme = await publish(service, accepts_anonymous_applications=True)
    first, second = await announce(service, programme["_id"]), await announce(service, programme["_id"])
    application = await service.submit_application(first["_id"], form(1))
    person = store.people[application["participant_id"]]
    assert (person["name"], person["email"]) == ("Deltaker 1", "deltaker1@example.no")
    renamed = form(1, participant={"name": "Someone Else", "email": "DELTAKER1@example.no"})
    again = await service.submit_application(second["_id"], renamed)
    assert again["participant_id"] == application["participant_id"]
    person = store.people[application["participant_id"]]
    assert person["name"] == "Deltaker 1"
    assert person["pending_change"]["name"] == "Someone Else"


async def test_a_full_cohort_queues_the_next_and_a_withdrawal_moves_the_queue_on(service):
    programme = await publish(service)
    cohort = await announce(service, programme["_id"], capacity=1)
    seated = await service.submit_application(cohort["_id"], form(1), participant_id="p1")
    waiting = await service.submit_application(cohort["_id"], form(2), participant_id="p2")
    assert (seated["status"], waiting["status"], waiting["waitlist_position"]) == ("enrolled", "waitlisted", 1)
    queue = await service.cohort_applications(cohort["_id"], status=None, offset=0, limit=10)
    assert {a["_id"] for a in queue} == {seated["_id"], waiting["_id"]}
    await service.withdraw(seated["_id"], by="p1", reason="ill")
    assert (await service.application(waiting["_id"]))["status"] == "enrolled"


async def test_applications_are_refused_in_a_closed_cohort_and_outside_the_window(service):
    programme = await publish(service)
    closed = await announce(service, programme["_id"])
    await service.change_status(closed["_id"], CohortStatus.CLOSED, by=COORDINATOR, reason="enough")
    with pytest.raises(Conflict):
        await service.submit_application(closed["_id"], form(1), participant_id="p1")
    planned = await announce(service, programme["_id"], opens_in=timedelta(days=5))
    with pytest.raises(RuleViolation):
        await service.submit_application(planned["_id"], form(1), participant_id="p1")
    with pytest.raises(NotFound):
        await service.submit_application("nope", form(1), participant_id="p1")


async def test_the_manager_approves_or_declines_and_a_decline_needs_a_reason(service, store):
    programme = await publish(service, requires_manager_approval=True)
    cohort = await announce(service, programme["_id"])
    approved = await service.submit_application(cohort["_id"], form(1), participant_id="p1")
    declined = await service.submit_application(cohort["_id"], form(2), participant_id="p2")
    assert approved["status"] == "awaiting_manager_approval"
    decided = await service.decide(approved["_id"], approve=True, by=approved["manager_id"], reason=None)
    assert decided["status"] == "enrolled"
    assert [e.application_id for e in store.events(ApplicationApproved)] == [approved["_id"]]
    with pytest.raises(RuleViolation):
        await service.decide(declined["_id"], approve=False, by=declined["manager_id"], reason=None)
    decided = await service.decide(declined["_id"], approve=False, by=declined["manager_id"], reason="not now")
    assert decided["status"] == "declined"
    assert len(store.events(ApplicationDeclined)) == 1
    with pytest.raises(Conflict):
        await service.decide(declined["_id"], approve=True, by=declined["manager_id"], reason=None)
    with pytest.raises(NotFound):
        await service.decide("nope", approve=True, by="x", reason=None)


async def test_the_inboxes_find_a_persons_applications_and_a_managers(service):
    programme = await publish(service, requires_manager_approval=True)
    cohort = await announce(service, programme["_id"])
    mine = await service.submit_application(cohort["_id"], form(1), participant_id="p1")
    other = await service.submit_application(cohort["_id"], form(2, organisation_id="org-other"), participant_id="p2")
    assert [a["_id"] for a in await service.applications_of({"p1"}, limit=10)] == [mine["_id"]]
    by_organisation = await service.applications_for_leader({"nobody"}, {"org-unn"}, limit=10)
    assert [a["_id"] for a in by_organisation] == [mine["_id"]]
    as_manager = await service.applications_for_leader({mine["manager_id"]}, set(), limit=10)
    assert {a["_id"] for a in as_manager} == {mine["_id"], other["_id"]}


async def test_a_cohort_changed_by_another_writer_refuses_the_batch_and_is_taken_up_again(service, store):
    programme = await publish(service)
    cohort = await announce(service, programme["_id"])
    await service.change_capacity(cohort["_id"], 3, by=COORDINATOR, reason=None)  # the writer holds it now
    store.cohort_docs[cohort["_id"]]["version"] += 1  # another process wrote it meanwhile
    with pytest.raises(Conflict, match="another writer"):
        await service.change_capacity(cohort["_id"], 5, by=COORDINATOR, reason=None)
    assert store.cohort_docs[cohort["_id"]]["capacity"] == 3
    assert (await service.change_capacity(cohort["_id"], 5, by=COORDINATOR, reason=None))["capacity"] == 5


async def test_the_store_refuses_a_duplicate_its_writer_did_not_know_of(service, store, directory):
    programme = await publish(service)
    cohort = await announce(service, programme["_id"], capacity=5)
    await service.submit_application(cohort["_id"], form(1), participant_id="p1")  # this writer holds the cohort
    elsewhere = EnrollmentService(store, DocumentLocks(), directory=directory)  # a second process
    try:
        first = await elsewhere.submit_application(cohort["_id"], form(2), participant_id="p2")
    finally:
        await elsewhere.close()
    with pytest.raises(Conflict, match="another writer"):  # refused by the store, then the cohort is taken up again
        await service.submit_application(cohort["_id"], form(2), participant_id="p2")
    with pytest.raises(Conflict) as duplicate:  # now known: the duplicate names the application there is
        await service.submit_application(cohort["_id"], form(2), participant_id="p2")
    assert duplicate.value.extensions["application_id"] == first["_id"]
    assert len([a for a in store.application_docs.values() if a["participant_id"] == "p2"]) == 1


# -- interest in the next cohort ----------------------------------------------------------------

async def test_interest_is_refused_while_a_cohort_takes_applications_and_registered_once_otherwise(service, store):
    programme = await publish(service)
    open_cohort = await announce(service, programme["_id"])
    with pytest.raises(Conflict) as refused:
        await service.register_interest(programme["_id"], {"person_id": "p1"})
    assert refused.value.extensions["cohort_ids"] == [open_cohort["_id"]]
    await service.change_status(open_cohort["_id"], CohortStatus.CLOSED, by=COORDINATOR, reason=None)
    interest, created = await service.register_interest(programme["_id"], {"person_id": "p1"}, region=" nordland ")
    again, created_again = await service.register_interest(programme["_id"], {"person_id": "p1"})
    assert (created, created_again, again["_id"], interest["region"]) == (True, False, interest["_id"], "Nordland")
    assert len(store.events(InterestRegistered)) == 1
    assert await service.interest_by_region(programme["_id"]) == [{"region": "Nordland", "pending": 1, "total": 1}]


# -- the directory ------------------------------------------------------------------------------

async def test_the_directory_registers_each_id_once_and_units_belong_to_their_organisations_network(
        directory, directory_store):
    network = await directory.register_network({"id": "net-1", "name": "Helse Nord", "country": "NO",
                                                "default_language": "nb", "time_zone": "Europe/Oslo"}, by="admin")
    with pytest.raises(Conflict) as taken:
        await directory.register_network({"id": "net-1", "name": "Again", "country": "NO",
                                          "default_language": "nb", "time_zone": "Europe/Oslo"}, by="admin")
    assert taken.value.extensions == {"network_id": "net-1"}
    organisation = await directory.register_organisation(
        {"network_id": network["_id"], "name": "UNN", "kind": "hospital_trust", "organisation_number": "983974899"},
        by="admin")
    unit = await directory.register_unit({"organisation_id": organisation["_id"], "name": "Ward 4", "kind": "ward"},
                                         by="admin")
    assert unit["network_id"] == "net-1"
    assert [type(e) for e in directory_store.events()] == [NetworkRegistered, OrganisationRegistered, UnitRegistered]
    assert [u["_id"] for u in await directory.find("units", q="ward", offset=0, limit=10,
                                                   organisation_id=[organisation["_id"], "other"])] == [unit["_id"]]
    assert await directory.find("units", q=None, offset=0, limit=10, organisation_id="other") == []


async def test_an_organisation_number_must_fit_its_networks_country_also_when_the_country_changes(
        directory, directory_store):
    await directory.register_network({"id": "net-1", "name": "Helse Nord", "country": "NO",
                                      "default_language": "nb", "time_zone": "Europe/Oslo"}, by="admin")
    with pytest.raises(RuleViolation, match="9 digits"):
        await directory.register_organisation({"network_id": "net-1", "name": "UNN", "kind": "hospital_trust",
                                               "organisation_number": "1234"}, by="admin")
    with pytest.raises(NotFound):
        await directory.register_organisation({"network_id": "nope", "name": "UNN", "kind": "other"}, by="admin")
    await directory.register_organisation({"network_id": "net-1", "name": "UNN", "kind": "hospital_trust",
                                           "organisation_number": "983974899"}, by="admin")
    with pytest.raises(RuleViolation):
        await directory.change_network("net-1", {"country": "DK"})
    renamed = await directory.change_network("net-1", {"name": "Helse Nord RHF"})
    assert renamed["name"] == "Helse Nord RHF"
    assert [e.name for e in directory_store.events(NetworkRenamed)] == ["Helse Nord RHF"]
    assert await directory.names("networks", ["net-1", "nope"]) == {"net-1": "Helse Nord RHF"}


async def test_a_team_applies_together_and_its_members_are_found_as_one(service, store):
    programme = await publish(service)
    cohort = await announce(service, programme["_id"], capacity=5)
    members = [{"role": role, "participant": {"name": f"Member {n}", "email": f"member{n}@example.no"}}
               for n, role in enumerate(("leader", "union_representative", "safety_representative"))]
    team = await service.submit_team(cohort["_id"], {"organisation_id": "org-unn", "unit_id": "unit-1",
                                                     "manager": {"name": "Leder", "email": "leder@example.no"},
                                                     "members": members, "motivation": None})
    assert {a["status"] for a in team} == {"enrolled"} and len({a["team_id"] for a in team}) == 1
    found = await store.team_applications(cohort["_id"], team[0]["team_id"], limit=50)
    assert {a["_id"] for a in found} == {a["_id"] for a in team}
    assert (await store.application_of(cohort["_id"], team[0]["participant_id"]))["_id"] == team[0]["_id"]
    assert await store.application_of(cohort["_id"], "nobody") is None


async def test_a_freed_seat_is_offered_to_the_head_of_the_queue_and_its_deadline_is_found_when_due(service):
    programme = await publish(service, offer_days=2)
    cohort = await announce(service, programme["_id"], capacity=1)
    seated = await service.submit_application(cohort["_id"], form(1), participant_id="p1")
    first = await service.submit_application(cohort["_id"], form(2), participant_id="p2")
    second = await service.submit_application(cohort["_id"], form(3), participant_id="p3")
    await service.withdraw(seated["_id"], by="p1", reason=None)
    assert (await service.application(first["_id"]))["status"] == "offered"
    assert (await service.application(second["_id"]))["status"] == "waitlisted"
    assert await service.expire_due_offers() == 0  # not yet due
    assert await service.expire_due_offers(datetime.now(UTC) + timedelta(days=3)) == 1  # the cohort is due then


async def test_a_transfer_moves_the_application_to_another_cohort_of_the_programme_unless_already_there(service):
    programme = await publish(service)
    source, target = await announce(service, programme["_id"]), await announce(service, programme["_id"])
    application = await service.submit_application(source["_id"], form(1), participant_id="p1")
    moved = await service.transfer(application["_id"], to_cohort_id=target["_id"], by=COORDINATOR, reason="moved")
    assert (moved["cohort_id"], moved["status"]) == (target["_id"], "enrolled")
    assert (await service.cohort(source["_id"]))["seats_taken"] == 0
    at_source = await service.submit_application(source["_id"], form(2), participant_id="p2")
    at_target = await service.submit_application(target["_id"], form(2), participant_id="p2")
    with pytest.raises(Conflict) as there:
        await service.transfer(at_source["_id"], to_cohort_id=target["_id"], by=COORDINATOR, reason=None)
    assert there.value.extensions["application_id"] == at_target["_id"]
    with pytest.raises(NotFound):
        await service.transfer(application["_id"], to_cohort_id="nope", by=COORDINATOR, reason=None)
