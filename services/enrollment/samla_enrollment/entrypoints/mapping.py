"""Stored documents → the public schemas (schemas.py): the one place a document's `_id` becomes `id`.

The service layer hands the routes documents as stored (plus derived fields such as a
cohort's status or an application's waitlist position); every route answers through
these functions, so no `_id` reaches a response and each shape is made in one place.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, TypeVar

from pydantic import BaseModel

from samla_enrollment.entrypoints.schemas import (
    ApplicationPublic,
    CohortPublic,
    ContactPublic,
    ErasurePublic,
    InterestPublic,
    ProgrammePublic,
)

Model = TypeVar("Model", bound=BaseModel)
CONTACT_FIELDS = ("name", "email", "phone", "language")


def public(model: type[Model], doc: Mapping[str, Any]) -> Model:
    """The fields of `model` the document has, with its `_id` as `id`."""
    return model.model_validate({k: v for k, v in doc.items() if k in model.model_fields} | {"id": doc["_id"]})


def programme_public(doc: Mapping[str, Any]) -> ProgrammePublic:
    return public(ProgrammePublic, doc)


def cohort_public(doc: Mapping[str, Any]) -> CohortPublic:
    return public(CohortPublic, doc)


def application_public(doc: Mapping[str, Any]) -> ApplicationPublic:
    return public(ApplicationPublic, doc)


def interest_public(doc: Mapping[str, Any]) -> InterestPublic:
    return public(InterestPublic, doc)


def contact_public(person: Mapping[str, Any]) -> ContactPublic:
    """A person's contact details; the person's `_id` is the `person_id`."""
    return ContactPublic.model_validate({k: person.get(k) for k in CONTACT_FIELDS} | {"person_id": person["_id"]})


def erasure_public(record: Mapping[str, Any]) -> ErasurePublic:
    return ErasurePublic.model_validate({k: v for k, v in record.items() if k in ErasurePublic.model_fields})
