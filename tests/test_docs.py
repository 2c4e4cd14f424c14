"""The docs' commands: tools/check_docs.py (run by `make check`) says which test runs each
command the docs show; this file runs those no other test does. The cheap ones for real
(make help, make gradebook, make provider), the rest as make's dry run (-n: the recipe is
valid and names what it will run), because they rewrite pins (lock), delete the build
(clean) or take many minutes (bench)."""
import json
import os
import shutil
import signal
import subprocess
import sys
import time
import urllib.request

import pytest

from conftest import ROOT, free_port, kernel_env

sys.path.insert(0, os.path.join(ROOT, "tools"))
import check_docs  # noqa: E402


def make(*args, timeout=300, **kw):
    return subprocess.run(["make", "--no-print-directory", *args], cwd=ROOT, env=kernel_env(),
                          capture_output=True, text=True, timeout=timeout, **kw)


def test_the_docs_links_and_commands_check_out():
    assert check_docs.check() == []


def test_check_docs_finds_a_broken_link_an_unknown_target_and_an_untested_command(tmp_path):
    for f in ("Makefile", "README.md"):
        shutil.copy(os.path.join(ROOT, f), tmp_path / f)
    (tmp_path / "docs").mkdir()
    (tmp_path / "docs" / "x.md").write_text("# X\n\nSee [this](nowhere.md), [that](../README.md#no-such-part),\n"
                                            "run `make no-such-target` and `make distclean`.\n")
    problems = check_docs.check(str(tmp_path))
    assert any("points at nothing" in p for p in problems), problems
    assert any("#no-such-part" in p for p in problems), problems
    assert any("no target 'no-such-target'" in p for p in problems), problems
    assert any("distclean" in p and "no longer runs it" in p for p in problems), problems  # no tests/ here


def test_make_help_lists_the_main_commands():
    r = make("help")
    assert r.returncode == 0, r.stderr
    for target in ("lab", "test", "check", "classroom", "gradebook"):
        assert f"make {target}" in r.stdout, r.stdout


def test_make_gradebook_summarises_a_folder_of_answers(tmp_path):
    src = tmp_path / "in" / "ada"
    src.mkdir(parents=True)
    answers = {"version": 1, "answers": {}}
    (src / "openai-streaming.answers.json").write_text(json.dumps(answers))
    r = make("gradebook", f"IN={tmp_path / 'in'}", f"OUT={tmp_path / 'out'}")
    assert r.returncode == 0, r.stdout + r.stderr
    assert any(p.suffix in (".csv", ".html") for p in (tmp_path / "out").iterdir()), os.listdir(tmp_path / "out")
    r = make("gradebook")
    assert r.returncode != 0 and "make gradebook IN=" in r.stdout + r.stderr


def test_make_provider_serves_the_offline_provider():
    port = free_port()
    p = subprocess.Popen(["make", "--no-print-directory", "provider", f"PROVIDER_ARGS=-addr 127.0.0.1:{port}"],
                         cwd=ROOT, env=kernel_env(), stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                         start_new_session=True)
    try:
        deadline = time.time() + 120
        while True:
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/v1/models", timeout=2) as r:
                    assert r.status == 200
                    break
            except OSError:
                assert p.poll() is None and time.time() < deadline, p.stdout.read().decode()[-2000:]
                time.sleep(0.5)
    finally:
        os.killpg(p.pid, signal.SIGTERM)
        p.wait(timeout=30)


@pytest.mark.parametrize("target", ["run", "bench", "bench-cells", "bench-classroom", "login-cards", "lock", "classroom-lock",
                                    "clean", "distclean"])
def test_make_dry_run(target):
    """make -n: the target exists and its recipe is valid (these rewrite pins, delete the
    build, or take many minutes; `make test` runs their parts elsewhere)."""
    r = make("-n", target)
    assert r.returncode == 0, r.stdout + r.stderr
    assert r.stdout.strip(), f"make -n {target} would do nothing"
