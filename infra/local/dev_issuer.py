"""A development-only OpenID issuer: publishes a JWKS and mints tokens for a role and scope.

    python infra/local/dev_issuer.py --port 8090 --state .stack/dev-issuer

Never for production: it signs whatever it is asked to, and it refuses to start unless
SAMLA_ENVIRONMENT (the variable the services read too) says development or test. Services
accept its tokens only outside production (their settings refuse a development issuer there).

Tokens are RFC 9068 access tokens (`typ: at+jwt`). Each service accepts only its own
audience (`samla-enrollment`, …); a token asked for without an audience names all four, as
a developer's token for trying the API. Registered clients (services calling services) get
short-lived tokens with the OAuth2 client-credentials grant at `/dev-issuer/token`.
"""

from __future__ import annotations

import argparse
import json
import os
import socket
import threading
import time
import uuid
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import parse_qs

import uvicorn
from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse
from joserfc import jwt
from joserfc.jwk import RSAKey
from pydantic import BaseModel, ConfigDict, Field

ISSUER_PATH = "/dev-issuer"
SERVICE_AUDIENCES = ["samla-enrollment", "samla-sessions", "samla-measures", "samla-notifications"]
CLIENT_TOKEN_SECONDS = 300


@dataclass(frozen=True)
class Client:
    """A service registered for the client-credentials grant: what it may ask for."""

    secret: str
    roles: tuple[str, ...]
    audiences: tuple[str, ...]


# The development registrations; each service's settings carry the same secret as a development
# default, which production settings refuse.
CLIENTS = {
    "samla-notifications": Client("dev-notifications-secret", ("contact_reader",), ("samla-enrollment",)),
}


class TokenRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")

    subject: str = Field(min_length=1)
    roles: list[str] = []
    networks: list[str] = []
    organisations: list[str] = []
    units: list[str] = []
    person_id: str | None = None
    email: str | None = None
    audience: str | list[str] = Field(default_factory=lambda: list(SERVICE_AUDIENCES))
    expires_in: int = Field(default=3600, description="Seconds; negative for an already expired token (tests).")


def load_key(state: Path) -> RSAKey:
    """The signing key survives restarts, so tokens handed out stay valid while the stack runs."""
    path = state / "signing-key.json"
    if path.exists():
        return RSAKey.import_key(json.loads(path.read_text()))
    key = RSAKey.generate_key(2048, parameters={"kid": f"dev-{uuid.uuid4().hex[:8]}", "use": "sig", "alg": "RS256"})
    state.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(key.as_dict(private=True)))
    path.chmod(0o600)
    return key


def sign(key: RSAKey, claims: dict) -> str:
    return jwt.encode({"alg": "RS256", "kid": key.kid, "typ": "at+jwt"}, claims, key)


def create_app(key: RSAKey, issuer: str, clients: dict[str, Client] | None = None) -> FastAPI:
    app = FastAPI(title="Samla development issuer")
    registered = CLIENTS if clients is None else clients

    @app.get(f"{ISSUER_PATH}/.well-known/openid-configuration")
    async def discovery() -> dict:
        return {"issuer": issuer, "jwks_uri": f"{issuer}/jwks.json", "token_endpoint": f"{issuer}/token",
                "grant_types_supported": ["client_credentials"],
                "id_token_signing_alg_values_supported": ["RS256"]}

    @app.post(f"{ISSUER_PATH}/token")
    async def client_credentials(request: Request) -> JSONResponse:
        """RFC 6749 §4.4: form-encoded grant_type=client_credentials, client_id, client_secret[, audience]."""
        form = {k: v[-1] for k, v in parse_qs((await request.body()).decode()).items()}

        def error(status: int, code: str) -> JSONResponse:
            return JSONResponse({"error": code}, status_code=status, headers={"Cache-Control": "no-store"})

        if form.get("grant_type") != "client_credentials":
            return error(400, "unsupported_grant_type")
        client = registered.get(form.get("client_id", ""))
        if client is None or form.get("client_secret") != client.secret:
            return error(401, "invalid_client")
        audience = form.get("audience") or client.audiences[0]
        if audience not in client.audiences:
            return error(400, "invalid_target")
        now = int(time.time())
        token = sign(key, {"iss": issuer, "aud": audience, "sub": form["client_id"], "client_id": form["client_id"],
                           "iat": now, "exp": now + CLIENT_TOKEN_SECONDS, "roles": list(client.roles)})
        return JSONResponse({"access_token": token, "token_type": "Bearer", "expires_in": CLIENT_TOKEN_SECONDS},
                            headers={"Cache-Control": "no-store"})

    @app.get(f"{ISSUER_PATH}/jwks.json")
    async def jwks() -> dict:
        return {"keys": [key.as_dict(private=False)]}

    @app.post(f"{ISSUER_PATH}/tokens")
    async def mint(request: TokenRequest) -> dict:
        now = int(time.time())
        claims = {
            "iss": issuer, "aud": request.audience, "sub": request.subject, "iat": now,
            "exp": now + request.expires_in, "roles": request.roles, "networks": request.networks,
            "organisations": request.organisations, "units": request.units,
        }
        if request.person_id:
            claims["person_id"] = request.person_id
        if request.email:
            claims["email"] = request.email
        token = sign(key, claims)
        return {"access_token": token, "token_type": "Bearer", "expires_in": request.expires_in}

    return app


class ThreadedIssuer:
    """The issuer on a free loopback port in a background thread: for tests and benchmarks in one process.

    Services run in the same process (or started by it) fetch its JWKS over HTTP like
    they would from a real identity provider.
    """

    def __init__(self, state: Path) -> None:
        with socket.socket() as s:
            s.bind(("127.0.0.1", 0))
            self.port = s.getsockname()[1]
        self.url = f"http://127.0.0.1:{self.port}{ISSUER_PATH}"
        self.jwks_url = f"{self.url}/jwks.json"
        config = uvicorn.Config(create_app(load_key(state), self.url), host="127.0.0.1", port=self.port,
                                log_level="warning", lifespan="off")
        self._server = uvicorn.Server(config)
        self._thread = threading.Thread(target=self._server.run, name="dev-issuer", daemon=True)

    def start(self) -> "ThreadedIssuer":
        self._thread.start()
        deadline = time.monotonic() + 30
        while not self._server.started:
            if time.monotonic() > deadline or not self._thread.is_alive():
                raise RuntimeError("the development issuer did not start")
            time.sleep(0.02)
        return self

    def mint(self, subject: str = "test-admin", **request: object) -> str:
        """A signed token; `roles`, `networks`, `organisations`, `units`, `person_id`, `expires_in`, `audience`."""
        import httpx

        response = httpx.post(f"{self.url}/tokens", json={"subject": subject, **request}, timeout=10)
        response.raise_for_status()
        return response.json()["access_token"]

    def settings_environment(self, prefixes: list[str]) -> dict[str, str]:
        """What services read to trust this issuer: <PREFIX>_AUTH_ISSUER and <PREFIX>_AUTH_JWKS_URL."""
        values = {}
        for prefix in prefixes:
            values[f"{prefix}_AUTH_ISSUER"] = self.url
            values[f"{prefix}_AUTH_JWKS_URL"] = self.jwks_url
        return values


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--port", type=int, default=8090)
    parser.add_argument("--state", type=Path, required=True)
    parser.add_argument("--host", default="127.0.0.1", help="0.0.0.0 inside a container")
    parser.add_argument("--issuer", help="the `iss` of its tokens, as clients reach it "
                        "(default http://127.0.0.1:PORT/dev-issuer)")
    args = parser.parse_args()
    if os.environ.get("SAMLA_ENVIRONMENT") not in ("development", "test"):
        raise SystemExit("the development issuer runs only where SAMLA_ENVIRONMENT is development or test")
    issuer = args.issuer or f"http://127.0.0.1:{args.port}{ISSUER_PATH}"
    uvicorn.run(create_app(load_key(args.state), issuer), host=args.host, port=args.port, log_level="warning")


if __name__ == "__main__":
    main()
