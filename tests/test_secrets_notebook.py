"""No secret in any output, saved notebook or log: the lesson run headless with a
password in OPENAI_BASE_URL, against a working server and a careless one that echoes
the request (URL and Authorization header) in its error messages."""
import http.server
import json
import os
import threading

import nbformat

from conftest import LESSON, TEST_KEY, kernel_env, outputs_text
from run_notebook import execute

PASSWORD = "pa55-word-for-the-test-8731"


def all_files_text(folder):
    """Every file the run wrote, as text."""
    texts = {}
    for root, _, files in os.walk(folder):
        for name in files:
            path = os.path.join(root, name)
            with open(path, encoding="utf-8", errors="replace") as f:
                texts[path] = f.read()
    return texts


def assert_no_secret(nb, out_dir, secrets):
    saved = nbformat.writes(nb)
    files = all_files_text(out_dir)
    for secret in secrets:
        assert secret not in saved, f"the saved notebook holds {secret!r}"
        for path, text in files.items():
            assert secret not in text, f"{path} holds {secret!r}"


def test_password_in_base_url_is_never_shown(tmp_path, start_provider):
    p = start_provider("-require-key", TEST_KEY, "-rate", "800")
    base = p.base_url.replace("http://", f"http://student:{PASSWORD}@")
    out = tmp_path / "run"
    nb = execute(LESSON, str(out), env=kernel_env(OPENROUTER_API_KEY=TEST_KEY, OPENAI_BASE_URL=base))
    texts = outputs_text(nb)
    first = next(t for t in texts if "Ready: requests go to" in t)
    assert f"http://127.0.0.1:{p.port}/api/v1" in first, first
    assert "Feeding your Mongolian Bankhar" in "".join(texts)
    assert_no_secret(nb, out, [PASSWORD, TEST_KEY])


class EchoServer:
    """Answers every request with an error that quotes the request's URL and headers."""

    def __init__(self):
        class Handler(http.server.BaseHTTPRequestHandler):
            def log_message(self, *args):
                pass

            def do_POST(self):
                self.rfile.read(int(self.headers.get("Content-Length", 0)))
                msg = f"bad request to {self.path}; you sent Authorization: {self.headers.get('Authorization')}"
                body = json.dumps({"error": {"message": msg, "code": 500, "metadata": {
                    "headers": dict(self.headers)}}}).encode()
                self.send_response(500)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.port = self.server.server_address[1]
        threading.Thread(target=self.server.serve_forever, daemon=True).start()


def test_server_echoing_the_key_and_password(tmp_path):
    echo = EchoServer()
    try:
        base = f"http://student:{PASSWORD}@127.0.0.1:{echo.port}/api/v1"
        out = tmp_path / "run"
        nb = execute(LESSON, str(out), env=kernel_env(OPENROUTER_API_KEY=TEST_KEY, OPENAI_BASE_URL=base),
                     allow_errors=True)
        shown = "".join(outputs_text(nb))
        # The errors are explained, and name the server without the password.
        assert "500" in shown and f"127.0.0.1:{echo.port}" in shown, shown[:3000]
        assert "[hidden]" in shown, shown[:3000]
        assert_no_secret(nb, out, [PASSWORD, TEST_KEY])
    finally:
        echo.server.shutdown()
