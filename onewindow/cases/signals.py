"""Signals other apps listen to (licences, supervision handoffs). Sent inside the decision's transaction,
so receivers write their rows atomically with it; receivers must not call external systems."""

from django.dispatch import Signal

case_decided = Signal()  # kwargs: case, approved, actor
case_revoked = Signal()  # kwargs: case, actor
