"""Changing any signed field of a licence — in the database or in memory — makes verification fail."""

from __future__ import annotations

import datetime as dt

import pytest

from onewindow.licences import crypto, services
from onewindow.licences.models import Licence

from .world import approve_case, build_world, business_licence_type, issued_licence

pytestmark = pytest.mark.django_db

TAMPERS = {
    "identifier": lambda lic: lic.identifier[:-1] + ("0" if lic.identifier[-1] != "0" else "1"),
    "verify_code": lambda lic: lic.verify_code[::-1],
    "type_code": lambda lic: lic.type_code[:-1] + "9",
    "name": lambda lic: "食品经营许可证",
    "serial": lambda lic: lic.serial[:-1] + "9",
    "version": lambda lic: lic.version + 1,
    "issuer_name": lambda lic: "伪造县市场监督管理局",
    "issuer_code": lambda lic: lic.issuer_code[:-1] + "0",
    "jurisdiction": lambda lic: "990002",
    "issued_on": lambda lic: lic.issued_on - dt.timedelta(days=1),
    "holder_name": lambda lic: "别的公司",
    "holder_code": lambda lic: lic.holder_code[:-1] + "0",
    "holder_code_type": lambda lic: "111",
    "valid_from": lambda lic: lic.valid_from - dt.timedelta(days=365),
    "valid_to": lambda lic: dt.date(2099, 12, 31),
    "status": lambda lic: "cancelled",
    "status_reason": lambda lic: "已核实",
    "status_changed_at": lambda lic: dt.datetime(2030, 1, 1, tzinfo=dt.UTC),
}


@pytest.fixture(scope="module")
def signed(django_db_setup, django_db_blocker):
    """One licence, signed once (SM2 is slow in pure Python); each test tampers with a fresh copy."""
    with django_db_blocker.unblock():
        from django.db import transaction

        with transaction.atomic():
            world = build_world()
            business_licence_type()
            licence = issued_licence(approve_case(world))
            snapshot = Licence.objects.select_related("seal_key", "previous").get(pk=licence.pk)
            transaction.set_rollback(True)
    return snapshot


def _copy(licence: Licence) -> Licence:
    copy = Licence.objects.model(**{f.attname: getattr(licence, f.attname) for f in Licence._meta.concrete_fields})
    copy.face_data = dict(licence.face_data)
    copy.seal_key = licence.seal_key
    return copy


def test_the_untouched_licence_verifies(signed):
    assert services.verify_licence(_copy(signed)).signature_valid


@pytest.mark.parametrize("field", sorted(TAMPERS))
def test_changing_a_field_breaks_the_signature(signed, field):
    licence = _copy(signed)
    setattr(licence, field, TAMPERS[field](licence))
    result = services.verify_licence(licence)
    assert not result.signature_valid, field
    assert not result.valid


@pytest.mark.parametrize("key", ["enterprise_name", "legal_representative", "scope", "address"])
def test_changing_any_face_field_breaks_the_signature(signed, key):
    licence = _copy(signed)
    licence.face_data[key] = licence.face_data[key] + "（改）"
    assert not services.verify_licence(licence).signature_valid


def test_adding_or_removing_a_face_field_breaks_the_signature(signed):
    added = _copy(signed)
    added.face_data["extra"] = "x"
    removed = _copy(signed)
    removed.face_data.pop("scope")
    assert not services.verify_licence(added).signature_valid
    assert not services.verify_licence(removed).signature_valid


def test_recomputing_the_digest_does_not_help_a_forger(signed):
    licence = _copy(signed)
    licence.holder_name = "别的公司"
    licence.digest = crypto.sm3_hex(licence.canonical_bytes())  # the hash matches again, the SM2 signature does not
    result = services.verify_licence(licence)
    assert result.digest_matches and not result.signature_valid


def test_a_changed_signature_or_key_fails(signed):
    licence = _copy(signed)
    licence.signature = licence.signature[:-1] + ("0" if licence.signature[-1] != "0" else "1")
    assert not services.verify_licence(licence).signature_valid
    other = crypto.generate_keypair()
    forged = _copy(signed)
    forged.signature = crypto.sign(other.private_key, other.public_key, forged.canonical_bytes())
    assert not services.verify_licence(forged).signature_valid
