#!/usr/bin/env python3
"""Verifies timebank's Open Badges 3.0 credentials with implementations that are not ours.

Usage: verify_credential.py TB_CREDENTIAL_SAMPLE
       verify_credential.py --dir DIR

Runs the sample program into a temporary directory (or, with --dir, reads what the
gRPC test CredentialGrpcTest.RotationKeepsOlderCredentialsVerifying exported through
the rewards service's API into DIR: the same four files), then checks its VC-JWTs against
the JWK Set it published with PyJWT and, separately, with `cryptography`'s RSA
PKCS#1 v1.5 verification; checks the JWT claims against the credential (OB 3.0
section 8.2) and the credential against the fields OB 3.0 requires. Exits non-zero,
saying what is wrong, when either side is.
"""

import base64
import datetime
import json
import os
import subprocess
import sys
import tempfile

import jwt
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import padding, rsa

VC_CONTEXT = "https://www.w3.org/ns/credentials/v2"
OB_CONTEXT_PREFIX = "https://purl.imsglobal.org/spec/ob/v3p0/context"
PUBLIC_JWK_MEMBERS = {"kty", "n", "e", "kid", "alg", "use"}
PRIVATE_JWK_MEMBERS = {"d", "p", "q", "dp", "dq", "qi", "oth"}
JWT_CLAIMS = ("iss", "sub", "nbf", "jti", "exp")


class CheckFailed(Exception):
    pass


def require(condition, what):
    if not condition:
        raise CheckFailed(what)


def b64url_decode(segment):
    require("=" not in segment, "JWS segment is padded")
    return base64.urlsafe_b64decode(segment + "=" * (-len(segment) % 4))


def b64url_int(segment):
    return int.from_bytes(b64url_decode(segment), "big")


def types_of(obj):
    t = obj.get("type")
    return [t] if isinstance(t, str) else list(t or [])


def check_jwks(jwks):
    keys = jwks.get("keys")
    require(isinstance(keys, list) and keys, "JWK Set has no keys")
    for jwk in keys:
        leaked = PRIVATE_JWK_MEMBERS & set(jwk)
        require(not leaked, f"JWK {jwk.get('kid')} exposes private members {sorted(leaked)}")
        require(set(jwk) <= PUBLIC_JWK_MEMBERS, f"JWK has unexpected members {sorted(jwk)}")
        require(jwk["kty"] == "RSA" and jwk["alg"] == "RS256", "JWK is not an RS256 RSA key")
        require(b64url_int(jwk["n"]).bit_length() >= 2048, "RSA modulus under 2048 bits")
    return {jwk["kid"]: jwk for jwk in keys}


def check_signature_with_cryptography(token, jwk):
    header_b64, payload_b64, signature_b64 = token.split(".")
    public_key = rsa.RSAPublicNumbers(b64url_int(jwk["e"]), b64url_int(jwk["n"])).public_key()
    try:
        public_key.verify(b64url_decode(signature_b64), f"{header_b64}.{payload_b64}".encode(),
                          padding.PKCS1v15(), hashes.SHA256())
    except InvalidSignature as e:
        raise CheckFailed("cryptography: RS256 signature does not verify") from e


def parse_rfc3339(text):
    require(isinstance(text, str), "validFrom is not a string")
    return datetime.datetime.fromisoformat(text.replace("Z", "+00:00"))


def check_ob3_fields(credential):
    context = credential.get("@context")
    require(isinstance(context, list) and len(context) >= 2, "@context is not a list of two")
    require(context[0] == VC_CONTEXT, "@context does not start with the VC 2.0 context")
    require(any(isinstance(c, str) and c.startswith(OB_CONTEXT_PREFIX) for c in context[1:]),
            "@context lacks the OB 3.0 context")
    types = types_of(credential)
    require("VerifiableCredential" in types, "type lacks VerifiableCredential")
    require("OpenBadgeCredential" in types or "AchievementCredential" in types,
            "type lacks OpenBadgeCredential")
    require(isinstance(credential.get("id"), str) and ":" in credential["id"], "id is not a URI")
    issuer = credential.get("issuer")
    require(isinstance(issuer, dict) and issuer.get("id"), "issuer has no id")
    require("Profile" in types_of(issuer), "issuer type lacks Profile")
    parsed = parse_rfc3339(credential.get("validFrom"))
    require(parsed.tzinfo is not None, "validFrom has no time zone")
    subject = credential.get("credentialSubject")
    require(isinstance(subject, dict), "credentialSubject missing")
    require("AchievementSubject" in types_of(subject), "credentialSubject type")
    require(subject.get("id"), "credentialSubject has no id")
    achievement = subject.get("achievement")
    require(isinstance(achievement, dict), "achievement missing")
    require(achievement.get("id"), "achievement.id missing")
    require("Achievement" in types_of(achievement), "achievement.type lacks Achievement")
    require(achievement.get("name"), "achievement.name missing")
    require(achievement.get("description"), "achievement.description missing")
    criteria = achievement.get("criteria")
    require(isinstance(criteria, dict) and (criteria.get("narrative") or criteria.get("id")),
            "achievement.criteria missing")
    for evidence in credential.get("evidence", []):
        require("Evidence" in types_of(evidence), "evidence entry type lacks Evidence")
    status = credential.get("credentialStatus")
    if status is not None:
        require(status.get("type") == "1EdTechRevocationList" and status.get("id"),
                "credentialStatus is not a 1EdTech Revocation List entry")


def verify_token(token, keys_by_kid):
    """Returns (kid, credential) after every check on one VC-JWT."""
    header = jwt.get_unverified_header(token)
    require(header.get("alg") == "RS256", f"header alg is {header.get('alg')}")
    require(set(header) <= {"alg", "kid", "typ"}, f"header has extra members {sorted(header)}")
    require(header.get("typ", "JWT") == "JWT", "header typ is not JWT")
    kid = header.get("kid")
    require(kid in keys_by_kid, f"kid {kid} is not in the JWK Set")
    jwk = keys_by_kid[kid]
    check_signature_with_cryptography(token, jwk)
    payload = jwt.decode(token, key=jwt.PyJWK(jwk).key, algorithms=["RS256"],
                         options={"require": ["iss", "sub", "nbf", "jti"], "verify_aud": False})
    credential = {k: v for k, v in payload.items() if k not in JWT_CLAIMS}
    check_ob3_fields(credential)
    require(payload["iss"] == credential["issuer"]["id"], "iss differs from issuer.id")
    require(payload["sub"] == credential["credentialSubject"]["id"], "sub differs from subject id")
    require(payload["jti"] == credential["id"], "jti differs from the credential id")
    valid_from = parse_rfc3339(credential["validFrom"])
    require(payload["nbf"] == int(valid_from.timestamp()), "nbf differs from validFrom")
    require(valid_from.timestamp() == int(valid_from.timestamp()), "validFrom has a fraction")
    return kid, credential


def check_tampering_is_caught(token, keys_by_kid):
    """The check itself must be able to fail: one changed payload character is refused."""
    header_b64, payload_b64, signature_b64 = token.split(".")
    middle = len(payload_b64) // 2
    flipped = "B" if payload_b64[middle] == "A" else "A"
    forged = ".".join([header_b64, payload_b64[:middle] + flipped + payload_b64[middle + 1:],
                       signature_b64])
    try:
        verify_token(forged, keys_by_kid)
    except (CheckFailed, jwt.InvalidTokenError, ValueError):
        return
    raise CheckFailed("a tampered token verified")


def check_sample(out):
    """Checks credential_old.jwt, credential.jwt, credential.json and jwks.json in `out`."""

    def read(name):
        with open(os.path.join(out, name), encoding="utf-8") as f:
            return f.read()

    jwks = json.loads(read("jwks.json"))
    keys_by_kid = check_jwks(jwks)
    require(len(keys_by_kid) == 2, "the JWK Set after one rotation should list two keys")
    newest_kid = jwks["keys"][0]["kid"]
    new_kid, new_credential = verify_token(read("credential.jwt").strip(), keys_by_kid)
    old_kid, _ = verify_token(read("credential_old.jwt").strip(), keys_by_kid)
    require(new_kid == newest_kid, "the new credential was not signed by the newest key")
    require(old_kid != new_kid, "both credentials name the same kid across a rotation")
    require(new_credential == json.loads(read("credential.json")),
            "the JWT payload is not the credential that was signed")
    check_tampering_is_caught(read("credential.jwt").strip(), keys_by_kid)


def main():
    if len(sys.argv) == 3 and sys.argv[1] == "--dir":
        check_sample(sys.argv[2])
        source = "exported through the rewards service's API"
    elif len(sys.argv) == 2:
        with tempfile.TemporaryDirectory() as out:
            subprocess.run([sys.argv[1], out], check=True)
            check_sample(out)
        source = "from the sample program"
    else:
        print(__doc__, file=sys.stderr)
        return 2
    print(f"verify_credential: 2 credentials {source} verified with PyJWT and cryptography; "
          "claims and OB 3.0 fields match")
    return 0


if __name__ == "__main__":
    try:
        sys.exit(main())
    except (CheckFailed, jwt.InvalidTokenError, subprocess.CalledProcessError, KeyError,
            OSError) as e:
        print(f"verify_credential: FAILED: {type(e).__name__}: {e}", file=sys.stderr)
        sys.exit(1)
