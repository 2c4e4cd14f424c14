"""The kernel `make setup` installs: the pinned GoNB, its kernel.json, and tools/gonb-go/go,
the `go` GoNB runs (tested here with a fake real go behind it)."""
import json
import os
import re
import subprocess
import threading
import time

import pytest

from conftest import ROOT

WRAPPER_DIR = os.path.join(ROOT, "tools", "gonb-go")
KERNEL_JSON = os.path.join(ROOT, ".venv", "share", "jupyter", "kernels", "gonb", "kernel.json")


def pinned_gonb():
    text = open(os.path.join(ROOT, "go.mod"), encoding="utf-8").read()
    return re.search(r"^\s*github\.com/janpfeifer/gonb (v\S+)", text, re.M).group(1)


def test_kernel_binary_is_the_gonb_pinned_in_go_mod():
    out = subprocess.run(["go", "version", "-m", os.path.join(ROOT, ".venv", "bin", "gonb")],
                         capture_output=True, text=True, check=True).stdout
    built = re.search(r"^\s*mod\s+github\.com/janpfeifer/gonb\s+(\S+)", out, re.M).group(1)
    assert built == pinned_gonb()
    make = subprocess.run(["make", "-n", "--always-make", os.path.join(ROOT, ".venv", "bin", "gonb")],
                          cwd=ROOT, capture_output=True, text=True).stdout
    assert f"GoNB kernel {pinned_gonb()}" in make
    readme = open(os.path.join(ROOT, "README.md"), encoding="utf-8").read()
    assert f"({pinned_gonb()}, pinned in\n`go.mod`)" in readme or f"{pinned_gonb()}, pinned in `go.mod`" in readme


def test_kernel_json_runs_gonb_through_the_wrapper():
    spec = json.load(open(KERNEL_JSON, encoding="utf-8"))
    assert f"-go_work={ROOT}" in spec["argv"]
    env = spec["env"]
    assert env["PATH"].split(":")[0] == WRAPPER_DIR
    assert env["PATH"].endswith(":${PATH}")
    assert env["GOLESSONS_GOFLAGS"] == "-ldflags=-s"
    assert env["GOLESSONS_GOGC"] == "off"
    assert env["GOLESSONS_CGO_ENABLED"] == "0"
    assert env["GOLESSONS_ROOT"] == ROOT
    assert "GOFLAGS" not in env  # the user's GOFLAGS stay theirs


FAKE_GO = """#!/bin/bash
# A fake real go: logs its arguments and environment; behaves as $FAKE_<verb> says.
echo "go $* | GOFLAGS=$GOFLAGS GOGC=${GOGC:-}${CGO_ENABLED:+ CGO_ENABLED=$CGO_ENABLED}" >> "$LOG"
case "$1" in
  get) [ "$FAKE_GET" = fail ] && { echo "go: example.com/x@v1: module lookup disabled by GOPROXY=off"; exit 1; }; : > "$GOT" ;;
  build|test)
    [ -n "${TIMES:-}" ] && { date +%s.%N >> "$TIMES"; sleep "${FAKE_SLEEP:-0}"; date +%s.%N >> "$TIMES"; }
    if [ "$FAKE_BUILD" = missing ] && [ ! -e "$GOT" ]; then
      echo 'main.go:3:8: no required module provides package example.com/x; to add it:'; exit 1
    fi
    [ "$FAKE_BUILD" = compile ] && { echo './main.go:7:2: undefined: nope'; exit 1; }
    # The program: what it was built from (a real build's output depends on it too).
    [ "$1 $2" = "build -o" ] && { cat main.go > "$3"; } 2>/dev/null
    echo "built" ;;
  *) echo "real go ran: $*" ;;
esac
"""


@pytest.fixture
def fake(tmp_path):
    real = tmp_path / "realgo"
    real.mkdir()
    (real / "go").write_text(FAKE_GO)
    (real / "go").chmod(0o755)
    gonb_dir = tmp_path / "gonb_1234"
    gonb_dir.mkdir()
    log = tmp_path / "log"
    env = {
        "PATH": f"{WRAPPER_DIR}:{real}:/usr/bin:/bin", "LOG": str(log), "GOT": str(tmp_path / "got"),
        "GONB_TMP_DIR": str(gonb_dir), "GOLESSONS_GOFLAGS": "-ldflags=-s", "GOLESSONS_GOGC": "off",
        "GOLESSONS_CGO_ENABLED": "0",
        "GOLESSONS_ROOT": "/the/project", "GOFLAGS": "-buildvcs=false", "HOME": str(tmp_path),
    }

    def run(*args, cwd=gonb_dir, **extra):
        p = subprocess.run(["go", *args], cwd=cwd, env={**env, **extra}, capture_output=True, text=True)
        calls = log.read_text().splitlines() if log.exists() else []
        if log.exists():
            log.unlink()
        return p.returncode, p.stdout + p.stderr, calls

    return run


def test_outside_gonb_passes_everything_through(fake, tmp_path):
    rc, out, calls = fake("get", cwd=tmp_path)
    assert rc == 0 and calls == ["go get | GOFLAGS=-buildvcs=false GOGC="]
    rc, out, calls = fake("build", "-o", "x", cwd=tmp_path)
    assert calls == ["go build -o x | GOFLAGS=-buildvcs=false GOGC="]


def test_gonb_go_get_is_put_off(fake):
    assert fake("get") == (0, "", [])
    assert fake("get", "-t") == (0, "", [])
    # A go get with packages (a student's !*go get example.com/x) runs.
    assert fake("get", "example.com/x")[2] == ["go get example.com/x | GOFLAGS=-buildvcs=false GOGC="]
    # GoNB's own behaviour, for the benchmark.
    assert fake("get", GOLESSONS_AUTOGET="every-cell")[2] == ["go get | GOFLAGS=-buildvcs=false GOGC="]


def test_cell_build_gets_the_build_environment(fake):
    rc, out, calls = fake("build", "-o", "/tmp/gonb_1234/gonb_1234")
    assert rc == 0 and out.strip() == "built"
    assert calls == ["go build -o /tmp/gonb_1234/gonb_1234 | GOFLAGS=-buildvcs=false -ldflags=-s GOGC=off CGO_ENABLED=0"]
    rc, out, calls = fake("test", "-c", "-o", "bin", GOFLAGS="")
    assert calls == ["go test -c -o bin | GOFLAGS=-ldflags=-s GOGC=off CGO_ENABLED=0"]
    # What the kernel was started with wins.
    rc, out, calls = fake("build", "-o", "bin", GOGC="200", CGO_ENABLED="1")
    assert calls == ["go build -o bin | GOFLAGS=-buildvcs=false -ldflags=-s GOGC=200 CGO_ENABLED=1"]


def test_missing_module_runs_the_put_off_go_get_then_builds_again(fake):
    rc, out, calls = fake("build", "-o", "bin", FAKE_BUILD="missing")
    assert rc == 0 and out.strip() == "built"
    assert [c.split(" |")[0] for c in calls] == ["go build -o bin", "go get", "go build -o bin"]


def test_compile_errors_pass_through_unchanged(fake):
    rc, out, calls = fake("build", "-o", "bin", FAKE_BUILD="compile")
    assert rc == 1 and out == "./main.go:7:2: undefined: nope\n"
    assert len(calls) == 1  # no go get for a compile error


def test_missing_module_offline_says_run_make_setup(fake):
    rc, out, calls = fake("build", "-o", "bin", FAKE_BUILD="missing", FAKE_GET="fail")
    assert rc == 1
    assert out.startswith("This cell needs Go code that is not on this computer yet")
    assert "in /the/project, run\n\n    make setup\n" in out
    assert "module lookup disabled by GOPROXY=off" in out  # the details stay, below the advice
    assert "no required module provides package example.com/x" in out


def build_times(fake_env_runs, tmp_path, **extra):
    """Runs fake builds at once (each a dict of extra env); returns their (start, end) times."""
    times = [tmp_path / f"times-{i}" for i in range(len(fake_env_runs))]
    for t in times:
        t.unlink(missing_ok=True)
    threads = [threading.Thread(target=fake, args=("build", "-o", "bin"),
                                kwargs={"TIMES": str(t), **extra, **e})
               for (fake, e), t in zip(fake_env_runs, times)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    return [tuple(float(x) for x in t.read_text().split()) for t in times]


@pytest.fixture
def slots(tmp_path):
    """A build-slots folder with its queue and two slot files, as the classroom's install makes."""
    d = tmp_path / "build-slots"
    d.mkdir()
    for name in ("queue", "slot-0", "slot-1"):
        (d / name).write_text("")
        (d / name).chmod(0o444)
    return d


def test_builds_take_turns_with_one_slot(fake, tmp_path, slots):
    """Two cell builds at once with one build slot: the second starts after the first ends;
    without slots they overlap."""
    env = {"GOLESSONS_BUILD_SLOTS": "1", "GOLESSONS_BUILD_SLOTS_DIR": str(slots), "FAKE_SLEEP": "1"}
    (s1, e1), (s2, e2) = sorted(build_times([(fake, {}), (fake, {})], tmp_path, **env))
    assert s2 >= e1 - 0.05, f"the builds overlapped: {s1:.2f}-{e1:.2f} and {s2:.2f}-{e2:.2f}"
    env["GOLESSONS_BUILD_SLOTS"] = "0"
    (s1, e1), (s2, e2) = sorted(build_times([(fake, {}), (fake, {})], tmp_path, **env))
    assert s2 < e1, "without build slots the builds should run at once"
    env["GOLESSONS_BUILD_SLOTS"] = "2"
    (s1, e1), (s2, e2) = sorted(build_times([(fake, {}), (fake, {})], tmp_path, **env))
    assert s2 < e1, "two slots: two builds at once"


def test_a_held_slot_delays_a_build_only_until_the_wait_ends(fake, slots):
    """A student holding the only slot (flock on the read-only file) delays others'
    builds by GOLESSONS_BUILD_WAIT seconds at most; then they build anyway."""
    holder = subprocess.Popen(["flock", "-n", str(slots / "slot-0"), "sleep", "30"])
    try:
        time.sleep(0.3)
        assert holder.poll() is None, "the test could not take the slot"
        t0 = time.time()
        rc, out, calls = fake("build", "-o", "bin", GOLESSONS_BUILD_SLOTS="1",
                              GOLESSONS_BUILD_SLOTS_DIR=str(slots), GOLESSONS_BUILD_WAIT="2")
        waited = time.time() - t0
    finally:
        holder.kill()
        holder.wait()
    assert rc == 0 and out.strip() == "built"
    assert 1.8 <= waited < 6, f"the build waited {waited:.1f} s for the held slot (want about 2 s)"


# --- The classroom's cell cache: programs pre-built by the install (tools/fill_cell_cache.py). ---

def gonb_folder(tmp_path, kernel_id, main="package main\nfunc main() {}\n"):
    """A GoNB folder as GoNB writes it for a cell: main.go, go.mod (its module is the
    kernel's own name) and go.work."""
    d = tmp_path / f"gonb_{kernel_id}"
    d.mkdir(exist_ok=True)
    (d / "main.go").write_text(main)
    (d / "go.mod").write_text(f"module gonb_{kernel_id}\n\ngo 1.26.8\n\nreplace example.com/lessons => /opt/lessons/src\n")
    (d / "go.work").write_text("go 1.26.8\n\nuse (\n\t.\n\t/opt/lessons/src\n)\n")
    return d


@pytest.fixture
def cellcache(tmp_path):
    d = tmp_path / "cellcache"
    d.mkdir()
    (d / "STAMP").write_text("install 1\n")
    return d


def programs(cache):
    return sorted(p.name for p in cache.iterdir() if len(p.name) == 64)


def test_cell_cache_fill_then_another_kernel_copies_the_program(fake, tmp_path, cellcache):
    """The install builds the lesson's cell once (FILL); a student's kernel, in a folder
    of another name, with the same cell gets a copy of that program and no build."""
    a = gonb_folder(tmp_path, "aaaa1111")
    rc, out, calls = fake("build", "-o", str(a / "gonb_aaaa1111"), cwd=a, GONB_TMP_DIR=str(a),
                          GOLESSONS_CELL_CACHE=str(cellcache), GOLESSONS_CELL_CACHE_FILL="1")
    assert rc == 0 and len(calls) == 1, (out, calls)
    [key] = programs(cellcache)
    assert (cellcache / key).read_text() == (a / "main.go").read_text()
    assert os.access(cellcache / key, os.X_OK)

    b = gonb_folder(tmp_path, "bbbb2222")
    rc, out, calls = fake("build", "-o", str(b / "gonb_bbbb2222"), cwd=b, GONB_TMP_DIR=str(b),
                          GOLESSONS_CELL_CACHE=str(cellcache))
    assert rc == 0 and calls == [], f"the cell was built again: {calls}"
    assert (b / "gonb_bbbb2222").read_text() == (a / "main.go").read_text()
    assert os.access(b / "gonb_bbbb2222", os.X_OK)
    assert programs(cellcache) == [key]  # a student's kernel never writes the cache


def test_cell_cache_misses_when_anything_the_build_reads_differs(fake, tmp_path, cellcache):
    a = gonb_folder(tmp_path, "aaaa1111")
    fill = dict(cwd=a, GONB_TMP_DIR=str(a), GOLESSONS_CELL_CACHE=str(cellcache), GOLESSONS_CELL_CACHE_FILL="1")
    assert fake("build", "-o", str(a / "gonb_aaaa1111"), **fill)[0] == 0
    b = gonb_folder(tmp_path, "bbbb2222")
    student = dict(cwd=b, GONB_TMP_DIR=str(b), GOLESSONS_CELL_CACHE=str(cellcache))
    binary = str(b / "gonb_bbbb2222")

    def built(**extra):
        rc, out, calls = fake("build", "-o", binary, **{**student, **extra})
        assert rc == 0, out
        return len(calls) == 1

    assert not built()
    (b / "main.go").write_text("package main\nfunc main() { println(1) }\n")  # the student changed the cell
    assert built()
    gonb_folder(tmp_path, "bbbb2222")
    (b / "extra.go").write_text("package main\n")  # another file in the folder
    assert built()
    (b / "extra.go").unlink()
    assert not built()
    assert built(GOFLAGS="-race")  # other build settings
    assert built(CGO_ENABLED="1")
    assert built(GOARCH="arm64")
    (b / "go.work").write_text("go 1.26.8\n\nuse (\n\t.\n\t/elsewhere\n)\n")  # other sources
    assert built()
    gonb_folder(tmp_path, "bbbb2222")
    (cellcache / "STAMP").write_text("install 2\n")  # a new install: the old programs are not used
    assert built()
    (cellcache / "STAMP").unlink()
    assert built()  # no STAMP: no cache at all


def test_cell_cache_is_only_for_go_build_and_survives_a_read_only_cache(fake, tmp_path, cellcache):
    a = gonb_folder(tmp_path, "aaaa1111")
    env = dict(cwd=a, GONB_TMP_DIR=str(a), GOLESSONS_CELL_CACHE=str(cellcache))
    assert fake("build", "-o", str(a / "gonb_aaaa1111"), GOLESSONS_CELL_CACHE_FILL="1", **env)[0] == 0
    # A test cell (go test -c) is always built.
    rc, out, calls = fake("test", "-c", "-o", str(a / "gonb_aaaa1111"), **env)
    assert rc == 0 and len(calls) == 1
    # A kernel that cannot write the cache (a student who sets FILL) still builds its cell.
    cellcache.chmod(0o555)
    try:
        (a / "main.go").write_text("package main\nfunc main() { println(2) }\n")
        rc, out, calls = fake("build", "-o", str(a / "gonb_aaaa1111"), GOLESSONS_CELL_CACHE_FILL="1", **env)
        assert rc == 0 and len(calls) == 1
    finally:
        cellcache.chmod(0o755)


def test_cell_cache_is_put_aside_when_the_projects_go_code_changed(fake, tmp_path, cellcache):
    """On a computer where the project is being worked on (GOLESSONS_CELL_CACHE_SOURCES, as
    make setup's kernel.json sets it), a Go file changed after the cache was made means its
    programs may be stale: every cell is built until make setup makes the cache again."""
    project = tmp_path / "project"
    (project / "helpers").mkdir(parents=True)
    (project / "helpers" / "h.go").write_text("package helpers\n")
    (project / ".venv").mkdir()
    past = time.time() - 60
    os.utime(project / "helpers" / "h.go", (past, past))
    a = gonb_folder(tmp_path, "aaaa1111")
    env = dict(cwd=a, GONB_TMP_DIR=str(a), GOLESSONS_CELL_CACHE=str(cellcache),
               GOLESSONS_CELL_CACHE_SOURCES=str(project))
    binary = str(a / "gonb_aaaa1111")
    assert fake("build", "-o", binary, GOLESSONS_CELL_CACHE_FILL="1", **env)[0] == 0
    assert fake("build", "-o", binary, **env)[2] == []  # copied
    assert len(fake("build", "-o", binary, GOLESSONS_CELL_CACHE_OFF="1", **env)[2]) == 1  # turned off: built
    (project / ".venv" / "x.go").write_text("package x\n")  # not the project's code
    assert fake("build", "-o", binary, **env)[2] == []
    (project / "helpers" / "h.go").write_text("package helpers // changed\n")
    assert len(fake("build", "-o", binary, **env)[2]) == 1  # built
    assert "GOLESSONS_CELL_CACHE" in json.load(open(KERNEL_JSON))["env"], "make setup's kernel has no cell cache"


def test_classroom_cell_runs_through_the_cell_launcher(fake, tmp_path):
    """In the classroom (GOLESSONS_CELL_RUN, classroom/limits.py), GoNB's cell program is built
    as BINARY.cell and BINARY links to the launcher (cmd/cell-run); other builds are untouched."""
    launcher = tmp_path / "cell-run"
    launcher.write_text("#!/bin/sh\n")
    launcher.chmod(0o755)
    binary = tmp_path / "gonb_1234" / "gonb_1234"
    for args in (("build", "-o", str(binary)), ("test", "-c", "-o", str(binary))):
        rc, out, calls = fake(*args, GOLESSONS_CELL_RUN=str(launcher))
        assert rc == 0, out
        assert calls[0].split(" |")[0] == "go " + " ".join(args[:-1]) + f" {binary}.cell", calls
        assert binary.is_symlink() and os.readlink(binary) == str(launcher)
    # A wasm build (another output path) and a build outside GoNB's folder: as before.
    rc, out, calls = fake("build", "-o", str(tmp_path / "gonb_1234" / "main.wasm"), GOLESSONS_CELL_RUN=str(launcher))
    assert calls[0].split(" |")[0] == f"go build -o {tmp_path}/gonb_1234/main.wasm"
    rc, out, calls = fake("build", "-o", "x", cwd=tmp_path, GOLESSONS_CELL_RUN=str(launcher))
    assert calls[0].split(" |")[0] == "go build -o x"
