"""Reads of the licence library for screens."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.db.models import Prefetch, Q

from onewindow.cases.models import Case, CaseMaterial

from .models import Licence, LicenceAuthorisation, LicenceUse

LICENCE_NOTE_PREFIX = "电子证照（A级）"
DATA_NOTE_PREFIX = "共享数据（"


def licences_for_case(case: Case) -> list[Licence]:
    """What staff handling `case` need to see: the licences the case produced (all versions), then the
    applicant's other current licences (which may satisfy materials)."""
    issued = Q(case=case)
    held = Q(holder_index=case.applicant.cert_index, status="valid")
    return list(Licence.objects.filter(issued | held).select_related("licence_type", "seal_key", "authority")
                .order_by("-issued_on", "-id").distinct())


@dataclass
class CasePanel:
    case: Case
    issued: list[Licence]
    held: list[Licence]
    by_licence: list[CaseMaterial]
    by_data: list[CaseMaterial]
    open_materials: list[CaseMaterial]


def case_panel(case: Case) -> CasePanel:
    licences = licences_for_case(case)
    materials = list(case.materials.all())
    return CasePanel(
        case=case,
        issued=[lic for lic in licences if lic.case_id == case.pk],
        held=[lic for lic in licences if lic.case_id != case.pk],
        by_licence=[m for m in materials if m.note.startswith(LICENCE_NOTE_PREFIX)],
        by_data=[m for m in materials if m.note.startswith(DATA_NOTE_PREFIX)],
        open_materials=[m for m in materials if m.status in ("missing", "pending") and m.kind],
    )


def wallet(user: Any) -> list[Licence]:
    """The holder's licences, newest first, with their authorisations and uses (fixed number of queries)."""
    return list(
        Licence.objects.held_by_user(user).select_related("licence_type", "authority", "previous")
        .prefetch_related(
            Prefetch("authorisations", queryset=LicenceAuthorisation.objects.select_related("unit", "case")),
            Prefetch("uses", queryset=LicenceUse.objects.select_related("case")),
        ).order_by("-issued_on", "-id")
    )
