"""National cryptography for the seal: SM3 (GB/T 32905), SM2 signatures (GB/T 32918), SM4 (GB/T 32907).

The curve arithmetic is gmssl's (pure Python). Around it this module fixes what gmssl leaves to the caller:

* the per-signature random k comes from `secrets` (gmssl's default uses `random.choice`, which is not a
  cryptographic generator) and is drawn in [1, n-1];
* signatures are checked to have r, s in [1, n-1] and to be well-formed hex before any curve work;
* public keys are set after construction (gmssl's constructor `lstrip("04")`s the key, which also eats a
  leading '0' or '4' of the X coordinate itself);
* Z = SM3(ENTL ‖ ID ‖ a ‖ b ‖ xG ‖ yG ‖ xA ‖ yA) uses the standard default ID 1234567812345678, and both
  Z and e = SM3(Z ‖ M) go through `sm3_digest`, which uses OpenSSL's SM3 when present (fast) and gmssl's
  otherwise (the two agree on the standard vectors; see the tests).

Private keys at rest are sealed with SM4-CBC under a key derived from settings.ONEWINDOW_SEAL_KEY, then
authenticated with HMAC-SM3 (encrypt-then-MAC), so a changed or swapped ciphertext is refused, not used.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from dataclasses import dataclass

from gmssl import sm2, sm3, sm4

CURVE = sm2.default_ecc_table
N = int(CURVE["n"], 16)
P = int(CURVE["p"], 16)
DEFAULT_USER_ID = b"1234567812345678"

try:
    hashlib.new("sm3")
    _HASHLIB_SM3 = True
except ValueError:  # OpenSSL built without SM3
    _HASHLIB_SM3 = False


class CryptoError(Exception):
    """A key or ciphertext that cannot be used (wrong master key, tampered blob, malformed key)."""


# ---------------------------------------------------------------------------------------------
# SM3


def sm3_digest_pure(data: bytes) -> bytes:
    """SM3 with gmssl's pure-Python implementation."""
    return bytes.fromhex(sm3.sm3_hash(list(data)))


def sm3_digest(data: bytes) -> bytes:
    if _HASHLIB_SM3:
        return hashlib.new("sm3", data).digest()
    return sm3_digest_pure(data)


def sm3_hex(data: bytes) -> str:
    return sm3_digest(data).hex()


def hmac_sm3(key: bytes, message: bytes) -> bytes:
    """HMAC (RFC 2104) over SM3: block size 64 bytes, like SHA-256."""
    if len(key) > 64:
        key = sm3_digest(key)
    key = key.ljust(64, b"\0")
    inner = sm3_digest(bytes(b ^ 0x36 for b in key) + message)
    return sm3_digest(bytes(b ^ 0x5C for b in key) + inner)


# ---------------------------------------------------------------------------------------------
# SM2


@dataclass(frozen=True)
class KeyPair:
    private_key: str  # 64 hex
    public_key: str  # 128 hex: X ‖ Y, no 04 prefix


def _crypt(private_key: str | None, public_key: str) -> sm2.CryptSM2:
    engine = sm2.CryptSM2(private_key=private_key, public_key="00" * 64)
    engine.public_key = public_key.lower()  # bypass the constructor's lstrip("04") (see module docstring)
    return engine


def normalise_public_key(public_key: str) -> str:
    """128 lower-case hex digits (X ‖ Y); accepts the uncompressed SEC1 form with its 04 prefix."""
    key = (public_key or "").strip().lower()
    if len(key) == 130 and key.startswith("04"):
        key = key[2:]
    if len(key) != 128 or any(c not in "0123456789abcdef" for c in key):
        raise CryptoError("SM2 public key must be 64 bytes of hex (X‖Y)")
    x, y = int(key[:64], 16), int(key[64:], 16)
    a, b = int(CURVE["a"], 16), int(CURVE["b"], 16)
    if not (0 <= x < P and 0 <= y < P) or (y * y - (x * x * x + a * x + b)) % P != 0:
        raise CryptoError("SM2 public key is not a point on the curve")
    return key


def public_key_of(private_key: str) -> str:
    d = int(private_key, 16)
    if not 1 <= d <= N - 2:
        raise CryptoError("SM2 private key out of range")
    engine = _crypt(private_key, "00" * 64)
    return engine._kg(d, CURVE["g"]).lower()


def generate_keypair() -> KeyPair:
    d = secrets.randbelow(N - 2) + 1  # [1, n-2] as GB/T 32918.1 requires
    private_key = f"{d:064x}"
    return KeyPair(private_key, public_key_of(private_key))


def z_value(public_key: str, user_id: bytes = DEFAULT_USER_ID) -> bytes:
    """Z_A = SM3(ENTL_A ‖ ID_A ‖ a ‖ b ‖ x_G ‖ y_G ‖ x_A ‖ y_A)."""
    entl = (len(user_id) * 8).to_bytes(2, "big")
    material = entl + user_id + bytes.fromhex(CURVE["a"] + CURVE["b"] + CURVE["g"] + public_key)
    return sm3_digest(material)


def message_digest(public_key: str, message: bytes, user_id: bytes = DEFAULT_USER_ID) -> bytes:
    """e = SM3(Z_A ‖ M): what SM2 signs (SM3withSM2)."""
    return sm3_digest(z_value(public_key, user_id) + message)


def sign(private_key: str, public_key: str, message: bytes, *, k: int | None = None) -> str:
    """An SM2 signature r ‖ s (128 hex) of `message` with SM3. `k` is only for known-answer tests."""
    engine = _crypt(private_key, public_key)
    e = message_digest(public_key, message)
    for _attempt in range(16):
        nonce = k if k is not None else secrets.randbelow(N - 1) + 1
        signature = engine.sign(e, f"{nonce:064x}")
        if signature is not None:
            return str(signature).lower()
        if k is not None:
            raise CryptoError("the given k yields r = 0 or s = 0")
    raise CryptoError("could not produce a signature")  # pragma: no cover - probability ~ 16/n


def verify(public_key: str, message: bytes, signature: str) -> bool:
    """True when `signature` (r ‖ s, 128 hex) is a valid SM2/SM3 signature of `message` under `public_key`."""
    try:
        key = normalise_public_key(public_key)
    except CryptoError:
        return False
    sig = (signature or "").strip().lower()
    if len(sig) != 128 or any(c not in "0123456789abcdef" for c in sig):
        return False
    r, s = int(sig[:64], 16), int(sig[64:], 16)
    if not (1 <= r < N and 1 <= s < N) or (r + s) % N == 0:
        return False
    engine = _crypt(None, key)
    try:
        return bool(engine.verify(sig, message_digest(key, message)))
    except (ValueError, TypeError):  # a degenerate point from a forged signature
        return False


def fingerprint(public_key: str) -> str:
    """A short, stable name for a public key: the first 16 hex digits of its SM3 hash."""
    return sm3_hex(bytes.fromhex(normalise_public_key(public_key)))[:16].upper()


# ---------------------------------------------------------------------------------------------
# SM4 sealing of private keys at rest

_BLOB_VERSION = "v1"


def _derived_keys(master: str) -> tuple[bytes, bytes]:
    if not master:
        raise CryptoError("ONEWINDOW_SEAL_KEY is empty")
    secret = master.encode()
    return sm3_digest(b"onewindow-seal-enc:" + secret)[:16], sm3_digest(b"onewindow-seal-mac:" + secret)


def seal_secret(plaintext: bytes, master: str) -> str:
    """SM4-CBC (random IV, PKCS#7) then HMAC-SM3 over version ‖ IV ‖ ciphertext: 'v1:<iv>:<ct>:<mac>' in hex."""
    enc_key, mac_key = _derived_keys(master)
    iv = secrets.token_bytes(16)
    cipher = sm4.CryptSM4()
    cipher.set_key(enc_key, sm4.SM4_ENCRYPT)
    ciphertext = cipher.crypt_cbc(iv, plaintext)
    tag = hmac_sm3(mac_key, _BLOB_VERSION.encode() + iv + ciphertext)
    return ":".join([_BLOB_VERSION, iv.hex(), ciphertext.hex(), tag.hex()])


def open_secret(blob: str, master: str) -> bytes:
    try:
        version, iv_hex, ct_hex, tag_hex = blob.split(":")
        iv, ciphertext, tag = bytes.fromhex(iv_hex), bytes.fromhex(ct_hex), bytes.fromhex(tag_hex)
    except ValueError as exc:
        raise CryptoError("malformed sealed key") from exc
    if version != _BLOB_VERSION:
        raise CryptoError(f"unknown sealed key version {version!r}")
    enc_key, mac_key = _derived_keys(master)
    if not hmac.compare_digest(tag, hmac_sm3(mac_key, version.encode() + iv + ciphertext)):
        raise CryptoError("sealed key does not authenticate (wrong ONEWINDOW_SEAL_KEY or changed data)")
    cipher = sm4.CryptSM4()
    cipher.set_key(enc_key, sm4.SM4_DECRYPT)
    return bytes(cipher.crypt_cbc(iv, ciphertext))
