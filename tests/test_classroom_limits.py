"""Per-student limits in the real classroom hub (classroom/limits.py, cmd/cell-run):
JupyterHub from classroom/start.sh with the default limits (1 GB of memory, at most 1
core, 512 processes and threads a student), two students who are real Unix users, the
class relay in front of a fake AI provider on 127.0.0.1.

- Each student's server, GoNB kernel and cell program are in the student's own
  cgroups (under the hub's own), with the configured limits; the cell's program runs
  through bin/cell-run and is the first the out-of-memory killer stops.
- A "hog" student's cell that allocates and touches memory in a loop is stopped at
  the limit, the cell shows the plain-words message, and the same kernel runs the next
  cell; meanwhile the other student's lesson cell (streaming through the relay) still
  streams. Their first token is measured alone and during each hog, and printed.
- A cell busy on every core is held to its one core (the cgroup's CPU time), while the
  other student streams.
- A fork bomb and a thread bomb are stopped at the limit of processes with the message;
  the kernel comes back, and what the bomb left is gone.
- When the hog's server stops, its cgroups are removed.
- bin/cell-run's start-up cost, against running the program directly (printed).

Needs root (it creates Unix users, removed afterwards). The shared install is
$CLASSROOM_TEST_DIR (default /opt/golessons-test), as in tests/test_classroom_hub.py.
"""
import json
import os
import pwd
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time

import pytest

from conftest import ROOT
from harness import lesson
from harness.upstream import FakeUpstream
from harness.classroom import install, Hub, Kernel, Names, pids_of, proc_read, remove_stale_users, remove_users

sys.path.insert(0, os.path.join(ROOT, "classroom"))
import limits as L  # noqa: E402

if os.geteuid() != 0:
    pytest.skip("the classroom limits test needs root: it creates real Unix users (CI runs as root)",
                allow_module_level=True)

INSTALL = os.environ.get("CLASSROOM_TEST_DIR", "/opt/golessons-test")
NAMES = Names("l")
HOG, OTHER = NAMES.student("hog"), NAMES.student("other")
MEMORY, CPU, TASKS = 1 << 30, 1.0, 512  # classroom/limits.py's defaults, which this test checks
ANSWER = "FAKE-UPSTREAM says: feed a Bankhar twice a day, good meat and rice."
FIRST_WORD = ANSWER.split()[0]
TAGS = {"connect": "connect", "model": "model", "messages": "messages", "stream": "stream-loop"}
FIGURES = {}

MEMORY_HOG = """%%
// Allocates 8 MB at a time, touches it, and keeps it: forever, if nothing stops it.
var keep [][]byte
for i := 1; ; i++ {
	b := make([]byte, 8<<20)
	for j := 0; j < len(b); j += 4096 {
		b[j] = 1
	}
	keep = append(keep, b)
	if i%32 == 0 {
		fmt.Printf("allocated %d MB\\n", i*8)
	}
	time.Sleep(20 * time.Millisecond)
}
"""

CPU_HOG = """%%
// Busy on every core of the server, for 15 seconds.
runtime.GOMAXPROCS(runtime.NumCPU())
n := 2 * runtime.NumCPU()
end := time.Now().Add(15 * time.Second)
var wg sync.WaitGroup
for i := 0; i < n; i++ {
	wg.Add(1)
	go func() {
		defer wg.Done()
		x := 0
		for time.Now().Before(end) {
			for k := 0; k < 100000; k++ {
				x += k
			}
		}
		_ = x
	}()
}
fmt.Println("busy on", n, "goroutines")
wg.Wait()
fmt.Println("busy: done")
"""

FORK_BOMB = """%%
// Starts programs that wait, one after another, forever.
failed := 0
for n := 0; ; n++ {
	if err := exec.Command("sleep", "600").Start(); err != nil {
		if failed == 0 {
			fmt.Println("after", n, "programs:", err)
		}
		failed++
	}
}
"""

THREAD_BOMB = """%%
// Goroutines that each hold a thread of their own, forever.
for i := 0; ; i++ {
	go func() {
		runtime.LockOSThread()
		time.Sleep(time.Hour)
	}()
	if i%50 == 0 {
		time.Sleep(time.Millisecond)
	}
}
"""

WHERE_AM_I = """%%
cg, _ := os.ReadFile("/proc/self/cgroup")
adj, _ := os.ReadFile("/proc/self/oom_score_adj")
parent, _ := os.Readlink(fmt.Sprintf("/proc/%d/exe", os.Getppid()))
fmt.Printf("PID=%d\\nPARENT=%s\\nMEMORY_CGROUP=%s\\nOOM_SCORE_ADJ=%sCGROUP=\\n%s", os.Getpid(), parent, os.Getenv("GOLESSONS_CGROUP_MEMORY"), adj, cg)
"""


# --- A process's cgroups, and their files. ---

def cgroups_of(pid):
    """{controller: directory} of pid's cgroups ("" for the unified v2 hierarchy)."""
    mounts = L.cgroup_mounts(L.read("/proc/self/mountinfo"))
    out = {}
    for ctrl, path in L.self_cgroups(proc_read(pid, "cgroup").decode()).items():
        for point, fstype, root, ctrls in mounts:
            if (ctrl == "" and fstype == "cgroup2") or (fstype == "cgroup" and ctrl in ctrls):
                out[ctrl] = L.under(point, root, path)
                break
    return out


def v1(cgs):
    return "memory" in cgs


def cg_dir(cgs, ctrl):
    return cgs[ctrl] if v1(cgs) else cgs[""]


def cg_value(cgs, ctrl, v1_file, v2_file, key=None):
    text = L.read(os.path.join(cg_dir(cgs, ctrl), v1_file if v1(cgs) else v2_file))
    if key is None:
        return text.strip()
    m = re.search(rf"^{key} (\d+)$", text, re.M)
    return int(m.group(1)) if m else 0


def configured(cgs):
    """(memory bytes, CPU cores, tasks) the cgroups cgs are limited to."""
    if v1(cgs):
        quota = int(cg_value(cgs, "cpu", "cpu.cfs_quota_us", ""))
        period = int(cg_value(cgs, "cpu", "cpu.cfs_period_us", ""))
        return int(cg_value(cgs, "memory", "memory.limit_in_bytes", "")), quota / period, int(cg_value(cgs, "pids", "pids.max", ""))
    quota, period = cg_value(cgs, "cpu", "", "cpu.max").split()
    return int(cg_value(cgs, "memory", "", "memory.max")), int(quota) / int(period), int(cg_value(cgs, "pids", "", "pids.max"))


def oom_kills(cgs):
    return cg_value(cgs, "memory", "memory.oom_control", "memory.events", "oom_kill")


def cpu_seconds(cgs):
    if v1(cgs):
        return int(L.read(os.path.join(cgs["cpuacct"], "cpuacct.usage")) or 0) / 1e9
    return cg_value(cgs, "cpu", "", "cpu.stat", "usage_usec") / 1e6


def throttled(cgs):
    return cg_value(cgs, "cpu", "cpu.stat", "cpu.stat", "nr_throttled")


def idle_seconds():
    """The machine's idle CPU time so far (all cores), from /proc/stat."""
    fields = open("/proc/stat").readline().split()
    return (int(fields[4]) + int(fields[5])) / os.sysconf("SC_CLK_TCK")


def tasks_now(cgs):
    return int(cg_value(cgs, "pids", "pids.current", "pids.current"))


def process_of(name, needle):
    """The pid of name's process whose command line holds needle (the oldest)."""
    uid = pwd.getpwnam(name).pw_uid
    found = sorted(p for p in pids_of(uid) if needle in proc_read(p, "cmdline"))
    assert found, f"no process of {name} runs {needle!r}"
    return found[0]


# --- The fixture: install, hub, two students with a kernel each. ---

@pytest.fixture(scope="module")
def hub(artifacts):
    remove_stale_users(INSTALL, "l")
    install(INSTALL)
    tmp = tempfile.mkdtemp(prefix="classroom-limits-")
    upstream = FakeUpstream(ANSWER, pieces=len(ANSWER.split()) // 2, gap=0.1, first_at_once=True)
    h = None
    kernels = []
    try:
        relay_config = {"upstream": {"base_url": upstream.url, "requests_per_minute": 0, "max_concurrent": 0},
                        "student": {"requests_per_minute": 0, "requests_per_day": 0, "concurrent_streams": 2}}
        # The limits' defaults, not the caller's environment.
        env = {k: "" for k in ("CLASSROOM_LIMITS",)}
        h = Hub(tmp, os.path.join(artifacts, "classroom-limits-hub.log"), INSTALL, NAMES, relay_config,
                key="fake-key-for-limits", extra_env=env)
        for k in ("CLASSROOM_MEMORY_LIMIT", "CLASSROOM_CPU_LIMIT", "CLASSROOM_TASKS_LIMIT"):
            assert k not in h.env or not h.env[k], f"{k} is set in this test's environment: unset it"
        h.kernels = {}
        for name in (HOG, OTHER):
            status, r = h.api("POST", f"/users/{name}")
            assert status in (201, 409), (status, r)
            h.start_server(name)
            k = Kernel(h, name, h.token_for(name))
            kernels.append(k)
            h.kernels[name] = k
        code = {k: lesson.source(tag) for k, tag in TAGS.items()}
        for cell in ("connect", "model", "messages"):
            out, err, _ = h.kernels[OTHER].execute(code[cell])
            assert err is None, out
        h.stream_code = code["stream"]
        yield h
    finally:
        for k in kernels:
            try:
                k.close()
            except Exception:
                pass
        if h is not None:
            h.stop()
        upstream.stop()
        remove_users([HOG, OTHER, NAMES.teacher, NAMES.relay_user], NAMES.group)
        remove_users([], NAMES.relay_user)
        shutil.rmtree(tmp, ignore_errors=True)
        if FIGURES:
            with open(os.path.join(artifacts, "classroom-limits-figures.json"), "w") as f:
                json.dump(FIGURES, f, indent=1)
            print("\nlimits figures:", json.dumps(FIGURES, indent=1))


def first_token(h, timeout=120):
    """(seconds to the first piece of the answer, whole output) of OTHER's lesson streaming cell."""
    seen = []
    out, err, secs = h.kernels[OTHER].execute(
        h.stream_code, timeout=timeout, on_output=lambda text, t: FIRST_WORD in text and seen.append(t))
    assert err is None and ANSWER in out, out[-2000:]
    assert seen, out[-2000:]
    return seen[0], out


def run_in_thread(fn, *args, **kwargs):
    result = {}

    def go():
        try:
            result["value"] = fn(*args, **kwargs)
        except BaseException as e:  # noqa: B036 (reported by the caller)
            result["error"] = e

    t = threading.Thread(target=go)
    t.start()
    return t, result


def joined(t, result, timeout=240):
    t.join(timeout)
    assert not t.is_alive(), "a cell did not finish"
    if "error" in result:
        raise result["error"]
    return result["value"]


# --- The tests, in order. ---

def test_hub_says_which_limits_it_applies(hub):
    out = hub.output()
    assert "[golessons] Per-student limits: memory 1 GB, CPU 1 core at most" in out, out[-3000:]
    assert "processes and threads 512" in out
    assert "NOT limited" not in out, out[-3000:]


def test_server_kernel_and_cell_are_in_the_students_own_cgroups(hub):
    """Each student's server, kernel and cell program: in cgroups named after the student,
    under the hub's own, limited to 1 GB, 1 core, 512 tasks; the cell runs through cell-run
    with oom_score_adj 1000 (the first the out-of-memory killer stops)."""
    mine = cgroups_of(os.getpid())  # the hub's cgroups are this test's (it started the hub)
    for name in (HOG, OTHER):
        server = process_of(name, b"jupyterhub-singleuser")
        kernel = process_of(name, b"/bin/gonb\x00")
        out, err, _ = hub.kernels[name].execute(WHERE_AM_I)
        assert err is None, out
        cell = dict(re.findall(r"^(PID|PARENT|MEMORY_CGROUP|OOM_SCORE_ADJ)=(.*)$", out, re.M))
        assert cell["PARENT"] == os.path.join(INSTALL, "bin", "cell-run"), out
        assert cell["OOM_SCORE_ADJ"].strip() == "1000", out
        cell_cgroup = out.split("CGROUP=\n", 1)[1]
        server_cgs, kernel_cgs = cgroups_of(server), cgroups_of(kernel)
        assert server_cgs == kernel_cgs, (server_cgs, kernel_cgs)
        assert L.self_cgroups(cell_cgroup) == L.self_cgroups(proc_read(server, "cgroup").decode()), cell_cgroup
        for ctrl in ("memory", "cpu", "pids") if v1(server_cgs) else ("",):
            d = server_cgs[ctrl]
            assert d == os.path.join(mine[ctrl], L.PARENT, name), (ctrl, d, mine[ctrl])
            assert int(L.read(os.path.join(d, "cgroup.procs")).split()[0]) > 0
        assert configured(server_cgs) == (MEMORY, CPU, TASKS), configured(server_cgs)
        assert cell["MEMORY_CGROUP"] == cg_dir(server_cgs, "memory"), out  # told to cell-run by the hub
        FIGURES.setdefault("cgroups", {})[name] = {k or "unified": v for k, v in server_cgs.items()
                                                   if k in ("memory", "cpu", "pids", "")}


def test_other_student_streams_alone(hub):
    """The other student's first token with nothing else running (the baseline)."""
    times = [first_token(hub)[0] for _ in range(3)]
    FIGURES["first_token_alone_s"] = [round(t, 3) for t in times]
    # What the lesson took from the other student's limits (its cells are pre-built).
    cgs = cgroups_of(process_of(OTHER, b"jupyterhub-singleuser"))
    FIGURES["lesson_peak"] = {
        "memory_MB": round(int(cg_value(cgs, "memory", "memory.max_usage_in_bytes", "memory.peak") or 0) / 2**20),
        "tasks": int(cg_value(cgs, "pids", "pids.peak", "pids.peak") or 0)}
    print(f"\nfirst token, alone: {', '.join(f'{t:.3f}' for t in times)} s")


def test_memory_hog_is_stopped_with_a_message_and_the_kernel_comes_back(hub):
    """The hog's cell allocates until its student's 1 GB is used: the out-of-memory killer
    stops that program (not the kernel, not the server), the cell says why in plain words,
    and the same kernel runs the next cell; the other student's answer streams meanwhile."""
    cgs = cgroups_of(process_of(HOG, b"jupyterhub-singleuser"))
    kernel = process_of(HOG, b"/bin/gonb\x00")
    server = process_of(HOG, b"jupyterhub-singleuser")
    before = oom_kills(cgs)
    big = threading.Event()
    t, result = run_in_thread(hub.kernels[HOG].execute, MEMORY_HOG, timeout=240,
                              on_output=lambda text, _: "allocated 256 MB" in text and big.set())
    assert big.wait(180), "the hog did not start allocating"
    secs, _ = first_token(hub)
    out, err, hog_secs = joined(t, result)
    FIGURES["first_token_during_memory_hog_s"] = round(secs, 3)
    print(f"\nfirst token, during the memory hog: {secs:.3f} s; the hog's cell ended after {hog_secs:.1f} s")
    assert "Your program used more memory than each student may use (1 GB), so it was stopped." in out, out[-2000:]
    assert "Your notebook is fine" in out
    assert oom_kills(cgs) > before
    assert int(re.findall(r"allocated (\d+) MB", out)[-1]) <= 1024, out[-2000:]
    # The same kernel and server, still there, and answering.
    assert process_of(HOG, b"/bin/gonb\x00") == kernel and process_of(HOG, b"jupyterhub-singleuser") == server
    out, err, _ = hub.kernels[HOG].execute('%%\nfmt.Println("still here")')
    assert err is None and "still here" in out, out


def test_cpu_hog_is_held_to_its_core(hub):
    """A cell busy on every core: its student's cgroup gets at most 1 core of CPU time
    (the CFS quota; throttled), while the other student's answer streams."""
    cgs = cgroups_of(process_of(HOG, b"jupyterhub-singleuser"))
    busy = threading.Event()
    t, result = run_in_thread(hub.kernels[HOG].execute, CPU_HOG, timeout=240,
                              on_output=lambda text, _: "busy on" in text and busy.set())
    assert busy.wait(180), "the busy cell did not start"
    time.sleep(1)
    c0, w0, th0, idle0 = cpu_seconds(cgs), time.time(), throttled(cgs), idle_seconds()
    times = [first_token(hub)[0] for _ in range(3)]
    secs = statistics.median(times)
    time.sleep(max(0, 4 - (time.time() - w0)))
    wall = time.time() - w0
    cores = (cpu_seconds(cgs) - c0) / wall
    th = throttled(cgs) - th0
    spare = (idle_seconds() - idle0) / wall  # cores nobody used meanwhile
    out, err, _ = joined(t, result)
    assert err is None and "busy: done" in out, out[-2000:]
    FIGURES["first_token_during_cpu_hog_s"] = [round(t, 3) for t in times]
    FIGURES["cpu_hog_cores_used"] = round(cores, 3)
    FIGURES["cpu_hog_throttled_periods"] = th
    FIGURES["cpu_hog_spare_cores"] = round(spare, 3)
    FIGURES["cpu_hog_loadavg"] = open("/proc/loadavg").read().split()[:3]
    print(f"\nfirst token, during the CPU hog: {', '.join(f'{t:.3f}' for t in times)} s; the hog used {cores:.2f} cores "
          f"(of {os.cpu_count()}), throttled {th} times; {spare:.2f} cores idle meanwhile; "
          f"load {FIGURES['cpu_hog_loadavg']}")
    assert cores <= CPU * 1.15, f"the busy cell used {cores:.2f} cores, more than its {CPU}"
    assert cores >= 0.05, f"the busy cell used only {cores:.2f} cores: was it busy?"
    # Held back by its quota (throttled), unless the server had no CPU to spare anyway
    # (other work on a shared machine): then the cap cannot show, and the figures say so.
    assert th > 0 or spare < 0.25, (cores, th, spare)


@pytest.mark.parametrize("bomb", ["fork", "thread"])
def test_process_and_thread_bombs_are_stopped_with_a_message(hub, bomb):
    """A cell that starts programs (or threads) forever reaches the student's 512 and is
    stopped with the message; what it started is gone, and the kernel runs the next cell."""
    cgs = cgroups_of(process_of(HOG, b"jupyterhub-singleuser"))
    kernel = process_of(HOG, b"/bin/gonb\x00")
    if bomb == "fork":  # before any bomb: the most tasks the hog's cells and their builds took
        FIGURES["tasks_peak_with_builds"] = int(cg_value(cgs, "pids", "pids.peak", "pids.peak") or 0)
    t, result = run_in_thread(hub.kernels[OTHER].execute, "%%\nfmt.Println(\"meanwhile\")")
    out, err, secs = hub.kernels[HOG].execute(FORK_BOMB if bomb == "fork" else THREAD_BOMB, timeout=180)
    FIGURES[f"{bomb}_bomb_cell_s"] = round(secs, 2)
    assert "Your program tried to run more things at the same time than each student may (512)" in out, out[-2000:]
    assert "Your notebook is fine" in out
    other_out, other_err, _ = joined(t, result)
    assert other_err is None and "meanwhile" in other_out
    deadline = time.time() + 10
    while tasks_now(cgs) > 100 and time.time() < deadline:
        time.sleep(0.2)
    assert tasks_now(cgs) <= 100, f"{tasks_now(cgs)} tasks left in the hog's cgroup"
    assert process_of(HOG, b"/bin/gonb\x00") == kernel
    out, err, _ = hub.kernels[HOG].execute('%%\nfmt.Println("back again")')
    assert err is None and "back again" in out, out
    FIGURES.setdefault("tasks_after_bomb", {})[bomb] = tasks_now(cgs)


def test_stopped_server_leaves_no_cgroup(hub):
    """When the hog's server stops, its cgroups are removed."""
    dirs = {d for d in cgroups_of(process_of(HOG, b"jupyterhub-singleuser")).values() if os.path.basename(d) == HOG}
    assert len(dirs) >= 1 and all(os.path.isdir(d) for d in dirs), dirs
    hub.kernels[HOG].close()
    hub.stop_server(HOG)
    deadline = time.time() + 20
    while any(os.path.exists(d) for d in dirs) and time.time() < deadline:
        time.sleep(0.2)
    assert not any(os.path.exists(d) for d in dirs), [d for d in dirs if os.path.exists(d)]


def test_cell_run_costs_a_few_ms(tmp_path):
    """bin/cell-run's start-up cost: a cell's program run through it against directly
    (median of 200 runs each, in this process's cgroups). Printed, with a loose bound."""
    src = tmp_path / "hello.go"
    src.write_text('package main\n\nimport "fmt"\n\nfunc main() { fmt.Println("hi") }\n')
    prog = tmp_path / "gonb_x"
    subprocess.run(["go", "build", "-ldflags=-s", "-o", str(prog) + ".cell", str(src)], check=True,
                   env={**os.environ, "CGO_ENABLED": "0"})
    os.symlink(os.path.join(INSTALL, "bin", "cell-run"), prog)

    def median(cmd, n=200):
        times = []
        for _ in range(n):
            t = time.perf_counter()
            subprocess.run(cmd, stdout=subprocess.DEVNULL, check=True)
            times.append(time.perf_counter() - t)
        return statistics.median(times) * 1000

    for _ in range(2):  # warm both
        direct, launched = median([str(prog) + ".cell"], 20), median([str(prog)], 20)
    direct, launched = median([str(prog) + ".cell"]), median([str(prog)])
    FIGURES["cell_run_ms"] = {"direct": round(direct, 2), "through_cell_run": round(launched, 2),
                              "added": round(launched - direct, 2)}
    print(f"\ncell program: {direct:.2f} ms directly, {launched:.2f} ms through cell-run (+{launched - direct:.2f} ms)")
    assert launched - direct < 50, FIGURES["cell_run_ms"]
