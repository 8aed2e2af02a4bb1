"""Personal information at rest: SM4 field encryption, a keyed blind index, rotation and a plain-text scan.

* **Encryption.** `EncryptedCharField` / `EncryptedTextField` store ``pii1$<key id>$<base64(nonce ‖ SM4-GCM
  ciphertext ‖ tag)>``. SM4-GCM (GB/T 32907 block cipher in an authenticated mode, through OpenSSL via the
  `cryptography` package) both hides and authenticates: a changed or swapped ciphertext is refused, not shown.
  The key id is bound into the tag as associated data, so a ciphertext cannot be relabelled to another key.
* **Keys.** ``settings.ONEWINDOW_PII_KEYS`` maps key ids to base64 16-byte keys; ``ONEWINDOW_PII_KEY_ID``
  names the one new values are written with. Old ids stay readable until `onewindow pii rotate` has moved
  every row to the current key; then the old key can be removed (`onewindow pii status` shows the counts).
* **Blind index.** Lookups by ID number or phone go through `blind_index`: HMAC-SM3 under a separate key
  (``ONEWINDOW_PII_INDEX_KEY``), so equality searches work and no table holds the plain value.
* **Scan.** `scan_database` reads every text column of every table and reports values that contain a
  plausible plain ID number (18 characters with a valid GB 11643 check digit) or mainland mobile number.

Reads accept plain values (rows written before the encryption migration, or with encryption switched off
for the benchmark baseline); the scan is what proves none remain.
"""

from __future__ import annotations

import base64
import binascii
import json
import os
import re
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives import hmac as crypto_hmac
from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.db import DEFAULT_DB_ALIAS, connection, connections, models
from django.db.models.lookups import Exact, IsNull

PREFIX = "pii1"
_NONCE = 12
_TAG = 16


class PIIError(Exception):
    """A ciphertext that cannot be read: unknown key id, wrong key or changed data."""


# ---------------------------------------------------------------------------------------------
# Keys


def _decode_key(key_id: str, raw: str) -> bytes:
    try:
        key = base64.b64decode(raw, validate=True)
    except (binascii.Error, ValueError) as exc:
        raise ImproperlyConfigured(f"ONEWINDOW_PII_KEYS[{key_id!r}] is not base64") from exc
    if len(key) != 16:
        raise ImproperlyConfigured(f"ONEWINDOW_PII_KEYS[{key_id!r}] must be 16 bytes (SM4), not {len(key)}")
    return key


def keys() -> dict[str, bytes]:
    return _keys(json.dumps(settings.ONEWINDOW_PII_KEYS, sort_keys=True))


@lru_cache(maxsize=8)
def _keys(serialised: str) -> dict[str, bytes]:
    configured: dict[str, str] = json.loads(serialised)
    return {key_id: _decode_key(key_id, raw) for key_id, raw in configured.items()}


def current_key_id() -> str:
    key_id: str = settings.ONEWINDOW_PII_KEY_ID
    if key_id not in keys():
        raise ImproperlyConfigured(f"ONEWINDOW_PII_KEY_ID={key_id!r} is not in ONEWINDOW_PII_KEYS")
    return key_id


def encryption_enabled() -> bool:
    return bool(getattr(settings, "ONEWINDOW_PII_ENCRYPT", True))


# ---------------------------------------------------------------------------------------------
# SM4-GCM


def is_encrypted(value: object) -> bool:
    return isinstance(value, str) and value.startswith(PREFIX + "$")


def key_id_of(value: str) -> str | None:
    """The key id a stored value was written with, or None for a plain (unencrypted) value."""
    if not is_encrypted(value):
        return None
    parts = value.split("$", 2)
    return parts[1] if len(parts) == 3 else None


def encrypt(plaintext: str, key_id: str | None = None) -> str:
    key_id = key_id or current_key_id()
    key = keys()[key_id]
    nonce = os.urandom(_NONCE)
    encryptor = Cipher(algorithms.SM4(key), modes.GCM(nonce)).encryptor()
    encryptor.authenticate_additional_data(key_id.encode())
    ciphertext = encryptor.update(plaintext.encode("utf-8")) + encryptor.finalize()
    blob = base64.b64encode(nonce + ciphertext + encryptor.tag).decode("ascii")
    return f"{PREFIX}${key_id}${blob}"


def decrypt(stored: str) -> str:
    if not is_encrypted(stored):
        return stored
    try:
        _prefix, key_id, blob_b64 = stored.split("$", 2)
        blob = base64.b64decode(blob_b64, validate=True)
    except (ValueError, binascii.Error) as exc:
        raise PIIError("malformed ciphertext") from exc
    key = keys().get(key_id)
    if key is None:
        raise PIIError(f"no key {key_id!r} in ONEWINDOW_PII_KEYS (removed before rotation finished?)")
    if len(blob) < _NONCE + _TAG:
        raise PIIError("malformed ciphertext")
    nonce, ciphertext, tag = blob[:_NONCE], blob[_NONCE:-_TAG], blob[-_TAG:]
    decryptor = Cipher(algorithms.SM4(key), modes.GCM(nonce, tag)).decryptor()
    decryptor.authenticate_additional_data(key_id.encode())
    try:
        return (decryptor.update(ciphertext) + decryptor.finalize()).decode("utf-8")
    except InvalidTag as exc:
        raise PIIError("ciphertext does not authenticate (wrong key or changed data)") from exc


# ---------------------------------------------------------------------------------------------
# Blind index (HMAC-SM3)


def _index_key() -> bytes:
    raw: str = settings.ONEWINDOW_PII_INDEX_KEY
    if not raw:
        raise ImproperlyConfigured("ONEWINDOW_PII_INDEX_KEY is empty")
    return raw.encode("utf-8")


def blind_index(purpose: str, value: str) -> str:
    """HMAC-SM3 of ``purpose:value`` (hex). The purpose keeps an ID number's index apart from a phone's."""
    mac = crypto_hmac.HMAC(_index_key(), hashes.SM3())
    mac.update(f"{purpose}:{value}".encode())
    return mac.finalize().hex()


def phone_index(phone: str) -> str:
    from onewindow.cases.auth import normalize_phone

    return blind_index("phone", normalize_phone(phone))


# ---------------------------------------------------------------------------------------------
# Fields


class _EncryptedExact(Exact):
    """Only ``field=""`` may be searched: a ciphertext has a random nonce, so equality on a value would
    silently never match. Searches by value go through the blind index column instead."""

    def get_db_prep_lookup(self, value: Any, connection: Any) -> Any:
        if value not in ("", None):
            raise TypeError(f"{self.lhs.target.name} is encrypted: look it up by its blind index")
        return super().get_db_prep_lookup(value, connection)


class EncryptedMixin:
    """Encrypt on the way to the database, decrypt on the way back. Empty strings stay empty (blank checks)."""

    def db_type(self, connection: Any) -> str:
        # Ciphertext is longer than the plain value (nonce, tag, base64): a text column whatever max_length says;
        # max_length still validates what people type.
        return str(connection.data_types["TextField"])

    def get_prep_value(self, value: Any) -> Any:
        value = super().get_prep_value(value)  # type: ignore[misc]
        if value in (None, "") or not encryption_enabled() or is_encrypted(value):
            return value
        return encrypt(str(value))

    def from_db_value(self, value: Any, expression: Any, connection: Any) -> Any:
        if value is None:
            return value
        return decrypt(value)

    def get_lookup(self, lookup_name: str) -> Any:
        if lookup_name == "exact":
            return _EncryptedExact
        if lookup_name == "isnull":
            return IsNull
        return None  # Django then says "Unsupported lookup" instead of comparing against ciphertext


class EncryptedCharField(EncryptedMixin, models.CharField):  # type: ignore[misc]
    """A CharField stored encrypted (SM4-GCM). `max_length` bounds the plain value."""


class EncryptedTextField(EncryptedMixin, models.TextField):  # type: ignore[misc]
    """A TextField stored encrypted (SM4-GCM)."""


def encrypted_fields() -> Iterator[tuple[type[models.Model], list[models.Field[Any, Any]]]]:
    from django.apps import apps

    for model in apps.get_models():
        fields: list[models.Field[Any, Any]] = [f for f in model._meta.concrete_fields if isinstance(f, EncryptedMixin)]
        if fields and not model._meta.proxy:
            yield model, fields


# ---------------------------------------------------------------------------------------------
# Status and rotation


def _raw_rows(model: type[models.Model], field: models.Field[Any, Any], after: Any, batch: int,
              using: str = DEFAULT_DB_ALIAS) -> list[tuple[Any, Any]]:
    """(pk, stored value) straight from the table, bypassing from_db_value."""
    connection = connections[using]
    qn = connection.ops.quote_name
    pk = model._meta.pk
    assert pk is not None
    # Identifiers come from the model's own metadata and are quoted; values are parameters.
    sql = (f"SELECT {qn(pk.column)}, {qn(field.column)} FROM {qn(model._meta.db_table)} "  # noqa: S608
           f"WHERE {qn(pk.column)} > %s ORDER BY {qn(pk.column)} LIMIT %s")
    with connection.cursor() as cursor:
        cursor.execute(sql, [after, batch])
        return list(cursor.fetchall())


def _walk(model: type[models.Model], field: models.Field[Any, Any], batch: int = 500,
          using: str = DEFAULT_DB_ALIAS) -> Iterator[list[tuple[Any, Any]]]:
    after: Any = 0
    while True:
        rows = _raw_rows(model, field, after, batch, using)
        if not rows:
            return
        yield rows
        after = rows[-1][0]


def key_status() -> dict[str, Counter[str]]:
    """Per ``app.Model.field``: how many non-empty values are on each key id ("plain" = not encrypted)."""
    result: dict[str, Counter[str]] = {}
    for model, fields in encrypted_fields():
        for field in fields:
            counts: Counter[str] = Counter()
            for rows in _walk(model, field):
                for _pk, stored in rows:
                    if stored:
                        counts[key_id_of(stored) or "plain"] += 1
            result[f"{model._meta.label}.{field.name}"] = counts
    return result


def rotate(batch: int = 500) -> int:
    """Re-encrypt every value not on the current key (plain values included). Returns how many were rewritten.

    Works in batches of `batch` rows, each in its own transaction, so a large table is not locked at once
    and an interrupted run simply continues where it stopped the next time."""
    from django.db import transaction

    target = current_key_id()
    rewritten = 0
    for model, fields in encrypted_fields():
        for field in fields:
            for rows in _walk(model, field, batch):
                stale = [(pk, stored) for pk, stored in rows if stored and key_id_of(stored) != target]
                if not stale:
                    continue
                with transaction.atomic():
                    for pk, stored in stale:
                        # update() runs get_prep_value: the plain value is encrypted under the current key.
                        model._default_manager.filter(pk=pk).update(**{field.name: encrypt(decrypt(stored), target)})
                rewritten += len(stale)
    return rewritten


def encrypt_plain_rows(apps: Any, schema_editor: Any, label: str, field_names: list[str]) -> None:
    """Data migration step: encrypt the values of `label`'s fields that are still plain (works on any backend:
    plain SQL to read, the historical model's encrypted field to write)."""
    model = apps.get_model(label)
    alias = schema_editor.connection.alias
    for name in field_names:
        field = model._meta.get_field(name)
        for rows in _walk(model, field, using=alias):
            for pk, stored in rows:
                if stored and not is_encrypted(stored):
                    model._default_manager.using(alias).filter(pk=pk).update(**{name: encrypt(stored)})


def decrypt_rows(apps: Any, schema_editor: Any, label: str, field_names: list[str]) -> None:
    """The reverse of `encrypt_plain_rows` (plain SQL, so the still-encrypted historical field is bypassed)."""
    model = apps.get_model(label)
    connection = schema_editor.connection
    qn = connection.ops.quote_name
    for name in field_names:
        field = model._meta.get_field(name)
        for rows in _walk(model, field, using=connection.alias):
            with connection.cursor() as cursor:
                for pk, stored in rows:
                    if is_encrypted(stored):
                        cursor.execute(f"UPDATE {qn(model._meta.db_table)} SET {qn(field.column)} = %s "  # noqa: S608
                                       f"WHERE {qn(model._meta.pk.column)} = %s", [decrypt(stored), pk])


# ---------------------------------------------------------------------------------------------
# Scan for plain personal information

_ID_RE = re.compile(r"(?<![0-9A-Za-z])(\d{17}[\dXx])(?![0-9A-Za-z])")
_MOBILE_RE = re.compile(r"(?<![0-9A-Za-z])(1[3-9]\d{9})(?![0-9A-Za-z])")
_ID_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
_ID_CHECK = "10X98765432"


def valid_id_check_digit(number: str) -> bool:
    if len(number) != 18 or not number[:17].isdigit():
        return False
    total = sum(int(d) * w for d, w in zip(number[:17], _ID_WEIGHTS, strict=True))
    return _ID_CHECK[total % 11] == number[17].upper()


def find_plain(text: str) -> list[tuple[str, str]]:
    """(kind, value) of every plain ID number or mobile number in `text`."""
    found = [("id_number", m) for m in _ID_RE.findall(text) if valid_id_check_digit(m)]
    found += [("mobile", m) for m in _MOBILE_RE.findall(text)]
    return found


@dataclass(frozen=True)
class Finding:
    table: str
    column: str
    kind: str
    count: int


_TEXT_TYPES = ("char", "text", "json", "clob", "string")


def scan_database(batch: int = 1000) -> list[Finding]:
    """Every table, every text-like column: rows holding a plain ID number or mobile number."""
    qn = connection.ops.quote_name
    findings: list[Finding] = []
    with connection.cursor() as cursor:
        tables = [t.name for t in connection.introspection.get_table_list(cursor) if t.type == "t"]
        for table in sorted(tables):
            description = connection.introspection.get_table_description(cursor, table)
            columns = []
            for col in description:
                type_name = connection.introspection.get_field_type(col.type_code, col)
                if any(t in type_name.lower() for t in _TEXT_TYPES):
                    columns.append(col.name)
            for column in columns:
                counts: Counter[str] = Counter()
                cursor.execute(f"SELECT {qn(column)} FROM {qn(table)}")  # noqa: S608 (names from introspection)
                while rows := cursor.fetchmany(batch):
                    for (value,) in rows:
                        if value is None:
                            continue
                        text = value if isinstance(value, str) else json.dumps(value, ensure_ascii=False)
                        for kind in {kind for kind, _v in find_plain(text)}:
                            counts[kind] += 1
                findings += [Finding(table, column, kind, n) for kind, n in sorted(counts.items())]
    return findings
