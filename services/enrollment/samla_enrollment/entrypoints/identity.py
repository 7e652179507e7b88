"""Who the caller is as a person of Samla, from their token, for every enrollment route.

The caller's person id is `Grant.person` (the token's `person_id`, else `sub`: the one rule
in samla_shared.security). Enrollment adds what only it knows: the caller's person record
(kept from the token's `name` and `email`), and the records a form registered for the same
verified address before they signed in, which are theirs too (see service_layer/people).
"""

from __future__ import annotations

from typing import Any

from fastapi import Depends, Request

from samla_shared.security.access import Grant, Reach
from samla_shared.security.principal import Role

from samla_enrollment.domain.access_rules import (
    PersonalReach,
    needs_person,
    reaches_as_person,
    registers_for_others,
)
from samla_enrollment.service_layer.handlers import EnrollmentService
from samla_enrollment.service_layer.people import SignedIn

async def record_sign_in(request: Request) -> None:
    """Keep a person record for everyone who signs in with a name or address (a representative who only reads
    the directory, a leader before any application names them), so notifications can reach them by id.
    Remembered per claims, so only the first request, or one with changed claims, writes."""
    grant: Grant = request.state.grant
    principal = grant.principal
    if principal is not None and grant.person is not None and (principal.email or principal.name):
        await request.app.state.enrollment.people.signed_in(principal, grant.person)


SIGN_IN = [Depends(record_sign_in)]


async def signed_in(service: EnrollmentService, access: Grant) -> SignedIn:
    """The caller as a person of Samla (created from the token's claims on first use)."""
    assert access.principal is not None and access.person is not None
    return await service.people.signed_in(access.principal, access.person)


def acts_for_others(access: Grant) -> bool:
    """Whether the caller may name someone else on a form (see domain.access_rules.registers_for_others)."""
    return registers_for_others(is_admin=access.principal is not None and access.principal.is_admin,
                                coordinates_networks=Reach.NETWORK in access.reaches)


async def reaches_application(application: dict[str, Any], service: EnrollmentService, access: Grant) -> bool:
    """By scope (network, or a leader's organisation and units), or as the applicant or the named manager: the
    caller's person and the records of the same person that a form registered before they signed in."""
    if in_scope(application, access):
        return True
    if access.principal is None:
        return False
    reach = PersonalReach(
        own=Reach.OWN in access.reaches, managed=Reach.MANAGED in access.reaches,
        leader=access.principal.has(Role.ORGANISATION_LEADER) and Reach.ORGANISATION in access.reaches)
    if not needs_person(application, reach):  # spares looking up (or creating) the caller's person record
        return False
    return reaches_as_person(application, (await signed_in(service, access)).person_ids, reach)


def in_scope(application: dict[str, Any], access: Grant) -> bool:
    """Inside the token's scope: its networks, or a leader's organisation and units."""
    return access.sees(network_id=application["network_id"], organisation_id=application["organisation_id"],
                       unit_ids=[application["unit_id"]])
