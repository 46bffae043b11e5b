"""The JWKS and OpenID discovery documents of a pool (core spec §4.2 [OBS TOK-C])."""

from __future__ import annotations

from typing import Any

from userpool.crypto.keys import jwk_for, public_key_for
from userpool.store.pools import Pool


def jwks_document(pool: Pool) -> dict[str, Any]:
    """Two keys per pool: one signs ID tokens, the other access tokens (core spec §4.1)."""
    keys = [jwk_for(public_key_for(pem.encode())) for pem in (pool.id_key_pem, pool.access_key_pem)]
    return {"keys": keys}


def openid_configuration(issuer: str) -> dict[str, Any]:
    """The discovery document a real pool without a custom domain serves, keys alphabetical."""
    return {
        "authorization_endpoint": f"{issuer}/authorize",
        "end_session_endpoint": f"{issuer}/logout",
        "id_token_signing_alg_values_supported": ["RS256"],
        "issuer": issuer,
        "jwks_uri": f"{issuer}/.well-known/jwks.json",
        "response_types_supported": ["code", "token"],
        "revocation_endpoint": f"{issuer}/revoke",
        "scopes_supported": ["openid", "email", "phone", "profile"],
        "subject_types_supported": ["public"],
        "token_endpoint": f"{issuer}/token",
        "token_endpoint_auth_methods_supported": ["client_secret_basic", "client_secret_post"],
        "userinfo_endpoint": f"{issuer}/userInfo",
    }
