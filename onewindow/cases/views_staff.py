"""Placeholder: being written."""

from django.http import HttpResponse


def _todo(request, *args, **kwargs):  # type: ignore[no-untyped-def]
    return HttpResponse("尚未实现", status=501)
workbench = _todo
intake = _todo
inbox = _todo
case_list = _todo
case_export = _todo
case_detail = _todo
case_action = _todo
case_notice = _todo
