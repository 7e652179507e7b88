"""Authentication (OIDC bearer tokens checked against the issuer's JWKS) and role-based access."""
