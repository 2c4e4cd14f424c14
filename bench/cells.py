"""Cell cost: how long a cell takes on the GoNB kernel, before and after each change
that made it faster, against an ipykernel cell.

    .venv/bin/python bench/cells.py --report BENCHMARKS.md   # make bench-cells: about 3 minutes
    .venv/bin/python bench/cells.py --runs 3                 # quicker, no report

Measured as the round trip of an execute request through jupyter_client (no
browser): from sending the request to the kernel's "idle" for it; and the CPU
time the kernel and its children (go, the linker, the cell's program) spent on
the cell, from /proc, which other load on the machine does not inflate. Run → first
token is from sending the lesson's streaming cell (the plain print loop) to the
first stdout message of the answer, with the offline provider the lesson starts
itself when no key is set, without its simulated model time
(OFFLINE_THINK_TIME=0, OFFLINE_TOKENS_PER_SECOND=-1: no thinking pause, and the
reasoning it streams before the answer sent at once): that is the model's time,
not the cell's.

Each change is a kernel of its own, started from the installed kernel.json
with that change and the ones after it taken out, so one run measures them
all, interleaved (every run goes through the kernels in a rotating order):

  before       GoNB as installed before: `go get` before every cell (GoNB's
               autoget), the default link;
  lazy-get     + tools/gonb-go/go: GoNB's `go get` only when a build lacks a module;
  ldflags      + -ldflags=-s for the cell's link (GOLESSONS_GOFLAGS);
  gogc         + GOGC=off for the cell's build (GOLESSONS_GOGC);
  now          + CGO_ENABLED=0 for the cell's build (GOLESSONS_CGO_ENABLED): the
               kernel `make setup` installs.

The cells: "plain" prints with fmt only, in a kernel of its own (GoNB puts every
earlier declaration, and so its imports, into each cell's program); "lesson" is
the lesson's first code cell (go-openai and the helpers; it says where requests go); "first token" is
the lesson's print loop. Each run's cells differ from the last run's by a
comment, so every cell is compiled and linked anew, as a new cell is.
The kernels build against a copy of the project's Go source made at the start
(other people's edits during the run neither break it nor mix versions).
Then, for the installed kernel only, "pre-built": the lesson's cells as the lesson
has them, each run in a new kernel, whose programs tools/gonb-go/go copies from the
cell cache `make setup` filled (a student's first Run of the lesson).
bench/run.py runs this too, so `make bench` writes the same section.
"""
import argparse
import datetime
import json
import os
import queue
import shutil
import statistics
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
VENV = os.path.join(ROOT, ".venv")
sys.path.insert(0, ROOT)  # the shared harness/
sys.path.insert(0, os.path.join(ROOT, "tools"))
sys.path.insert(0, HERE)

os.environ.setdefault("JUPYTER_DATA_DIR", os.path.join(VENV, "share", "jupyter"))
if os.path.join(VENV, "bin") not in os.environ.get("PATH", "").split(os.pathsep):
    os.environ["PATH"] = os.path.join(VENV, "bin") + os.pathsep + os.environ.get("PATH", "")

import nbformat  # noqa: E402
from jupyter_client import KernelManager  # noqa: E402
from jupyter_client.kernelspec import KernelSpecManager  # noqa: E402

from harness.env import kernel_env  # noqa: E402
from harness.lesson import LESSON  # noqa: E402
from harness import lesson  # noqa: E402
import measure as proc  # noqa: E402 - /proc CPU times

KERNEL_JSON = os.path.join(os.environ["JUPYTER_DATA_DIR"], "kernels", "gonb", "kernel.json")
WRAPPER_DIR = os.path.join(ROOT, "tools", "gonb-go")

# The changes, in the order they were made: (variant id, what it changed, what the
# variants before it lack of the installed kernel.json's env). Each variant has
# the changes up to its own.
VARIANTS = [
    ("before", "GoNB as installed before: go get before every cell, default link", None),
    ("lazy-get", "GoNB's go get only when a build lacks a module (tools/gonb-go/go)", "PATH"),
    ("ldflags", "the cell's link with -ldflags=-s (no symbol table, no DWARF)", "GOLESSONS_GOFLAGS"),
    ("gogc", "GOGC=off for the cell's build (go command and linker)", "GOLESSONS_GOGC"),
    ("now", "CGO_ENABLED=0 for the cell's build", "GOLESSONS_CGO_ENABLED"),
]
CELLS = ["plain", "lesson", "first_token"]
LABELS = {
    "plain": "GoNB: a cell that only uses fmt",
    "lesson": "GoNB: a lesson cell (go-openai + helpers)",
    "first_token": "GoNB: Run → first token (the lesson's print loop, offline provider)",
    "ipykernel": "ipykernel: a cell that prints",
}
TARGETS_MS = {"lesson": 450, "first_token": 800}


def log(msg):
    print(f"[bench-cells {time.strftime('%H:%M:%S')}] {msg}", flush=True)


def loadavg():
    return " ".join(open("/proc/loadavg").read().split()[:3])


def lesson_sources():
    """The lesson's code cells the bench runs: (setup cells, first cell, print-loop cell)."""
    setup = [lesson.source(t) for t in ("connect", "model", "messages")]
    return setup, setup[0], lesson.source("stream-loop")


def snapshot(dest):
    """Copies the project's Go source (go.mod, go.sum, the packages) to dest; returns its hash.

    The kernels build cells against this copy, so that other people's edits to
    helpers/ during the run neither break it nor mix versions.
    """
    import hashlib

    skip = shutil.ignore_patterns(".venv", "build", ".git", "__pycache__", ".pytest_cache", "notebooks",
                                  "tests", "bench", "*.ipynb", "*.answers.json")
    shutil.copytree(ROOT, dest, ignore=skip, symlinks=True)
    h = hashlib.sha256()
    for d, dirs, files in sorted(os.walk(dest)):
        dirs.sort()
        for name in sorted(files):
            if name.endswith(".go") or name in ("go.mod", "go.sum"):
                with open(os.path.join(d, name), "rb") as f:
                    h.update(os.path.relpath(os.path.join(d, name), dest).encode() + b"\0" + f.read())
    return h.hexdigest()[:16]


def git_commit():
    try:
        out = subprocess.run(["git", "-C", ROOT, "log", "-1", "--format=%h"], capture_output=True, text=True,
                             timeout=30).stdout.strip()
        dirty = subprocess.run(["git", "-C", ROOT, "status", "--porcelain", "--", "*.go", "go.mod", "go.sum"],
                               capture_output=True, text=True, timeout=30).stdout.strip()
    except (OSError, subprocess.SubprocessError):
        return "?"
    return out + (" + uncommitted changes" if dirty else "")


def variant_spec(kind, installed, project=ROOT):
    """A kernel.json for a variant: the installed one, with the later changes taken out.

    project: the folder the kernel's go.work uses (a snapshot of this one).
    """
    spec = json.loads(json.dumps(installed))
    spec["argv"] = [f"-go_work={project}" if a.startswith(("-go_work=", "--go_work=")) else a
                    for a in spec["argv"]]
    env = spec.setdefault("env", {})
    env["GOLESSONS_ROOT"] = project
    ids = [v for v, _, _ in VARIANTS]
    for vid, _, what in VARIANTS[ids.index(kind) + 1:]:
        if what == "PATH":
            env["PATH"] = ":".join(p for p in env.get("PATH", "").split(":") if p != WRAPPER_DIR)
        else:
            env.pop(what, None)
    spec["display_name"] = f"Go (gonb, bench {kind})"
    return spec


class Kernel:
    """A started kernel with a blocking client."""

    def __init__(self, name, ksm, cwd, env, log=None):
        self.name = name
        self.km = KernelManager(kernel_name=name, kernel_spec_manager=ksm)
        self.km.start_kernel(cwd=cwd, env=env, **({"stderr": log, "stdout": log} if log else {}))
        self.kc = self.km.client()
        self.kc.start_channels()
        self.kc.wait_for_ready(timeout=120)
        self.pid = self.km.provisioner.pid if self.km.provisioner else None

    def cpu(self):
        """CPU seconds of the kernel and its finished children (go, the linker, the cell's program)."""
        return proc.cpu_total(self.pid) if self.pid else None

    def run(self, code, timeout=180):
        """Executes code; returns (round trip s, first stdout text s or None, outputs text, error)."""
        # Drop what is left of earlier cells.
        while True:
            try:
                self.kc.get_iopub_msg(timeout=0.01)
            except queue.Empty:
                break
        cpu0 = self.cpu()
        t0 = time.perf_counter()
        msg_id = self.kc.execute(code)
        first, parts, error = None, [], None
        deadline = t0 + timeout
        while True:
            left = deadline - time.perf_counter()
            if left <= 0:
                raise RuntimeError(f"{self.name}: the cell did not finish within {timeout} s")
            try:
                msg = self.kc.get_iopub_msg(timeout=left)
            except queue.Empty:
                continue
            now = time.perf_counter()
            if msg["parent_header"].get("msg_id") != msg_id:
                continue
            t, c = msg["msg_type"], msg["content"]
            if t == "stream":
                if first is None and c.get("name") == "stdout" and c["text"].strip():
                    first = now - t0
                parts.append(c["text"])
            elif t == "error":
                error = "\n".join(c.get("traceback", []))[-1500:]
            elif t in ("display_data", "execute_result"):
                data = c.get("data", {})
                parts.append(str(data.get("text/plain") or data.get("text/html", "")))
            elif t == "status" and c["execution_state"] == "idle":
                break
        self.kc.get_shell_msg(timeout=30)
        cpu1 = self.cpu()
        self.last_cpu = None if cpu0 is None or cpu1 is None else cpu1 - cpu0
        return now - t0, first, "".join(parts), error

    def stop(self):
        try:
            self.kc.stop_channels()
            self.km.shutdown_kernel(now=True)
        except Exception as e:  # noqa: BLE001 - only reported
            log(f"could not stop {self.name}: {e}")


def cell_code(kind, n, sources):
    """The source of a measured cell, made different from the last run's by n."""
    _, first, loop = sources
    if kind == "plain":
        return f'%%\nfmt.Println("a plain cell, run {n}")'
    if kind == "lesson":
        return first + f"\n// bench run {n}"
    if kind == "first_token":
        return loop + f"\n// bench run {n}"
    if kind == "ipykernel":
        return f'print("a plain cell, run {n}")'
    raise ValueError(kind)


def measure(runs=7, variants=None, warmups=2, log_dir=None):
    """Runs the cell-cost benchmark; returns its results (the "cell_cost" part of results.json).

    The kernels' own logs go to log_dir/cells-kernels.log (default: a temporary folder).
    """
    variants = [v for v in VARIANTS if variants is None or v[0] in variants]
    with open(KERNEL_JSON, encoding="utf-8") as f:
        installed = json.load(f)
    tmp = tempfile.mkdtemp(prefix="bench-cells-")
    project = os.path.join(tmp, "project")
    source_hash = snapshot(project)
    kernels_dir = os.path.join(tmp, "kernels")
    for vid, _, _ in variants:
        d = os.path.join(kernels_dir, f"gonb-bench-{vid}")
        os.makedirs(d)
        with open(os.path.join(d, "kernel.json"), "w", encoding="utf-8") as f:
            json.dump(variant_spec(vid, installed, project), f, indent=1)
    ksm = KernelSpecManager(kernel_dirs=[kernels_dir, os.path.join(os.environ["JUPYTER_DATA_DIR"], "kernels")])
    sources = lesson_sources()
    # The offline provider without its simulated model time: no thinking pause, and its
    # tokens (the reasoning first, then the answer) without pauses.
    env = kernel_env(OFFLINE_THINK_TIME="0", OFFLINE_TOKENS_PER_SECOND="-1")
    res = {"runs": runs, "warmups": warmups, "started": datetime.datetime.now().isoformat(timespec="seconds"),
           "loadavg_start": loadavg(), "variants": [{"id": v, "change": c} for v, c, _ in variants],
           "samples": [], "errors": [], "source": {"commit": git_commit(), "sha256": source_hash}}
    kernels = {}
    t_start = time.time()
    klog = open(os.path.join(log_dir or tmp, "cells-kernels.log"), "w")
    # Per variant: a kernel with the lesson's declarations (lesson cell, first token) and a
    # fresh one for the plain cell: GoNB puts every earlier declaration (and so its imports)
    # into each cell's program, so a plain cell after the lesson's first cell links go-openai too.
    def key(vid, kind):
        return vid if kind == "ipykernel" else (f"{vid}/plain" if kind == "plain" else f"{vid}/lesson")

    try:
        for vid, _, _ in variants:
            for role in ("plain", "lesson"):
                cwd = os.path.join(tmp, vid, role)
                os.makedirs(cwd)
                log(f"starting kernel {vid} ({role} cells)")
                kernels[f"{vid}/{role}"] = Kernel(f"gonb-bench-{vid}", ksm, cwd, env, klog)
        os.makedirs(os.path.join(tmp, "ipykernel"))
        kernels["ipykernel"] = Kernel("python3", ksm, os.path.join(tmp, "ipykernel"), env, klog)

        for vid, _, _ in variants:
            k = kernels[f"{vid}/lesson"]
            for code in sources[0]:
                _, _, out, err = k.run(code)
                if err:
                    raise RuntimeError(f"kernel {vid}: a setup cell failed:\n{err}")
            for w in range(warmups):
                for kind in CELLS:
                    kernels[key(vid, kind)].run(cell_code(kind, f"warm-up {w}", sources))
        for w in range(warmups):
            kernels["ipykernel"].run(cell_code("ipykernel", f"warm-up {w}", sources))

        order = [v for v, _, _ in variants] + ["ipykernel"]
        for r in range(runs):
            shift = r % len(order)
            la = loadavg()
            for vid in order[shift:] + order[:shift]:
                kinds = ["ipykernel"] if vid == "ipykernel" else CELLS
                for kind in kinds:
                    rt, first, out, err = kernels[key(vid, kind)].run(cell_code(kind, r, sources))
                    k = kernels[key(vid, kind)]
                    s = {"variant": vid, "cell": kind, "run": r + 1, "round_trip_ms": rt * 1000,
                         "first_output_ms": None if first is None else first * 1000, "loadavg": la,
                         "cpu_ms": None if k.last_cpu is None else k.last_cpu * 1000}
                    if err:
                        s["error"] = err + "\n" + out[-1500:]
                        res["errors"].append(f"{vid} {kind} run {r + 1}: {err[-200:]} {out[-300:]}")
                    res["samples"].append(s)
            line = ", ".join(
                f"{vid} {fmt_ms(stat(res, vid, 'lesson'))}/{fmt_ms(stat(res, vid, 'first_token', 'first_output_ms'))}"
                for vid, _, _ in variants)
            log(f"run {r + 1}/{runs} (load {la}): lesson cell / first token medians so far: {line}; "
                f"ipykernel {fmt_ms(stat(res, 'ipykernel', 'ipykernel'))}")
        if any(v == "now" for v, _, _ in variants):
            measure_prebuilt(res, runs, env, tmp, klog)
    finally:
        for k in kernels.values():
            k.stop()
        klog.close()
        shutil.rmtree(tmp, ignore_errors=True)
    res["loadavg_end"] = loadavg()
    res["elapsed_s"] = round(time.time() - t_start, 1)
    res["gonb"] = gonb_version()
    res["busy"] = other_load()
    return res


def measure_prebuilt(res, runs, env, tmp, klog):
    """The lesson's cells as the lesson has them, each run in a new kernel of the installed
    spec: their programs come from the cell cache make setup filled (tools/gonb-go/go), as a
    student's first Run of the lesson does. Adds samples "lesson_prebuilt" (the first cell)
    and "first_token_prebuilt" (the print loop after the setup cells) to res, as variant "now"."""
    setup, first, loop = lesson_sources()
    ksm = KernelSpecManager(kernel_dirs=[os.path.join(os.environ["JUPYTER_DATA_DIR"], "kernels")])
    for r in range(runs):
        cwd = os.path.join(tmp, f"prebuilt-{r}")
        os.makedirs(cwd)
        la = loadavg()
        k = Kernel("gonb", ksm, cwd, env, klog)
        try:
            for cell, code in [("lesson_prebuilt", first)] + [(None, c) for c in setup[1:]] + [("first_token_prebuilt", loop)]:
                rt, first_out, out, err = k.run(code)
                if cell is None:
                    continue
                s = {"variant": "now", "cell": cell, "run": r + 1, "round_trip_ms": rt * 1000,
                     "first_output_ms": None if first_out is None else first_out * 1000, "loadavg": la,
                     "cpu_ms": None if k.last_cpu is None else k.last_cpu * 1000}
                if err:
                    s["error"] = err
                    res["errors"].append(f"pre-built {cell} run {r + 1}: {err[-200:]}")
                res["samples"].append(s)
        finally:
            k.stop()
    log(f"pre-built lesson cells: first cell {fmt_ms(stat(res, 'now', 'lesson_prebuilt'))}, first token "
        f"{fmt_ms(stat(res, 'now', 'first_token_prebuilt', 'first_output_ms'))}")


def stat(res, variant, cell, key="round_trip_ms"):
    vals = [s[key] for s in res["samples"] if s["variant"] == variant and s["cell"] == cell
            and s.get(key) is not None and "error" not in s]
    return statistics.median(vals) if vals else None


def fmt_ms(v):
    return "-" if v is None else f"{v:.0f} ms"


def gonb_version():
    """The GoNB module version the kernel binary was built from (gonb -V prints an older tag)."""
    try:
        out = subprocess.run(["go", "version", "-m", os.path.join(VENV, "bin", "gonb")],
                             capture_output=True, text=True, timeout=30).stdout
    except (OSError, subprocess.SubprocessError):
        return "?"
    for line in out.splitlines():
        f = line.split()
        if len(f) >= 3 and f[0] == "mod" and f[1] == "github.com/janpfeifer/gonb":
            return f[2]
    return "?"


def other_load():
    """Other heavy processes on the machine while measuring (other people's tests, say)."""
    me = os.getpid()
    names = []
    for pid in os.listdir("/proc"):
        if not pid.isdigit() or int(pid) == me:
            continue
        try:
            cmd = open(f"/proc/{pid}/cmdline", "rb").read().replace(b"\0", b" ").decode("utf-8", "replace")
        except OSError:
            continue
        if any(w in cmd for w in ("pytest", "chromium", "go test", "go build")) and "bench" not in cmd:
            names.append(cmd[:80])
    return sorted(set(names))[:10]


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--runs", type=int, default=7, help="measured runs of every cell (default 7)")
    ap.add_argument("--variants", help="comma-separated subset of " + ",".join(v for v, _, _ in VARIANTS))
    ap.add_argument("--out", default=os.path.join(ROOT, "build", "bench"), help="folder for cells.json")
    ap.add_argument("--report", help="update the cell-cost section of this Markdown report")
    args = ap.parse_args()
    os.makedirs(args.out, exist_ok=True)
    res = measure(args.runs, args.variants.split(",") if args.variants else None, log_dir=args.out)
    path = os.path.join(args.out, "cells.json")
    with open(path, "w", encoding="utf-8") as f:
        json.dump(res, f, indent=1)
    log(f"results: {path} ({res['elapsed_s']:.0f} s)")
    for e in res["errors"]:
        log("error: " + e)
    import report
    print("\n".join(report.cell_cost_section(res)))
    if args.report:
        report.splice_cell_cost(res, os.path.abspath(args.report))
        log(f"report: {args.report} (its cell-cost section)")
    if res["errors"]:
        sys.exit(1)


if __name__ == "__main__":
    main()
