"""Fixtures shared by the notebook and browser tests.

The tests never use a real key or reach the internet: the kernel gets an
environment without OPENROUTER_API_KEY / OPENAI_API_KEY / OPENAI_BASE_URL, and
"live" runs talk to the project's provider on 127.0.0.1 with a test key.
"""
import os
import subprocess
import sys

import pytest

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, os.path.join(ROOT, "tools"))
sys.path.insert(0, ROOT)  # the shared harness/, for tests and bench alike

from harness.env import SECRET_VARS, TEST_KEY, Provider, free_port, kernel_env, wait_http  # noqa: E402,F401
from harness.lesson import LESSON, gonb_notebook, lesson_messages, outputs_text  # noqa: E402,F401

ARTIFACTS = os.path.join(ROOT, "build", "test-artifacts")


@pytest.fixture(scope="session")
def artifacts():
    os.makedirs(ARTIFACTS, exist_ok=True)
    return ARTIFACTS


@pytest.fixture(scope="session")
def provider_bin(tmp_path_factory):
    """The offline provider command, built once."""
    out = str(tmp_path_factory.mktemp("bin") / "offline-provider")
    subprocess.run(["go", "build", "-o", out, "./cmd/offline-provider"], cwd=ROOT, check=True)
    return out


@pytest.fixture
def start_provider(provider_bin):
    started = []

    def start(*args):
        p = Provider(provider_bin, *args)
        started.append(p)
        return p

    yield start
    for p in started:
        p.stop()
