"""Who may call which enrollment endpoint (rendered into docs/security.md; enforced on every request).

Programmes and cohorts are a catalogue: leaders and participants read all of it, while
coordinators work within their networks. Applications hold personal data: the named
manager and the applicant see their own, coordinators those of their networks.
"""

from __future__ import annotations

from samla_shared.security.access import AccessTable, Anonymous, Reach, Rule

NETWORK, ALL, OWN, MANAGED = Reach.NETWORK, Reach.ALL, Reach.OWN, Reach.MANAGED
COORDINATORS = {"network_coordinator": NETWORK, "programme_coordinator": NETWORK}
CATALOGUE = COORDINATORS | {"organisation_leader": ALL, "participant": ALL}

ACCESS = AccessTable.of("enrollment", [
    Rule.of("POST /programmes", network_coordinator=NETWORK),
    Rule.of("GET /programmes", **CATALOGUE),
    Rule.of("GET /programmes/{programme_id}", **CATALOGUE),
    Rule.of("PATCH /programmes/{programme_id}", network_coordinator=NETWORK),
    Rule.of("POST /programmes/{programme_id}/archive", network_coordinator=NETWORK),
    Rule.of("POST /programmes/{programme_id}/interest", **COORDINATORS, participant=ALL),
    Rule.of("GET /programmes/{programme_id}/interest", **COORDINATORS),
    Rule.of("POST /cohorts", **COORDINATORS),
    Rule.of("GET /cohorts", **CATALOGUE),
    Rule.of("GET /cohorts/{cohort_id}", **CATALOGUE),
    Rule.of("PATCH /cohorts/{cohort_id}", **COORDINATORS),
    Rule.of("POST /cohorts/{cohort_id}/status", **COORDINATORS),
    Rule.of("GET /cohorts/{cohort_id}/history", **COORDINATORS),
    Rule.of("POST /cohorts/{cohort_id}/applications", anonymous=Anonymous.PUBLIC_FORM, **COORDINATORS,
            participant=ALL),
    Rule.of("GET /cohorts/{cohort_id}/applications", **COORDINATORS),
    Rule.of("POST /cohorts/{cohort_id}/interest", **COORDINATORS, participant=ALL),
    Rule.of("GET /applications/{application_id}", **COORDINATORS, organisation_leader=MANAGED, participant=OWN),
    Rule.of("POST /applications/{application_id}/approval", organisation_leader=MANAGED),
    Rule.of("POST /applications/{application_id}/withdrawal", **COORDINATORS, participant=OWN),
    # The notifications service reads contacts with a short-lived client-credentials token
    # whose only role is contact_reader: it opens this endpoint and nothing else.
    Rule.of("GET /people/{person_id}/contact", participant=OWN, contact_reader=ALL),
    # Personal-data requests (docs/privacy.md) are the platform admin's alone.
    Rule.of("GET /people/{person_id}/data"),
    Rule.of("POST /people/{person_id}/erasure"),
    Rule.of("GET /people/{person_id}/erasure"),
    Rule.of("POST /retention/run"),
])
