"""Measures knows enrollment's directory from its events: a leader proposes only for their own
organisation and units inside that organisation's network, and lists show names next to ids."""

from __future__ import annotations

import csv
import io
import uuid
from dataclasses import dataclass

from openpyxl import load_workbook

import pytest

from samla_shared.contract.directory import (
    NetworkRegistered,
    OrganisationRegistered,
    UnitRegistered,
    UnitRenamed,
)


@dataclass
class Region:
    """Two networks of the directory: Trøndelag (ours) with Oppdal and its units, Syd with Rennebu."""

    ours: str
    theirs: str
    oppdal: str
    rennebu: str
    home_care: str
    nursing_home: str
    rennebu_ward: str


@pytest.fixture
async def region(steps, produce, app, wait_until) -> Region:
    tag = uuid.uuid4().hex[:8]
    r = Region(ours=steps.network_id, theirs=f"net-syd-{tag}", oppdal=f"org-oppdal-{tag}",
               rennebu=f"org-rennebu-{tag}", home_care=f"unit-hjemme-{tag}", nursing_home=f"unit-sykehjem-{tag}",
               rennebu_ward=f"unit-rennebu-{tag}")
    entries = (
        NetworkRegistered(network_id=r.ours, name="Læringsnettverk Trøndelag", country="NO",
                          default_language="nb", time_zone="Europe/Oslo"),
        NetworkRegistered(network_id=r.theirs, name="Læringsnettverk Syd", country="NO",
                          default_language="nb", time_zone="Europe/Oslo"),
        OrganisationRegistered(network_id=r.ours, organisation_id=r.oppdal, name="Oppdal kommune",
                               kind="municipality", organisation_number="964982953"),
        OrganisationRegistered(network_id=r.theirs, organisation_id=r.rennebu, name="Rennebu kommune",
                               kind="municipality"),
        UnitRegistered(network_id=r.ours, unit_id=r.home_care, organisation_id=r.oppdal,
                       name="Hjemmetjenesten", kind="home_care_service"),
        UnitRegistered(network_id=r.ours, unit_id=r.nursing_home, organisation_id=r.oppdal,
                       name="Oppdal helsesenter", kind="nursing_home"),
        UnitRegistered(network_id=r.theirs, unit_id=r.rennebu_ward, organisation_id=r.rennebu,
                       name="Rennebu sykehjem", kind="nursing_home"),
    )
    directory = app.state.directory

    async def known():
        # Each entry is keyed by its own id, so they may arrive in any order: wait for all of them.
        placement = await directory.placement(r.rennebu, [r.home_care, r.nursing_home, r.rennebu_ward])
        names = await directory.names(networks=[r.ours, r.theirs], organisations=[r.oppdal, r.rennebu])
        return (placement.organisation_network and len(placement.unit_organisations) == 3
                and len(names.networks) == 2 and len(names.organisations) == 2)

    # The service's consumer starts at the latest offset: a record sent before it has placed
    # itself on that partition is not seen, so send the entries again (a redelivery, which the
    # read model takes as the same state) until all of them have arrived.
    for attempt in range(3):
        for entry in entries:
            await produce(entry)
        try:
            await wait_until(known, timeout=15)
            return r
        except AssertionError:
            if attempt == 2:
                raise
    return r


def proposal(network_id: str, organisation_id: str, *unit_ids: str, **extra) -> dict:
    return {"network_id": network_id, "organisation_id": organisation_id, "unit_ids": list(unit_ids),
            "title": "Heltidskultur", "area": "full_time_culture", "goal": "Flere hele stillinger"} | extra


async def test_a_leader_cannot_propose_into_another_network_or_for_units_outside_their_organisation(
        steps, caller, region, wait_until):
    r = region
    leader = caller(steps.client, "leder-oppdal", roles=["organisation_leader"], organisations=[r.oppdal],
                    person_id="person-leder-oppdal")
    # Even a token that also names the other network: the directory places Oppdal in ours.
    leader_listing_both = caller(steps.client, "leder-oppdal", roles=["organisation_leader"],
                                 organisations=[r.oppdal], networks=[r.ours, r.theirs],
                                 person_id="person-leder-oppdal")
    unit_leader = caller(steps.client, "leder-hjemme", roles=["organisation_leader"], organisations=[r.oppdal],
                         units=[r.home_care], person_id="person-leder-hjemme")

    for client, body, status in (
        (leader, proposal(r.theirs, r.oppdal, r.home_care), 422),
        (leader_listing_both, proposal(r.theirs, r.oppdal, r.home_care), 422),
        (leader, proposal(r.ours, r.oppdal, r.rennebu_ward), 422),
        (leader, proposal(r.ours, r.oppdal, r.home_care, r.rennebu_ward), 422),
        (leader, proposal(r.theirs, r.rennebu, r.rennebu_ward), 404),
        (unit_leader, proposal(r.ours, r.oppdal, r.home_care, r.nursing_home), 404),
        (unit_leader, proposal(r.ours, r.oppdal, r.nursing_home), 404),
    ):
        refused = await client.post("/measures", json=body)
        assert refused.status_code == status, (body, refused.text)
        assert refused.headers["content-type"] == "application/problem+json"

    # Nothing of it shows in the other network's views.
    their_coordinator = caller(steps.client, "koordinator-syd", roles=["network_coordinator"], networks=[r.theirs])
    assert (await their_coordinator.get("/measures")).json() == []
    assert (await their_coordinator.get(f"/networks/{r.theirs}/insight")).json()["measures_total"] == 0

    # Inside their own organisation, units and network, the leader proposes; the lists show names.
    proposed = await unit_leader.post("/measures", json=proposal(r.ours, r.oppdal, r.home_care))
    assert proposed.status_code == 201, proposed.text
    shown = proposed.json()
    assert shown["proposed_by"] == "person-leder-hjemme"
    assert shown["network_name"] == "Læringsnettverk Trøndelag"
    assert shown["organisation_name"] == "Oppdal kommune"
    assert shown["units"] == [{"id": r.home_care, "name": "Hjemmetjenesten"}]
    our_coordinator = caller(steps.client, "koordinator-trondelag", roles=["network_coordinator"], networks=[r.ours])
    listed = (await our_coordinator.get("/measures")).json()
    assert [(m["id"], m["organisation_name"]) for m in listed] == [(shown["id"], "Oppdal kommune")]
    effects = (await our_coordinator.get(f"/units/{r.home_care}/effects", params={"network_id": r.ours})).json()
    assert effects["unit_name"] == "Hjemmetjenesten"

    async def insight_named():
        insight = (await our_coordinator.get(f"/networks/{r.ours}/insight")).json()
        return insight if insight["organisations"] else None

    insight = await wait_until(insight_named)
    assert insight["network_name"] == "Læringsnettverk Trøndelag"
    assert [(o["organisation_id"], o["organisation_name"]) for o in insight["organisations"]] == [
        (r.oppdal, "Oppdal kommune")]


async def test_a_renamed_unit_shows_its_new_name(steps, caller, region, produce, wait_until):
    r = region
    leader = caller(steps.client, "leder-oppdal", roles=["organisation_leader"], organisations=[r.oppdal],
                    person_id="person-leder-oppdal")
    proposed = (await leader.post("/measures", json=proposal(r.ours, r.oppdal, r.nursing_home))).json()
    await produce(UnitRenamed(network_id=r.ours, unit_id=r.nursing_home, organisation_id=r.oppdal,
                              name="Oppdal helse- og omsorgssenter", kind="nursing_home"))

    async def renamed():
        shown = (await leader.get(f"/measures/{proposed['id']}")).json()
        return shown["units"] == [{"id": r.nursing_home, "name": "Oppdal helse- og omsorgssenter"}]

    await wait_until(renamed)


async def test_while_the_directory_does_not_know_an_organisation_the_tokens_networks_decide(steps, caller):
    unknown = f"org-ny-{uuid.uuid4().hex[:8]}"
    without_networks = caller(steps.client, "leder-ny", roles=["organisation_leader"], organisations=[unknown],
                              person_id="person-leder-ny")
    refused = await without_networks.post("/measures", json=proposal(steps.network_id, unknown, "unit-ny"))
    assert refused.status_code == 422
    assert "does not know organisation" in refused.json()["detail"]

    with_network = caller(steps.client, "leder-ny", roles=["organisation_leader"], organisations=[unknown],
                          networks=[steps.network_id], person_id="person-leder-ny")
    elsewhere = await with_network.post("/measures", json=proposal(f"net-{uuid.uuid4().hex[:6]}", unknown, "unit-ny"))
    assert elsewhere.status_code == 422
    accepted = await with_network.post("/measures", json=proposal(steps.network_id, unknown, "unit-ny"))
    assert accepted.status_code == 201, accepted.text
    assert accepted.json()["organisation_name"] is None


async def test_audit_fields_are_the_caller_never_the_body(steps, caller):
    leader = steps.party("leader")
    for field in ("proposed_by", "by", "recorded_by"):
        refused = await leader.post("/measures", json=proposal(steps.network_id, "org-oppdal", "unit-hjemme",
                                                               **{field: "person-someone-else"}))
        assert refused.status_code == 422, refused.text
        assert f"body.{field}" in {e["location"] for e in refused.json()["errors"]}

    proposed = await leader.post("/measures", json=proposal(steps.network_id, "org-oppdal", "unit-hjemme"))
    measure = proposed.json()
    assert measure["proposed_by"] == "person-leder"
    await steps.agree(measure["id"])
    coordinator = caller(steps.client, "kari", roles=["network_coordinator"], networks=[steps.network_id],
                         person_id="person-kari")
    adopted = await coordinator.post(f"/measures/{measure['id']}/adoption", json={})
    assert adopted.json()["adopted_by"] == "person-kari"

    forged = await leader.post(f"/measures/{measure['id']}/follow-ups",
                               json={"held_on": steps.today.isoformat(), "in_practice": True,
                                     "recorded_by": "person-kari"})
    assert forged.status_code == 422
    followed = await leader.post(f"/measures/{measure['id']}/follow-ups",
                                 json={"held_on": steps.today.isoformat(), "in_practice": True})
    assert followed.status_code == 201, followed.text
    assert followed.json()["recorded_by"] == "person-leder"
    listed = (await leader.get(f"/measures/{measure['id']}/follow-ups")).json()
    assert [f["recorded_by"] for f in listed] == ["person-leder"]

    stopped = await leader.post(f"/measures/{measure['id']}/discontinuation",
                                json={"reason": "Avdelingen er lagt ned", "decided_by": "person-kari"})
    assert stopped.status_code == 422
    stopped = await leader.post(f"/measures/{measure['id']}/discontinuation", json={"reason": "Avdelingen er lagt ned"})
    assert stopped.status_code == 200, stopped.text
    shown = stopped.json()
    assert shown["discontinuation"]["decided_by"] == "person-leder"
    assert [(h["status"], h["by"]) for h in shown["history"]] == [
        ("proposed", "person-leder"), ("adopted", "person-kari"), ("in_practice", "person-leder"),
        ("discontinued", "person-leder")]


async def test_exports_name_the_network_organisations_and_units_next_to_their_ids(steps, region):
    r = region
    known = await steps.propose(organisation_id=r.oppdal, unit_ids=(r.home_care, r.nursing_home),
                                title="Tidlig og tett på – Ørland og Åfjord")
    unknown_organisation = f"org-ukjent-{uuid.uuid4().hex[:6]}"
    await steps.propose(organisation_id=unknown_organisation, unit_ids=("unit-ukjent",), indicators=[])

    workbook = await steps.client.get("/exports/measures", params={"network_id": r.ours})
    assert workbook.status_code == 200, workbook.text
    book = load_workbook(io.BytesIO(workbook.content), read_only=True)
    # Excel keeps 31 characters of a sheet's title.
    assert book.sheetnames == [title[:31] for title in ("Tiltak – Læringsnettverk Trøndelag",
                                                         "Indikatorer – Læringsnettverk Trøndelag",
                                                         "Oppfølginger – Læringsnettverk Trøndelag")]
    measures = [list(row) for row in book.worksheets[0].iter_rows(values_only=True)]
    assert measures[0][3:7] == ["Organisasjon", "Organisasjonsnavn", "Enheter", "Enhetsnavn"]
    assert measures[0][7:9] == ["Metode", "Metodenavn"]
    assert [r_[7:9] for r_ in measures[1:]] == [["sick-leave-follow-up-routine", "Rutiner for sykefraværsoppfølging"]] * 2
    assert measures[0][15:17] == ["Nettverk", "Nettverksnavn"]
    assert [r_[3:7] + r_[15:17] for r_ in measures[1:]] == [
        [r.oppdal, "Oppdal kommune", f"{r.home_care}, {r.nursing_home}", "Hjemmetjenesten, Oppdal helsesenter",
         r.ours, "Læringsnettverk Trøndelag"],
        [unknown_organisation, None, "unit-ukjent", None, r.ours, "Læringsnettverk Trøndelag"]]
    indicators = [list(row) for row in book.worksheets[1].iter_rows(values_only=True)]
    assert [(row[12], row[13], row[15], row[16]) for row in indicators[1:]] == [
        (r.oppdal, "Oppdal kommune", "Hjemmetjenesten, Oppdal helsesenter", known["id"])]

    as_csv = await steps.client.get("/exports/measures", params={"network_id": r.ours, "format": "csv",
                                                                 "lang": "da"})
    heading, *rows = csv.reader(io.StringIO(as_csv.content.decode("utf-8-sig")), delimiter=";")
    assert heading[3:7] == ["Organisation", "Organisationsnavn", "Enheder", "Enhedsnavn"]
    assert [row[0] for row in rows] == ["Tidlig og tett på – Ørland og Åfjord", "Tidlig og tett på"]
    assert [row[4] for row in rows] == ["Oppdal kommune", ""]
    # The toolbox has no Danish text: the method is named in Norwegian rather than not at all.
    assert heading[7:9] == ["Metode", "Metodenavn"] and rows[0][8] == "Rutiner for sykefraværsoppfølging"

    # The network's trend chart labels each organisation's line with its name.
    adopted = await steps.adopted(organisation_id=r.oppdal, unit_ids=(r.home_care,), adopted_days_ago=100)
    [indicator] = adopted["indicators"]
    followed = await steps.follow_up(adopted["id"], held_on=steps.days_ago(20),
                                     readings=[{"indicator_id": indicator["id"], "value": 8.0}])
    assert followed.status_code == 201, followed.text
    trend = await steps.client.get(f"/networks/{r.ours}/indicator-trend", params={"kind": "sick_leave_percent"})
    assert trend.status_code == 200, trend.text
    assert "Oppdal kommune" in trend.text and r.oppdal not in trend.text
