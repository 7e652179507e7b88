"""A development-only OpenID issuer: publishes a JWKS and mints tokens for a role and scope.

    python infra/local/dev_issuer.py --port 8090 --state .stack/dev-issuer

Never for production: it signs whatever it is asked to, and it refuses to start unless
SAMLA_ENVIRONMENT (the variable the services read too) says development or test. Services
accept its tokens only outside production (their settings refuse a development issuer there).

Tokens are RFC 9068 access tokens (`typ: at+jwt`). Each service accepts only its own
audience (`samla-enrollment`, …); a token asked for without an audience names all four, as
a developer's token for trying the API. Registered clients (services calling services) get
short-lived tokens with the OAuth2 client-credentials grant at `/dev-issuer/token`, proving
themselves with a secret or, when registered with a public key, a `private_key_jwt` assertion.
"""

from __future__ import annotations

import argparse
import base64
import hashlib
import html
import json
import os
import secrets
import socket
import threading
import time
import uuid
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import parse_qs, urlencode

import uvicorn
from fastapi import FastAPI, Request
from fastapi.responses import HTMLResponse, JSONResponse, RedirectResponse
from joserfc import jwt
from joserfc.errors import JoseError
from joserfc.jwk import RSAKey, import_key
from pydantic import BaseModel, ConfigDict, Field

ISSUER_PATH = "/dev-issuer"
# The demo people the authorize page offers (one per role the portal serves); --people names another file.
DEMO_PEOPLE = Path(__file__).resolve().parent / "demo_people.json"
CODE_LIFETIME_SECONDS = 120
SERVICE_AUDIENCES = ["samla-enrollment", "samla-sessions", "samla-measures", "samla-notifications"]
CLIENT_TOKEN_SECONDS = 300
JWT_BEARER_ASSERTION = "urn:ietf:params:oauth:client-assertion-type:jwt-bearer"


@dataclass(frozen=True)
class Client:
    """A service registered for the client-credentials grant: what it may ask for, and how it proves itself.

    `secret` for `client_secret_post`; `public_key` (a JWK, public part only) for `private_key_jwt`.
    """

    secret: str | None
    roles: tuple[str, ...]
    audiences: tuple[str, ...]
    public_key: dict | None = None


# The development registrations; each service's settings carry the same secret as a development
# default, which production settings refuse.
CLIENTS = {
    "samla-notifications": Client("dev-notifications-secret", ("contact_reader",), ("samla-enrollment",)),
    # Sessions prints names (enrollment's contacts) and the curriculum's methods (measures' toolbox).
    "samla-sessions": Client("dev-sessions-secret", ("contact_reader", "catalogue_reader"),
                             ("samla-enrollment", "samla-measures")),
    # The portal shows a programme's public application form to visitors who have not signed in.
    "samla-portal": Client("dev-portal-secret", ("catalogue_reader",), ("samla-enrollment",)),
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
    name: str | None = None
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


def load_people(path: Path = DEMO_PEOPLE) -> dict[str, dict]:
    """Demo people by key: name, subject, person_id, email, roles and scopes (networks, organisations, units)."""
    return {person["key"]: person for person in json.loads(path.read_text())["people"]}


def pkce_challenge(verifier: str) -> str:
    """RFC 7636 S256: BASE64URL(SHA256(verifier)) without padding."""
    return base64.urlsafe_b64encode(hashlib.sha256(verifier.encode("ascii")).digest()).rstrip(b"=").decode("ascii")


def sign(key: RSAKey, claims: dict, token_type: str = "at+jwt") -> str:
    return jwt.encode({"alg": "RS256", "kid": key.kid, "typ": token_type}, claims, key)


def create_app(key: RSAKey, issuer: str, people: dict[str, dict] | None = None,
               clients: dict[str, Client] | None = None) -> FastAPI:
    """`people` is kept by reference: a test may add a demo person while the issuer runs."""
    app = FastAPI(title="Samla development issuer")
    people = load_people() if people is None else people
    registered = CLIENTS if clients is None else clients
    # Authorization codes live in memory for two minutes and are used once; a restart forgets them,
    # which only means signing in again.
    codes: dict[str, dict] = {}
    # The ids of client assertions taken, until they expire: each is good once.
    assertions_seen: dict[str, float] = {}

    @app.get(f"{ISSUER_PATH}/.well-known/openid-configuration")
    async def discovery() -> dict:
        return {"issuer": issuer, "jwks_uri": f"{issuer}/jwks.json", "id_token_signing_alg_values_supported": ["RS256"],
                "authorization_endpoint": f"{issuer}/authorize", "token_endpoint": f"{issuer}/token",
                "response_types_supported": ["code"],
                "grant_types_supported": ["authorization_code", "client_credentials"],
                "code_challenge_methods_supported": ["S256"], "subject_types_supported": ["public"],
                "scopes_supported": ["openid", "profile", "email"],
                "token_endpoint_auth_methods_supported": ["none", "client_secret_post", "client_secret_basic",
                                                          "private_key_jwt"]}

    @app.get(f"{ISSUER_PATH}/authorize", response_class=HTMLResponse)
    async def authorize_page(request: Request) -> HTMLResponse:
        """Pick a demo person: the local stand-in for HelseID, Feide, ID-porten or Keycloak's login page."""
        query = dict(request.query_params)
        problem = _authorization_problem(query)
        if problem:
            return HTMLResponse(_page("Sign-in refused", f"<p>{html.escape(problem)}</p>"), status_code=400)
        hidden = "".join(f'<input type="hidden" name="{html.escape(name)}" value="{html.escape(query.get(name, ""))}">'
                         for name in ("client_id", "redirect_uri", "state", "nonce", "code_challenge",
                                      "code_challenge_method", "scope"))
        choices = "".join(
            f'<li><button type="submit" name="person" value="{html.escape(k)}">{html.escape(p["name"])}</button> '
            f'<span>{html.escape(p.get("title", ", ".join(p.get("roles", []))))}</span></li>'
            for k, p in people.items())
        body = (f'<p>Development sign-in: choose who you are. Never used in production.</p>'
                f'<form method="post" action="{ISSUER_PATH}/authorize">{hidden}<ul>{choices}</ul></form>')
        return HTMLResponse(_page("Choose a demo person", body))

    @app.post(f"{ISSUER_PATH}/authorize", response_model=None)
    async def authorize(request: Request) -> RedirectResponse | HTMLResponse:
        form = {k: v[0] for k, v in parse_qs((await request.body()).decode()).items()}
        problem = _authorization_problem(form)
        person = people.get(form.get("person", ""))
        if problem or person is None:
            return HTMLResponse(_page("Sign-in refused", f"<p>{html.escape(problem or 'unknown person')}</p>"),
                                status_code=400)
        for code_id in [c for c, grant in codes.items() if grant["expires"] < time.time()]:
            codes.pop(code_id, None)
        code = secrets.token_urlsafe(32)
        codes[code] = {"person": person, "client_id": form["client_id"], "redirect_uri": form["redirect_uri"],
                       "nonce": form.get("nonce"), "challenge": form["code_challenge"],
                       "expires": time.time() + CODE_LIFETIME_SECONDS}
        target = form["redirect_uri"] + ("&" if "?" in form["redirect_uri"] else "?") + urlencode(
            {"code": code, **({"state": form["state"]} if form.get("state") else {})})
        return RedirectResponse(target, status_code=303)

    @app.post(f"{ISSUER_PATH}/token")
    async def token(request: Request) -> JSONResponse:
        """The token endpoint: the portal's authorization code, or a service's client credentials."""
        form = {k: v[-1] for k, v in parse_qs((await request.body()).decode()).items()}
        if form.get("grant_type") == "client_credentials":
            return client_credentials(form)
        return authorization_code(request, form)

    def client_credentials(form: dict[str, str]) -> JSONResponse:
        """RFC 6749 §4.4: grant_type=client_credentials, client_id, client_secret[, audience]."""
        def error(status: int, code: str) -> JSONResponse:
            return JSONResponse({"error": code}, status_code=status, headers={"Cache-Control": "no-store"})

        client = registered.get(form.get("client_id", ""))
        if client is None or not authenticated(form["client_id"], client, form):
            return error(401, "invalid_client")
        audience = form.get("audience") or client.audiences[0]
        if audience not in client.audiences:
            return error(400, "invalid_target")
        now = int(time.time())
        token = sign(key, {"iss": issuer, "aud": audience, "sub": form["client_id"], "client_id": form["client_id"],
                           "iat": now, "exp": now + CLIENT_TOKEN_SECONDS, "roles": list(client.roles)})
        return JSONResponse({"access_token": token, "token_type": "Bearer", "expires_in": CLIENT_TOKEN_SECONDS},
                            headers={"Cache-Control": "no-store"})

    def authenticated(client_id: str, client: Client, form: dict[str, str]) -> bool:
        """client_secret_post, or private_key_jwt (RFC 7523 §3): an assertion signed with the registered key,
        by the client about itself, for this token endpoint, unexpired, and never seen before."""
        if form.get("client_assertion_type") != JWT_BEARER_ASSERTION:
            return client.secret is not None and secrets.compare_digest(form.get("client_secret", ""), client.secret)
        if client.public_key is None:
            return False
        try:
            token = jwt.decode(form.get("client_assertion", ""), import_key(client.public_key))
            jwt.JWTClaimsRegistry(iss={"essential": True, "value": client_id},
                                  sub={"essential": True, "value": client_id},
                                  aud={"essential": True, "value": f"{issuer}/token"},
                                  exp={"essential": True}, jti={"essential": True}).validate(token.claims)
        except (JoseError, ValueError):
            return False
        jti, now = str(token.claims["jti"]), time.time()
        for seen, until in list(assertions_seen.items()):
            if until < now:
                del assertions_seen[seen]
        if jti in assertions_seen:
            return False
        assertions_seen[jti] = float(token.claims["exp"])
        return True

    def authorization_code(request: Request, form: dict[str, str]) -> JSONResponse:
        """Authorization code + PKCE verifier -> access token (for the services) and ID token (for the client)."""
        client_id = (form.get("client_id") or _basic_client_id(request.headers.get("authorization"))
                     or _assertion_issuer(form.get("client_assertion")))
        grant = codes.pop(form.get("code", ""), None)

        def refuse(error: str, description: str) -> JSONResponse:
            return JSONResponse({"error": error, "error_description": description}, status_code=400,
                                headers={"Cache-Control": "no-store"})

        if form.get("grant_type") != "authorization_code":
            return refuse("unsupported_grant_type", "only authorization_code")
        if grant is None or grant["expires"] < time.time():
            return refuse("invalid_grant", "unknown, used or expired code")
        if grant["client_id"] != client_id or grant["redirect_uri"] != form.get("redirect_uri"):
            return refuse("invalid_grant", "client_id or redirect_uri differ from the authorization request")
        # A client registered with a key only proves itself, and so does any client that sends a secret or an
        # assertion; the portal's sign-in is a public client (PKCE alone) even though its id also has a secret
        # here, for the client-credentials tokens it reads the public catalogue with.
        client = registered.get(client_id)
        proves = client is not None and (client.secret is None or "client_secret" in form or "client_assertion" in form)
        if proves and not authenticated(client_id, client, form):
            return JSONResponse({"error": "invalid_client"}, status_code=401, headers={"Cache-Control": "no-store"})
        if pkce_challenge(form.get("code_verifier", "")) != grant["challenge"]:
            return refuse("invalid_grant", "the PKCE code_verifier does not match the code_challenge")
        person, now, lifetime = grant["person"], int(time.time()), 3600
        identity = {"sub": person["subject"], "name": person["name"], "roles": person.get("roles", []),
                    "networks": person.get("networks", []), "organisations": person.get("organisations", []),
                    "units": person.get("units", [])}
        for optional in ("person_id", "email"):
            if person.get(optional):
                identity[optional] = person[optional]
        # The portal calls all four services with the person's token, so it names each one's audience.
        access = sign(key, {"iss": issuer, "aud": list(SERVICE_AUDIENCES), "iat": now, "exp": now + lifetime,
                            **identity})
        id_token = sign(key, {"iss": issuer, "aud": client_id, "iat": now, "exp": now + lifetime,
                              **({"nonce": grant["nonce"]} if grant["nonce"] else {}), **identity}, token_type="JWT")
        return JSONResponse({"access_token": access, "id_token": id_token, "token_type": "Bearer",
                             "expires_in": lifetime, "scope": "openid profile email"},
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
        if request.name:
            claims["name"] = request.name
        token = sign(key, claims)
        return {"access_token": token, "token_type": "Bearer", "expires_in": request.expires_in}

    return app


def _authorization_problem(params: dict[str, str]) -> str | None:
    """Why an authorization request is refused: the portal must send a code request with S256 PKCE."""
    if params.get("response_type", "code") != "code":
        return "only response_type=code"
    for name in ("client_id", "redirect_uri", "code_challenge"):
        if not params.get(name):
            return f"{name} is missing"
    if params.get("code_challenge_method") != "S256":
        return "code_challenge_method must be S256"
    if not params["redirect_uri"].startswith(("http://127.0.0.1", "http://localhost", "https://")):
        return "redirect_uri must be https or loopback"
    return None


def _assertion_issuer(assertion: str | None) -> str | None:
    """The client a private_key_jwt assertion says it comes from (RFC 7523 lets it stand for client_id);
    read unverified here, then verified against that client's registered key."""
    try:
        payload = (assertion or "").split(".")[1]
        return str(json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))["iss"])
    except (IndexError, ValueError, KeyError, TypeError):
        return None


def _basic_client_id(authorization: str | None) -> str | None:
    if not authorization or not authorization.lower().startswith("basic "):
        return None
    try:
        return base64.b64decode(authorization[6:]).decode().split(":", 1)[0]
    except ValueError:
        return None


def _page(title: str, body: str) -> str:
    return (f'<!doctype html><html lang="en"><head><meta charset="utf-8">'
            f'<meta name="viewport" content="width=device-width, initial-scale=1"><title>{title}</title>'
            '<style>body{font-family:system-ui,sans-serif;max-width:40rem;margin:2rem auto;padding:0 1rem}'
            'ul{list-style:none;padding:0}li{margin:.75rem 0}button{font-size:1rem;padding:.5rem 1rem;'
            'min-width:14rem;text-align:left}button:focus-visible{outline:3px solid #000;outline-offset:2px}'
            'span{color:#444;margin-left:.5rem}</style></head>'
            f'<body><main><h1>{title}</h1>{body}</main></body></html>')


class ThreadedIssuer:
    """The issuer on a free loopback port in a background thread: for tests and benchmarks in one process.

    Services run in the same process (or started by it) fetch its JWKS over HTTP like
    they would from a real identity provider.
    """

    def __init__(self, state: Path, people: dict[str, dict] | None = None) -> None:
        # Tests may add demo people while it runs (e.g. the manager an application names).
        self.people = load_people() if people is None else people
        # Registered clients, kept by reference too: a test may register one (e.g. with a public key).
        self.clients = dict(CLIENTS)
        with socket.socket() as s:
            s.bind(("127.0.0.1", 0))
            self.port = s.getsockname()[1]
        self.url = f"http://127.0.0.1:{self.port}{ISSUER_PATH}"
        self.jwks_url = f"{self.url}/jwks.json"
        config = uvicorn.Config(create_app(load_key(state), self.url, self.people, self.clients), host="127.0.0.1", port=self.port,
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
        """A signed token; `roles`, `networks`, `organisations`, `units`, `person_id`, `email`, `name`, `expires_in`,
        `audience`."""
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
    parser.add_argument("--people", type=Path, default=DEMO_PEOPLE, help="the demo people of the authorize page")
    parser.add_argument("--issuer", help="the `iss` of its tokens, as clients reach it "
                        "(default http://127.0.0.1:PORT/dev-issuer)")
    args = parser.parse_args()
    if os.environ.get("SAMLA_ENVIRONMENT") not in ("development", "test"):
        raise SystemExit("the development issuer runs only where SAMLA_ENVIRONMENT is development or test")
    issuer = args.issuer or f"http://127.0.0.1:{args.port}{ISSUER_PATH}"
    uvicorn.run(create_app(load_key(args.state), issuer, load_people(args.people)), host=args.host, port=args.port, log_level="warning")


if __name__ == "__main__":
    main()
