"""Shared test fixtures: a small county built through the services, and personas."""

from __future__ import annotations

import os

os.environ.setdefault("ONEWINDOW_TESTING", "1")
