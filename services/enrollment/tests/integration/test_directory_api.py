"""The directory on the real stack: networks, member organisations and units; who may change what; events."""

from __future__ import annotations

import uuid


async def test_a_network_its_organisations_and_units_are_registered_renamed_found_and_announced(
        enrollment, caller, published, desk):
    tag = uuid.uuid4().hex[:6]
    network_id = f"net-{tag}"
    created = await enrollment.post("/networks", json={"id": network_id, "name": "Læringsnettverk Nord",
                                                       "country": "NO", "time_zone": "Europe/Oslo"})
    assert created.status_code == 201, created.text
    assert created.json()["default_language"] == "nb"
    again = await enrollment.post("/networks", json={"id": network_id, "name": "Kopi", "country": "NO"})
    assert again.status_code == 409

    coordinator = caller(enrollment, "kari", roles=["network_coordinator"], networks=[network_id])
    organisation = await coordinator.post("/organisations", json={
        "id": f"org-{tag}", "network_id": network_id, "name": "Tromsø kommune", "kind": "municipality",
        "organisation_number": "940101808"})
    assert organisation.status_code == 201, organisation.text
    danish_number = await coordinator.post("/organisations", json={
        "network_id": network_id, "name": "Feil", "kind": "municipality", "organisation_number": "29189846"})
    assert danish_number.status_code == 422 and "9 digits" in danish_number.json()["detail"]
    unit = await coordinator.post("/units", json={"id": f"unit-{tag}", "organisation_id": f"org-{tag}",
                                                  "name": "Hjemmetjenesten sentrum", "kind": "home_care_service"})
    assert unit.status_code == 201, unit.text
    assert unit.json()["network_id"] == network_id

    renamed = await coordinator.patch(f"/units/{unit.json()['id']}", json={"name": "Hjemmetjenesten Tromsø sentrum"})
    assert renamed.status_code == 200 and renamed.json()["name"] == "Hjemmetjenesten Tromsø sentrum"
    assert (await coordinator.patch(f"/networks/{network_id}", json={"name": "Nettverk Nord"})).status_code == 200

    reader = caller(enrollment, "tv", roles=["union_representative"], organisations=[f"org-{tag}"])
    assert [u["name"] for u in (await reader.get("/units", params={"q": "tromsø SENTRUM"})).json()] == [
        "Hjemmetjenesten Tromsø sentrum"]
    assert [o["id"] for o in (await reader.get("/organisations", params={"q": "940101808"})).json()] == [f"org-{tag}"]
    assert [o["id"] for o in (await reader.get("/organisations", params={"network_id": network_id})).json()] == [
        f"org-{tag}"]
    assert (await reader.get(f"/networks/{network_id}")).json()["name"] == "Nettverk Nord"
    assert (await reader.get("/networks/no-such-network")).status_code == 404

    records = await published.wait_for(f"unit-{tag}", "UnitRegistered", "UnitRenamed")
    assert [(kind, data["name"]) for kind, data in records] == [
        ("UnitRegistered", "Hjemmetjenesten sentrum"), ("UnitRenamed", "Hjemmetjenesten Tromsø sentrum")]
    assert records[-1][1] == {"schema_version": 1, "network_id": network_id, "unit_id": f"unit-{tag}",
                                   "organisation_id": f"org-{tag}", "name": "Hjemmetjenesten Tromsø sentrum",
                                   "kind": "home_care_service"}
    network_records = await published.wait_for(network_id, "NetworkRegistered", "NetworkRenamed")
    assert [kind for kind, _ in network_records] == ["NetworkRegistered", "NetworkRenamed"]

    # Applications and cohorts show the names next to the ids.
    programme = await desk.programme(network_id=network_id)
    cohort = await desk.cohort(programme["id"], network_id=network_id)
    application = await desk.apply(cohort["id"], 1, organisation_id=f"org-{tag}", unit_id=f"unit-{tag}")
    shown = await desk.shown("applications", application["id"])
    assert (shown["organisation_name"], shown["unit_name"]) == ("Tromsø kommune", "Hjemmetjenesten Tromsø sentrum")
    listed = (await enrollment.get(f"/cohorts/{cohort['id']}/applications")).json()
    assert [a["organisation_name"] for a in listed] == ["Tromsø kommune"]
    assert (await desk.shown("cohorts", cohort["id"]))["network_name"] == "Nettverk Nord"
    assert (await desk.shown("programmes", programme["id"]))["network_name"] == "Nettverk Nord"


async def test_only_an_admin_registers_networks_and_coordinators_manage_their_own_networks_only(enrollment, caller):
    tag = uuid.uuid4().hex[:6]
    mine, theirs = f"net-a-{tag}", f"net-b-{tag}"
    for network_id in (mine, theirs):
        assert (await enrollment.post("/networks", json={"id": network_id, "name": network_id,
                                                         "country": "DK", "default_language": "da",
                                                         "time_zone": "Europe/Copenhagen"})).status_code == 201
    coordinator = caller(enrollment, "kari", roles=["network_coordinator"], networks=[mine])
    assert (await coordinator.post("/networks", json={"name": "Egen", "country": "NO"})).status_code == 403
    refused = await coordinator.post("/organisations", json={"network_id": theirs, "name": "Aarhus Kommune",
                                                             "kind": "municipality"})
    assert refused.status_code == 403
    theirs_org = (await enrollment.post("/organisations", json={
        "network_id": theirs, "name": "Aarhus Kommune", "kind": "municipality",
        "organisation_number": "55133018"})).json()
    assert (await coordinator.patch(f"/organisations/{theirs_org['id']}", json={"name": "Kapret"})).status_code == 404
    assert (await coordinator.patch(f"/networks/{theirs}", json={"name": "Kapret"})).status_code == 404
    assert (await coordinator.post("/units", json={"organisation_id": theirs_org["id"], "name": "Afdeling",
                                                   "kind": "ward"})).status_code == 403
    leader = caller(enrollment, "leder", roles=["organisation_leader"], organisations=[theirs_org["id"]])
    assert (await leader.post("/units", json={"organisation_id": theirs_org["id"], "name": "Afdeling",
                                              "kind": "ward"})).status_code == 403
    assert (await enrollment.get(f"/organisations/{theirs_org['id']}")).json()["name"] == "Aarhus Kommune"
