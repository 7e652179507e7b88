"""A progress plan's overdue milestone (MilestoneOverdue from measures) is mailed to the plan's owners."""

from __future__ import annotations

import uuid
from datetime import date

from samla_shared.contract.measures import MilestoneOverdue, SeriesKind


async def test_the_owners_of_a_plan_are_told_of_an_overdue_milestone_once(
        start_notifications, publish, people, mailbox, wait_until):
    kari, ola = people.add("Kari Nordmann"), people.add("Ola Nordmann")
    event = MilestoneOverdue(network_id=f"net-{uuid.uuid4().hex[:6]}", organisation_id="org-bodo",
                             plan_id=uuid.uuid4().hex, milestone_id=uuid.uuid4().hex, due_on=date(2026, 6, 30),
                             kind=SeriesKind.FULL_TIME_SHARE_PERCENT, target_value=50.0, current_value=43.0,
                             owner_ids=[kari, ola])
    event_id = uuid.uuid4().hex
    async with start_notifications():
        await publish(event, id=event_id)
        await publish(event, id=event_id)  # redelivered: still one mail each

        async def both():
            return mailbox.to(people.email(kari)) and mailbox.to(people.email(ola))

        await wait_until(both)
        [mail] = mailbox.to(people.email(kari))
        assert mail["Subject"] == "Delmål ikke nådd: andel heltidsstillinger"
        text = mailbox.text(mail)
        assert "50.0" in text and "43.0" in text and "30. juni 2026" in text
        assert len(mailbox.to(people.email(ola))) == 1
