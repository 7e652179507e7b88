"""Who an event names: the people its mails most likely go to, known before it is handled.

A consumed batch asks enrollment once for the contact details of everyone its events name
(service_layer.mail, `MailDelivery.prepared_for`), instead of once per mail. The names are
read from the event's own fields; recipients that come from the read model instead (a
session's roster, a programme's interested people) are looked up one by one when mailed.
"""

from __future__ import annotations

from collections.abc import Iterable

from pydantic import BaseModel

# The contract's fields that hold a person's id (a list of them, or objects that hold one).
PERSON_FIELDS = frozenset({"participant_id", "person_id", "manager_id", "facilitator_id", "owner_ids",
                           "absent_participant_ids", "next_approver_ids"})


def people_named(events: Iterable[BaseModel]) -> set[str]:
    named: set[str] = set()
    for event in events:
        _collect(event, named)
    return named


def _collect(model: BaseModel, named: set[str]) -> None:
    for name in type(model).model_fields:
        value = getattr(model, name)
        if isinstance(value, list):
            for item in value:
                if isinstance(item, BaseModel):
                    _collect(item, named)
                elif name in PERSON_FIELDS and isinstance(item, str):
                    named.add(item)
        elif isinstance(value, BaseModel):
            _collect(value, named)
        elif name in PERSON_FIELDS and isinstance(value, str):
            named.add(value)
