"""Identity comes from the sign-in (issue 13), on the real stack: each attack refused.

A signed-in applicant applies as the person the token names; forms never change a stored
person's details; a duplicate on the public form tells an anonymous caller nothing; audit
fields are the caller; leaders decide by their token's scope or as the named manager,
found by their verified e-mail address.
"""

from __future__ import annotations

import uuid

from pymongo import ASCENDING, AsyncMongoClient

from samla_enrollment.entrypoints.app import create_app
from samla_enrollment.settings import EnrollmentSettings


def signed_in_participant(caller, enrollment, who: str, tag: str, **claims):
    return caller(enrollment, f"sub-{who}-{tag}", roles=["participant"], email=f"{who}.{tag}@example.no",
                  name=who.capitalize(), **claims)


async def test_a_signed_in_applicant_applies_as_themself_whatever_address_the_form_names(desk, enrollment, caller,
                                                                                         published):
    cohort = await desk.cohort((await desk.programme())["id"], capacity=5)
    victim = await desk.apply(cohort["id"], 1)  # Deltaker 1, registered by a coordinator's paper form
    mallory = signed_in_participant(caller, enrollment, "mallory", desk.tag)

    form = desk.form(1)  # the victim's name and address
    response = await mallory.post(f"/cohorts/{cohort['id']}/applications", json=form)
    assert response.status_code == 201, response.text
    filed = response.json()
    me = (await mallory.get("/people/me")).json()
    assert filed["participant_id"] == me["person_id"] == f"sub-mallory-{desk.tag}" != victim["participant_id"]
    assert (me["name"], me["email"]) == ("Mallory", f"mallory.{desk.tag}@example.no"), "from the token's claims"
    victim_contact = (await enrollment.get(f"/people/{victim['participant_id']}/contact")).json()
    assert (victim_contact["name"], victim_contact["email"]) == ("Deltaker 1", f"deltaker1.{desk.tag}@example.no")

    # The participant reads the application they filed, not anyone else's.
    assert (await mallory.get(f"/applications/{filed['id']}")).status_code == 200
    assert (await mallory.get(f"/applications/{victim['id']}")).status_code == 404
    assert (await mallory.get(f"/people/{victim['participant_id']}/contact")).status_code == 404
    records = await published.wait_for(cohort["id"], "ApplicationSubmitted", "ApplicationSubmitted")
    assert filed_under(records, filed["participant_id"])
    assert "mallory." not in str(records), "events carry ids only"


def filed_under(records, person_id: str) -> bool:
    return any(data.get("participant_id") == person_id for kind, data in records if kind == "ApplicationSubmitted")


async def test_a_sign_in_without_an_address_cannot_apply_by_typing_one(desk, enrollment, caller):
    cohort = await desk.cohort((await desk.programme())["id"], capacity=5)
    nameless = caller(enrollment, f"sub-anon-{desk.tag}", roles=["participant"])
    response = await nameless.post(f"/cohorts/{cohort['id']}/applications", json=desk.form(3))
    assert response.status_code == 422 and "e-mail" in response.json()["detail"]
    assert (await enrollment.get(f"/cohorts/{cohort['id']}/applications")).json() == []


async def test_the_anonymous_form_never_overwrites_a_stored_name_and_a_duplicate_reveals_nothing(desk, enrollment,
                                                                                                 caller, published):
    programme = await desk.programme(accepts_anonymous_applications=True)
    cohort = await desk.cohort(programme["id"], capacity=5)
    anonymous = caller(enrollment, token=None)
    first = await anonymous.post(f"/cohorts/{cohort['id']}/applications", json=desk.form(1))
    assert first.status_code == 202, first.text
    [stored] = (await enrollment.get(f"/cohorts/{cohort['id']}/applications")).json()

    # Someone who knows the address sends it again with another name and phone.
    hostile = desk.form(1)
    hostile["participant"] |= {"name": "Kapret Navn", "phone": "+47 999 99 999"}
    hostile["manager"] |= {"name": "Falsk Leder"}
    again = await anonymous.post(f"/cohorts/{cohort['id']}/applications", json=hostile)
    fresh = await anonymous.post(f"/cohorts/{cohort['id']}/applications", json=desk.form(2))
    assert again.status_code == fresh.status_code == 202
    assert again.json() == fresh.json(), "the same answer whether or not the address had applied"
    assert "application_id" not in again.text and "already" not in again.text

    contact = (await enrollment.get(f"/people/{stored['participant_id']}/contact")).json()
    assert (contact["name"], contact["phone"]) == ("Deltaker 1", "+47 912 34 567")
    manager = (await enrollment.get(f"/people/{stored['manager_id']}/contact")).json()
    assert manager["name"] == "Leder Lund"
    records = await published.wait_for(cohort["id"], "ApplicationSubmitted", "ApplicationSubmitted")
    assert len(published.of_type(records, "ApplicationSubmitted")) == 2, "the duplicate announced nothing"

    # The proposed change waits for the person, who sees it signed in and may drop it.
    person = caller(enrollment, "deltaker-1", roles=["participant"], person_id=stored["participant_id"])
    pending = (await person.get("/people/me")).json()["pending_changes"]
    assert [(p["name"], p["phone"]) for p in pending] == [("Kapret Navn", "+47 999 99 999")]
    dropped = await person.post("/people/me/pending-changes", json={"confirm": False})
    assert dropped.status_code == 200 and dropped.json()["pending_changes"] == []
    assert (await enrollment.get(f"/people/{stored['participant_id']}/contact")).json()["name"] == "Deltaker 1"


async def test_audit_fields_are_the_caller_not_the_body(desk, enrollment, caller, published):
    cohort = await desk.cohort((await desk.programme())["id"], capacity=5)
    application = await desk.apply(cohort["id"], 1)
    leader = desk.leader(application["manager_id"])
    decided = await leader.post(f"/applications/{application['id']}/approval",
                                json={"decision": "approve", "by": "someone-else"})
    assert decided.status_code == 422, "a decision takes no `by`: unknown fields are refused"
    decided = await leader.post(f"/applications/{application['id']}/approval", json={"decision": "approve"})
    assert decided.status_code == 200, decided.text
    records = await published.wait_for(cohort["id"], "ApplicationApproved")
    [approval] = published.of_type(records, "ApplicationApproved")
    assert approval["approved_by"] == application["manager_id"]

    coordinator = caller(enrollment, "coordinator-ola", roles=["network_coordinator"], networks=[desk.network])
    changed = await coordinator.patch(f"/cohorts/{cohort['id']}", json={"capacity": 6, "by": "kari"})
    assert changed.status_code == 200
    [entry] = [e for e in (await enrollment.get(f"/cohorts/{cohort['id']}/history")).json()
               if e.get("change") == "capacity"]
    assert entry["by"] == "coordinator-ola"


async def test_a_leader_decides_by_the_scope_of_their_token_without_an_id_enrollment_issued(desk, enrollment, caller,
                                                                                             published):
    cohort = await desk.cohort((await desk.programme())["id"], capacity=5)
    mine = await desk.apply(cohort["id"], 1, organisation_id="org-unn", unit_id="unit-medisin")
    elsewhere = await desk.apply(cohort["id"], 2, organisation_id="org-unn", unit_id="unit-kirurgi")
    other_org = await desk.apply(cohort["id"], 3, organisation_id="org-bodo", unit_id="unit-medisin")
    # A leader from the identity provider: a subject and scopes, no person id from enrollment.
    leader = caller(enrollment, f"idp-leader-{desk.tag}", roles=["organisation_leader"], organisations=["org-unn"],
                    units=["unit-medisin"])
    for application in (elsewhere, other_org):
        assert (await leader.get(f"/applications/{application['id']}")).status_code == 404
        refused = await leader.post(f"/applications/{application['id']}/approval", json={"decision": "approve"})
        assert refused.status_code == 404
    approved = await leader.post(f"/applications/{mine['id']}/approval", json={"decision": "approve"})
    assert approved.status_code == 200 and approved.json()["status"] == "enrolled", approved.text
    records = await published.wait_for(cohort["id"], "ApplicationApproved")
    assert [a["approved_by"] for a in published.of_type(records, "ApplicationApproved")] == [
        f"idp-leader-{desk.tag}"]
    for application in (elsewhere, other_org):
        assert (await desk.shown("applications", application["id"]))["status"] == "awaiting_manager_approval"


async def test_the_named_manager_is_found_by_their_verified_address_once_they_sign_in(desk, enrollment, caller):
    cohort = await desk.cohort((await desk.programme())["id"], capacity=5)
    before = await desk.apply(cohort["id"], 1, organisation_id="org-annen")  # outside any scope of the leader
    leader = caller(enrollment, f"idp-lund-{desk.tag}", roles=["organisation_leader"], organisations=["org-unn"],
                    email=f"leder.{desk.tag}@example.no", name="Liv Lund")
    assert (await leader.get(f"/applications/{before['id']}")).status_code == 200, "linked by the verified address"
    me = (await leader.get("/people/me")).json()
    assert me["linked_person_ids"] == [before["manager_id"]]
    approved = await leader.post(f"/applications/{before['id']}/approval", json={"decision": "approve"})
    assert approved.status_code == 200, approved.text

    # Forms naming the address afterwards name the signed-in leader.
    after = await desk.apply(cohort["id"], 2, organisation_id="org-annen")
    assert after["manager_id"] == f"idp-lund-{desk.tag}"
    # A leader of another organisation, with no address on record, sees none of it.
    impostor = caller(enrollment, f"idp-x-{uuid.uuid4().hex[:6]}", roles=["organisation_leader"],
                      organisations=["org-x"])
    assert (await impostor.get(f"/applications/{after['id']}")).status_code == 404


async def test_a_database_from_before_the_address_map_keeps_finding_its_people(service, mongo_url, desk):
    database = f"test_enrollment_{uuid.uuid4().hex[:10]}"
    client = AsyncMongoClient(mongo_url)
    try:
        # As an earlier version left it: people unique by address, no `emails` collection.
        await client[database].people.create_index([("email", ASCENDING)], unique=True)
        await client[database].people.insert_one({"_id": "person-old", "email": f"gammel.{desk.tag}@example.no",
                                                  "name": "Gammel Deltaker", "phone": None, "language": "nb"})
        async with service(create_app, EnrollmentSettings, mongo_database=database) as enrollment:
            programme = (await enrollment.post("/programmes", json={
                "code": "KULT", "title": "Kultur", "network_id": "net-helse-nord",
                "requires_manager_approval": False})).json()
            cohort = (await enrollment.post("/cohorts", json={
                "programme_id": programme["id"], "term": "h27", "capacity": 3,
                "applications_open_at": "2020-01-01T00:00:00", "applications_close_at": "2099-01-01T00:00:00"})).json()
            applied = await enrollment.post(f"/cohorts/{cohort['id']}/applications", json=desk.form(
                1, participant={"name": "Ny Navn", "email": f"gammel.{desk.tag}@example.no"}))
            assert applied.status_code == 201, applied.text
            assert applied.json()["participant_id"] == "person-old"
            assert "email_1" not in await client[database].people.index_information()
    finally:
        await client.drop_database(database)
        await client.close()


async def test_many_contacts_at_once_answer_a_reader_for_everyone_known_and_a_participant_only_for_themself(
        desk, enrollment, caller):
    cohort = await desk.cohort((await desk.programme())["id"], capacity=5)
    first, second = await desk.apply(cohort["id"], 1), await desk.apply(cohort["id"], 2)
    mallory = signed_in_participant(caller, enrollment, "mallory", desk.tag)
    mallory_id = (await mallory.get("/people/me")).json()["person_id"]
    asked = [second["participant_id"], "nobody-known", first["participant_id"], mallory_id]

    response = await enrollment.post("/people/contacts", json={"person_ids": asked})
    assert response.status_code == 200, response.text
    assert response.headers["Cache-Control"] == "no-store"
    found = {c["person_id"]: (c["name"], c["email"]) for c in response.json()["contacts"]}
    assert found == {second["participant_id"]: ("Deltaker 2", f"deltaker2.{desk.tag}@example.no"),
                     first["participant_id"]: ("Deltaker 1", f"deltaker1.{desk.tag}@example.no"),
                     mallory_id: ("Mallory", f"mallory.{desk.tag}@example.no")}

    # A participant asking for many reads only their own details, as with one at a time.
    mine = (await mallory.post("/people/contacts", json={"person_ids": asked})).json()["contacts"]
    assert [c["person_id"] for c in mine] == [mallory_id]
    assert (await enrollment.post("/people/contacts", json={"person_ids": []})).status_code == 422
