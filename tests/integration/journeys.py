"""Steps of user journeys shared by the cross-service tests."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta


async def open_cohort(enrollment, *, capacity: int = 30, approval: bool = False, network_id: str = "net-sor-ost") -> str:
    programme = await enrollment.post("/programmes", json={
        "code": "KULT", "title": "Kulturkompetanse", "network_id": network_id, "language": "nb",
        "requires_manager_approval": approval,
        "gathering_plan": [{"kind": "kickoff", "days": 2}, {"kind": "gathering", "days": 1, "weeks_after_previous": 6},
                           {"kind": "digital_meeting", "days": 1, "online": True, "weeks_after_previous": 4},
                           {"kind": "closing", "days": 1, "weeks_after_previous": 6}],
    })
    assert programme.status_code == 201, programme.text
    now = datetime.now(UTC)
    cohort = await enrollment.post("/cohorts", json={
        "programme_id": programme.json()["id"], "term": "spring-2027", "capacity": capacity,
        "applications_open_at": (now - timedelta(days=1)).isoformat(),
        "applications_close_at": (now + timedelta(days=30)).isoformat(),
    })
    assert cohort.status_code == 201, cohort.text
    return cohort.json()["id"]
