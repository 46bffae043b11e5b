"""Signing keys, kid, JWKS and RS256 tokens (core spec §2, §4.1, §4.2)."""

from __future__ import annotations

import base64
import hashlib
import json
import time
from typing import Any

import jwt as pyjwt
import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from joserfc import jwt as jose_jwt
from joserfc.jwk import KeySet

from userpool.crypto import jwt as ujwt
from userpool.crypto.keys import (
    jwk_for,
    jwks_for,
    kid_for,
    load_private,
    new_rsa_private_pem,
    public_key_for,
)

# A real us-east-1 access-token key and a token it signed (spec source TOK-A, a public MIT-0 test
# file; the token is long expired). Used as ground truth for kid, JWK form and the header.
REAL_JWK = {
    "alg": "RS256",
    "e": "AQAB",
    "kid": "Ob3sVovGdh62Pp9TLNibzCEhRwbhLjhkxygoCJzoYWQ=",
    "kty": "RSA",
    "n": (
        "njcpd8hDHaIbf0ZlswM171sW7RW7ahVJWRPZnw5Svx5Be0arc9djMP9CQNQH24yydKLkD-nH-gt3pKJHdIKEZnYou5utsK"
        "OhqZ40CGSzvBgV9ZRGxSQ6sKXXKwuYagjqvgjSVHbzI_Msf4iOI2tYXmdtqLa3LSmLkyhZRorsFUGqYXiPT_QK1Xol0ZyL"
        "1xLtaVln4uUD2hoLZSn_Nu-8he1pfrmrXnLmry4sPipZztdTivoo77raeCzT-RpV15OD-amREBU0cHX_-rANcdv6PxKis7d"
        "OvQi1NE_pxHzVsJeLUN8KPmk3ni8WrupD0dWutkx503T3Ag6caLBgez3onQ"
    ),
    "use": "sig",
}
REAL_ACCESS_TOKEN = (
    "eyJraWQiOiJPYjNzVm92R2RoNjJQcDlUTE5pYnpDRWhSd2JoTGpoa3h5Z29DSnpvWVdRPSIsImFsZyI6IlJTMjU2In0."
    "eyJzdWIiOiIxYmMyYThmYi1mYzBhLTQ0MGYtOTNhZS01NzZlMDg3OWQxODAiLCJjb2duaXRvOmdyb3VwcyI6WyJ1cy1lYXN0"
    "LTFfaVdjVFBoWkJBX2FkZnMiXSwidG9rZW5fdXNlIjoiYWNjZXNzIiwic2NvcGUiOiJvcGVuaWQgcHJvZmlsZSBlbWFpbCIs"
    "ImF1dGhfdGltZSI6MTYxNzk1NDg0OCwiaXNzIjoiaHR0cHM6XC9cL2NvZ25pdG8taWRwLnVzLWVhc3QtMS5hbWF6b25hd3Mu"
    "Y29tXC91cy1lYXN0LTFfaVdjVFBoWkJBIiwiZXhwIjoxNjE3OTU1NzQ4LCJpYXQiOjE2MTc5NTQ4NTEsInZlcnNpb24iOjIs"
    "Imp0aSI6IjkzZTZlOTg4LWMzMjItNGIxYi05ZTU5LTNkZDY4YWRhMDFkOSIsImNsaWVudF9pZCI6IjZpMG82c2VsYTE1amRj"
    "dGdlZmxrbWo0Z2pvIiwidXNlcm5hbWUiOiJhZGZzX21vZ2hhbHNcXGJvYiJ9."
    "ddHGG1Egjpn0IX9KadH_1-eI33DpEJ1ldPbJk0yYCItbdz3KCA2zY-Ho9KTMN9HZoGWvN5o-6CQKAjEPqpO9qr5YWVMrSMno"
    "2jmPUFCkHGIQ7ns10Mt6rvh7D62kTWjXtkXje2kShhYPnOAtVx9lZxvHQRaSYCqpurtpImOoKaxjx3jlQ_ldjOQLXBBhvA2o"
    "6SOxo93ZpXFKExaI_yYI4SVLiFHtrjSucpcyiM9RyoR3sptZG502nnJsNTXrDXHg2SedaH4gCXfCc3g2A7Og4trfLdVB_Ipz"
    "Sj-2K4XCVuO0SX2f_l7MboSKbcrHTDbkySF_ISipvBNVD6XVeB5Tmg"
)


def _b64url_int(s: str) -> int:
    return int.from_bytes(base64.urlsafe_b64decode(s + "=" * (-len(s) % 4)), "big")


def _real_public_key() -> rsa.RSAPublicKey:
    return rsa.RSAPublicNumbers(_b64url_int(REAL_JWK["e"]), _b64url_int(REAL_JWK["n"])).public_key()


@pytest.fixture(scope="module")
def pem() -> bytes:
    return new_rsa_private_pem()


@pytest.fixture(scope="module")
def other_pem() -> bytes:
    return new_rsa_private_pem()


def _claims() -> dict[str, Any]:
    now = int(time.time())
    return {
        "sub": "2488f448-8061-7026-1197-ec3eb9eb3ce8",
        "cognito:groups": ["admin", "ünïcode"],
        "iss": "https://cognito-idp.us-east-1.amazonaws.com/us-east-1_d0IcP4EV2",
        "client_id": "7cg4g8vorirlhelebcriqnj95a",
        "origin_jti": "92e2dd6c-4c06-4cc0-ad95-ac14eacb27ed",
        "event_id": "791887a7-6666-48c2-8c05-c111b1aa504c",
        "token_use": "access",
        "scope": "aws.cognito.signin.user.admin",
        "auth_time": now,
        "exp": now + 3600,
        "iat": now,
        "jti": "66e102dd-605c-49c9-b104-876d66f5e88b",
        "username": "alice",
    }


# --- keys ---------------------------------------------------------------------------------------


def test_new_key_is_rsa2048_pkcs8_unencrypted(pem: bytes) -> None:
    assert pem.startswith(b"-----BEGIN PRIVATE KEY-----\n")
    key = serialization.load_pem_private_key(pem, password=None)
    assert isinstance(key, rsa.RSAPrivateKey)
    assert key.key_size == 2048
    assert key.public_key().public_numbers().e == 65537


def test_load_private_is_cached(pem: bytes) -> None:
    assert load_private(pem) is load_private(pem)
    assert public_key_for(pem).public_numbers() == load_private(pem).public_key().public_numbers()


def test_load_private_rejects_non_rsa() -> None:
    from cryptography.hazmat.primitives.asymmetric import ec

    ec_pem = ec.generate_private_key(ec.SECP256R1()).private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    )
    with pytest.raises(TypeError):
        load_private(ec_pem)


def test_kid_matches_recomputation(pem: bytes) -> None:
    public = public_key_for(pem)
    der = public.public_bytes(serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo)
    expected = base64.standard_b64encode(hashlib.sha256(der).digest()).decode()
    kid = kid_for(public)
    assert kid == expected
    assert len(kid) == 44 and kid.endswith("=")


def test_kid_and_jwk_of_a_real_cognito_key() -> None:
    public = _real_public_key()
    assert kid_for(public) == REAL_JWK["kid"]
    jwk = jwk_for(public)
    assert jwk == REAL_JWK
    assert list(jwk) == ["alg", "e", "kid", "kty", "n", "use"]
    assert json.dumps(jwk, separators=(",", ":")) == json.dumps(REAL_JWK, separators=(",", ":"))


def test_jwk_form(pem: bytes) -> None:
    jwk = jwk_for(public_key_for(pem))
    assert list(jwk) == ["alg", "e", "kid", "kty", "n", "use"]
    assert jwk["alg"] == "RS256" and jwk["e"] == "AQAB" and jwk["kty"] == "RSA" and jwk["use"] == "sig"
    assert len(jwk["n"]) == 342 and "=" not in jwk["n"]
    assert _b64url_int(jwk["n"]) == public_key_for(pem).public_numbers().n


def test_jwks(pem: bytes, other_pem: bytes) -> None:
    doc = jwks_for([public_key_for(pem), public_key_for(other_pem)])
    assert list(doc) == ["keys"]
    assert [k["kid"] for k in doc["keys"]] == [
        kid_for(public_key_for(pem)),
        kid_for(public_key_for(other_pem)),
    ]


# --- tokens -------------------------------------------------------------------------------------


def test_header_exact(pem: bytes) -> None:
    token = ujwt.sign(_claims(), pem)
    header_raw = base64.urlsafe_b64decode(token.split(".")[0] + "==")
    assert header_raw == b'{"kid":"' + kid_for(public_key_for(pem)).encode() + b'","alg":"RS256"}'


def test_payload_compact_in_given_order(pem: bytes) -> None:
    claims = _claims()
    token = ujwt.sign(claims, pem)
    seg = token.split(".")[1]
    raw = base64.urlsafe_b64decode(seg + "=" * (-len(seg) % 4))
    assert raw == json.dumps(claims, separators=(",", ":"), ensure_ascii=False).encode()
    decoded = ujwt.decode_unverified(token)
    assert decoded is not None
    assert list(decoded[1]) == list(claims)
    assert decoded[1] == claims
    assert list(decoded[0]) == ["kid", "alg"]


def test_verified_by_pyjwt(pem: bytes) -> None:
    claims = _claims()
    token = ujwt.sign(claims, pem)
    got = pyjwt.decode(token, public_key_for(pem), algorithms=["RS256"], options={"verify_aud": False})
    assert got == claims
    assert pyjwt.get_unverified_header(token) == {"kid": kid_for(public_key_for(pem)), "alg": "RS256"}


def test_verified_by_joserfc_via_jwks(pem: bytes, other_pem: bytes) -> None:
    claims = _claims()
    token = ujwt.sign(claims, pem)
    key_set = KeySet.import_key_set(jwks_for([public_key_for(other_pem), public_key_for(pem)]))  # type: ignore[arg-type]
    decoded = jose_jwt.decode(token, key_set, algorithms=["RS256"])
    assert decoded.claims == claims
    assert decoded.header == {"kid": kid_for(public_key_for(pem)), "alg": "RS256"}


def test_verify_signature(pem: bytes, other_pem: bytes) -> None:
    token = ujwt.sign(_claims(), pem)
    assert ujwt.verify_signature(token, public_key_for(pem))
    assert not ujwt.verify_signature(token, public_key_for(other_pem))
    head, payload, sig = token.split(".")
    forged = ujwt.sign({**_claims(), "username": "mallory"}, other_pem).split(".")[1]
    assert not ujwt.verify_signature(f"{head}.{forged}.{sig}", public_key_for(pem))
    flipped = sig[:-2] + ("A" if sig[-2] != "A" else "B") + sig[-1]
    assert not ujwt.verify_signature(f"{head}.{payload}.{flipped}", public_key_for(pem))
    assert not ujwt.verify_signature(f"{head}.{payload}.", public_key_for(pem))
    assert not ujwt.verify_signature("garbage", public_key_for(pem))


def test_verify_signature_requires_rs256_header(pem: bytes) -> None:
    token = ujwt.sign(_claims(), pem)
    _, payload, sig = token.split(".")
    hs = base64.urlsafe_b64encode(b'{"kid":"x","alg":"HS256"}').rstrip(b"=").decode()
    assert not ujwt.verify_signature(f"{hs}.{payload}.{sig}", public_key_for(pem))


def test_real_cognito_token() -> None:
    assert ujwt.verify_signature(REAL_ACCESS_TOKEN, _real_public_key())
    decoded = ujwt.decode_unverified(REAL_ACCESS_TOKEN)
    assert decoded is not None
    header, payload = decoded
    assert header == {"kid": REAL_JWK["kid"], "alg": "RS256"}
    assert list(header) == ["kid", "alg"]
    assert payload["iss"] == "https://cognito-idp.us-east-1.amazonaws.com/us-east-1_iWcTPhZBA"
    assert payload["token_use"] == "access"


@pytest.mark.parametrize(
    "token",
    [
        "",
        "a.b",
        "a.b.c.d",
        "..",
        "e30.e30",
        "e30..sig",
        ".e30.sig",
        "e30.e30.s=g",
        "e30=.e30.sig",
        "e30.W10.sig",  # payload is a JSON array
        "bm90IGpzb24.e30.sig",  # header is not JSON
        "e30.e30.a",  # impossible base64 length
        "e30.e30.+/",  # standard, not url-safe, alphabet
        "_w.e30.sig",  # invalid UTF-8 in header
    ],
)
def test_decode_unverified_rejects_malformed(token: str) -> None:
    assert ujwt.decode_unverified(token) is None


def test_decode_unverified_accepts_minimal() -> None:
    assert ujwt.decode_unverified("e30.e30.") == ({}, {})


def test_sign_rejects_nan(pem: bytes) -> None:
    with pytest.raises(ValueError):
        ujwt.sign({"x": float("nan")}, pem)
