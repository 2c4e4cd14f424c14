"""Benchmark: the streamed answer as a student sees it, three ways, in a real JupyterLab.

    .venv/bin/python bench/run.py              # full run (make bench): about 25 minutes on 2 cores
    .venv/bin/python bench/run.py --tiny       # a check that it all runs (make bench-tiny)

A bench-mode offline provider per configuration (rate, answer length) streams
tokens that carry their sequence number and send time. JupyterLab and headless
Chromium run the same question three ways (see notebooks.py): (a) the helpers'
Markdown display, (b) the lesson's plain mirror loop, (c) the original Python
lesson on ipykernel. In the page, a MutationObserver (observer.js) records when
each token first appears; the driver counts the kernel's output messages at the
websocket and the CPU time of the kernel, the Jupyter server and Chromium from
/proc. Results go to OUT/results.json; without --tiny, report.py then writes
BENCHMARKS.md and bench/streaming.svg from them.
"""
import argparse
import datetime
import json
import os
import platform
import signal
import subprocess
import sys
import time
import urllib.request

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
VENV = os.path.join(ROOT, ".venv")
sys.path.insert(0, ROOT)  # the shared harness/
sys.path.insert(0, HERE)

# Like the Makefile: the project's Jupyter data dir (GoNB kernelspec) and tools first.
os.environ.setdefault("JUPYTER_DATA_DIR", os.path.join(VENV, "share", "jupyter"))
if os.path.join(VENV, "bin") not in os.environ.get("PATH", "").split(os.pathsep):
    os.environ["PATH"] = os.path.join(VENV, "bin") + os.pathsep + os.environ.get("PATH", "")

import nbformat  # noqa: E402
from playwright.sync_api import TimeoutError as PlaywrightTimeout, sync_playwright  # noqa: E402

from harness.env import Provider, kernel_env  # noqa: E402
from harness.lab import Lab, launch, menu  # noqa: E402
import cells  # noqa: E402
import measure  # noqa: E402
import notebooks  # noqa: E402

FULL = {"rates": [50, 500, 3000], "tokens": [500, 5000], "runs": 3, "ways": ["a", "b", "c"]}
TINY = {"rates": [50, 3000], "tokens": [300], "runs": 1, "ways": ["a", "b", "c"]}
WARMUP_TOKENS = 20
OBSERVER_JS = os.path.join(HERE, "observer.js")


def log(msg):
    print(f"[bench {time.strftime('%H:%M:%S')}] {msg}", flush=True)


def label(rate, tokens):
    return f"r{rate}-n{tokens}"


# --- environment ----------------------------------------------------------------

def command_output(args, **kw):
    try:
        return subprocess.run(args, capture_output=True, text=True, timeout=60, **kw).stdout.strip()
    except (OSError, subprocess.SubprocessError):
        return ""


def machine(browser_version):
    model = ""
    with open("/proc/cpuinfo", encoding="utf-8", errors="replace") as f:
        for line in f:
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
    mem_gib = None
    with open("/proc/meminfo", encoding="utf-8") as f:
        for line in f:
            if line.startswith("MemTotal:"):
                mem_gib = round(int(line.split()[1]) / 1024 / 1024, 1)
    versions = {}
    for mod in ("jupyterlab", "jupyter_server", "ipykernel", "openai", "playwright"):
        try:
            from importlib.metadata import version
            versions[mod] = version(mod)
        except Exception:  # noqa: BLE001 - a missing version is only reported
            versions[mod] = "?"
    return {
        "cores": os.cpu_count(),
        "cpu_model": model,
        "memory_gib": mem_gib,
        "kernel": platform.release(),
        "go": command_output(["go", "version"]),
        "python": platform.python_version(),
        "chromium": browser_version,
        "gonb": cells.gonb_version(),
        **versions,
    }


# The packages a lesson cell compiles: helpers/ and the internal packages behind it.
HELPERS_DIRS = ("helpers", "internal")


def helpers_version():
    """The commit and a hash of the cells' Go source (helpers/, internal/) as the cells compile them now."""
    import hashlib
    h = hashlib.sha256()
    for top in HELPERS_DIRS:
        for d, dirs, files in sorted(os.walk(os.path.join(ROOT, top))):
            dirs.sort()
            for name in sorted(files):
                if name.endswith(".go") and not name.endswith("_test.go"):
                    path = os.path.join(d, name)
                    with open(path, "rb") as f:
                        h.update(os.path.relpath(path, ROOT).encode() + b"\0" + f.read())
    commit = command_output(["git", "-C", ROOT, "log", "-1", "--format=%h", "--", *HELPERS_DIRS])
    dirty = command_output(["git", "-C", ROOT, "status", "--porcelain", "--", *HELPERS_DIRS])
    return {"commit": commit + (" + uncommitted changes" if dirty else ""), "sha256": h.hexdigest()[:16]}


def build_provider(out):
    path = os.path.join(out, "offline-provider")
    log("building the offline provider")
    subprocess.run(["go", "build", "-o", path, "./cmd/offline-provider"], cwd=ROOT, check=True)
    return path


def go_benchmarks(out, tiny):
    """Runs the helpers' Go micro-benchmarks; returns the parsed figures."""
    args = ["go", "test", "-run", "^$", "-bench", ".", "-benchmem"]
    if tiny:
        args += ["-benchtime", "1x"]
    args += ["./internal/sse/", "./internal/streamview/"]
    log("Go micro-benchmarks: " + " ".join(args))
    p = subprocess.run(args, cwd=ROOT, capture_output=True, text=True)
    with open(os.path.join(out, "gobench.txt"), "w", encoding="utf-8") as f:
        f.write(p.stdout + p.stderr)
    results = []
    for line in p.stdout.splitlines():
        if not line.startswith("Benchmark"):
            continue
        parts = line.split()
        r = {"name": parts[0], "n": int(parts[1]), "metrics": {}}
        for value, unit in zip(parts[2::2], parts[3::2]):
            try:
                r["metrics"][unit] = float(value)
            except ValueError:
                pass
        results.append(r)
    status = "ok" if p.returncode == 0 else "failed"
    if p.returncode == 0 and not results:
        status = "none"
    if p.returncode != 0:
        log("Go benchmarks failed:\n" + (p.stdout + p.stderr)[-2000:])
    return {"command": " ".join(args), "status": status, "results": results}


# --- JupyterLab -------------------------------------------------------------------

def api(lab, method, path):
    req = urllib.request.Request(f"{lab.url}{path}", method=method,
                                 headers={"Authorization": f"token {lab.token}"})
    with urllib.request.urlopen(req, timeout=30) as r:
        body = r.read()
    return json.loads(body) if body else None


def session_for(lab, name, timeout=180):
    """The notebook's session once its kernel has started and is idle."""
    deadline = time.time() + timeout
    while time.time() < deadline:
        for s in api(lab, "GET", "/api/sessions"):
            if s.get("path", "").endswith(name) and s["kernel"]["execution_state"] == "idle":
                return s
        time.sleep(0.25)
    raise RuntimeError(f"the kernel of {name} did not start within {timeout} s")


CELL_JS = "i => document.querySelectorAll('.jp-NotebookPanel:not(.lm-mod-hidden) .jp-Notebook .jp-Cell')[i]"


def prompt_text(page, i):
    return page.evaluate(f"i => {{ const c = ({CELL_JS})(i); const p = c && c.querySelector('.jp-InputPrompt');"
                         " return p ? p.textContent : ''; }", i)


def output_info(page, i):
    """The text of cell i's outputs, and of its stderr/error outputs."""
    return page.evaluate(
        f"""i => {{
            const c = ({CELL_JS})(i);
            const area = c && c.querySelector('.jp-OutputArea');
            const err = c ? [...c.querySelectorAll(".jp-OutputArea-output[data-mime-type='application/vnd.jupyter.stderr']")] : [];
            return {{
                text: area ? area.textContent : '',
                stderr: err.map(e => e.textContent).join('\\n'),
                outputs: c ? c.querySelectorAll('.jp-OutputArea-child').length : 0,
                trimmed: c ? c.querySelectorAll('.jp-TrimmedOutputs').length : 0,
            }};
        }}""",
        i,
    )


def run_cell(page, i, timeout_s):
    """Select cell i, press Shift+Enter, and wait until it has run."""
    before = prompt_text(page, i)
    cell = page.locator(".jp-NotebookPanel:not(.lm-mod-hidden) .jp-Notebook .jp-Cell").nth(i)
    cell.locator(".jp-InputPrompt").first.click()
    page.keyboard.press("Escape")
    page.keyboard.press("Shift+Enter")
    page.wait_for_function(
        f"""([i, before]) => {{
            const c = ({CELL_JS})(i);
            const p = c && c.querySelector('.jp-InputPrompt');
            const t = p ? p.textContent : '';
            return /\\[\\d+\\]/.test(t) && t !== before;
        }}""",
        arg=[i, before],
        polling=50,
        timeout=timeout_s * 1000,
    )


class Way:
    """One way's notebook open in its own browser page, with its kernel."""

    def __init__(self, browser, lab, way, name):
        self.way = way
        self.name = name
        self.lab = lab
        self.context = browser.new_context(viewport={"width": 1280, "height": 1400})
        self.page = self.context.new_page()
        self.page.add_init_script(path=OBSERVER_JS)
        self.frames = measure.FrameLog(self.page)
        self.open()
        log(f"  kernel ready: {self.session['kernel']['name']}")
        self.kernel_pid = measure.find_kernel_pid(self.session["kernel"]["id"])
        if self.kernel_pid is None:
            raise RuntimeError(f"kernel process of {name} not found")

    def open(self, timeout=180):
        """Opens the notebook in a workspace of its own and waits for its kernel.

        Like browser.open_notebook, but each page gets a workspace of its own,
        so that it does not also reopen the other ways' notebooks (JupyterLab
        restores a workspace's open tabs), and it waits for the kernel's first
        reply at the websocket.
        """
        page = self.page
        page.goto(f"{self.lab.url}/lab/workspaces/{self.name[:-6]}/tree/{self.name}?token={self.lab.token}")
        page.wait_for_selector(".jp-NotebookPanel .jp-Notebook .jp-Cell", timeout=timeout * 1000)
        self.session = session_for(self.lab, self.name, timeout)
        deadline = time.time() + timeout
        while not self.frames.seen("kernel_info_reply"):
            if time.time() > deadline:
                raise RuntimeError(f"the kernel of {self.name} did not answer the page within {timeout} s")
            page.wait_for_timeout(100)
        page.wait_for_timeout(500)

    def run(self, i, tokens, timeout_s):
        """Runs cell i, streaming an answer of tokens; returns its measurements."""
        page = self.page
        page.evaluate("n => window.__bench.reset(n)", tokens)
        load = " ".join(open("/proc/loadavg").read().split()[:3])
        cpu_kernel = measure.cpu_total(self.kernel_pid)
        cpu_kernel_self = measure.cpu_self(self.kernel_pid)
        cpu_server = measure.cpu_self(self.lab.proc.pid)
        cpu_browser = measure.descendants_named(os.getpid(), "chromium", "chrome")
        start = self.frames.mark()
        t0 = time.time()
        with measure.ChildSampler(self.kernel_pid) as sampler:
            timed_out = False
            try:
                self.run_cell(i, timeout_s)
            except PlaywrightTimeout:
                timed_out = True  # reported with what was seen by then
            # Let the last updates render and their frames arrive: until every
            # token is in, or none came for 2 s (the rest is lost).
            last, quiet = -1, time.time()
            while True:
                count = page.evaluate("() => window.__bench.count")
                if count >= tokens:
                    break
                if count != last:
                    last, quiet = count, time.time()
                elif time.time() - quiet > 2:
                    break
                page.wait_for_timeout(100)
            page.wait_for_timeout(300)
        wall = time.time() - t0
        end = self.frames.mark()
        r = page.evaluate("() => window.__bench.result()")
        out = output_info(page, i)
        cpu = {
            "kernel_total": measure.cpu_total(self.kernel_pid) - cpu_kernel,
            "kernel_self": measure.cpu_self(self.kernel_pid) - cpu_kernel_self,
            "server": measure.cpu_self(self.lab.proc.pid) - cpu_server,
            "browser": measure.cpu_delta(cpu_browser, measure.descendants_named(os.getpid(), "chromium", "chrome")),
        }
        if self.way != "c":
            cpu["program"] = sampler.program_cpu()
            cpu["build"] = max(cpu["kernel_total"] - cpu["kernel_self"] - cpu["program"], 0.0)
            cpu["children"] = sampler.names()
        res = summarize(r, out, tokens, self.frames.summary(start, end), cpu, wall)
        res["timed_out"] = timed_out
        res["loadavg_before"] = load
        if timed_out:
            log(f"  cell {i} of {self.name} was still running after {timeout_s:.0f} s; interrupting its kernel")
            res["kernel_restarted"] = self.recover(i)
        return res

    def recover(self, i):
        """Ends a run that did not finish: interrupts the kernel, and restarts it when it is
        still busy a minute later (an IOPub flood once left ipykernel busy for good). Returns
        whether it restarted; the run keeps what the page showed until then."""
        kernel = self.session["kernel"]["id"]
        api(self.lab, "POST", f"/api/kernels/{kernel}/interrupt")
        try:
            self.page.wait_for_function(f"""i => {{
                const c = ({CELL_JS})(i); const p = c && c.querySelector('.jp-InputPrompt');
                return p && /\\[\\d+\\]/.test(p.textContent); }}""", arg=i, polling=500, timeout=60_000)
            return False
        except PlaywrightTimeout:
            pass
        log(f"  the kernel of {self.name} is still busy a minute after the interrupt; restarting it")
        mark = self.frames.mark()
        api(self.lab, "POST", f"/api/kernels/{kernel}/restart")
        self.session = session_for(self.lab, self.name)
        # The page asks the new kernel for its info when it reconnects.
        deadline = time.time() + 30
        while not self.frames.seen("kernel_info_reply", mark) and time.time() < deadline:
            self.page.wait_for_timeout(100)
        self.kernel_pid = measure.find_kernel_pid(kernel) or self.kernel_pid
        return True

    def run_cell(self, i, timeout_s):
        self.page.bring_to_front()
        run_cell(self.page, i, timeout_s)

    def clear(self):
        menu(self.page, "Edit", "Clear Outputs of All Cells")

    def close(self):
        try:
            api(self.lab, "DELETE", f"/api/sessions/{self.session['id']}")
        except OSError as e:
            log(f"could not shut down the kernel of {self.name}: {e}")
        self.context.close()


def tenths(xs):
    """xs in ten consecutive parts of (nearly) equal length; fewer when xs is short."""
    k = min(10, len(xs))
    return [xs[len(xs) * i // k:len(xs) * (i + 1) // k] for i in range(k)]


def summarize(r, out, n, frames, cpu, wall):
    appear, sent = r["appear"], r["sent"]
    final = {s for s in measure.token_seqs(out["text"]) if s < n}
    lags = [(a - s) / 1000 for a, s in zip(appear, sent) if a is not None and s is not None]
    seen = [a for a in appear if a is not None]
    run_at = r["runAt"] or None
    res = {
        "tokens": n,
        "tokens_seen": len(seen),
        "tokens_final": len(final),
        "lost": n - len(final),
        "observer_missed": sum(1 for s in final if appear[s] is None),
        "lag_ms": {
            "p50": measure.percentile(lags, 50),
            "p99": measure.percentile(lags, 99),
            "max": max(lags) if lags else None,
            "min": min(lags) if lags else None,
            # p99 within each tenth of the answer, in order: where in the answer the lag grows.
            "p99_by_tenth": [measure.percentile(part, 99) for part in tenths(lags)],
        },
        "run_to_first_visible_ms": (min(seen) - run_at) / 1000 if seen and run_at else None,
        "run_to_first_sent_ms": (sent[0] - run_at) / 1000 if sent and sent[0] and run_at else None,
        "run_to_last_visible_ms": (max(seen) - run_at) / 1000 if seen and run_at else None,
        "mutation_batches": r["batches"],
        "observer_ms": r["busyMs"],
        "iopub": frames,
        "cpu_s": cpu,
        "wall_s": wall,
        "outputs": out["outputs"],
        "trimmed_outputs": out["trimmed"],
        "rate_limit_tripped": "IOPub message rate exceeded" in out["text"],
        "stderr": out["stderr"][-600:],
    }
    return res


# --- the run ------------------------------------------------------------------

def main():
    # make's Ctrl-C and a plain kill both stop the run cleanly (providers, JupyterLab).
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--tiny", action="store_true", help="tiny configuration: checks that everything runs")
    ap.add_argument("--out", default=os.path.join(ROOT, "build", "bench"), help="folder for results")
    ap.add_argument("--runs", type=int, help="runs per configuration")
    ap.add_argument("--rates", help="comma-separated tokens per second")
    ap.add_argument("--tokens", help="comma-separated answer lengths")
    ap.add_argument("--ways", help="subset of a,b,c")
    ap.add_argument("--report", help="write this Markdown report (and its SVG plot) from the results")
    ap.add_argument("--no-gobench", action="store_true", help="skip the Go micro-benchmarks")
    ap.add_argument("--no-cells", action="store_true", help="skip the cell cost (bench/cells.py)")
    ap.add_argument("--cell-runs", type=int, help="runs of the cell-cost cells (default 7; --tiny: 1)")
    args = ap.parse_args()

    cfg = dict(TINY if args.tiny else FULL)
    if args.runs:
        cfg["runs"] = args.runs
    if args.rates:
        cfg["rates"] = [int(x) for x in args.rates.split(",")]
    if args.tokens:
        cfg["tokens"] = [int(x) for x in args.tokens.split(",")]
    if args.ways:
        cfg["ways"] = args.ways.split(",")
    out = os.path.abspath(args.out)
    os.makedirs(out, exist_ok=True)
    started = time.time()

    busy = command_output(["pgrep", "-f", "chromium"])
    if busy:
        log("note: another Chromium is running; timings may suffer from the shared CPU")

    provider_bin = build_provider(out)
    gobench = {"status": "skipped", "results": []}
    if not args.no_gobench:
        gobench = go_benchmarks(out, args.tiny)

    configs = [(r, n) for n in cfg["tokens"] for r in cfg["rates"]]
    providers = {}
    results = {"config": cfg, "started": datetime.datetime.now().isoformat(timespec="seconds"),
               "gobench": gobench, "cells": [], "warmups": [], "floors": [], "helpers": helpers_version(),
               "loadavg": " ".join(open("/proc/loadavg").read().split()[:3])}
    lab = None
    try:
        common = ["-bench", "-think", "0", "-quiet"]
        warm = Provider(provider_bin, *common, "-rate", "-1", "-tokens", str(WARMUP_TOKENS))
        providers["warmup"] = warm
        for rate, n in configs:
            providers[label(rate, n)] = Provider(provider_bin, *common, "-rate", str(rate), "-tokens", str(n))

        nb_dir = os.path.join(out, "notebooks")
        built = {}
        for way in cfg["ways"]:
            nb, index = notebooks.build(way, warm.base_url,
                                        [(label(r, n), providers[label(r, n)].base_url) for r, n in configs])
            path = os.path.join(nb_dir, f"bench-{way}.ipynb")
            notebooks.write(path, nb)
            built[way] = (path, index)

        log("starting JupyterLab")
        lab = Lab(env=kernel_env(), notebooks={
            os.path.basename(path): nbformat.from_dict(json.load(open(path, encoding="utf-8")))
            for path, _ in built.values()})
        with sync_playwright() as pw:
            browser = launch(pw)
            results["machine"] = machine(browser.version)
            opened = {}
            try:
                # One page and kernel per way for the whole run; each runs its
                # warm-up cell once, so that measured cells find warm imports
                # and a warm Go build cache.
                for way in cfg["ways"]:
                    path, index = built[way]
                    name = os.path.basename(path)
                    log(f"way {way}: opening {name}")
                    w = opened[way] = Way(browser, lab, way, name)
                    for i in index.get("setup", []):
                        w.run_cell(i, 180)
                    wr = w.run(index["warmup"], WARMUP_TOKENS, 180)
                    wr.update(way=way)
                    results["warmups"].append(wr)
                    w.clear()
                # Interleaved: each configuration runs the ways one after the
                # other, in an order that rotates from run to run.
                for run in range(cfg["runs"]):
                    log(f"run {run + 1}/{cfg['runs']}")
                    for k, (rate, n) in enumerate(configs):
                        ways = cfg["ways"]
                        shift = (run + k) % len(ways)
                        for way in ways[shift:] + ways[:shift]:
                            w = opened[way]
                            res = w.run(built[way][1][label(rate, n)], n, 2 * n / rate + 180)
                            res.update(way=way, rate=rate, run=run + 1)
                            results["cells"].append(res)
                            log(f"  {way} {rate:>5} tok/s {n:>5} tokens: lag p50 {fmt(res['lag_ms']['p50'])} "
                                f"p99 {fmt(res['lag_ms']['p99'])} ms, lost {res['lost']}, "
                                f"{res['iopub']['output_msgs']} msgs (peak {res['iopub']['peak_msgs_per_s']}/s), "
                                f"first visible {fmt(res['run_to_first_visible_ms'])} ms, "
                                f"kernel CPU {res['cpu_s']['kernel_total']:.2f} s")
                            w.clear()
                    # The kernels' floor: Run to the first line of a cell that only prints.
                    for way in cfg["ways"]:
                        index = built[way][1]
                        if "floor" in index:
                            res = opened[way].run(index["floor"], 1, 120)
                            res.update(way=way, run=run + 1)
                            results["floors"].append(res)
                            log(f"  {way} floor: Run to first line {fmt(res['run_to_first_visible_ms'])} ms")
                            opened[way].clear()
                    now = helpers_version()
                    if now != results["helpers"]:
                        log(f"warning: helpers/ changed during the run ({results['helpers']} -> {now}); "
                            "the cells compile the current source, so runs mix versions")
                        results.setdefault("helpers_changed", []).append({"after_run": run + 1, **now})
                    with open(os.path.join(out, "results.json"), "w", encoding="utf-8") as f:
                        json.dump(results, f, indent=1)
            except BaseException:
                for way, w in opened.items():
                    shot = os.path.join(out, f"failed-{way}.png")
                    try:
                        w.page.screenshot(path=shot)
                        log(f"screenshot of way {way}'s page: {shot}")
                    except Exception:  # noqa: BLE001 - the original error matters more
                        pass
                raise
            finally:
                for w in opened.values():
                    w.close()
            browser.close()
    finally:
        for p in providers.values():
            p.stop()
        if lab is not None:
            lab.stop()

    if not args.no_cells:
        # The cost of a cell, before and after each change that made it faster (bench/cells.py),
        # after the browser part, so that its kernels do not load the machine while that one measures.
        log("cell cost (bench/cells.py)")
        results["cell_cost"] = cells.measure(runs=args.cell_runs or (1 if args.tiny else 7),
                                             warmups=0 if args.tiny else 2, log_dir=out)
        for e in results["cell_cost"]["errors"]:
            log("cell cost: a cell failed: " + e)

    results["elapsed_s"] = round(time.time() - started, 1)
    path = os.path.join(out, "results.json")
    with open(path, "w", encoding="utf-8") as f:
        json.dump(results, f, indent=1)
    log(f"results: {path} ({results['elapsed_s']:.0f} s in all)")
    check(results)
    if args.report:
        import report
        report.write(results, os.path.abspath(args.report))
        log(f"report: {args.report}")


def fmt(v):
    return "-" if v is None else f"{v:.0f}"


def check(results):
    """Fails (exit 1) when the benchmark did not measure: no tokens seen at all.

    Also when a cell of the cell cost failed. Timings and losses are reported, never asserted.
    """
    bad = [c for c in results["cells"] if c["tokens_seen"] == 0 and c["tokens_final"] == 0]
    cc = results.get("cell_cost")
    if cc is not None and (cc["errors"] or not cc["samples"]):
        log("the cell-cost cells failed: " + "; ".join(cc["errors"][:3]))
        sys.exit(1)
    if not results["cells"] or bad:
        for c in bad:
            log(f"way {c['way']} at {c['rate']} tok/s showed no token at all: {c['stderr'][-300:]}")
        sys.exit(1)


if __name__ == "__main__":
    main()
