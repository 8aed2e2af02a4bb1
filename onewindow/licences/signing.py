"""Who holds the seal's private key. Everything else only needs this small interface, so a certified signing
device or service (签章服务器, 密码机) replaces the local signer through settings.ONEWINDOW_SIGNER.

A signer:

* ``new_key(authority) -> NewKey``: makes an SM2 key pair for an issuing authority and returns the public key
  plus what must be stored to use the private key later (``private_blob``: the sealed private key for the
  local signer; a key label / container name for a device — never a bare private key);
* ``sign(seal_key, message) -> str``: the SM2/SM3 signature (r ‖ s, 128 hex) of ``message`` under the key
  described by ``seal_key`` (a SealKey row: ``public_key``, ``private_blob``, ``external_ref``).

Verification never goes through the signer: it needs only the public key, which stays in the SealKey row
after rotation, so every licence stays verifiable. A signer may raise ``SignerUnavailable``; services then
fail with a clear message and nothing is half-written.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from typing import Any, Protocol

from django.conf import settings
from django.utils.module_loading import import_string

from . import crypto


class SignerUnavailable(Exception):
    """The signing device or service cannot sign now."""


@dataclass(frozen=True)
class NewKey:
    public_key: str
    private_blob: str = ""
    external_ref: str = ""


class Signer(Protocol):
    name: str

    def new_key(self, authority: Any) -> NewKey: ...

    def sign(self, seal_key: Any, message: bytes) -> str: ...


class LocalSM2Signer:
    """Keys generated here; private keys stored SM4-sealed under settings.ONEWINDOW_SEAL_KEY."""

    name = "local-sm2"

    def new_key(self, authority: Any) -> NewKey:
        pair = crypto.generate_keypair()
        blob = crypto.seal_secret(pair.private_key.encode(), settings.ONEWINDOW_SEAL_KEY)
        return NewKey(public_key=pair.public_key, private_blob=blob)

    def sign(self, seal_key: Any, message: bytes) -> str:
        if not seal_key.private_blob:
            raise SignerUnavailable("该签章密钥的私钥不在本系统中（由外部签章服务保管）。")
        private_key = crypto.open_secret(seal_key.private_blob, settings.ONEWINDOW_SEAL_KEY).decode()
        return crypto.sign(private_key, seal_key.public_key, message)


@lru_cache(maxsize=4)
def _signer_class(path: str) -> Any:
    return import_string(path)


def get_signer() -> Signer:
    signer: Signer = _signer_class(settings.ONEWINDOW_SIGNER)()
    return signer
