"""Real servers the cross-service journeys need besides the stack: an SMTP sink of the test's
own, a webhook receiver, and serving an in-process app over real HTTP (notifications asks
enrollment for contact details over HTTP, as it does in production)."""

from __future__ import annotations

import asyncio
import email
import email.policy
import importlib.util
import socket
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from email.message import EmailMessage
from pathlib import Path
from typing import Any

import pytest
import uvicorn
from aiosmtpd.controller import Controller
from fastapi import FastAPI, Request, Response

ROOT = Path(__file__).resolve().parents[2]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@asynccontextmanager
async def serve(app: FastAPI) -> AsyncIterator[str]:
    """Serve an ASGI app (whose lifespan runs elsewhere) with uvicorn on a free loopback port."""
    port = free_port()
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning", lifespan="off"))
    task = asyncio.create_task(server.serve())
    while not server.started:
        if task.done():
            task.result()
        await asyncio.sleep(0.02)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        await task


@pytest.fixture
def served() -> Callable[[FastAPI], Any]:
    return serve


@dataclass
class Mailbox:
    maildir: Path
    port: int

    def to(self, address: str) -> list[EmailMessage]:
        return [email.message_from_bytes(p.read_bytes(), policy=email.policy.default)
                for p in sorted(self.maildir.glob("*.eml"))
                if address in email.message_from_bytes(p.read_bytes(), policy=email.policy.default)["To"]]


@pytest.fixture
def mailbox(tmp_path: Path) -> Any:
    """The local stack's SMTP sink handler, on a port of this test's own."""
    spec = importlib.util.spec_from_file_location("samla_smtp_sink", ROOT / "infra/local/smtp_sink.py")
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    port = free_port()
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
async def webhook_receiver() -> AsyncIterator[WebhookReceiver]:
    app = FastAPI()
    receiver = WebhookReceiver(url="")

    @app.post("/hooks")
    async def hook(request: Request) -> Response:
        receiver.bodies.append(await request.body())
        return Response(status_code=204)

    async with serve(app) as url:
        receiver.url = f"{url}/hooks"
        yield receiver
