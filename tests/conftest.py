"""Fixtures shared by the notebook and browser tests.

The tests never use a real key or reach the internet: the kernel gets an
environment without OPENROUTER_API_KEY / OPENAI_API_KEY / OPENAI_BASE_URL, and
"live" runs talk to the project's provider on 127.0.0.1 with a test key.
"""
import json
import os
import socket
import subprocess
import sys
import time
import urllib.request

import pytest

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, os.path.join(ROOT, "tools"))

LESSON = os.path.join(ROOT, "notebooks", "openai-streaming.ipynb")
ARTIFACTS = os.path.join(ROOT, "build", "test-artifacts")
TEST_KEY = "fake-or-v1-test0123456789abcdef0123456789abcdef0123456789abcdef01234567"
SECRET_VARS = ("OPENROUTER_API_KEY", "OPENAI_API_KEY", "OPENAI_BASE_URL")


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_http(url, timeout=60, headers=None):
    """Wait until url answers with any HTTP status; fail after timeout seconds."""
    deadline = time.time() + timeout
    last = None
    while time.time() < deadline:
        try:
            req = urllib.request.Request(url, headers=headers or {})
            with urllib.request.urlopen(req, timeout=2):
                return
        except urllib.error.HTTPError:
            return
        except OSError as e:  # not listening yet
            last = e
            time.sleep(0.1)
    raise AssertionError(f"{url} did not answer within {timeout} s: {last}")


def kernel_env(**extra):
    """The environment for a kernel: this one without any key or base URL."""
    env = {k: v for k, v in os.environ.items() if k not in SECRET_VARS}
    env.update(extra)
    return env


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


class Provider:
    """A running offline provider: base_url is what OPENAI_BASE_URL takes."""

    def __init__(self, bin_path, *args):
        self.port = free_port()
        self.base_url = f"http://127.0.0.1:{self.port}/api/v1"
        self.proc = subprocess.Popen(
            [bin_path, "-addr", f"127.0.0.1:{self.port}", *args],
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
        )
        wait_http(self.base_url + "/models")

    def complete(self, messages, key=None, model="openai/gpt-oss-120b:free"):
        """A non-streamed chat completion; returns the answer text."""
        body = json.dumps({"model": model, "messages": messages}).encode()
        headers = {"Content-Type": "application/json"}
        if key:
            headers["Authorization"] = "Bearer " + key
        req = urllib.request.Request(self.base_url + "/chat/completions", body, headers)
        with urllib.request.urlopen(req, timeout=30) as r:
            return json.load(r)["choices"][0]["message"]["content"]

    def stop(self):
        self.proc.terminate()
        try:
            out, _ = self.proc.communicate(timeout=5)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            out, _ = self.proc.communicate()
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


def gonb_notebook(cells):
    """A new notebook for the GoNB kernel holding cells (nbformat cells)."""
    import nbformat

    nb = nbformat.v4.new_notebook()
    nb.metadata["kernelspec"] = {"name": "gonb", "display_name": "Go (gonb)", "language": "go"}
    nb.cells = list(cells)
    return nb


def lesson_messages():
    """The system and user messages of the lesson, read from the notebook."""
    nb = json.load(open(LESSON, encoding="utf-8"))
    src = "\n".join("".join(c["source"]) for c in nb["cells"] if c["cell_type"] == "code")
    import re

    system = re.search(r'ChatMessageRoleSystem,\s*Content:\s*"((?:[^"\\]|\\.)*)"', src)
    user = re.search(r'ChatMessageRoleUser,\s*Content:\s*"((?:[^"\\]|\\.)*)"', src)
    assert system and user, "the lesson's messages were not found in the notebook"
    return [
        {"role": "system", "content": json.loads('"' + system.group(1) + '"')},
        {"role": "user", "content": json.loads('"' + user.group(1) + '"')},
    ]


def outputs_text(nb):
    """All text a notebook's outputs carry, cell by cell."""
    texts = []
    for cell in nb["cells"]:
        parts = []
        for o in cell.get("outputs", []):
            if "text" in o:
                parts.append(o["text"] if isinstance(o["text"], str) else "".join(o["text"]))
            for mime, v in o.get("data", {}).items():
                parts.append(v if isinstance(v, str) else "".join(v) if isinstance(v, list) else json.dumps(v))
            if o.get("output_type") == "error":
                parts.append("\n".join(o.get("traceback", [])))
        texts.append("".join(parts))
    return texts
