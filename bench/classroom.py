"""How many students one server holds: a whole class on the real classroom hub, pressing Run
on the lesson's streaming cell at the same moment.

    make bench-classroom                                # as root: 30 students, about 5 minutes
    make bench-classroom BENCH_ARGS='--students 5'      # quicker
    .venv/bin/python bench/classroom.py --students 30 --build-slots 0 --storms 2   # no build slots

What it does (harness/classroom.py drives the hub as tests/test_classroom_hub.py does):

1. starts the offline provider (cmd/offline-provider) at its realistic default pace, and the
   classroom hub (classroom/start.sh from the shared install, default /opt/golessons-test,
   made or checked by classroom/install.sh) with the class relay in front of it;
2. creates N students through the hub's REST API and asks for all their servers at once (the
   hub's pre-spawn hook makes their Unix users): the spawn time of a class from nothing;
3. opens a GoNB kernel per student through the proxy's websocket and runs the lesson's setup
   cells (tags connect, model, messages) in all of them at once;
4. measures the relay's added latency: the first content token of a streamed answer through
   the relay and straight from the provider, alternately, with one probe student's token;
5. the storm: every student's kernel gets the streaming cell (tag stream-loop) at the same
   moment (a barrier); per student, the time to the first token of the answer, the whole
   answer compared with the provider's prepared one (tokens lost), the end;
   With --browser (make bench-classroom passes it), one more student in headless Chromium
   logs in at the hub's login page and presses Run with the class in a storm of its own
   (bench/classroom_browser.py): the first token as the page shows it;
6. samples /proc while it runs (bench/procwatch.py): CPU of the hub, proxy, relay and of each
   student's server, kernel, cell builds and cell programs; memory (PSS of servers and
   kernels at rest, the peak of a cell build, the machine's memory in use).

Writes build/bench/classroom.json and, with --report, the "class on one server" section of
BENCHMARKS.md (between its markers). Needs root: it creates Unix users, and removes them,
their homes and processes afterwards, also on failure or Ctrl-C.
"""
import argparse
import datetime
import difflib
import json
import os
import pwd
import re
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request
from concurrent.futures import ThreadPoolExecutor

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
sys.path.insert(0, ROOT)
sys.path.insert(0, HERE)

from harness import lesson  # noqa: E402
from harness.classroom import Hub, Kernel, Names, remove_stale_users, remove_users  # noqa: E402
from harness.env import Provider  # noqa: E402
import procwatch  # noqa: E402
from classroom_browser import BrowserSample, add_account  # noqa: E402

INSTALL = os.environ.get("CLASSROOM_BENCH_DIR", "/opt/golessons-bench")
KEY = "fake-or-v1-BENCH-" + "0" * 40  # the offline provider accepts any key
SETUP_TAGS = ("connect", "model", "messages")
PROBE_PAIRS = 3  # relay-latency probes at rest (each: one direct, one through the relay)


def log(msg):
    print(f"[bench-classroom {time.strftime('%H:%M:%S')}] {msg}", flush=True)


def machine():
    """Cores, memory and CPU model of this machine."""
    cpu = "?"
    with open("/proc/cpuinfo") as f:
        for line in f:
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    return {"cores": os.cpu_count(), "mem_gib": procwatch.meminfo()["MemTotal"] / (1 << 30), "cpu": cpu}


def loadavg():
    return " ".join(open("/proc/loadavg").read().split()[:3])


def pct(values, p):
    """Nearest-rank percentile (p in 0..100) of values; None when empty."""
    v = sorted(values)
    if not v:
        return None
    return v[max(0, min(len(v) - 1, -(-p * len(v) // 100) - 1))]


# --- The relay's added latency: first content token through the relay vs. straight. ---

def first_content(url, key, messages, model, timeout=60):
    """Seconds from sending a streamed chat request to url to its first content token."""
    body = json.dumps({"model": model, "stream": True, "messages": messages}).encode()
    req = urllib.request.Request(url + "/chat/completions", body,
                                 {"Authorization": "Bearer " + key, "Content-Type": "application/json"})
    t0 = time.perf_counter()
    with urllib.request.urlopen(req, timeout=timeout) as r:
        for line in r:
            if line.startswith(b"data: {"):
                chunk = json.loads(line[6:])
                if any(c.get("delta", {}).get("content") for c in chunk.get("choices", [])):
                    return time.perf_counter() - t0  # and hang up: the rest is the model's pace
    return None


def relay_latency(hub, provider, token, pairs):
    """[(direct s, relay s), ...]: first content token straight from the provider and through
    the relay (not through the proxy: the kernel's requests take that path too)."""
    messages, model = lesson.lesson_messages(), lesson.model()
    out = []
    for _ in range(pairs):
        d = first_content(provider.base_url, KEY, messages, model)
        r = first_content(hub.relay_url + "/v1", token, messages, model)
        out.append((d, r))
    return out


# --- The class: students, servers, kernels. ---

def spawn_class(hub, names):
    """Create the students through the hub's API, ask for every server at once, wait for all.
    Returns {name: seconds from the first request to ready} and the whole class's seconds."""
    status, r = hub.api("POST", "/users", {"usernames": names})
    assert status == 201, (status, r)
    t0 = time.time()
    ready = {}
    with ThreadPoolExecutor(len(names)) as pool:
        list(pool.map(hub.request_server, names))
        log(f"asked for {len(names)} servers in {time.time() - t0:.1f} s; waiting for them")
        last = 0
        while len(ready) < len(names):
            status, users = hub.api("GET", "/users?limit=1000")
            assert status == 200, (status, users)
            for u in users:
                if u["name"] in names and u["name"] not in ready and u.get("servers", {}).get("", {}).get("ready"):
                    ready[u["name"]] = time.time() - t0
            if len(ready) != last or time.time() - t0 > 300:
                last = len(ready)
                log(f"  {len(ready)}/{len(names)} servers ready after {time.time() - t0:.0f} s")
            assert time.time() - t0 < 600, "the servers were not all ready in 10 minutes:\n" + hub.output()[-3000:]
            time.sleep(0.5)
    return ready, max(ready.values())


def gocache_files(home):
    n = 0
    for _, _, files in os.walk(os.path.join(home, ".cache", "go-build")):
        n += len(files)
    return n


def home_mb(home):
    """MB of files in a student's home (their build cache copy, mostly)."""
    total = 0
    for d, _, files in os.walk(home):
        for f in files:
            try:
                total += os.lstat(os.path.join(d, f)).st_size
            except OSError:
                pass
    return total / (1 << 20)


def open_kernels(hub, names, tokens, respawned):
    """A GoNB kernel per student through the proxy, opened at once; {name: Kernel}, seconds.

    A server the hub reported ready whose route led to another student's server answers 404
    (seen once with 30 servers started at once; likely two servers drew the same random port):
    it is restarted once, and its name added to respawned."""
    def one(n):
        try:
            return Kernel(hub, n, tokens[n])
        except AssertionError as e:
            if "404" not in str(e)[:10]:
                raise
            log(f"  {n}: its server answered 404 (its route led to another server); restarting it")
            respawned.append(n)
            hub.stop_server(n)
            hub.start_server(n)
            return Kernel(hub, n, tokens[n])

    t0 = time.time()
    with ThreadPoolExecutor(len(names)) as pool:
        kernels = dict(zip(names, pool.map(one, names)))
    return kernels, time.time() - t0


def run_setup(kernels, homes):
    """The lesson's setup cells in every kernel at once; {name: {cell tag: seconds}},
    and how many build-cache files each student's first cell added (few: it compiled only
    the cell, not go-openai)."""
    cells = [(t, lesson.source(t)) for t in SETUP_TAGS]

    def one(name):
        k, times = kernels[name], {}
        before = gocache_files(homes[name])
        for tag, code in cells:
            out, err, secs = k.execute(code)
            assert err is None, f"{name}: the {tag} cell failed:\n{out[-2000:]}"
            times[tag] = secs
            if tag == "connect":
                times["cache_files_added"] = gocache_files(homes[name]) - before
        return name, times

    with ThreadPoolExecutor(len(kernels)) as pool:
        return dict(pool.map(one, list(kernels)))


def storm(kernels, code, expected):
    """Every kernel gets the streaming cell at the same moment; per student: first token s,
    end s, tokens lost, error."""
    names = list(kernels)
    barrier = threading.Barrier(len(names))
    results = {}

    def one(name):
        first = []

        def seen(text, secs):
            if not first and text.strip() and not text.lstrip().startswith(("⏳", "✅")):
                first.append(secs)

        barrier.wait()
        try:
            out, err, secs = kernels[name].execute(code, on_output=seen)
        except AssertionError as e:
            out, err, secs = "", str(e), None
        results[name] = {"first_token_s": first[0] if first else None, "end_s": secs,
                         "tokens_lost": tokens_lost(expected, out), "error": err and err[-500:]}

    threads = [threading.Thread(target=one, args=(n,)) for n in names]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return results


WORD = re.compile(r"\w+|[^\w\s]|\s+")


def tokens_lost(expected, got):
    """Word pieces of expected missing from got, in order (0 when the whole answer arrived)."""
    if expected.strip() in got:
        return 0
    a, b = WORD.findall(expected), WORD.findall(got)
    kept = sum(m.size for m in difflib.SequenceMatcher(None, a, b, autojunk=False).get_matching_blocks())
    return len(a) - kept


# --- One run of the bench. ---

def snapshot(dest):
    """The last commit of this project in dest (the install and the hub run from it, not from
    the working tree, which other people edit during a run); with the working tree's
    classroom/node_modules (the proxy, from classroom/package-lock.json). Returns its commit."""
    if os.path.isdir(dest):
        shutil.rmtree(dest)
    os.makedirs(dest)
    archive = subprocess.run(["git", "-C", ROOT, "archive", "HEAD"], capture_output=True, check=True).stdout
    subprocess.run(["tar", "-x", "-C", dest], input=archive, check=True)
    shutil.copytree(os.path.join(ROOT, "classroom", "node_modules"), os.path.join(dest, "classroom", "node_modules"),
                    symlinks=True)
    return subprocess.run(["git", "-C", ROOT, "log", "-1", "--format=%h"], capture_output=True, text=True).stdout.strip()


def who_is_who(hub, names):
    """procwatch.Class for this hub: its pids and the students' uids."""

    def pid_file(name):
        with open(os.path.join(hub.state, "hub", name)) as f:
            return int(f.read().strip())

    cfg = os.path.join(hub.state, "relay", "relay.json")
    relay = [int(p) for p in os.listdir("/proc") if p.isdigit() and "class-relay" in procwatch.cmdline(p)
             and cfg in procwatch.cmdline(p)]
    return procwatch.Class(pid_file("jupyterhub.pid"), pid_file("jupyterhub-proxy.pid"), relay[0] if relay else None,
                           {pwd.getpwnam(n).pw_uid: n for n in names})


def at_rest_memory(who, names):
    """Per student at rest (server and kernel started, setup cells run): PSS and RSS in MB
    of their server and their kernel; and the hub's side (hub, proxy, relay)."""
    mem = procwatch.steady_memory(who)
    mb = 1 / (1 << 20)
    out = {}
    for group in ("server", "kernel", "other"):
        pss = [sum(p for _, p in mem.get((n, group), [])) * mb for n in names]
        rss = [sum(r for r, _ in mem.get((n, group), [])) * mb for n in names]
        out[group] = {"pss_mb_median": statistics.median(pss), "rss_mb_median": statistics.median(rss),
                      "pss_mb_max": max(pss)}
    out["hub_side_pss_mb"] = {g: sum(p for _, p in mem.get(("", g), [])) * mb for g in ("hub", "proxy", "relay")}
    return out


def storm_figures(results, sampler, names):
    """The storm's figures from per-student results and the sampler."""
    firsts = [r["first_token_s"] for r in results.values() if r["first_token_s"] is not None]
    ends = [r["end_s"] for r in results.values() if r["end_s"] is not None]
    cpu = sampler.cpu()
    groups = {}
    for (owner, group), secs in cpu.items():
        key = group if not owner else "student " + group
        groups[key] = groups.get(key, 0.0) + secs
    mb = 1 / (1 << 20)
    return {
        "first_token_s": {"p50": statistics.median(firsts) if firsts else None, "p95": pct(firsts, 95),
                          "max": max(firsts) if firsts else None, "min": min(firsts) if firsts else None},
        "end_s": {"p50": statistics.median(ends) if ends else None, "max": max(ends) if ends else None},
        "tokens_lost": sum(r["tokens_lost"] for r in results.values()),
        "students_with_whole_answer": sum(1 for r in results.values() if r["tokens_lost"] == 0 and not r["error"]),
        "errors": [f"{n}: {r['error']}" for n, r in results.items() if r["error"]],
        "window_s": sampler.seconds,
        "cpu_s": {k: round(v, 2) for k, v in sorted(groups.items())},
        "kernel_children_cpu_s": round(sampler.kernel_children_cpu(), 2),
        "machine_busy_cpu_s": round(sampler.machine_busy, 2),
        "sampler_cpu_s": round(sampler.cost, 2),
        "peak_build_mb": {"median": statistics.median(sampler.peak_build.values()) * mb if sampler.peak_build else None,
                          "max": max(sampler.peak_build.values()) * mb if sampler.peak_build else None},
        "peak_class_rss_mb": sampler.peak_class_rss * mb,
        "peak_machine_used_mb": sampler.peak_used * mb,
        "per_student": results,
    }


class NoSlots:
    """While open, the class's cell builds run without build slots: the slot folder of the
    install is moved aside (tools/gonb-go/go then builds at once), and put back after."""

    def __init__(self, on):
        self.on = on
        self.path = os.path.join(INSTALL, "build-slots")

    def __enter__(self):
        if self.on:
            os.rename(self.path, self.path + ".off")

    def __exit__(self, *exc):
        if self.on:
            os.rename(self.path + ".off", self.path)


def run_storms(hub, kernels, who, names, probe_token, modes, provider, expected, sample=None):
    """The storms (each: every student presses Run at once), one per mode ("slots": with the
    hub's build slots, "no slots": without), with a relay probe during each; expected is
    the provider's prepared answer. sample, a BrowserSample, presses Run in the "browser" storm
    (without build slots; reported on its own, so that Chromium's CPU on the server's cores
    stays out of the other storms)."""
    code = lesson.source("stream-loop")
    out = []
    for i, mode in enumerate(modes):
        # A cell differing from the last run's, so it is compiled anew, as a new cell is (the
        # same source again would find its compiled package in the student's build cache).
        for k in kernels.values():
            k.connect()  # their websockets were idle (the server closes one idle 90 s)
        log(f"storm {i + 1}/{len(modes)} ({mode}): {len(kernels)} students press Run on the streaming cell "
            f"(load {loadavg()})")
        probes, done = [], threading.Event()

        def probe():
            if not done.wait(1.0):  # while the cells build
                try:
                    probes.extend(relay_latency(hub, provider, probe_token, 1))
                except OSError as e:
                    log(f"  relay probe failed: {e}")

        t = threading.Thread(target=probe, daemon=True)
        with NoSlots(mode != "slots"), procwatch.Sampler(who) as sampler:
            t.start()
            if mode == "browser":
                sample.go.set()  # the browser's Shift+Enter, with the class's
            # "pre-built": the lesson's cell as it is, as a class presses Run on it: its program
            # comes from the install's cell cache. Otherwise a cell differing from the last
            # run's, so it is compiled and linked anew, as a changed cell is.
            results = storm(kernels, code if mode == "pre-built" else code + f"\n// storm {i + 1}", expected)
            done.set()
        t.join(60)
        fig = storm_figures(results, sampler, names)
        fig["mode"] = mode
        fig["relay_probes_during"] = probes
        if mode == "browser":
            sample.done.wait(120)
            fig["browser"] = dict(sample.result)
            log(f"  the browser sample: {fig['browser']}")
        fig["load_after"] = loadavg()
        out.append(fig)
        f = {k: "-" if v is None else f"{v:.2f} s" for k, v in fig["first_token_s"].items()}
        log(f"  first token p50 {f['p50']}, p95 {f['p95']}, max {f['max']}; tokens lost {fig['tokens_lost']}; "
            f"{fig['students_with_whole_answer']}/{len(names)} whole answers; errors: {fig['errors'][:3]}")
        time.sleep(2)
    return out


def install(res, tmp):
    """The snapshot of the last commit in tmp/src, and the shared install made or checked from it."""
    src = os.path.join(tmp, "src")  # outside this repository's work tree: install.sh lists a git work tree's files
    res["commit"] = snapshot(src)
    t0 = time.time()
    log(f"checking the install in {INSTALL} (from commit {res['commit']}; the first time takes minutes)")
    p = subprocess.run(["bash", os.path.join(src, "classroom", "install.sh"), INSTALL], cwd=src,
                       capture_output=True, text=True)
    assert p.returncode == 0, p.stdout[-3000:] + p.stderr[-3000:]
    log(f"install {INSTALL} checked in {time.time() - t0:.0f} s")
    return src


def start_hub(res, args, tmp, src, names, provider):
    """The classroom hub, its relay in front of provider (no class-wide limit: the bench measures
    the server, not OpenRouter's free tier), the build slots as args say."""
    relay_config = {"upstream": {"base_url": provider.base_url, "requests_per_minute": 0, "max_concurrent": 0}}
    env = {"CLASSROOM_BUILD_SLOTS": str(args.build_slots)}
    if args.build_wait is not None:
        env["CLASSROOM_BUILD_WAIT"] = str(args.build_wait)
    t0 = time.time()
    hub = Hub(tmp, os.path.join(args.out, "classroom-hub.log"), INSTALL, names, relay_config, key=KEY,
              extra_env=env, root=src)
    res["hub_up_s"] = time.time() - t0
    return hub


def class_up(res, hub, students, probes):
    """The class from nothing: students, servers, tokens, kernels, setup cells. Returns
    (kernels, tokens, homes)."""

    log(f"hub up in {res['hub_up_s']:.1f} s; creating {len(students)} students and spawning their servers")
    ready, res["class_spawn_s"] = spawn_class(hub, students)
    res["server_ready_s"] = {"p50": statistics.median(ready.values()), "max": max(ready.values()),
                             "min": min(ready.values())}
    log(f"all {len(students)} servers ready {res['class_spawn_s']:.1f} s after the first request")
    status, r = hub.api("POST", "/users", {"usernames": probes})
    assert status == 201, (status, r)
    tokens = {n: hub.token_for(n) for n in students + probes}
    res["respawned"] = []
    kernels, res["kernels_open_s"] = open_kernels(hub, students, tokens, res["respawned"])
    log(f"{len(kernels)} kernels open in {res['kernels_open_s']:.1f} s; running the setup cells in all at once")
    homes = {n: pwd.getpwnam(n).pw_dir for n in students}
    t0 = time.time()
    setup = run_setup(kernels, homes)
    res["setup_s"] = time.time() - t0
    res["setup_cells"] = {tag: {"p50": statistics.median(s[tag] for s in setup.values()),
                                "max": max(s[tag] for s in setup.values())} for tag in SETUP_TAGS}
    res["first_cell_cache_files_added"] = statistics.median(s["cache_files_added"] for s in setup.values())
    log(f"setup cells done in {res['setup_s']:.1f} s (first cell p50 {res['setup_cells']['connect']['p50']:.2f} s)")
    return kernels, tokens, homes


def measure(res, args, hub, provider, students, probes):
    """Everything after the hub is up: the class, memory at rest, one student alone, the relay
    at rest, the storms."""
    kernels, tokens, homes = class_up(res, hub, students, probes)
    time.sleep(3)
    who = who_is_who(hub, students)
    res["memory_at_rest"] = at_rest_memory(who, students)
    res["machine_used_mb"]["class_at_rest"] = procwatch.mem_used() / (1 << 20)
    expected = provider.complete(lesson.lesson_messages(), key=KEY, model=lesson.model())
    sample = None
    if args.browser:
        log("the browser sample logs in and runs the setup cells")
        sample = BrowserSample(hub, args.browser, add_account(hub, args.browser, hub.tmp), expected)
        sample.ready.wait(300)
        res["browser_login_to_lesson_s"] = sample.result.get("login_to_lesson_s")
        if "error" in sample.result:
            log(f"  the browser sample failed: {sample.result['error']}")
            sample = None
    one = students[0]
    res["alone"] = storm({one: kernels[one]}, lesson.source("stream-loop") + "\n// alone", expected)[one]
    log(f"one student alone: first token {res['alone']['first_token_s']:.2f} s")
    res["home_mb"] = home_mb(homes[one])
    log("relay latency at rest (first content token straight vs. through the relay)")
    res["relay_probes_rest"] = relay_latency(hub, provider, tokens[probes[0]], PROBE_PAIRS)
    slots = args.build_slots
    res["build_slots"] = slots
    modes = [("no slots", "slots")[i % 2] for i in range(args.storms)] if slots else ["no slots"] * args.storms
    modes = ["pre-built"] * args.prebuilt_storms + modes
    if sample is not None:
        modes.append("browser")
    res["storms"] = run_storms(hub, kernels, who, students, tokens[probes[1]], modes, provider, expected, sample)
    for k in kernels.values():
        k.close()


def run(args):
    """The whole bench; returns its results (classroom-N.json). Whatever it made is removed
    at the end, also when it fails or is stopped (Ctrl-C, SIGTERM)."""
    res = {"students": args.students, "build_wait": 10 if args.build_wait is None else args.build_wait,  # the hub's default
           "started": datetime.datetime.now(datetime.timezone.utc).isoformat(timespec="seconds"),
           "loadavg_start": loadavg(), "install": INSTALL, "machine": machine()}
    remove_stale_users(INSTALL, "b")
    os.makedirs(args.out, exist_ok=True)
    tmp = tempfile.mkdtemp(prefix="bench-classroom-")
    names = Names("b")
    students = [names.student(f"s{i:02d}") for i in range(args.students)]
    probes = [names.student("probe1"), names.student("probe2")]
    web = names.student("web")
    args.browser = web if args.browser else None
    hub = provider = None
    try:
        src = install(res, tmp)
        subprocess.run(["go", "build", "-o", os.path.join(tmp, "offline-provider"), "./cmd/offline-provider"],
                       cwd=src, check=True)
        provider = Provider(os.path.join(tmp, "offline-provider"), "-quiet")  # the default, realistic pace
        res["provider"] = "offline-provider, default pace (40 tokens/s after 600 ms; reasoning first)"
        res["machine_used_mb"] = {"before_hub": procwatch.mem_used() / (1 << 20)}
        hub = start_hub(res, args, tmp, src, names, provider)
        time.sleep(3)
        res["machine_used_mb"]["hub_up"] = procwatch.mem_used() / (1 << 20)
        measure(res, args, hub, provider, students, probes)
    finally:
        log("cleaning up: the hub, the students' users, homes and processes")
        if hub is not None:
            hub.stop()
        if provider is not None:
            provider.stop()
        remove_users(students + probes + [web, names.teacher, names.relay_user], names.group)
        remove_users([], names.relay_user)
        shutil.rmtree(tmp, ignore_errors=True)
    res["loadavg_end"] = loadavg()
    return res


def stop_on_sigterm(*_):
    raise KeyboardInterrupt("SIGTERM")  # the cleanup in run() happens as for Ctrl-C


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--students", type=int, default=30, help="students in the class (default 30)")
    ap.add_argument("--storms", type=int, default=4, help="how many times they all press Run (default 4: with "
                    "and without build slots in turn)")
    ap.add_argument("--prebuilt-storms", type=int, default=2,
                    help="storms first with the lesson's cell as it is, pre-built by the install (default 2)")
    ap.add_argument("--build-slots", type=int, default=2 * (os.cpu_count() or 1),
                    help="cell builds at once across the class in the storms with build slots (CLASSROOM_BUILD_SLOTS; "
                    "default: two per core; 0: only storms without)")
    ap.add_argument("--build-wait", type=float, help="seconds a build waits for a slot (default: the hub's)")
    ap.add_argument("--browser", action="store_true", help="one more student in headless Chromium ($CHROMIUM) "
                    "logs in and presses Run with the class in a storm of its own, after the others")
    ap.add_argument("--out", default=os.path.join(ROOT, "build", "bench"), help="folder for classroom.json")
    ap.add_argument("--report", help="update the class section of this Markdown report")
    args = ap.parse_args()
    args.out = os.path.abspath(args.out)
    if os.geteuid() != 0:
        sys.exit("bench/classroom.py needs root: it creates a Unix user for every student (run it as root)")
    signal.signal(signal.SIGTERM, stop_on_sigterm)
    res = run(args)
    path = os.path.join(args.out, f"classroom-{args.students}.json")
    with open(path, "w", encoding="utf-8") as f:
        json.dump(res, f, indent=1)
    log(f"results: {path}")
    import classroom_report
    print("\n".join(classroom_report.section([res])))
    if args.report:
        classroom_report.splice([res], os.path.abspath(args.report))
        log(f"report: {args.report}")


if __name__ == "__main__":
    main()
