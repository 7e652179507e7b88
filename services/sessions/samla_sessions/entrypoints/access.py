"""Who may call which sessions endpoint (rendered into docs/security.md; enforced on every request).

Programme coordinators run the sessions of their networks' cohorts; network coordinators
follow them (read only); a participant reads their own plan.
"""

from __future__ import annotations

from samla_shared.security.access import AccessTable, Anonymous, Reach, Rule

NETWORK, OWN = Reach.NETWORK, Reach.OWN
READERS = {"network_coordinator": NETWORK, "programme_coordinator": NETWORK}
RUNNER = {"programme_coordinator": NETWORK}

ACCESS = AccessTable.of("sessions", [
    Rule.of("GET /cohorts/{cohort_id}/roster", **READERS),
    Rule.of("POST /cohorts/{cohort_id}/sessions", **RUNNER),
    Rule.of("GET /cohorts/{cohort_id}/sessions", **READERS),
    Rule.of("POST /cohorts/{cohort_id}/sessions/generated", **RUNNER),
    Rule.of("POST /cohorts/{cohort_id}/sessions/follow-up-day", **RUNNER),
    Rule.of("GET /cohorts/{cohort_id}/completions", **READERS),
    Rule.of("GET /sessions/{session_id}", **READERS),
    Rule.of("PATCH /sessions/{session_id}", **RUNNER),
    Rule.of("POST /sessions/{session_id}/cancellation", **RUNNER),
    Rule.of("GET /sessions/{session_id}/agenda", **READERS),
    Rule.of("PUT /sessions/{session_id}/agenda", **RUNNER),
    Rule.of("GET /sessions/{session_id}/attendance", **READERS),
    Rule.of("PUT /sessions/{session_id}/attendance", **RUNNER),
    Rule.of("PUT /sessions/{session_id}/attendance/{participant_id}", **RUNNER),
    Rule.of("PUT /sessions/{session_id}/make-ups/{participant_id}", **RUNNER),
    Rule.of("POST /sessions/{session_id}/held", **RUNNER),
    # Documents, scoped like the JSON they mirror; a participant fetches their own certificate.
    Rule.of("GET /sessions/{session_id}/attendance/export", **READERS),
    Rule.of("GET /sessions/{session_id}/attendance-sheet", **READERS),
    Rule.of("GET /cohorts/{cohort_id}/completions/export", **READERS),
    Rule.of("GET /cohorts/{cohort_id}/certificates", **READERS),
    Rule.of("GET /cohorts/{cohort_id}/certificates/{participant_id}", **READERS, participant=OWN),
    Rule.of("GET /participants/{participant_id}/plan", participant=OWN),
    Rule.of("GET /participants/{participant_id}/plan.ics", participant=OWN),
    # Calendar subscriptions: each caller's own secret link; the feed itself needs only the link.
    Rule.of("POST /participants/{participant_id}/calendar-feed", participant=OWN),
    Rule.of("POST /cohorts/{cohort_id}/calendar-feed", **READERS),
    Rule.of("GET /calendar-feeds/{secret}.ics", anonymous=Anonymous.SECRET_LINK),
    # Personal-data requests (docs/privacy.md) are the platform admin's alone.
    Rule.of("GET /people/{person_id}/data"),
])
