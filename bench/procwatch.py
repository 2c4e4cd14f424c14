"""CPU and memory of a running class, read from /proc: which process belongs to whom
(the hub, the proxy, the relay, each student's server, kernel, cell builds and cell
programs), sampled in a thread. Standard library only; needs root to read every
student's /proc/PID/smaps_rollup.

CPU: the last utime+stime seen of every process, minus what it had when the window
opened (a process started in the window counts whole). A process's last interval
before it ends is missed, so short-lived builds are slightly under-counted; the
kernel's cutime+cstime (its reaped children: goimports, go and its compiler and
linker, the cell's program) is exact, and is reported beside it.
"""
import os
import threading
import time

from measure import cmdline, pids, stat_fields  # noqa: F401 - bench/classroom.py uses procwatch.cmdline

CLK_TCK = os.sysconf("SC_CLK_TCK")
PAGE = os.sysconf("SC_PAGE_SIZE")
BUILD = {"go", "compile", "link", "asm", "cgo", "goimports", "vet", "flock"}  # exact names: a cell's program is gonb_…
SERVER = {"student-start", "jupyterhub-sing", "python3", "python"}


def read_stat(pid):
    """{comm, ppid, cpu, children_cpu, start, rss} of pid (CPU in s, RSS in bytes), or None."""
    st = stat_fields(pid)
    if st is None:
        return None
    comm, f = st
    return {"comm": comm, "ppid": int(f[1]),
            "cpu": (int(f[11]) + int(f[12])) / CLK_TCK, "children_cpu": (int(f[13]) + int(f[14])) / CLK_TCK,
            "start": int(f[19]), "rss": int(f[21]) * PAGE}


def all_stats():
    """{pid: read_stat(pid)} of every process now."""
    stats = {}
    for pid in pids():
        st = read_stat(pid)
        if st:
            stats[pid] = st
    return stats


def uid_of(pid):
    try:
        return os.stat(f"/proc/{pid}").st_uid
    except OSError:
        return None


def pss(pid):
    """(RSS, PSS) bytes of pid from smaps_rollup, or (0, 0) when it is gone."""
    out = {"Rss": 0, "Pss": 0}
    try:
        with open(f"/proc/{pid}/smaps_rollup") as f:
            for line in f:
                k, _, v = line.partition(":")
                if k in out:
                    out[k] = int(v.split()[0]) * 1024
    except OSError:
        pass
    return out["Rss"], out["Pss"]


def meminfo():
    """/proc/meminfo in bytes."""
    out = {}
    with open("/proc/meminfo") as f:
        for line in f:
            k, _, v = line.partition(":")
            out[k] = int(v.split()[0]) * 1024
    return out


def mem_used():
    """Bytes in use on the machine: MemTotal - MemAvailable."""
    m = meminfo()
    return m["MemTotal"] - m["MemAvailable"]


def cpu_busy():
    """(busy, total) CPU seconds of the whole machine since boot, from /proc/stat."""
    with open("/proc/stat") as f:
        v = [int(x) for x in f.readline().split()[1:]]
    idle = v[3] + v[4]
    return (sum(v) - idle) / CLK_TCK, sum(v) / CLK_TCK


class Class:
    """Who is who: hub, proxy and relay pids, and students by uid ({uid: name})."""

    def __init__(self, hub_pid, proxy_pid, relay_pid, students):
        self.hub_pid, self.proxy_pid, self.relay_pid = hub_pid, proxy_pid, relay_pid
        self.students = students

    def classify(self, pid, st, stats, uid):
        """(owner, group) of a process: owner is a student's name or "" for the hub's side;
        group one of hub, proxy, relay, server, kernel, build, cell, other; None if not the class's."""
        if pid == self.hub_pid:
            return "", "hub"
        if pid == self.proxy_pid:
            return "", "proxy"
        if pid == self.relay_pid:
            return "", "relay"
        name = self.students.get(uid)
        if name is None:
            return None
        comm = st["comm"]
        if comm == "gonb":
            return name, "kernel"
        if comm in BUILD:
            return name, "build"
        if comm in SERVER:
            return name, "server"
        parent = stats.get(st["ppid"])
        if parent and parent["comm"] == "gonb":
            return name, "cell"
        return name, "other"


class Sampler:
    """Samples the class's processes every interval seconds while open (a context manager).

    After it is closed: cpu() per (owner, group), peaks of memory, and the kernels'
    exact children CPU."""

    def __init__(self, who, interval=0.2):
        self.who, self.interval = who, interval
        self.first, self.last = {}, {}  # (pid, start) -> cpu
        self.groups = {}  # (pid, start) -> (owner, group)
        self.kernel_children = {}  # (pid, start) -> [first children_cpu, last]
        self.peak_build = {}  # student -> the most RSS of their build processes at once
        self.peak_class_rss = 0  # the most RSS of every student process at once
        self.peak_used = 0  # the most MemTotal - MemAvailable
        self.samples = 0
        self.cost = 0.0  # the sampler's own CPU
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def __enter__(self):
        with open("/proc/uptime") as f:
            self.boot_ticks = float(f.read().split()[0]) * CLK_TCK
        self.busy0 = cpu_busy()
        self.t0 = time.time()
        self.sample()
        self._thread.start()
        return self

    def __exit__(self, *exc):
        self._stop.set()
        self._thread.join()
        self.sample()
        self.seconds = time.time() - self.t0
        busy1 = cpu_busy()
        self.machine_busy = busy1[0] - self.busy0[0]

    def _run(self):
        while not self._stop.wait(self.interval):
            c0 = time.thread_time()
            self.sample()
            self.cost += time.thread_time() - c0

    def sample(self):
        stats = all_stats()
        build_rss, class_rss = {}, 0
        for pid, st in stats.items():
            key = (pid, st["start"])
            if key not in self.groups:
                g = self.who.classify(pid, st, stats, uid_of(pid))
                if g is None:
                    continue
                self.groups[key] = g
                new = st["start"] > self.boot_ticks  # started after the window opened: counts whole
                self.first[key] = 0.0 if new else st["cpu"]
            owner, group = self.groups[key]
            self.last[key] = st["cpu"]
            if group == "kernel":
                kc = self.kernel_children.setdefault(key, [st["children_cpu"], st["children_cpu"]])
                kc[1] = st["children_cpu"]
            if owner:
                class_rss += st["rss"]
                if group == "build":
                    build_rss[owner] = build_rss.get(owner, 0) + st["rss"]
        for owner, rss in build_rss.items():
            self.peak_build[owner] = max(self.peak_build.get(owner, 0), rss)
        self.peak_class_rss = max(self.peak_class_rss, class_rss)
        self.peak_used = max(self.peak_used, mem_used())
        self.samples += 1

    def cpu(self):
        """{(owner, group): CPU seconds in the window}."""
        out = {}
        for key, g in self.groups.items():
            out[g] = out.get(g, 0.0) + self.last[key] - self.first[key]
        return out

    def kernel_children_cpu(self):
        """CPU seconds of every kernel's reaped children in the window (exact), summed."""
        return sum(b - a for a, b in self.kernel_children.values())


def steady_memory(who):
    """{(owner, group): [(rss, pss), ...]} of the class's processes now."""
    stats = all_stats()
    out = {}
    for pid, st in stats.items():
        g = who.classify(pid, st, stats, uid_of(pid))
        if g is not None:
            out.setdefault(g, []).append(pss(pid))
    return out
