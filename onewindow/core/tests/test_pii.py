"""Personal information at rest: SM4-GCM fields, the HMAC-SM3 blind index, key rotation, the plain-text scan,
masked logs."""

from __future__ import annotations

import base64
import logging
from io import StringIO

import pytest
from django.core.management import CommandError, call_command
from django.db import connection
from django.test import override_settings

from onewindow.cases import services
from onewindow.cases.auth import applicant_username, register_applicant
from onewindow.cases.models import Applicant
from onewindow.core import pii
from onewindow.core.masking import MaskingLogFilter, mask_text
from onewindow.testing import person, synthetic_id_number

OLD = base64.b64encode(b"old-key-16-bytes").decode()
NEW = base64.b64encode(b"new-key-16-bytes").decode()


def raw(table: str, column: str, pk: int) -> str:
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT {column} FROM {table} WHERE id = %s", [pk])  # noqa: S608 (test constants)
        return cursor.fetchone()[0]


# -- the cipher ---------------------------------------------------------------------------------


def test_a_value_round_trips_and_two_encryptions_differ():
    number = synthetic_id_number(7)
    first, second = pii.encrypt(number), pii.encrypt(number)
    assert first != second and number not in first
    assert pii.decrypt(first) == pii.decrypt(second) == number
    assert pii.key_id_of(first) == "dev1"


def test_a_changed_ciphertext_or_a_relabelled_key_id_is_refused():
    stored = pii.encrypt("13812345678")
    blob = bytearray(base64.b64decode(stored.split("$")[2]))
    blob[-1] ^= 1
    with pytest.raises(pii.PIIError):
        pii.decrypt(f"pii1$dev1${base64.b64encode(bytes(blob)).decode()}")
    with override_settings(ONEWINDOW_PII_KEYS={"dev1": NEW, "other": NEW}):
        relabelled = pii.encrypt("13812345678", "dev1").replace("pii1$dev1$", "pii1$other$")
        with pytest.raises(pii.PIIError):  # the key id is authenticated data
            pii.decrypt(relabelled)


def test_the_blind_index_is_keyed_and_separates_purposes():
    number = synthetic_id_number(3)
    index = pii.blind_index("111", number)
    assert len(index) == 64 and index == pii.blind_index("111", number)
    assert index != pii.blind_index("phone", number)
    with override_settings(ONEWINDOW_PII_INDEX_KEY="another-index-key"):
        assert pii.blind_index("111", number) != index


@pytest.mark.django_db
def test_no_column_holds_the_plain_values_and_lookups_use_the_index():
    applicant = services.upsert_applicant(person(5, phone="13812345678"))
    for column in ("cert_number", "phone"):
        stored = raw("cases_applicant", column, applicant.pk)
        assert pii.is_encrypted(stored) and "13812345678" not in stored
        assert synthetic_id_number(5) not in stored
    assert Applicant.objects.get(cert_index=services.cert_index("111", synthetic_id_number(5))) == applicant
    assert Applicant.objects.get(pk=applicant.pk).phone == "13812345678"
    with pytest.raises(TypeError, match="blind index"):
        list(Applicant.objects.filter(phone="13812345678"))
    assert not Applicant.objects.filter(address="").exclude(pk=applicant.pk).exists()  # blank checks still work


@pytest.mark.django_db
def test_an_applicant_account_keeps_its_phone_encrypted_and_out_of_the_username():
    user = register_applicant(phone="13812345678", name="张三", password="Spring-field-2026")
    assert user.username == applicant_username("13812345678") and "13812345678" not in user.username
    assert pii.is_encrypted(raw("cases_applicantaccount", "phone", user.applicant_account.pk))


# -- rotation -----------------------------------------------------------------------------------


@pytest.mark.django_db
def test_rotation_moves_every_row_to_the_current_key_and_the_old_key_can_go():
    with override_settings(ONEWINDOW_PII_KEYS={"k1": OLD}, ONEWINDOW_PII_KEY_ID="k1"):
        old = [services.upsert_applicant(person(seed, phone=f"1391234{seed:04d}")) for seed in range(1, 8)]
        assert pii.key_status()["cases.Applicant.cert_number"] == {"k1": 7}
    with override_settings(ONEWINDOW_PII_KEYS={"k1": OLD, "k2": NEW}, ONEWINDOW_PII_KEY_ID="k2"):
        newer = services.upsert_applicant(person(9, phone="13912349999"))
        # Old rows stay readable while both keys are configured.
        assert [Applicant.objects.get(pk=a.pk).cert_number for a in old] == [synthetic_id_number(s) for s in range(1, 8)]
        assert pii.key_status()["cases.Applicant.cert_number"] == {"k1": 7, "k2": 1}
        out = StringIO()
        call_command("pii", "rotate", "--batch", "3", stdout=out)
        assert "re-encrypted 14 values" in out.getvalue()  # 7 cert numbers + 7 phones; the new row is untouched
        status = pii.key_status()
        assert status["cases.Applicant.cert_number"] == {"k2": 8} and status["cases.Applicant.phone"] == {"k2": 8}
        assert pii.rotate() == 0  # nothing left to do: an interrupted run can simply be repeated
        call_command("pii", "status", stdout=(out := StringIO()))
        assert "cases.Applicant.cert_number: k2=8" in out.getvalue() and "k1=" not in out.getvalue()
    with override_settings(ONEWINDOW_PII_KEYS={"k2": NEW}, ONEWINDOW_PII_KEY_ID="k2"):
        assert Applicant.objects.get(pk=old[0].pk).cert_number == synthetic_id_number(1)
        assert Applicant.objects.get(pk=newer.pk).phone == "13912349999"
    from onewindow.audit.models import AuditEvent

    assert AuditEvent.objects.filter(action="pii.rotate", object_id="k2").exists()


@pytest.mark.django_db
def test_a_removed_key_is_a_clear_error_not_garbage():
    with override_settings(ONEWINDOW_PII_KEYS={"k1": OLD}, ONEWINDOW_PII_KEY_ID="k1"):
        applicant = services.upsert_applicant(person(4))
    with override_settings(ONEWINDOW_PII_KEYS={"k2": NEW}, ONEWINDOW_PII_KEY_ID="k2"), \
            pytest.raises(pii.PIIError, match="no key 'k1'"):
        Applicant.objects.get(pk=applicant.pk)


# -- the scan -----------------------------------------------------------------------------------


def test_the_scanner_knows_an_id_number_by_its_check_digit():
    valid = synthetic_id_number(8)
    wrong = valid[:17] + ("0" if valid[17] != "0" else "1")
    assert pii.find_plain(f"身份证{valid}，电话13812345678。") == [("id_number", valid), ("mobile", "13812345678")]
    assert pii.find_plain(f"{wrong} a1381234567800 {pii.encrypt(valid)}") == []


@pytest.mark.django_db(transaction=True)
def test_after_the_demo_load_no_table_holds_a_plain_id_or_mobile_number():
    call_command("demo", stdout=StringIO())
    assert Applicant.objects.count() > 100
    assert pii.scan_database() == []
    call_command("pii", "scan", stdout=StringIO())
    # The scan is not blind: one plain number written past the field is found and fails the command.
    applicant = Applicant.objects.order_by("pk").first()
    with connection.cursor() as cursor:
        cursor.execute("UPDATE cases_applicant SET address = %s WHERE id = %s",
                       [f"住址 {synthetic_id_number(11)}", applicant.pk])
    findings = pii.scan_database()
    assert [(f.table, f.column, f.kind, f.count) for f in findings] == [("cases_applicant", "address", "id_number", 1)]
    with pytest.raises(CommandError, match="plain personal information"):
        call_command("pii", "scan", stdout=StringIO())


# -- logs ---------------------------------------------------------------------------------------


def test_the_logging_filter_masks_arguments_messages_and_tracebacks():
    number = synthetic_id_number(9)
    record = logging.LogRecord("x", logging.INFO, __file__, 1, "applicant %s phone %s", (number, "13812345678"), None)
    assert MaskingLogFilter().filter(record)
    assert record.getMessage() == f"applicant {number[:6]}********{number[-4:]} phone 138****5678"
    try:
        raise ValueError(f"bad {number}")
    except ValueError:
        import sys

        record = logging.LogRecord("x", logging.ERROR, __file__, 1, "failed", None, sys.exc_info())
    MaskingLogFilter().filter(record)
    assert number not in record.exc_text and "ValueError" in record.exc_text
    assert mask_text("case 20261127000123 code a13812345678") == "case 20261127000123 code a13812345678"


def test_the_configured_handlers_mask():
    handlers = logging.getLogger().handlers
    console = [h for h in handlers if isinstance(h, logging.StreamHandler) and not type(h).__module__.startswith("_pytest")]
    assert console and all(any(isinstance(f, MaskingLogFilter) for f in h.filters) for h in console)


# -- the data migration -------------------------------------------------------------------------


@pytest.mark.django_db(transaction=True)
def test_the_migration_encrypts_existing_rows_and_moves_indexes_and_usernames():
    from django.contrib.auth import get_user_model
    from django.db.migrations.executor import MigrationExecutor

    from onewindow.cases.auth import applicant_phone

    MigrationExecutor(connection).migrate([("cases", "0001_initial")])
    number, phone = synthetic_id_number(21), "13812340021"
    with connection.cursor() as cursor:  # a row as the old code wrote it: plain values, SHA-256 index
        cursor.execute(
            "INSERT INTO cases_applicant (kind, name, cert_type, cert_number, cert_index, phone, address, "
            "legal_representative, created_at) VALUES ('person', '张三', '111', %s, 'old-sha256-index', %s, "
            "'测试县城关镇一号', '', CURRENT_TIMESTAMP)", [number, phone])
    user = get_user_model().objects.create_user(username=f"p:{phone}", password="Spring-field-2026")
    assert [f.column for f in pii.scan_database() if f.table == "cases_applicant"] == ["cert_number", "phone"]

    executor = MigrationExecutor(connection)
    executor.migrate(executor.loader.graph.leaf_nodes("cases"))

    applicant = Applicant.objects.get(cert_index=services.cert_index("111", number))
    assert (applicant.cert_number, applicant.phone, applicant.address) == (number, phone, "测试县城关镇一号")
    for column in ("cert_number", "phone", "address"):
        assert pii.is_encrypted(raw("cases_applicant", column, applicant.pk))
    user.refresh_from_db()
    assert user.username == applicant_username(phone) and applicant_phone(user) == phone
    assert pii.scan_database() == []


@pytest.mark.django_db
def test_session_data_is_encrypted_at_rest():
    from django.contrib.sessions.models import Session

    from onewindow.core.sessions import SessionStore

    store = SessionStore()
    store["draft"] = {"cert_number": synthetic_id_number(31), "phone": "13812340031"}
    store.save()
    stored = Session.objects.get(session_key=store.session_key).session_data
    assert pii.is_encrypted(stored)
    assert SessionStore(session_key=store.session_key).load()["draft"]["phone"] == "13812340031"
    with override_settings(ONEWINDOW_PII_KEYS={"k2": NEW}, ONEWINDOW_PII_KEY_ID="k2"):
        assert SessionStore(session_key=store.session_key).load() == {}  # key gone: logged out, no error
