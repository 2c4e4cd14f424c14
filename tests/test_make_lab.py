"""`make lab` serves the lessons with the project's GoNB kernel."""
import json
import os
import signal
import subprocess
import urllib.request

from conftest import ROOT, free_port, kernel_env, wait_http
from harness.lesson import LESSONS


def test_make_lab_serves_lesson_with_gonb_kernel():
    port, token = free_port(), "make-lab-test-token"
    proc = subprocess.Popen(
        ["make", "--no-print-directory", "lab", f"PORT={port}",
         f"LAB_ARGS=--no-browser --ServerApp.token={token}"],
        cwd=ROOT, env=kernel_env(), stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
        start_new_session=True,
    )
    try:
        base = f"http://127.0.0.1:{port}"
        wait_http(f"{base}/api/status?token={token}", timeout=120)

        def get(path):
            with urllib.request.urlopen(f"{base}{path}?token={token}", timeout=10) as r:
                return json.load(r)

        specs = get("/api/kernelspecs")["kernelspecs"]
        assert "gonb" in specs, f"GoNB kernel not offered: {sorted(specs)}"
        spec = specs["gonb"]["spec"]
        assert any(a == f"-go_work={ROOT}" or a == f"--go_work={ROOT}" for a in spec["argv"]), spec["argv"]
        assert os.path.join(ROOT, ".venv", "bin") in spec["env"]["PATH"]
        for path in LESSONS:  # every lesson, on the GoNB kernel
            lesson = get("/api/contents/notebooks/" + os.path.basename(path))
            assert lesson["content"]["metadata"]["kernelspec"]["name"] == "gonb"
    finally:
        os.killpg(proc.pid, signal.SIGTERM)
        out, _ = proc.communicate(timeout=30)
    assert "OFFLINE SAMPLE" in out  # no key: make lab says the lesson runs offline
