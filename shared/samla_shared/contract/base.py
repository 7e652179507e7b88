"""The base of every integration event: strict, versioned, tenant-aware and keyed."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any, ClassVar, Literal

from pydantic import AfterValidator, ConfigDict, StringConstraints

from samla_shared.strict import StrictModel

# Identifiers are opaque strings chosen by the owning service (uuid hex) or by a
# deployment (network and organisation codes). They never carry names or contact data.
Identifier = Annotated[str, StringConstraints(min_length=1, max_length=64, pattern=r"^[A-Za-z0-9._:-]+$")]


def _require_timezone(value: datetime) -> datetime:
    if value.tzinfo is None:
        raise ValueError("timestamps must carry a time zone (UTC offset)")
    return value


AwareDatetime = Annotated[datetime, AfterValidator(_require_timezone)]


class ContractModel(StrictModel):
    """A strict model: unknown fields are refused on the way in (StrictModel), instances are immutable."""

    model_config = ConfigDict(frozen=True)


class IntegrationEvent(ContractModel):
    """A fact one service publishes for others and for integrators.

    Subclasses name the topic they travel on and the field that is their Kafka key:
    the key is always the id of the aggregate the event concerns, so per-aggregate order
    holds on one partition. The class name is the CloudEvents `ce_type`.
    """

    topic: ClassVar[str]
    key_field: ClassVar[str]

    schema_version: Literal[1] = 1
    network_id: Identifier

    @classmethod
    def event_type(cls) -> str:
        return cls.__name__

    def key(self) -> str:
        return str(getattr(self, self.key_field))

    def payload(self) -> dict[str, Any]:
        """The JSON data of the event as it travels (the CloudEvents `data`)."""
        return self.model_dump(mode="json")
