"""Who may call which notifications endpoint (rendered into docs/security.md; enforced on every request).

Integrators manage webhook subscriptions for the networks granted to them; network
coordinators may look at those subscriptions and at their networks' delivery log. Everyone
Samla mails about something to act on (participants; leaders asked to decide applications;
union and safety representatives asked to agree to measures) reads their own mail log and
reminders and sets their own preferences, such as the language they are written to in.
"""

from __future__ import annotations

from samla_shared.security.access import AccessTable, Reach, Rule

NETWORK, OWN = Reach.NETWORK, Reach.OWN
WEBHOOK_READERS = {"integrator": NETWORK, "network_coordinator": NETWORK}
MAILED = {"participant": OWN, "organisation_leader": OWN, "union_representative": OWN, "safety_representative": OWN}

ACCESS = AccessTable.of("notifications", [
    Rule.of("GET /notifications", network_coordinator=NETWORK, **MAILED),
    Rule.of("GET /notifications/{delivery_id}", network_coordinator=NETWORK, **MAILED),
    Rule.of("GET /reminders", **MAILED),
    Rule.of("GET /preferences/{person_id}", **MAILED),
    Rule.of("PUT /preferences/{person_id}", **MAILED),
    Rule.of("POST /subscriptions", integrator=NETWORK),
    Rule.of("GET /subscriptions", **WEBHOOK_READERS),
    Rule.of("GET /subscriptions/{subscription_id}", **WEBHOOK_READERS),
    Rule.of("DELETE /subscriptions/{subscription_id}", integrator=NETWORK),
    Rule.of("POST /subscriptions/{subscription_id}/resumption", integrator=NETWORK),
    Rule.of("GET /subscriptions/{subscription_id}/deliveries", **WEBHOOK_READERS),
    Rule.of("GET /subscriptions/{subscription_id}/deliveries/{event_id}", **WEBHOOK_READERS),
    Rule.of("POST /subscriptions/{subscription_id}/deliveries/{event_id}/redelivery", integrator=NETWORK),
    # Personal-data requests and retention rounds (docs/privacy.md) are the platform admin's alone.
    Rule.of("GET /people/{person_id}/data"),
    Rule.of("POST /retention/run"),
])
