"""Sign-in with OpenID Connect: authorization code with PKCE (S256), through Authlib.

Authlib reads the provider's discovery document, keeps `state`, `nonce` and the PKCE
verifier in the session between the redirect and the callback, exchanges the code and
validates the ID token (signature from the provider's JWKS, issuer, audience, nonce, expiry).
The same code speaks to the development issuer, HelseID, Feide, ID-porten or Keycloak.
"""

from __future__ import annotations

from typing import Any

from authlib.integrations.starlette_client import OAuth, StarletteOAuth2App
from authlib.oauth2.rfc7523 import PrivateKeyJWT

from samla_portal.settings import PortalSettings


class ReachedInside(StarletteOAuth2App):
    """The provider at another address from inside the deployment than from people's browsers (docker
    compose: the issuer's container, while browsers use 127.0.0.1). The discovery document names the
    browsers' address: the endpoints the portal calls itself (token, keys) are moved to the inside one;
    the browser is still sent to the authorization endpoint as published, and the issuer is unchanged."""

    outside = ""
    inside = ""

    async def load_server_metadata(self) -> dict[str, Any]:
        metadata = await super().load_server_metadata()
        for key in ("token_endpoint", "jwks_uri", "userinfo_endpoint"):
            value = metadata.get(key)
            if isinstance(value, str) and value.startswith(self.outside):
                metadata[key] = self.inside + value[len(self.outside):]
        return metadata


def identity_provider(settings: PortalSettings) -> StarletteOAuth2App:
    oauth = OAuth()
    secret = settings.oidc_client_secret.get_secret_value() if settings.oidc_client_secret else None
    client_kwargs: dict[str, Any] = {"scope": settings.oidc_scope, "code_challenge_method": "S256",
                                     "timeout": settings.http_timeout_seconds}
    auth_methods: list[PrivateKeyJWT] = []
    if settings.oidc_client_key is not None:
        # private_key_jwt: Authlib signs a fresh assertion (audience the token endpoint) with the key,
        # which it takes in the client secret's place.
        secret = settings.oidc_client_key.get_secret_value()
        client_kwargs["token_endpoint_auth_method"] = PrivateKeyJWT.name
        key_id = {"kid": settings.oidc_client_key_id} if settings.oidc_client_key_id else None
        auth_methods.append(PrivateKeyJWT(headers=key_id))
    elif secret is None:
        # A public client: PKCE alone proves the code was asked for by us.
        client_kwargs["token_endpoint_auth_method"] = "none"
    extra: dict[str, Any] = {"client_cls": ReachedInside} if settings.oidc_internal_url else {}
    provider = oauth.register(
        name="samla", client_id=settings.oidc_client_id, client_secret=secret,
        server_metadata_url=f"{settings.provider_url}/.well-known/openid-configuration",
        client_kwargs=client_kwargs, client_auth_methods=auth_methods or None, **extra,
    )
    if isinstance(provider, ReachedInside):
        provider.outside, provider.inside = settings.oidc_issuer.rstrip("/"), settings.provider_url
    return provider
