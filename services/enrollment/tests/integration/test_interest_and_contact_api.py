"""Interest in the next cohort, and the contact details only enrollment keeps, on the real stack."""

from __future__ import annotations

from datetime import timedelta


def person(desk, n: int = 1, **overrides) -> dict:
    return {"person": {"name": f"Interessert {n}", "email": f"interessert{n}.{desk.tag}@example.no",
                       "language": "nb"} | overrides}


async def full_cohort(desk) -> dict:
    cohort = await desk.cohort(capacity=1)
    await desk.apply(cohort["id"], 1)
    return cohort


async def test_interest_at_a_full_cohort_is_registered_for_its_programme_and_announced_by_id(desk, enrollment,
                                                                                             published):
    cohort = await full_cohort(desk)
    response = await enrollment.post(f"/cohorts/{cohort['id']}/interest", json=person(desk))
    assert response.status_code == 201, response.text
    interest = response.json()
    assert (interest["programme_id"], interest["cohort_id"], interest["pending"]) == (
        cohort["programme_id"], cohort["id"], True)

    records = await published.wait_for(cohort["programme_id"], "ProgrammePublished", "InterestRegistered")
    assert [kind for kind, _ in records] == ["ProgrammePublished", "InterestRegistered"]
    [event] = published.of_type(records, "InterestRegistered")
    assert (event["interest_id"], event["person_id"]) == (interest["id"], interest["person_id"])
    assert "interessert1" not in str(event)
    listed = (await enrollment.get(f"/programmes/{cohort['programme_id']}/interest")).json()
    assert [i["id"] for i in listed] == [interest["id"]]


async def test_registering_again_while_pending_returns_the_same_registration(desk, enrollment):
    cohort = await full_cohort(desk)
    first = await enrollment.post(f"/cohorts/{cohort['id']}/interest", json=person(desk))
    again = await enrollment.post(f"/programmes/{cohort['programme_id']}/interest", json=person(desk))
    assert (first.status_code, again.status_code) == (201, 200)
    assert again.json()["id"] == first.json()["id"]


async def test_a_newly_announced_cohort_ends_pending_registrations_and_a_new_one_can_follow(desk, enrollment,
                                                                                          published):
    cohort = await full_cohort(desk)
    first = (await enrollment.post(f"/cohorts/{cohort['id']}/interest", json=person(desk))).json()
    autumn = await desk.cohort(cohort["programme_id"], opens_in=timedelta(days=60))  # planned: not yet open
    listed = (await enrollment.get(f"/programmes/{cohort['programme_id']}/interest")).json()
    assert [i["pending"] for i in listed] == [False], "the autumn cohort's CohortOpened lets notifications tell them"

    renewed = await enrollment.post(f"/cohorts/{autumn['id']}/interest", json=person(desk))
    assert renewed.status_code == 201 and renewed.json()["id"] != first["id"]
    records = await published.wait_for(cohort["programme_id"], "InterestRegistered", "InterestRegistered")
    assert len(published.of_type(records, "InterestRegistered")) == 2


async def test_interest_is_refused_while_a_cohort_of_the_programme_takes_applications(desk, enrollment):
    cohort = await desk.cohort(capacity=3)
    response = await enrollment.post(f"/cohorts/{cohort['id']}/interest", json=person(desk))
    assert response.status_code == 409
    assert "apply there instead" in response.json()["detail"] and response.json()["cohort_ids"] == [cohort["id"]]


async def test_interest_in_an_archived_programme_is_refused(desk, enrollment):
    cohort = await full_cohort(desk)
    await enrollment.post(f"/programmes/{cohort['programme_id']}/archive", json={"by": desk.coordinator})
    response = await enrollment.post(f"/programmes/{cohort['programme_id']}/interest", json=person(desk))
    assert response.status_code == 409 and "archived" in response.json()["detail"]


async def test_the_contact_endpoint_gives_current_details_and_forbids_caching(desk, enrollment, caller):
    cohort = await desk.cohort(capacity=5)
    application = await desk.apply(cohort["id"], 1)
    response = await enrollment.get(f"/people/{application['participant_id']}/contact")
    assert response.status_code == 200
    assert response.headers["cache-control"] == "no-store"
    assert response.json() == {"person_id": application["participant_id"], "name": "Deltaker 1",
                               "email": f"deltaker1.{desk.tag}@example.no", "phone": "+47 912 34 567",
                               "language": "nb"}

    other = await desk.cohort(cohort["programme_id"], capacity=5)
    form = desk.form(1)
    form["participant"] |= {"phone": "+47 400 00 001", "language": "en"}
    assert (await enrollment.post(f"/cohorts/{other['id']}/applications", json=form)).status_code == 201
    kept = (await enrollment.get(f"/people/{application['participant_id']}/contact")).json()
    assert (kept["phone"], kept["language"]) == ("+47 912 34 567", "nb"), "a form proposes, the person confirms"

    person = caller(enrollment, "deltaker-1", roles=["participant"], person_id=application["participant_id"])
    me = (await person.get("/people/me")).json()
    assert [(c["phone"], c["language"]) for c in me["pending_changes"]] == [("+47 400 00 001", "en")]
    confirmed = await person.post("/people/me/pending-changes", json={"confirm": True})
    assert confirmed.status_code == 200 and confirmed.json()["pending_changes"] == []
    updated = (await enrollment.get(f"/people/{application['participant_id']}/contact")).json()
    assert (updated["phone"], updated["language"]) == ("+47 400 00 001", "en")

    manager = (await enrollment.get(f"/people/{application['manager_id']}/contact")).json()
    assert (manager["name"], manager["language"]) == ("Leder Lund", None)
