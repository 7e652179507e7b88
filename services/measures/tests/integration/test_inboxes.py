"""Inboxes: a representative sees the measures waiting for their own agreement, a leader their
units' measures; each sees exactly their own organisation's and units', nobody else anything."""

from __future__ import annotations

import uuid

import pytest

from samla_shared.contract.directory import OrganisationRegistered, UnitRegistered


@pytest.fixture
def org() -> str:
    return f"org-{uuid.uuid4().hex[:8]}"


def ids(section: list[dict]) -> list[str]:
    return [m["id"] for m in section]


async def test_a_representative_sees_what_waits_for_their_own_agreement_and_nothing_of_another_organisation(
        steps, caller, org, produce, app, wait_until):
    home_care, ward = f"{org}-hjemme", f"{org}-sengepost"
    await produce(OrganisationRegistered(network_id=steps.network_id, organisation_id=org, name="Orkland kommune",
                                         kind="municipality"))
    await produce(UnitRegistered(network_id=steps.network_id, unit_id=home_care, organisation_id=org,
                                 name="Hjemmetjenesten Orkdal", kind="home_care_service"))

    async def known():
        return (await app.state.directory.placement(org, [home_care])).unit_organisations

    await wait_until(known)
    first = await steps.propose(organisation_id=org, unit_ids=(home_care,))
    second = await steps.propose(organisation_id=org, unit_ids=(ward,),
                                 owners=[{"role": "union_representative", "person_id": "person-annen-tv"}])
    adopted = await steps.adopted(organisation_id=org, unit_ids=(home_care,))

    union = steps.party("union_representative", organisation_id=org)
    inbox = (await union.get("/inbox/representative")).json()
    assert ids(inbox["awaiting_your_agreement"]) == [first["id"]]
    # The second names another union representative: not this one's to agree.
    assert ids(inbox["awaiting_others"]) == [second["id"]]
    shown = inbox["awaiting_your_agreement"][0]
    assert shown["awaiting_your_agreement_as"] == ["union_representative"]
    assert shown["organisation_name"] == "Orkland kommune"
    assert shown["units"] == [{"id": home_care, "name": "Hjemmetjenesten Orkdal"}]
    assert adopted["id"] not in ids(inbox["awaiting_your_agreement"] + inbox["awaiting_others"])

    # A safety representative of the home-care unit only: the ward's measure is not theirs to see.
    safety = steps.party("safety_representative", organisation_id=org, unit_ids=(home_care,))
    assert ids((await safety.get("/inbox/representative")).json()["awaiting_your_agreement"]) == [first["id"]]

    # Agreeing moves the measure from the representative's own pile to the others'.
    assert (await union.post(f"/measures/{first['id']}/consents", json={})).status_code == 200
    inbox = (await union.get("/inbox/representative")).json()
    assert inbox["awaiting_your_agreement"] == []
    assert sorted(ids(inbox["awaiting_others"])) == sorted([first["id"], second["id"]])

    # Another organisation's representatives, and one of another unit, see nothing of it.
    for outsider in (steps.party("union_representative", organisation_id=f"org-{uuid.uuid4().hex[:8]}"),
                     steps.party("safety_representative", organisation_id=f"org-{uuid.uuid4().hex[:8]}"),
                     steps.party("safety_representative", organisation_id=org, unit_ids=(f"{org}-kjokken",))):
        assert (await outsider.get("/inbox/representative")).json() == {
            "awaiting_your_agreement": [], "awaiting_others": []}


async def test_a_leader_sees_their_units_measures_by_what_they_wait_for(steps, caller, org):
    unit, other_unit = f"{org}-hjemme", f"{org}-sykehjem"
    waiting_for_me = await steps.propose(organisation_id=org, unit_ids=(unit,))
    waiting_for_them = await steps.propose(organisation_id=org, unit_ids=(unit,))
    await steps.agree(waiting_for_them["id"], "leader")
    ready = await steps.propose(organisation_id=org, unit_ids=(unit,))
    await steps.agree(ready["id"])
    active = await steps.adopted(organisation_id=org, unit_ids=(unit,))
    elsewhere = await steps.propose(organisation_id=org, unit_ids=(other_unit,))

    leader = steps.party("leader", organisation_id=org, unit_ids=(unit,))
    inbox = (await leader.get("/inbox/leader")).json()
    assert ids(inbox["awaiting_your_agreement"]) == [waiting_for_me["id"]]
    assert inbox["awaiting_your_agreement"][0]["awaiting_your_agreement_as"] == ["leader"]
    assert ids(inbox["awaiting_others"]) == [waiting_for_them["id"]]
    assert inbox["awaiting_others"][0]["missing_agreements"] == ["union_representative", "safety_representative"]
    assert ids(inbox["ready_to_adopt"]) == [ready["id"]]
    assert ids(inbox["active"]) == [active["id"]]
    assert inbox["active"][0]["next_follow_up_due"] == active["next_follow_up_due"]

    whole_organisation = steps.party("leader", organisation_id=org, person_id="person-direktor")
    assert elsewhere["id"] in ids((await whole_organisation.get("/inbox/leader")).json()["awaiting_your_agreement"])

    stranger = steps.party("leader", organisation_id=f"org-{uuid.uuid4().hex[:8]}")
    assert (await stranger.get("/inbox/leader")).json() == {
        "awaiting_your_agreement": [], "awaiting_others": [], "ready_to_adopt": [], "active": []}
    # The inboxes are the parties' own: a coordinator has none.
    coordinator = caller(steps.client, "kari", roles=["network_coordinator"], networks=[steps.network_id])
    assert (await coordinator.get("/inbox/leader")).status_code == 403
    assert (await leader.get("/inbox/representative")).status_code == 403


async def test_only_a_national_coordinator_reads_the_national_overview(service, caller, kafka_bootstrap):
    from samla_measures.entrypoints.app import create_app
    from samla_measures.settings import MeasuresSettings

    # National mode on the tests' broker: no region's replicated topics there, so an empty but real overview.
    async with service(create_app, MeasuresSettings, run_consumers=False,
                       national_kafka_bootstrap_servers=kafka_bootstrap,
                       national_consumer_group=f"test-national-{uuid.uuid4().hex[:10]}") as national:
        programme_coordinator = caller(national, "per", roles=["programme_coordinator"], networks=["net-a"])
        assert (await programme_coordinator.get("/national/overview")).status_code == 403
        national_coordinator = caller(national, "nina", roles=["national_coordinator"])
        overview = await national_coordinator.get("/national/overview")
        assert overview.status_code == 200, overview.text
        assert set(overview.json()) == {"regions", "programmes", "measures_by_area", "trends"}
