"""A follow-up missed past its due date shows as overdue and is announced once."""

from __future__ import annotations


async def test_a_missed_follow_up_shows_as_overdue_and_is_announced_exactly_once(
        steps, app, clock, measure_events, wait_until):
    measure = await steps.adopted(first_follow_up_after_weeks=9)
    due = measure["next_follow_up_due"]
    watch = app.state.overdue_watch

    clock.advance(weeks=9)  # the due day itself: not overdue yet
    assert (await steps.measure(measure["id"]))["overdue"] is False
    assert measure["id"] not in await watch.scan()

    clock.advance(days=1)
    assert (await steps.measure(measure["id"]))["overdue"] is True
    overdue_ids = [m["id"] for m in (await steps.client.get(
        "/measures", params={"network_id": steps.network_id, "overdue": "true"})).json()]
    assert overdue_ids == [measure["id"]]

    assert measure["id"] in await watch.scan()
    assert measure["id"] not in await watch.scan()
    clock.advance(days=3)
    assert measure["id"] not in await watch.scan()

    async def overdue_announced():
        return [data for kind, data in await measure_events.of(measure["id"]) if kind == "FollowUpOverdue"]

    [announcement] = await wait_until(overdue_announced)
    assert announcement["due_on"] == due
    assert announcement["organisation_id"] == measure["organisation_id"]


async def test_recording_the_follow_up_ends_the_overdue_state_and_watches_the_next_due_date(steps, app, clock,
                                                                                           measure_events, wait_until):
    measure = await steps.adopted()
    watch = app.state.overdue_watch
    clock.advance(weeks=8, days=2)
    assert measure["id"] in await watch.scan()

    follow_up = (await steps.follow_up(measure["id"])).json()
    shown = await steps.measure(measure["id"])
    assert (shown["overdue"], shown["next_follow_up_due"]) == (False, follow_up["next_follow_up_due"])
    assert measure["id"] not in await watch.scan()

    clock.advance(weeks=8, days=1)
    assert measure["id"] in await watch.scan()

    async def two_announcements():
        found = [data["due_on"] for kind, data in await measure_events.of(measure["id"]) if kind == "FollowUpOverdue"]
        return found if len(found) == 2 else None

    dues = await wait_until(two_announcements)
    assert dues == [measure["next_follow_up_due"], follow_up["next_follow_up_due"]]


async def test_closed_and_proposed_measures_are_never_overdue(steps, app, clock):
    proposed = await steps.propose()
    discontinued = await steps.adopted()
    await steps.client.post(f"/measures/{discontinued['id']}/discontinuation",
                            json={"reason": "Prosjektet ble stanset"})
    clock.advance(weeks=30)
    announced = await app.state.overdue_watch.scan()
    assert proposed["id"] not in announced and discontinued["id"] not in announced
    assert (await steps.measure(discontinued["id"]))["overdue"] is False
