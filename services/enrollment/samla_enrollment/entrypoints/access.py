"""Who may call which enrollment endpoint (rendered into docs/security.md; enforced on every request).

Programmes and cohorts are a catalogue: leaders and participants read all of it, while
coordinators work within their networks. Applications hold personal data: the applicant
sees their own, a leader those of their organisation and units and those naming them as
manager, coordinators those of their networks. The directory (networks, organisations,
units) holds no personal data: every signed-in role reads it.
"""

from __future__ import annotations

from samla_shared.security.access import AccessTable, Anonymous, Reach, Rule

NETWORK, ALL, OWN, ORGANISATION = Reach.NETWORK, Reach.ALL, Reach.OWN, Reach.ORGANISATION
COORDINATORS = {"network_coordinator": NETWORK, "programme_coordinator": NETWORK}
# The catalogue is what is on offer: anyone working with the programmes may read it.
CATALOGUE = COORDINATORS | {"national_coordinator": ALL, "organisation_leader": ALL, "union_representative": ALL,
                            "safety_representative": ALL, "participant": ALL}
# The portal reads the catalogue for signed-out visitors of the public application form (a programme,
# its cohorts, its network's organisations and units) with a client-credentials token of this role alone.
PUBLIC_CATALOGUE = {"catalogue_reader": ALL}
READERS = {role: ALL for role in ("national_coordinator", "network_coordinator", "programme_coordinator",
                                 "organisation_leader", "union_representative", "safety_representative",
                                 "participant", "integrator")}
EVERYONE = {role: OWN for role in ("national_coordinator", "network_coordinator", "programme_coordinator",
                                   "organisation_leader", "union_representative", "safety_representative",
                                   "participant")}

ACCESS = AccessTable.of("enrollment", [
    Rule.of("POST /programmes", network_coordinator=NETWORK),
    Rule.of("GET /programmes", **CATALOGUE),
    Rule.of("GET /programmes/{programme_id}", **CATALOGUE, **PUBLIC_CATALOGUE),
    Rule.of("PATCH /programmes/{programme_id}", network_coordinator=NETWORK),
    Rule.of("POST /programmes/{programme_id}/archive", network_coordinator=NETWORK),
    Rule.of("POST /programmes/{programme_id}/interest", **COORDINATORS, participant=ALL),
    Rule.of("GET /programmes/{programme_id}/interest", **COORDINATORS),
    Rule.of("GET /programmes/{programme_id}/interest/regions", **COORDINATORS, national_coordinator=ALL),
    Rule.of("POST /cohorts", **COORDINATORS),
    Rule.of("GET /cohorts", **CATALOGUE, **PUBLIC_CATALOGUE),
    Rule.of("GET /cohorts/{cohort_id}", **CATALOGUE, **PUBLIC_CATALOGUE),
    Rule.of("PATCH /cohorts/{cohort_id}", **COORDINATORS),
    Rule.of("POST /cohorts/{cohort_id}/status", **COORDINATORS),
    Rule.of("GET /cohorts/{cohort_id}/history", **COORDINATORS),
    Rule.of("POST /cohorts/{cohort_id}/seat-offers", **COORDINATORS),
    Rule.of("POST /cohorts/{cohort_id}/applications", anonymous=Anonymous.PUBLIC_FORM, **COORDINATORS,
            participant=ALL),
    Rule.of("GET /cohorts/{cohort_id}/applications", **COORDINATORS),
    # A leader registers their unit's team (leader, union and safety representative); a coordinator may too.
    Rule.of("POST /cohorts/{cohort_id}/teams", **COORDINATORS, organisation_leader=ORGANISATION),
    Rule.of("POST /cohorts/{cohort_id}/interest", **COORDINATORS, participant=ALL),
    # Exports (CSV, XLSX) are scoped like the application list they mirror; the roster adds contact details.
    Rule.of("GET /cohorts/{cohort_id}/applications/export", **COORDINATORS),
    Rule.of("GET /cohorts/{cohort_id}/waitlist/export", **COORDINATORS),
    Rule.of("GET /cohorts/{cohort_id}/roster/export", **COORDINATORS),
    # A leader reaches the applications of their organisation (and units, if the token names
    # units), and also those naming them as manager (matched by their verified e-mail address).
    Rule.of("GET /applications/{application_id}", **COORDINATORS, organisation_leader=ORGANISATION, participant=OWN),
    # The leader step is a leader's; the later steps of an approval chain (programme owner, HR, a named
    # approver) and the deputies are people the programme names, who may hold any of these roles.
    Rule.of("POST /applications/{application_id}/approval", organisation_leader=ORGANISATION, **COORDINATORS),
    Rule.of("POST /applications/{application_id}/withdrawal", **COORDINATORS, participant=OWN),
    # The person offered a seat answers for themself; a coordinator may answer for them (e.g. on the phone).
    Rule.of("POST /applications/{application_id}/offer", **COORDINATORS, participant=OWN),
    Rule.of("POST /applications/{application_id}/transfer", **COORDINATORS),
    # The directory: names of networks, organisations and units are not personal data.
    Rule.of("POST /networks"),
    Rule.of("GET /networks", **READERS),
    Rule.of("GET /networks/{network_id}", **READERS),
    Rule.of("PATCH /networks/{network_id}", network_coordinator=NETWORK),
    Rule.of("POST /organisations", network_coordinator=NETWORK),
    Rule.of("GET /organisations", **READERS, **PUBLIC_CATALOGUE),
    Rule.of("GET /organisations/{organisation_id}", **READERS),
    Rule.of("PATCH /organisations/{organisation_id}", network_coordinator=NETWORK),
    Rule.of("POST /units", network_coordinator=NETWORK),
    Rule.of("GET /units", **READERS, **PUBLIC_CATALOGUE),
    Rule.of("GET /units/{unit_id}", **READERS),
    Rule.of("PATCH /units/{unit_id}", network_coordinator=NETWORK),
    # Anyone signed in is a person of Samla: their own record, and the changes forms proposed for it.
    Rule.of("GET /people/me", **EVERYONE),
    Rule.of("POST /people/me/pending-changes", **EVERYONE),
    # A person reads their own contact details. The notifications service reads anyone's with a
    # short-lived client-credentials token whose only role is contact_reader: it opens this endpoint alone.
    Rule.of("GET /people/{person_id}/contact", **EVERYONE, contact_reader=ALL),
    # The same, for many people at once (one request per batch of events the notifications service mails about).
    Rule.of("POST /people/contacts", **EVERYONE, contact_reader=ALL),
    # Inboxes: what waits for the caller, and only what they may see.
    Rule.of("GET /inbox/leader", organisation_leader=ORGANISATION),
    Rule.of("GET /inbox/participant", **EVERYONE),
    # Personal-data requests (docs/privacy.md) are the platform admin's alone.
    Rule.of("GET /people/{person_id}/data"),
    Rule.of("POST /people/{person_id}/erasure"),
    Rule.of("GET /people/{person_id}/erasure"),
    Rule.of("POST /retention/run"),
])
