"""Regional demand on the real stack: interest records where people would like the next cohort, and
coordinators see the registrations per region to decide where it runs."""

from __future__ import annotations


def person(desk, n: int, region: str | None) -> dict:
    body = {"person": {"name": f"Interessert {n}", "email": f"interessert{n}.{desk.tag}@example.no"}}
    return body | ({"region": region} if region is not None else {})


async def test_interest_records_the_preferred_region_and_coordinators_see_it_per_region(
        desk, enrollment, caller, published):
    cohort = await desk.cohort(capacity=1)
    await desk.apply(cohort["id"], 1)  # full: people register interest in the next one instead
    programme_id = cohort["programme_id"]
    wishes = [("Nordland", f"/cohorts/{cohort['id']}/interest"), ("nordland ", f"/programmes/{programme_id}/interest"),
              ("Troms", f"/programmes/{programme_id}/interest"), (None, f"/programmes/{programme_id}/interest"),
              ("Nordland", f"/programmes/{programme_id}/interest")]
    for n, (region, path) in enumerate(wishes, start=1):
        response = await enrollment.post(path, json=person(desk, n, region))
        assert response.status_code == 201, response.text
    assert response.json()["region"] == "Nordland"
    assert (await enrollment.post(f"/programmes/{programme_id}/interest",
                                  json=person(desk, 9, "x" * 81))).status_code == 422

    kari = caller(enrollment, desk.coordinator, roles=["network_coordinator"], networks=[desk.network])
    regions = await kari.get(f"/programmes/{programme_id}/interest/regions")
    assert regions.status_code == 200, regions.text
    assert regions.json() == [{"region": "Nordland", "pending": 3, "total": 3},
                              {"region": "Troms", "pending": 1, "total": 1},
                              {"region": None, "pending": 1, "total": 1}]
    # Once the next cohort is announced, the interest is no longer pending, but still counts where it was.
    await desk.cohort(programme_id, capacity=10)
    regions = (await kari.get(f"/programmes/{programme_id}/interest/regions")).json()
    assert [(r["region"], r["pending"], r["total"]) for r in regions] == [
        ("Nordland", 0, 3), ("Troms", 0, 1), (None, 0, 1)]

    elsewhere = caller(enrollment, "coordinator-other", roles=["network_coordinator"], networks=["net-other"])
    assert (await elsewhere.get(f"/programmes/{programme_id}/interest/regions")).status_code == 404
    participant = caller(enrollment, "idp-someone", roles=["participant"])
    assert (await participant.get(f"/programmes/{programme_id}/interest/regions")).status_code == 403

    records = await published.wait_for(programme_id, *["InterestRegistered"] * 5)
    assert sorted(str(e.get("region")) for e in published.of_type(records, "InterestRegistered")) == [
        "None", "Nordland", "Nordland", "Nordland", "Troms"]
