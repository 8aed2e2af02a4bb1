"""Signals other apps listen to (licences, supervision handoffs). Sent inside the decision's transaction,
so receivers write their rows atomically with it; receivers must not call external systems."""

from django.dispatch import Signal

case_decided = Signal()  # kwargs: case, approved, actor
case_revoked = Signal()  # kwargs: case, actor
# Added for supervision (双告知 at the acceptance of a business registration): sent by services.accept_case
# inside its transaction, after the case is accepted and its events written.
case_accepted = Signal()  # kwargs: case, actor
