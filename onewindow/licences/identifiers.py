"""The national e-licence identifier (证照标识, GB/T 36904 as implemented by the national platform).

    1.2.156.3005.2.<type code>.<issuer code>.<serial>.<version>.<check>

* type code: the licence type owner's 18-character unified social credit code + a 3-digit number;
* issuer code: the issuing authority's 18-character credit code;
* serial: the licence number within that type and issuer (digits and capital letters);
* version: 3 digits, 001 for the first issue, +1 for every change;
* check: one character computed with ISO/IEC 7064 MOD 37,36 over type code + issuer code + serial + version
  (no dots, no root), alphabet 0–9 A–Z.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

ROOT = "1.2.156.3005.2."
ALPHABET = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ"
_VALUES = {c: i for i, c in enumerate(ALPHABET)}
_M = 36  # the hybrid system's modulus; M + 1 = 37 is prime

_CREDIT = r"[0-9A-HJ-NPQRTUWXY]{18}"
IDENTIFIER_RE = re.compile(
    rf"^{re.escape(ROOT)}(?P<type_code>{_CREDIT}\d{{3}})\.(?P<issuer>{_CREDIT})\.(?P<serial>[0-9A-Z]{{1,40}})"
    rf"\.(?P<version>\d{{3}})\.(?P<check>[0-9A-Z])$"
)


def _values(data: str) -> list[int]:
    if not data:
        raise ValueError("MOD 37,36 needs at least one character")
    try:
        return [_VALUES[c] for c in data]
    except KeyError as exc:
        raise ValueError(f"character {exc.args[0]!r} is not in the MOD 37,36 alphabet 0-9 A-Z") from None


def mod37_36_check_char(data: str) -> str:
    """The ISO/IEC 7064 MOD 37,36 check character (hybrid system, M = 36) for `data`.

    P starts at M; for each character, S = (P + value) mod M, with 0 read as M; P = 2·S mod (M + 1).
    The check character c makes (P + c) mod M = 1.
    """
    product = _M
    for value in _values(data):
        total = (product + value) % _M or _M
        product = (total * 2) % (_M + 1)
    return ALPHABET[(_M + 1 - product) % _M]


def mod37_36_is_valid(data_with_check: str) -> bool:
    """True when the last character is the MOD 37,36 check character of the rest (running sum ends at 1)."""
    if len(data_with_check) < 2:
        return False
    try:
        values = _values(data_with_check)
    except ValueError:
        return False
    product = _M
    total = 0
    for value in values:
        total = (product + value) % _M or _M
        product = (total * 2) % (_M + 1)
    return total == 1


@dataclass(frozen=True)
class Identifier:
    type_code: str
    issuer_code: str
    serial: str
    version: int
    check: str

    def __str__(self) -> str:
        return f"{ROOT}{self.type_code}.{self.issuer_code}.{self.serial}.{self.version:03d}.{self.check}"


def build_identifier(type_code: str, issuer_code: str, serial: str, version: int) -> str:
    """The full identifier with its check character. Raises ValueError on a malformed part."""
    type_code, issuer_code, serial = type_code.upper(), issuer_code.upper(), serial.upper()
    if not 1 <= version <= 999:
        raise ValueError("version must be 1..999")
    body = f"{type_code}{issuer_code}{serial}{version:03d}"
    identifier = str(Identifier(type_code, issuer_code, serial, version, mod37_36_check_char(body)))
    if not IDENTIFIER_RE.match(identifier):
        raise ValueError(f"malformed identifier parts: {type_code!r} {issuer_code!r} {serial!r}")
    return identifier


def parse_identifier(value: str) -> Identifier:
    """Split and check an identifier; ValueError when the format or the check character is wrong."""
    match = IDENTIFIER_RE.match(value or "")
    if not match:
        raise ValueError("not an e-licence identifier (1.2.156.3005.2.<type>.<issuer>.<serial>.<version>.<check>)")
    parts = match.groupdict()
    body = parts["type_code"] + parts["issuer"] + parts["serial"] + parts["version"]
    if mod37_36_check_char(body) != parts["check"]:
        raise ValueError("wrong check character")
    return Identifier(parts["type_code"], parts["issuer"], parts["serial"], int(parts["version"]), parts["check"])


def is_valid_identifier(value: str) -> bool:
    try:
        parse_identifier(value)
    except ValueError:
        return False
    return True
