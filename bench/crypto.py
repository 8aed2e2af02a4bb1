"""The cost of encrypting personal information at rest (SM4-GCM fields, HMAC-SM3 blind index), as ratios
against plaintext fields measured in the same run on the same database:

* case intake: `receive_case` with a new applicant (ID number, phone, address, contact phone encrypted, blind
  index computed), with encryption on and with ``ONEWINDOW_PII_ENCRYPT=False`` (plain columns), interleaved;
* case list: the staff case list page (50 rows, every row's applicant and case fields decrypted) through the
  test Client, on the same rows encrypted and then rewritten plain in place;
* the primitives alone: SM4-GCM encrypt + decrypt of an ID number, one HMAC-SM3 blind index.

    .venv/bin/python -m bench.crypto [--quick]
"""

from __future__ import annotations

import sys
from typing import Any

from bench.common import print_table, rate, setup_django, write_results
from bench.server import session_cookie, test_client


def _decrypt_in_place() -> int:
    """Rewrite every encrypted value as plain text (the plaintext twin of the same rows)."""
    from django.db import connection

    from onewindow.core import pii

    qn = connection.ops.quote_name
    changed = 0
    for model, fields in pii.encrypted_fields():
        for field in fields:
            for rows in pii._walk(model, field):
                with connection.cursor() as cursor:
                    for pk, stored in rows:
                        if pii.is_encrypted(stored):
                            cursor.execute(f"UPDATE {qn(model._meta.db_table)} SET {qn(field.column)} = %s "  # noqa: S608
                                           f"WHERE id = %s", [pii.decrypt(stored), pk])
                            changed += 1
    return changed


def main(quick: bool = False) -> list[dict[str, Any]]:
    setup_django()
    import logging

    logging.getLogger("onewindow").setLevel(logging.WARNING)  # one audit line per intake would drown the table
    from django.db import connection
    from django.test.utils import override_settings, setup_test_environment

    setup_test_environment()
    old = connection.creation.create_test_db(verbosity=0, keepdb=False)
    try:
        from onewindow.cases import services
        from onewindow.cases.models import Case
        from onewindow.cases.tests.api_world import World
        from onewindow.core import pii
        from onewindow.testing import ensure_calendar_seeded, person, synthetic_id_number

        ensure_calendar_seeded()
        world = World()
        clerk = world.user("clerk")
        materials = world.material_ids(world.item)
        seconds = 0.5 if quick else 2.0
        seed = iter(range(1, 10**6))

        def intake() -> None:
            n = next(seed)
            data = person(n % 1000, phone=f"139{n:08d}")
            data.cert_number = synthetic_id_number(n % 1000, birth=f"19{50 + n // 1000 % 50:02d}0101")
            data.address = "测试县城关镇解放路一号三单元"
            services.receive_case(actor=clerk, item=world.item, applicant=data, centre=world.county,
                                  received_material_ids=materials)

        def plain_intake() -> None:
            with override_settings(ONEWINDOW_PII_ENCRYPT=False):
                intake()

        # Interleaved, the order swapped every round, best of each side: drift (other load on the machine,
        # table growth) hits both sides alike.
        enc_rates, plain_rates = [], []
        for round_ in range(2 if quick else 4):
            pair = [(enc_rates, intake), (plain_rates, plain_intake)]
            for rates, fn in pair if round_ % 2 == 0 else reversed(pair):
                rates.append(rate(fn, min_seconds=seconds, min_calls=10))
        intake_enc, intake_plain = max(enc_rates), max(plain_rates)

        # The list: re-encrypt everything (rows written plain above included), measure, make plain, measure.
        pii.rotate()
        assert pii.key_status()["cases.Case.contact_phone"].get("plain", 0) == 0
        client = test_client(session_cookie(clerk))  # a staff session with its second factor
        list_url = "/staff/cases/"
        first = client.get(list_url)
        assert first.status_code == 200, first.status_code

        def page() -> None:
            assert client.get(list_url).status_code == 200

        list_enc_rates, list_plain_rates = [], []
        decrypted = 0
        for _round in range(2 if quick else 3):  # the same rows, encrypted then rewritten plain, alternately
            list_enc_rates.append(rate(page, min_seconds=seconds, min_calls=5))
            decrypted = _decrypt_in_place()
            list_plain_rates.append(rate(page, min_seconds=seconds, min_calls=5))
            pii.rotate()
        list_enc, list_plain = max(list_enc_rates), max(list_plain_rates)

        number = synthetic_id_number(1)
        stored = pii.encrypt(number)
        encrypt_rate = rate(lambda: pii.encrypt(number), min_seconds=seconds / 2, min_calls=100)
        decrypt_rate = rate(lambda: pii.decrypt(stored), min_seconds=seconds / 2, min_calls=100)
        index_rate = rate(lambda: pii.blind_index("111", number), min_seconds=seconds / 2, min_calls=100)
        rows: list[dict[str, Any]] = [
            {"measure": "case intake, encrypted (per second)", "value": intake_enc},
            {"measure": "case intake, plaintext fields (per second)", "value": intake_plain},
            {"measure": "case intake: encrypted / plaintext", "value": intake_enc / intake_plain},
            {"measure": f"case list page, encrypted ({Case.objects.count()} cases, per second)", "value": list_enc},
            {"measure": f"case list page, plaintext ({decrypted} values, per second)", "value": list_plain},
            {"measure": "case list: encrypted / plaintext", "value": list_enc / list_plain},
            {"measure": "SM4-GCM encrypt of an ID number (per second)", "value": encrypt_rate},
            {"measure": "SM4-GCM decrypt of an ID number (per second)", "value": decrypt_rate},
            {"measure": "HMAC-SM3 blind index (per second)", "value": index_rate},
        ]
    finally:
        connection.creation.destroy_test_db(old, verbosity=0)
    print_table("crypto: personal information encrypted at rest vs plaintext fields (same run)", rows)
    write_results("crypto", rows)
    return rows


if __name__ == "__main__":
    main(quick="--quick" in sys.argv)
