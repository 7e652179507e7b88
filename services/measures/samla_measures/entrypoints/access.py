"""Who may call which measures endpoint (rendered into docs/security.md; enforced on every request).

The toolbox is a catalogue everyone signed in may read. Measures belong to a unit: its
leader (an organisation leader scoped to the organisation and unit) proposes and runs
them with the network's coordinators. The three parties (the leader, the union
representative and the safety representative, each scoped to their organisation and
units like the leader) each record only their own agreement: the role and the person
come from the token, so nobody, not even a platform admin, can agree for a party.
Network insight is for the network's coordinators, the national overview for national
coordinators.
"""

from __future__ import annotations

from samla_shared.security.access import AccessTable, Anonymous, Reach, Rule

NETWORK, ORGANISATION, ALL, OWN = Reach.NETWORK, Reach.ORGANISATION, Reach.ALL, Reach.OWN
CATALOGUE = {"network_coordinator": ALL, "programme_coordinator": ALL, "organisation_leader": ALL, "participant": ALL,
             "union_representative": ALL, "safety_representative": ALL, "national_coordinator": ALL}
UNIT_WORK = {"network_coordinator": NETWORK, "organisation_leader": ORGANISATION}
REPRESENTATIVES = {"union_representative": ORGANISATION, "safety_representative": ORGANISATION}
PARTIES = {"organisation_leader": ORGANISATION, **REPRESENTATIVES}

ACCESS = AccessTable.of("measures", [
    Rule.of("GET /toolbox", **CATALOGUE),
    Rule.of("POST /toolbox", network_coordinator=NETWORK),
    # Sessions prints the methods' names on certificates with a client-credentials token (catalogue_reader).
    Rule.of("GET /toolbox/{method_id}", **CATALOGUE, catalogue_reader=ALL),
    Rule.of("POST /measures", **UNIT_WORK),
    Rule.of("GET /measures", **UNIT_WORK, **REPRESENTATIVES),
    Rule.of("GET /measures/{measure_id}", **UNIT_WORK, **REPRESENTATIVES, participant=OWN),
    # Each party agrees in their own name and role only: no admin, no coordinator.
    Rule.of("POST /measures/{measure_id}/consents", admin=False, **PARTIES),
    Rule.of("POST /measures/{measure_id}/adoption", **UNIT_WORK, **REPRESENTATIVES),
    Rule.of("POST /measures/{measure_id}/indicators", **UNIT_WORK),
    Rule.of("GET /measures/{measure_id}/indicators", **UNIT_WORK, **REPRESENTATIVES, participant=OWN),
    Rule.of("POST /measures/{measure_id}/follow-ups", **UNIT_WORK),
    Rule.of("GET /measures/{measure_id}/follow-ups", **UNIT_WORK, **REPRESENTATIVES, participant=OWN),
    Rule.of("POST /measures/{measure_id}/evaluation", **UNIT_WORK),
    Rule.of("POST /measures/{measure_id}/discontinuation", **UNIT_WORK),
    Rule.of("GET /units/{unit_id}/effects", **UNIT_WORK, **REPRESENTATIVES),
    # Inboxes: what waits for the caller in their organisation and units, nothing beyond.
    Rule.of("GET /inbox/representative", **REPRESENTATIVES),
    Rule.of("GET /inbox/leader", organisation_leader=ORGANISATION),
    Rule.of("GET /networks/{network_id}/insight", network_coordinator=NETWORK, programme_coordinator=NETWORK),
    # Exports and charts, scoped like the JSON they mirror (the measure list, its indicators, network insight).
    Rule.of("GET /exports/measures", **UNIT_WORK, **REPRESENTATIVES),
    Rule.of("GET /measures/{measure_id}/indicators/{indicator_id}/chart", **UNIT_WORK, **REPRESENTATIVES, participant=OWN),
    Rule.of("GET /networks/{network_id}/indicator-trend", network_coordinator=NETWORK, programme_coordinator=NETWORK),
    # The national view (national mode only) aggregates every region for the national programme owner.
    Rule.of("GET /national/overview", national_coordinator=ALL),
    # A unit's own indicator series: its leaders and both representatives record and read them, with the
    # network's coordinators; the network trend is part of the insight above.
    Rule.of("PUT /units/{unit_id}/series/{kind}/readings", **UNIT_WORK, **REPRESENTATIVES),
    Rule.of("GET /units/{unit_id}/series", **UNIT_WORK, **REPRESENTATIVES),
    # Staff input: the leader (or a coordinator) makes the unit's link; staff send through it without a
    # token (rate-limited per address and per link) or signed in; a staff member whose token names the
    # organisation (and unit) may also add items directly. The parties read and rank the items, and the
    # leader or coordinator proposes a ranked item as a measure, as for POST /measures.
    Rule.of("POST /units/{unit_id}/input-link", **UNIT_WORK),
    Rule.of("POST /input/{token}", anonymous=Anonymous.PUBLIC_FORM, **CATALOGUE),
    Rule.of("POST /units/{unit_id}/items", **UNIT_WORK, **REPRESENTATIVES, participant=ORGANISATION),
    Rule.of("GET /units/{unit_id}/items", **UNIT_WORK, **REPRESENTATIVES),
    Rule.of("PUT /units/{unit_id}/items/{item_id}/priority", **PARTIES),
    Rule.of("POST /units/{unit_id}/items/{item_id}/measure", **UNIT_WORK),
    # Dialogue results of a workshop's groups of four, recorded by the unit's parties or coordinators.
    Rule.of("POST /units/{unit_id}/dialogue-results", **UNIT_WORK, **REPRESENTATIVES),
    Rule.of("GET /units/{unit_id}/dialogue-results", **UNIT_WORK, **REPRESENTATIVES),
    # Progress plans: the organisation's leader or the network's coordinator sets goals and puts measures
    # under them; the parties follow them.
    Rule.of("POST /plans", **UNIT_WORK),
    Rule.of("GET /plans", **UNIT_WORK, **REPRESENTATIVES),
    Rule.of("GET /plans/{plan_id}", **UNIT_WORK, **REPRESENTATIVES),
    Rule.of("POST /plans/{plan_id}/measures", **UNIT_WORK),
    # Competences per staff type: the organisation's leader (or the network's coordinator) names staff
    # types, the competences each requires and who is of which type; coordinators say what a programme
    # confers; the parties see coverage and gaps; a person sees their own competences.
    Rule.of("PUT /organisations/{organisation_id}/staff-types/{staff_type_id}", **UNIT_WORK),
    Rule.of("PUT /organisations/{organisation_id}/staff/{person_id}", **UNIT_WORK),
    Rule.of("GET /organisations/{organisation_id}/competence-coverage", **UNIT_WORK, **REPRESENTATIVES),
    Rule.of("PUT /programmes/{programme_id}/competences", network_coordinator=NETWORK,
            programme_coordinator=NETWORK),
    Rule.of("GET /programmes/{programme_id}/competences", network_coordinator=NETWORK,
            programme_coordinator=NETWORK, organisation_leader=ALL),
    Rule.of("GET /people/{person_id}/competences", **UNIT_WORK, participant=OWN),
    # Personal-data requests (docs/privacy.md) are the platform admin's alone.
    Rule.of("GET /people/{person_id}/data"),
])
