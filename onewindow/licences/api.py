"""Public verification API: GET /api/v1/licences/verify/<code>/ — the same answer as the verification page.

No authentication (anyone holding the QR code may check it), rate-limited per IP like the page, never
cached, the holder masked."""

from __future__ import annotations

from django.utils.cache import add_never_cache_headers
from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.permissions import AllowAny
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from onewindow.cases.views_public import _client_ip, rate_hit, rate_wait

from . import services
from .views import find_by_code


class VerificationSerializer(serializers.Serializer):
    identifier = serializers.CharField()
    name = serializers.CharField()
    status = serializers.CharField()
    status_label = serializers.CharField()
    valid = serializers.BooleanField(help_text="签名有效、状态有效且在有效期内")
    signature_valid = serializers.BooleanField()
    in_validity = serializers.BooleanField()
    valid_from = serializers.DateField()
    valid_to = serializers.DateField(allow_null=True)
    holder_name = serializers.CharField(help_text="已脱敏（自然人）")
    holder_code = serializers.CharField(help_text="已脱敏")
    holder_code_type = serializers.CharField()
    issuer_name = serializers.CharField()
    issuer_code = serializers.CharField()
    issued_on = serializers.DateField()
    version = serializers.IntegerField()
    key_fingerprint = serializers.CharField()
    problems = serializers.ListField(child=serializers.CharField())
    checked_at = serializers.DateTimeField()


def verification_payload(result: services.Verification) -> dict[str, object]:
    licence = result.licence
    return {
        "identifier": licence.identifier, "name": licence.name, "status": result.status,
        "status_label": result.status_label, "valid": result.valid, "signature_valid": result.signature_valid,
        "in_validity": result.in_validity, "valid_from": licence.valid_from, "valid_to": licence.valid_to,
        "holder_name": licence.masked_holder_name, "holder_code": licence.masked_holder_code,
        "holder_code_type": licence.holder_code_type, "issuer_name": licence.issuer_name,
        "issuer_code": licence.issuer_code, "issued_on": licence.issued_on, "version": licence.version,
        "key_fingerprint": licence.seal_key.fingerprint, "problems": [str(p) for p in result.problems],
        "checked_at": result.checked_at,
    }


class LicenceVerifyView(APIView):
    permission_classes = [AllowAny]
    authentication_classes: list[type] = []

    @extend_schema(responses={200: VerificationSerializer}, summary="核验电子证照（公开）",
                   description="按证照二维码中的核验码核验：签名（SM2/SM3）、状态、有效期；持证主体已脱敏。")
    def get(self, request: Request, code: str) -> Response:
        ip = _client_ip(request)
        wait = rate_wait("licence_verify_ip", ip)
        if wait:
            response = Response({"detail": "请求过于频繁，请稍后再试。"}, status=429, headers={"Retry-After": str(wait)})
        else:
            rate_hit("licence_verify_ip", ip)
            licence = find_by_code(code)
            if licence is None:
                response = Response({"detail": "没有找到这个证照。"}, status=404)
            else:
                response = Response(VerificationSerializer(verification_payload(services.verify_licence(licence))).data)
        add_never_cache_headers(response)
        return response
