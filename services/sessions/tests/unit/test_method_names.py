"""Certificates name the curriculum's methods from measures' toolbox, and are still printed without it."""

from __future__ import annotations

import io
import socket
from datetime import UTC, date, datetime

from pydantic import SecretStr
from pypdf import PdfReader

from samla_shared.security.client_credentials import ClientCredentials
from samla_sessions.adapters.printing import certificate_pdf
from samla_sessions.adapters.toolbox import HttpToolbox
from samla_sessions.domain.certificate import GatheringAttended
from samla_sessions.service_layer.documents import Certificate


def closed_port() -> str:
    """An address nothing listens on: measures (and the identity provider) out of reach."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return f"http://127.0.0.1:{s.getsockname()[1]}"


def certificate(**names: str) -> Certificate:
    return Certificate(
        participant_id="p-1", name="Åse Ødegård", language="nb", programme_title="Kulturkompetanse",
        cohort_term="høst-2027", cohort_location="Tromsø", network_name="Læringsnettverk Nord",
        completed_at=datetime(2027, 11, 1, 12, tzinfo=UTC),
        gatherings=[GatheringAttended("Oppstart", "kickoff", date(2027, 9, 1), date(2027, 9, 1), 6.0)],
        methods=["group-norms", "dialogue-cloth"], method_names=names)


def text(pdf: bytes) -> str:
    return "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(pdf)).pages)


async def test_an_unreachable_toolbox_names_nothing_and_the_certificate_prints_the_ids_in_words():
    address = closed_port()
    toolbox = HttpToolbox(address, timeout=2, credentials=ClientCredentials(
        issuer=address, client_id="samla-sessions", client_secret=SecretStr("x"), audience="samla-measures",
        token_url=f"{address}/token"))
    try:
        names = await toolbox.method_names(["group-norms", "dialogue-cloth"], "nb")
    finally:
        await toolbox.close()
    assert names == {}
    printed = text(certificate_pdf(certificate(**names)))
    assert "Group norms" in printed and "Dialogue cloth" in printed


def test_a_named_method_prints_by_its_toolbox_name_and_an_unnamed_one_by_its_id():
    printed = text(certificate_pdf(certificate(**{"group-norms": "Arbeid med gruppenormer"})))
    assert "Arbeid med gruppenormer" in printed and "Group norms" not in printed
    assert "Dialogue cloth" in printed
