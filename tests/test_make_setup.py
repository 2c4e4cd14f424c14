"""A fresh machine in a classroom without internet: `make setup` from an EMPTY Go
module cache, then the lesson with GOPROXY=off.

The module cache is a temporary GOMODCACHE that only `make setup` fills (it
may use the module proxy, as on the day the computer is set up); everything
after that runs with GOPROXY=off. The build cache (GOCACHE) stays shared, so
the test is not slow: a fresh machine also has an empty build cache, which
`make setup` fills by building the way the kernel does
(test_setup_warms_the_build_cache_the_kernel_uses checks that nothing but the
cell itself is left to compile, for this new module cache's paths).
"""
import os
import re
import subprocess

import html
import nbformat
import pytest

from conftest import LESSON, ROOT, gonb_notebook, kernel_env, lesson_messages, outputs_text
from run_notebook import execute
import kernel_env as kernel_env_module


def html_text(s):
    """The text of GoNB's HTML error report: one line per <div>, tags dropped."""
    s = re.sub(r"<style>.*?</style>", "", s, flags=re.S)
    lines = re.findall(r'<div style="white-space: pre-wrap;">(.*?)</div>', s, flags=re.S)
    return "\n".join(html.unescape(re.sub(r"<[^>]+>", "", line))[1:] for line in lines) if lines else s


def go_env(name, env=None):
    return subprocess.run(["go", "env", name], capture_output=True, text=True, env=env, check=True).stdout.strip()


@pytest.fixture(scope="module")
def fresh_cache(tmp_path_factory):
    """A module cache filled only by `make setup`; returns (environment offline, make's output)."""
    cache = tmp_path_factory.mktemp("gomodcache")
    # -modcacherw: files the test can delete afterwards (the module cache is read-only otherwise).
    goflags = (go_env("GOFLAGS") + " -modcacherw").strip()
    env = kernel_env(GOMODCACHE=str(cache), GOFLAGS=goflags)
    p = subprocess.run(["make", "--no-print-directory", "setup"], cwd=ROOT, env=env,
                       stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, timeout=1200)
    assert p.returncode == 0, p.stdout[-4000:]
    # Every cell is built (not copied from the cell cache make setup fills): this proves the builds.
    offline = dict(env, GOPROXY="off", GOLESSONS_CELL_CACHE_OFF="1")
    yield offline, p.stdout
    # Put the stamp back on the usual module cache, so the next `make setup` is quick again.
    subprocess.run(["make", "--no-print-directory", "warm"], cwd=ROOT, env=kernel_env(),
                   stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)


def test_setup_fills_the_module_graph_of_the_kernels_workspace(fresh_cache):
    """The go.mod files of GoNB's indirect dependencies, which only the workspace graph needs, are there."""
    env, out = fresh_cache
    assert "Downloading the Go modules" in out
    cache = env["GOMODCACHE"]
    goczmq = os.path.join(cache, "cache", "download", "github.com", "go-zeromq", "goczmq", "v4", "@v")
    assert any(n.endswith(".mod") for n in os.listdir(goczmq)), os.listdir(goczmq)
    # And the graph is complete offline.
    subprocess.run(["go", "list", "-m", "all"], cwd=ROOT, env=env, check=True, stdout=subprocess.DEVNULL)


def test_lesson_runs_offline_after_setup(fresh_cache, tmp_path, start_provider):
    """Every cell of the lesson runs with GOPROXY=off and only what `make setup` downloaded."""
    env, _ = fresh_cache
    env = dict(env, OFFLINE_TOKENS_PER_SECOND="400", OFFLINE_THINK_TIME="0")
    nb = execute(LESSON, str(tmp_path), env=env)
    texts = outputs_text(nb)
    assert all(c.outputs or "%%" not in c.source for c in nb.cells if c.cell_type == "code")
    out = "\n".join(texts)
    assert "Offline sample answer" in out
    expected = start_provider().complete(lesson_messages())
    assert expected.strip() in out
    assert "go get" not in out and "exit status" not in out


def test_gonb_own_go_get_works_offline_after_setup(fresh_cache, tmp_path):
    """GoNB's own per-cell `go get` (as without tools/gonb-go) needs nothing `make setup` did not download."""
    env, _ = fresh_cache
    env = dict(env, GOLESSONS_AUTOGET="every-cell")
    lesson = nbformat.read(LESSON, as_version=4)
    first = next(c for c in lesson.cells if c.cell_type == "code" and "func newClient" in c.source)
    path = tmp_path / "autoget.ipynb"
    nbformat.write(gonb_notebook([nbformat.v4.new_code_cell(first.source)]), str(path))
    nb = execute(str(path), str(tmp_path / "run"), env=env)
    assert "OFFLINE SAMPLE" in outputs_text(nb)[0]


def test_setup_warms_the_build_cache_the_kernel_uses(fresh_cache, tmp_path):
    """After setup, building a lesson cell the way GoNB does compiles only the cell (for this module cache)."""
    env, _ = fresh_cache
    ws = tmp_path / "gonb_cell"
    ws.mkdir()
    run = lambda *a: subprocess.run(a, cwd=ws, env=env, check=True, capture_output=True, text=True)  # noqa: E731
    run("go", "mod", "init", "gonb_cell")
    run("go", "work", "init")
    run("go", "work", "use", ROOT, ".")
    run("go", "mod", "edit", f"-replace=github.com/k12notebooks/golessons={ROOT}")
    (ws / "main.go").write_text(
        'package main\n\nimport (\n\t"fmt"\n\n\t"github.com/k12notebooks/golessons/helpers"\n'
        '\t"github.com/sashabaranov/go-openai"\n)\n\n'
        'func main() {\n\t_ = openai.DefaultConfig("")\n\tfmt.Println(helpers.CurrentConnection(), "fresh")\n}\n')
    # As GoNB runs it: through tools/gonb-go/go, in $GONB_TMP_DIR, with the kernel.json's environment.
    spec = kernel_env_module.kernel_env(ROOT, os.path.join(ROOT, ".venv", "bin"))
    build_env = dict(env, GONB_TMP_DIR=str(ws), PATH=spec["PATH"].replace("${PATH}", env["PATH"]),
                     **{k: v for k, v in spec.items() if k.startswith("GOLESSONS_")})
    p = subprocess.run(["go", "build", "-o", str(ws / "cell"), "-x"], cwd=ws, env=build_env,
                       capture_output=True, text=True)
    assert p.returncode == 0, p.stdout + p.stderr
    compiled = re.findall(r"/compile .* -p (\S+) ", p.stdout + p.stderr)
    assert compiled == ["main"], f"compiled more than the cell: {compiled}"


def test_missing_module_says_run_make_setup(tmp_path):
    """With nothing downloaded (setup not run for this cache), the student reads what to run, not a go exit status."""
    cache = tmp_path / "empty-gomodcache"
    cache.mkdir()
    goflags = (go_env("GOFLAGS") + " -modcacherw").strip()
    env = kernel_env(GOMODCACHE=str(cache), GOFLAGS=goflags, GOPROXY="off")
    lesson = nbformat.read(LESSON, as_version=4)
    first = next(c for c in lesson.cells if c.cell_type == "code" and "func newClient" in c.source)
    path = tmp_path / "missing.ipynb"
    nbformat.write(gonb_notebook([nbformat.v4.new_code_cell(first.source)]), str(path))
    nb = execute(str(path), str(tmp_path / "run"), env=env, timeout=120, allow_errors=True)
    text = outputs_text(nb)[0]
    assert "run\n\n    make setup" in html_text(text), text[-3000:]
    assert "go get" not in text.split("Details:")[0]
    assert 'failed to run "go get"' not in text


def test_unknown_import_offline_says_what_works(tmp_path):
    """A package that is in no go.mod, offline: the same advice, and the cells before it still worked."""
    env = kernel_env(GOPROXY="off")
    path = tmp_path / "unknown.ipynb"
    nbformat.write(gonb_notebook([
        nbformat.v4.new_code_cell('%%\nfmt.Println("before")'),
        nbformat.v4.new_code_cell('import "github.com/nowhere-school/missing"\n\n%%\nmissing.Hello()'),
    ]), str(path))
    nb = execute(str(path), str(tmp_path / "run"), env=env, timeout=120, allow_errors=True)
    texts = outputs_text(nb)
    assert "before" in texts[0]
    shown = html_text(texts[1])
    assert "make setup" in shown and "standard library" in shown, texts[1][-3000:]
    assert "github.com/nowhere-school/missing" in shown  # the details name the import
    assert 'failed to run "go get"' not in texts[1]
