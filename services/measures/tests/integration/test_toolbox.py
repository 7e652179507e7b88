"""The toolbox: the programmes' methods in Norwegian and English, and coordinators' own methods."""

from __future__ import annotations


async def test_the_toolbox_starts_with_the_programmes_methods_in_norwegian_and_english(steps):
    response = await steps.client.get("/toolbox", params={"limit": 200})
    assert response.status_code == 200
    methods = {m["id"]: m for m in response.json()}
    for method_id in ("concretising-values", "group-norms", "inside-outside", "reflection-groups", "mentoring",
                      "job-rotation-and-shadowing", "dialogue-cloth-party-cooperation", "sick-leave-follow-up-routine"):
        assert method_id in methods, method_id
    for method in methods.values():
        assert method["origin"] == "catalogue" and method["network_id"] is None
        assert method["name"]["nb"] and method["name"]["en"] and method["purpose"]["nb"] and method["purpose"]["en"]
        assert method["steps"] and all(step["nb"] and step["en"] for step in method["steps"])
    assert methods["mentoring"]["name"]["nb"] == "Fadderordning"
    assert sum(m["cost_level"] == "low" for m in methods.values()) > len(methods) * 0.8

    cloth = (await steps.client.get("/toolbox/dialogue-cloth-party-cooperation")).json()
    assert cloth["areas"] == ["leadership_and_party_cooperation", "preventive_work_environment"]
    assert len(cloth["steps"]) == 7  # seating and turn-taking, the warm-up, then the four tasks


async def test_the_toolbox_can_be_narrowed_to_a_measure_area(steps):
    methods = (await steps.client.get("/toolbox", params={"area": "sick_leave_follow_up"})).json()
    assert [m["id"] for m in methods] == ["sick-leave-follow-up-routine"]


async def test_seeding_again_on_a_restart_adds_no_second_copy(steps, app):
    before = len((await steps.client.get("/toolbox", params={"limit": 200})).json())
    assert await app.state.toolbox.seed_catalogue() == 0
    assert len((await steps.client.get("/toolbox", params={"limit": 200})).json()) == before


async def test_a_coordinator_adds_a_method_that_their_network_sees(steps):
    response = await steps.client.post("/toolbox", json={
        "network_id": steps.network_id,
        "name": {"nb": "Morgenmøte med refleksjon", "en": "Morning huddle with reflection"},
        "purpose": {"nb": "Ti minutter hver morgen om gårsdagens læring"},
        "areas": ["competence_development"],
        "typical_duration": {"nb": "10 minutter daglig"},
        "steps": [{"nb": "Én forteller hva hun lærte i går"}],
    })
    assert response.status_code == 201, response.text
    method = response.json()
    assert (method["origin"], method["cost_level"], method["purpose"]["en"]) == ("coordinator", "low", None)

    own = [m["id"] for m in (await steps.client.get("/toolbox", params={"network_id": steps.network_id,
                                                                        "limit": 200})).json()]
    shared_only = [m["id"] for m in (await steps.client.get("/toolbox", params={"limit": 200})).json()]
    assert method["id"] in own and method["id"] not in shared_only
    assert (await steps.client.get(f"/toolbox/{method['id']}")).json()["name"]["nb"] == "Morgenmøte med refleksjon"


async def test_a_method_needs_its_text_in_at_least_one_language(steps):
    response = await steps.client.post("/toolbox", json={
        "network_id": steps.network_id, "name": {}, "purpose": {"en": "x"}, "areas": ["competence_development"],
        "typical_duration": {"en": "x"}})
    assert response.status_code == 422


async def test_a_measure_naming_a_method_that_is_not_in_the_toolbox_is_refused(steps):
    response = await steps.client.post("/measures", json={
        "network_id": steps.network_id, "organisation_id": "org-1", "unit_ids": ["unit-1"], "title": "Ukjent",
        "area": "culture_and_values", "goal": "Mål", "method_id": "no-such-method"})
    assert response.status_code == 422
    assert "no-such-method" in response.json()["detail"]
    assert (await steps.client.get("/toolbox/no-such-method")).status_code == 404
