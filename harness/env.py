"""What tests and benchmarks share: the project's folder, a kernel's environment, free ports,
and the offline provider as a running process."""
import json
import os
import socket
import subprocess
import time
import urllib.error
import urllib.request

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
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

