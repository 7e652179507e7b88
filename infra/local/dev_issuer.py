"""A development-only OpenID issuer: publishes a JWKS and mints tokens for a role and scope.

    python infra/local/dev_issuer.py --port 8090 --state .stack/dev-issuer

Never for production: it signs whatever it is asked to, and it refuses to start when
SAMLA_ENVIRONMENT=production. Services accept its tokens only outside production (their
settings refuse a development issuer there).
"""

from __future__ import annotations

import argparse
import json
import os
import time
import uuid
from pathlib import Path

import uvicorn
from fastapi import FastAPI
from joserfc import jwt
from joserfc.jwk import RSAKey
from pydantic import BaseModel, ConfigDict, Field

ISSUER_PATH = "/dev-issuer"


class TokenRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")

    subject: str = Field(min_length=1)
    roles: list[str] = []
    networks: list[str] = []
    organisations: list[str] = []
    units: list[str] = []
    person_id: str | None = None
    audience: str = "samla"
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


def create_app(key: RSAKey, issuer: str) -> FastAPI:
    app = FastAPI(title="Samla development issuer")

    @app.get(f"{ISSUER_PATH}/.well-known/openid-configuration")
    async def discovery() -> dict:
        return {"issuer": issuer, "jwks_uri": f"{issuer}/jwks.json", "id_token_signing_alg_values_supported": ["RS256"]}

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
        token = jwt.encode({"alg": "RS256", "kid": key.kid}, claims, key)
        return {"access_token": token, "token_type": "Bearer", "expires_in": request.expires_in}

    return app


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--port", type=int, default=8090)
    parser.add_argument("--state", type=Path, required=True)
    args = parser.parse_args()
    if os.environ.get("SAMLA_ENVIRONMENT") == "production":
        raise SystemExit("the development issuer never runs in production")
    issuer = f"http://127.0.0.1:{args.port}{ISSUER_PATH}"
    uvicorn.run(create_app(load_key(args.state), issuer), host="127.0.0.1", port=args.port, log_level="warning")


if __name__ == "__main__":
    main()
