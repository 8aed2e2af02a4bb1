"""Placeholder: being written."""

from django.http import HttpResponse


def _todo(request, *args, **kwargs):  # type: ignore[no-untyped-def]
    return HttpResponse("尚未实现", status=501)
track_lookup = _todo
track = _todo
track_notice = _todo
my_cases = _todo
applicant_login = _todo
applicant_register = _todo
applicant_logout = _todo
apply = _todo
my_case_detail = _todo
