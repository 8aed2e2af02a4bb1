"""E-licence seal throughput: SM2/SM3 signatures and verifications per second, and the public verification page
against a no-op view, both through Django's test Client in-process in the same run (same method, same machine).

    .venv/bin/python -m bench.licences [--quick]
"""

from __future__ import annotations

import sys
from typing import Any

from bench.common import print_table, rate, setup_django, write_results


def noop(request: Any) -> Any:
    from django.http import HttpResponse

    return HttpResponse("ok", content_type="text/plain")


def __getattr__(name: str) -> Any:
    """This module doubles as the benchmark's URLconf (the real site plus the no-op baseline view), built lazily
    because Django is set up only inside main()."""
    if name == "urlpatterns":
        from django.urls import include, path

        return [path("bench/noop/", noop), path("", include("onewindow.urls"))]
    raise AttributeError(name)


def main(quick: bool = False) -> list[dict[str, Any]]:
    setup_django()
    from django.db import connection
    from django.test import Client
    from django.test.utils import override_settings, setup_test_environment

    setup_test_environment()
    old = connection.creation.create_test_db(verbosity=0, keepdb=False)
    try:
        from onewindow.licences import crypto, services
        from onewindow.licences.models import Licence
        from onewindow.licences.tests.world import (
            approve_case,
            build_world,
            business_licence_type,
            issued_licence,
        )

        world = build_world()
        business_licence_type()
        licence = issued_licence(approve_case(world))
        licence = Licence.objects.select_related("seal_key", "previous", "licence_type", "authority").get(pk=licence.pk)
        message = licence.canonical_bytes()
        pair = crypto.generate_keypair()
        signature = crypto.sign(pair.private_key, pair.public_key, message)
        assert crypto.verify(pair.public_key, message, signature)
        assert services.verify_licence(licence).valid
        seconds = 0.5 if quick else 2.0

        signs = rate(lambda: crypto.sign(pair.private_key, pair.public_key, message), min_seconds=seconds, min_calls=5)
        verifies = rate(lambda: crypto.verify(pair.public_key, message, signature), min_seconds=seconds, min_calls=5)
        full = rate(lambda: services.verify_licence(licence), min_seconds=seconds, min_calls=5)
        sm3 = rate(lambda: crypto.sm3_digest(message), min_seconds=seconds / 2, min_calls=100)

        limits = {"licence_verify_ip": (10**9, 60)}
        with override_settings(ROOT_URLCONF="bench.licences", ONEWINDOW_RATE_LIMITS=limits):
            client = Client()
            page_url = f"/licences/verify/{licence.verify_code}/"
            first = client.get(page_url)
            assert first.status_code == 200 and "签名有效" in first.content.decode(), first.status_code
            assert client.get("/bench/noop/").status_code == 200

            def page() -> None:
                response = client.get(page_url)
                assert response.status_code == 200

            def baseline() -> None:
                client.get("/bench/noop/")

            page_rate = rate(page, min_seconds=seconds, min_calls=5)
            noop_rate = rate(baseline, min_seconds=seconds, min_calls=50)
        rows: list[dict[str, Any]] = [
            {"measure": "SM2 signatures (SM3withSM2, licence canonical data)", "per_second": signs,
             "bytes": len(message)},
            {"measure": "SM2 verifications", "per_second": verifies, "bytes": len(message)},
            {"measure": "licence verification (identifier + SM3 + SM2 + status)", "per_second": full,
             "bytes": len(message)},
            {"measure": "SM3 digests", "per_second": sm3, "bytes": len(message)},
            {"measure": "verification page (test Client)", "per_second": page_rate, "bytes": len(first.content)},
            {"measure": "no-op view (test Client, baseline)", "per_second": noop_rate, "bytes": 2},
            {"measure": "verification page / no-op view", "per_second": page_rate / noop_rate, "bytes": ""},
        ]
    finally:
        connection.creation.destroy_test_db(old, verbosity=0)
    print_table("licences: seal and verification throughput", rows)
    write_results("licences", rows)
    return rows


if __name__ == "__main__":
    main(quick="--quick" in sys.argv)
