"""Real servers the cross-service journeys need besides the stack: an SMTP sink of the test's
own, a webhook receiver, and serving an in-process app over real HTTP (notifications asks
enrollment for contact details over HTTP, as it does in production)."""

from __future__ import annotations

import email
import email.policy
import importlib.util
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass, field
from email.message import EmailMessage
from pathlib import Path
from typing import Any

import pytest
from aiosmtpd.controller import Controller
from fastapi import FastAPI, Request, Response

ROOT = Path(__file__).resolve().parents[2]


@dataclass
class Mailbox:
    maildir: Path
    port: int

    def to(self, address: str) -> list[EmailMessage]:
        return [email.message_from_bytes(p.read_bytes(), policy=email.policy.default)
                for p in sorted(self.maildir.glob("*.eml"))
                if address in email.message_from_bytes(p.read_bytes(), policy=email.policy.default)["To"]]


@pytest.fixture
def mailbox(tmp_path: Path, unused_tcp_port: int) -> Any:
    """The local stack's SMTP sink handler, on a port of this test's own."""
    spec = importlib.util.spec_from_file_location("samla_smtp_sink", ROOT / "infra/local/smtp_sink.py")
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    port = unused_tcp_port
    controller = Controller(module.MaildirHandler(tmp_path / "mail"), hostname="127.0.0.1", port=port)
    controller.start()
    try:
        yield Mailbox(tmp_path / "mail", port)
    finally:
        controller.stop()


@dataclass
class WebhookReceiver:
    url: str
    bodies: list[bytes] = field(default_factory=list)


@pytest.fixture
async def webhook_receiver(served: Callable[..., Any]) -> AsyncIterator[WebhookReceiver]:
    app = FastAPI()
    receiver = WebhookReceiver(url="")

    @app.post("/hooks")
    async def hook(request: Request) -> Response:
        receiver.bodies.append(await request.body())
        return Response(status_code=204)

    async with served(app) as url:
        receiver.url = f"{url}/hooks"
        yield receiver
