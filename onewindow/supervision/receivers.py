"""Receivers of the cases signals. They run inside the decision's transaction and only write rows."""

from __future__ import annotations

from typing import Any

from .choices import HandoffKind
from .services import create_handoffs, is_registration_item, issue_registration_notice, push_registration


def on_case_decided(sender: Any, case: Any, approved: bool, actor: Any, **kwargs: Any) -> None:
    create_handoffs(actor=actor, case=case, kind=HandoffKind.APPROVAL if approved else HandoffKind.DENIAL)
    if approved and is_registration_item(case.item):
        push_registration(actor=actor, case=case)


def on_case_revoked(sender: Any, case: Any, actor: Any, **kwargs: Any) -> None:
    create_handoffs(actor=actor, case=case, kind=HandoffKind.REVOCATION)


def on_case_accepted(sender: Any, case: Any, actor: Any, **kwargs: Any) -> None:
    if is_registration_item(case.item):
        issue_registration_notice(actor=actor, case=case)
