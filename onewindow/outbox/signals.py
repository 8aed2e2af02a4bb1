"""Signals of the outbox. Sent inside the outbox's own transaction: receivers write rows, never call out."""

from django.dispatch import Signal

# A message ran out of retries (or was refused for good) and is now dead. kwargs: message.
message_dead = Signal()
