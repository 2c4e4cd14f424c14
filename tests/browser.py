"""Kept for older imports: the browser harness is harness/lab.py."""
from harness.lab import *  # noqa: F401,F403
from harness.lab import CHROMIUM, CHROMIUM_ARGS  # noqa: F401
