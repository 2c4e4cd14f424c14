"""Per-student limits on memory, CPU and processes (docs/admins/classroom.md, "Each
student's share of the server").

Every student's Jupyter server and everything it starts (the GoNB kernel, go build,
the cell's program) runs in a control group (cgroup) of the student's own, with

- memory: at most CLASSROOM_MEMORY_LIMIT (default 1G: the server ~140 MB, the kernel
  ~15 MB, a cell build ~230 MB and room for the cell's program; swap not allowed
  beyond it). Over it, the kernel's OOM killer stops the biggest process of that
  student only: the cell's program (bin/cell-run makes it the first to go, and tells
  the student in plain words);
- CPU: an equal share with every other student when the server is busy (the same
  weight), and at most CLASSROOM_CPU_LIMIT cores (default 1.0) even when it is idle;
- processes and threads: at most CLASSROOM_TASKS_LIMIT (default 512, or 32 a core on a
  server with more than 16; Go programs are multi-threaded, and each thread counts).

"off" (or 0) turns one off; CLASSROOM_LIMITS=off turns them all off.

Two ways, found when the hub starts (detect()):

- systemd (PID 1 is systemd: Debian, Ubuntu): the server is started through
  `systemd-run --scope` in the slice golessons-students.slice, with MemoryMax,
  MemorySwapMax, CPUWeight, CPUQuota and TasksMax, as The Littlest JupyterHub's
  systemdspawner does; systemd removes the scope when its last process ends.
- cgroupfs (no systemd, e.g. a container): the cgroup controllers mounted under
  /sys/fs/cgroup (v1: memory, cpu, cpuacct, pids, each its own hierarchy; or v2, the
  unified one). The students' cgroups are made under the hub's own cgroup of each
  controller (read from /proc/self/cgroup), so it works nested in a container's
  cgroup too: <hub's cgroup>/golessons-students/<student>. The server's process
  joins them before it runs (Popen's preexec_fn, as root, before it becomes the
  student); its children inherit them. They are removed when the server has stopped.

When neither works, the hub says so when it starts (what is not limited, and what to
do), and limits the number of a student's processes with RLIMIT_NPROC (which counts
per Unix user, and every student is one).

JupyterHub's config calls configure(c, DIR, demo): the spawner class, and the cell
launcher's environment (GOLESSONS_CELL_RUN: tools/gonb-go/go puts bin/cell-run where
GoNB runs each cell's program, see cmd/cell-run).
"""
import asyncio
import errno
import os
import pwd
import re
import resource
import shutil
import signal
import subprocess
import sys
import time

DEFAULT_MEMORY = "1G"
DEFAULT_CPU = "1.0"
DEFAULT_TASKS = "512"
PARENT = "golessons-students"  # the students' cgroups: <hub's cgroup>/golessons-students/<name>
SLICE = "golessons-students.slice"  # systemd: the students' scopes
CPU_PERIOD_US = 100_000
OFF = ("", "0", "off", "no", "none", "unlimited", "max")


# --- The limits, from the hub's environment. ---

def parse_size(text):
    """Bytes of "1G", "1.5GiB", "800M", "800MB", "2048K" or plain bytes; None for off."""
    t = str(text).strip().lower()
    if t in OFF:
        return None
    m = re.fullmatch(r"([0-9]+(?:\.[0-9]+)?)\s*([kmgt]?)(?:i?b)?", t)
    if not m:
        raise ValueError(f"not a size: {text!r} (e.g. 1G, 1536M, off)")
    n = float(m.group(1)) * 1024 ** " kmgt".index(m.group(2) or " ")
    return int(n) if n >= 1 else None


def parse_cpu(text):
    """Cores of "1", "1.5", "50%" (of one core); None for off."""
    t = str(text).strip().lower()
    if t in OFF:
        return None
    m = re.fullmatch(r"([0-9]+(?:\.[0-9]+)?)\s*(%?)", t)
    if not m:
        raise ValueError(f"not a number of cores: {text!r} (e.g. 1.0, 0.5, 150%, off)")
    n = float(m.group(1)) / (100 if m.group(2) else 1)
    return n if n > 0 else None


def parse_tasks(text):
    t = str(text).strip().lower()
    if t in OFF:
        return None
    if not t.isdigit():
        raise ValueError(f"not a number of processes: {text!r} (e.g. 512, off)")
    return int(t) or None


def default_tasks(cores=None):
    """512, or 32 a core on a server with more than 16: a Go program (the kernel, gopls, the go
    command, the compiler, the cell's) may run a thread on every core."""
    return max(int(DEFAULT_TASKS), 32 * (cores or os.cpu_count() or 1))


def human_size(n):
    """1073741824 -> "1 GB" (GiB, said the way a student knows it); 805306368 -> "768 MB"."""
    if n >= 1 << 30:
        return f"{n / (1 << 30):.1f}".removesuffix(".0") + " GB"
    return f"{max(1, round(n / (1 << 20)))} MB"


class Limits:
    """memory (bytes), cpu (cores), tasks (processes and threads); None: not limited."""

    def __init__(self, memory=None, cpu=None, tasks=None):
        self.memory, self.cpu, self.tasks = memory, cpu, tasks

    @classmethod
    def from_env(cls, environ=None):
        env = os.environ if environ is None else environ
        if env.get("CLASSROOM_LIMITS", "on").strip().lower() in ("off", "0", "no"):
            return cls()
        tasks = env.get("CLASSROOM_TASKS_LIMIT")
        return cls(parse_size(env.get("CLASSROOM_MEMORY_LIMIT", DEFAULT_MEMORY)),
                   parse_cpu(env.get("CLASSROOM_CPU_LIMIT", DEFAULT_CPU)),
                   parse_tasks(tasks) if tasks is not None else default_tasks())

    def any(self):
        return any(v is not None for v in (self.memory, self.cpu, self.tasks))

    def describe(self, missing=()):
        """The limits in words; those in missing (of "memory", "CPU", "processes") as not applied."""
        return ", ".join([
            "memory " + ("NOT limited" if "memory" in missing else human_size(self.memory) if self.memory
                         else "not limited"),
            "CPU " + ("NOT limited" if "CPU" in missing else
                      f"{self.cpu:g} core{'s' if self.cpu != 1 else ''} at most, an equal share when busy"
                      if self.cpu else "an equal share when busy, no cap"),
            "processes and threads " + (f"{self.tasks} (RLIMIT_NPROC, per Unix user)" if "processes" in missing
                                        else str(self.tasks) if self.tasks else "not limited"),
        ])

    def __repr__(self):
        return f"Limits(memory={self.memory}, cpu={self.cpu}, tasks={self.tasks})"


# --- Where the cgroup controllers are. ---

def read(path, default=""):
    try:
        with open(path, encoding="utf-8") as f:
            return f.read()
    except OSError:
        return default


def write(path, value):
    with open(path, "w", encoding="utf-8") as f:
        f.write(str(value))


def makedir(path):
    """A cgroup directory, 0755 whatever the hub's umask (077: its state is private):
    cell-run, as the student, reads the counters in their own cgroup; only root writes."""
    os.makedirs(path, exist_ok=True)
    os.chmod(path, 0o755)


def cgroup_mounts(mountinfo):
    """[(mount point, fstype, root inside the hierarchy, controllers)] of /proc/self/mountinfo."""
    out = []
    for line in mountinfo.splitlines():
        pre, _, post = line.partition(" - ")
        f, p = pre.split(), post.split()
        if len(f) < 5 or len(p) < 3 or p[0] not in ("cgroup", "cgroup2"):
            continue
        point = f[4].replace("\\040", " ")
        ctrls = set() if p[0] == "cgroup2" else {o for o in p[2].split(",") if o not in ("rw", "ro") and "=" not in o}
        out.append((point, p[0], f[3], ctrls))
    return out


def self_cgroups(text):
    """{controller: path} of /proc/self/cgroup; "" is the unified (v2) hierarchy."""
    out = {}
    for line in text.splitlines():
        parts = line.split(":", 2)
        if len(parts) == 3:
            for ctrl in (parts[1].split(",") if parts[1] else [""]):
                out[ctrl] = parts[2]
    return out


def under(mount, root, path):
    """The directory of cgroup path in a hierarchy mounted at mount whose own root is root."""
    if root not in ("/", "") and (path == root or path.startswith(root.rstrip("/") + "/")):
        path = path[len(root.rstrip("/")):]
    return os.path.join(mount, path.lstrip("/"))


# --- The cgroupfs way (no systemd). ---

class Cgroupfs:
    """Students' cgroups made directly in the cgroup filesystem, under the hub's own.
    parents: {controller: the directory golessons-students/ of that controller};
    version 1 or 2 (then every controller has the same directory)."""

    name = "cgroupfs"

    def __init__(self, limits, version, parents):
        self.limits, self.version, self.parents = limits, version, parents

    def describe(self):
        dirs = sorted(set(self.parents.values()))
        return f"cgroup v{self.version} ({', '.join(sorted(k for k in self.parents))}) under {', '.join(dirs)}"

    def dirs(self, name):
        """The student's cgroup directories, one a hierarchy."""
        return sorted({os.path.join(p, name) for p in self.parents.values()})

    def dir_of(self, ctrl, name):
        return os.path.join(self.parents[ctrl], name)

    def create(self, name):
        """Make name's cgroups and set their limits; returns their directories."""
        for d in self.dirs(name):
            makedir(d)
        lim = self.limits
        if self.version == 1:
            if "memory" in self.parents:
                d = self.dir_of("memory", name)
                mem = lim.memory if lim.memory else -1
                if lim.memory and os.path.exists(os.path.join(d, "memory.memsw.limit_in_bytes")):
                    # memsw >= memory at every moment: raise memory first when lowering memsw would fail.
                    try:
                        write(os.path.join(d, "memory.limit_in_bytes"), mem)
                        write(os.path.join(d, "memory.memsw.limit_in_bytes"), mem)
                    except OSError:
                        write(os.path.join(d, "memory.memsw.limit_in_bytes"), mem)
                        write(os.path.join(d, "memory.limit_in_bytes"), mem)
                else:
                    write(os.path.join(d, "memory.limit_in_bytes"), mem)
                if lim.memory:
                    try:
                        write(os.path.join(d, "memory.swappiness"), 0)  # no swap within the limit either
                    except OSError:
                        pass
            if "cpu" in self.parents:
                d = self.dir_of("cpu", name)
                write(os.path.join(d, "cpu.shares"), 1024)  # every student the same weight
                write(os.path.join(d, "cpu.cfs_period_us"), CPU_PERIOD_US)
                write(os.path.join(d, "cpu.cfs_quota_us"), int(lim.cpu * CPU_PERIOD_US) if lim.cpu else -1)
            if "pids" in self.parents:
                write(os.path.join(self.dir_of("pids", name), "pids.max"), lim.tasks or "max")
        else:
            d = self.dir_of("memory", name) if "memory" in self.parents else self.dirs(name)[0]
            if "memory" in self.parents:
                write(os.path.join(d, "memory.max"), lim.memory or "max")
                if os.path.exists(os.path.join(d, "memory.swap.max")):
                    write(os.path.join(d, "memory.swap.max"), 0 if lim.memory else "max")
            if "cpu" in self.parents:
                write(os.path.join(d, "cpu.weight"), 100)
                write(os.path.join(d, "cpu.max"),
                      f"{int(lim.cpu * CPU_PERIOD_US) if lim.cpu else 'max'} {CPU_PERIOD_US}")
            if "pids" in self.parents:
                write(os.path.join(d, "pids.max"), lim.tasks or "max")
        return self.dirs(name)

    def env(self, name):
        """Where name's cgroups are, for the cell launcher (cmd/cell-run: it need not look)."""
        return {"GOLESSONS_CGROUP_VERSION": str(self.version),
                "GOLESSONS_CGROUP_MEMORY": self.dir_of("memory", name) if "memory" in self.parents else "",
                "GOLESSONS_CGROUP_PIDS": self.dir_of("pids", name) if "pids" in self.parents else ""}

    @staticmethod
    def join(dirs):
        """Move the calling process into dirs (in the child, before exec)."""
        pid = str(os.getpid())
        for d in dirs:
            write(os.path.join(d, "cgroup.procs"), pid)

    def pids(self, name):
        out = set()
        for d in self.dirs(name):
            for line in read(os.path.join(d, "cgroup.procs")).split():
                out.add(int(line))
        return out

    def remove(self, name, wait=5.0):
        """Remove name's cgroups once empty; processes still in them (the server has
        ended: what it left) are ended first."""
        deadline = time.time() + wait
        killed = False
        while True:
            left = self.pids(name)
            if left and not killed and time.time() > deadline - wait / 2:
                for pid in left:
                    try:
                        os.kill(pid, signal.SIGKILL)
                    except ProcessLookupError:
                        pass
                killed = True
            if not left:
                break
            if time.time() > deadline:
                return False
            time.sleep(0.1)
        ok = True
        for d in self.dirs(name):
            for _ in range(20):
                try:
                    os.rmdir(d)
                    break
                except FileNotFoundError:
                    break
                except OSError as e:
                    if e.errno != errno.EBUSY:
                        ok = False
                        break
                    time.sleep(0.1)  # the last process is still being reaped
            else:
                ok = False
        return ok


def find_cgroupfs(limits, root="/", log=None):
    """A Cgroupfs for the controllers usable here, or None; why not, through log."""
    log = log or (lambda msg: None)
    p = lambda path: os.path.join(root, path.lstrip("/"))  # noqa: E731
    mounts = cgroup_mounts(read(p("/proc/self/mountinfo")))
    mine = self_cgroups(read(p("/proc/self/cgroup")))
    want = {"memory": limits.memory is not None, "cpu": True, "pids": limits.tasks is not None}
    # v2: the unified hierarchy, when it holds the controllers (not a hybrid's empty one).
    v2 = [(pt, r) for pt, t, r, _ in mounts if t == "cgroup2"]
    if v2 and "" in mine:
        point, mroot = v2[0]
        hub = under(p(point), mroot, mine[""])
        have = set(read(os.path.join(hub, "cgroup.controllers")).split())
        use = [c for c in ("memory", "cpu", "pids") if want[c] and c in have]
        if use:
            try:
                parent = setup_v2(hub, use)
                return Cgroupfs(limits, 2, {c: parent for c in use})
            except OSError as e:
                log(f"cgroup v2 at {hub}: {e}")
    # v1: a hierarchy per controller (cpu and cpuacct often share one).
    parents = {}
    for ctrl in ("memory", "cpu", "cpuacct", "pids"):
        if ctrl != "cpuacct" and not want[ctrl]:
            continue
        m = [(pt, r) for pt, t, r, c in mounts if t == "cgroup" and ctrl in c]
        if not m or ctrl not in mine:
            continue
        hub = under(p(m[0][0]), m[0][1], mine[ctrl])
        parent = os.path.join(hub, PARENT)
        try:
            makedir(parent)
            probe = os.path.join(parent, f".probe-{os.getpid()}")
            os.makedirs(probe, exist_ok=True)
            os.rmdir(probe)
        except OSError as e:
            log(f"cgroup v1 {ctrl} at {hub}: {e}")
            continue
        parents[ctrl] = parent
    if set(parents) - {"cpuacct"}:
        return Cgroupfs(limits, 1, parents)
    return None


def setup_v2(hub, ctrls):
    """Enable ctrls for the students' cgroups under the hub's cgroup hub; returns their
    parent. cgroup v2 lets a cgroup hand controllers to its children only when it holds
    no process itself (but the root): when the hub's cgroup does (a container without
    systemd), its processes move to a leaf of their own, golessons-hub/, first."""
    enable = " ".join("+" + c for c in ctrls)
    try:
        write(os.path.join(hub, "cgroup.subtree_control"), enable)
    except OSError as e:
        if e.errno != errno.EBUSY:
            raise
        leaf = os.path.join(hub, "golessons-hub")
        os.makedirs(leaf, exist_ok=True)
        for _ in range(5):
            procs = read(os.path.join(hub, "cgroup.procs")).split()
            if not procs:
                break
            for pid in procs:
                try:
                    write(os.path.join(leaf, "cgroup.procs"), pid)
                except OSError:
                    pass  # gone, or a kernel thread
        write(os.path.join(hub, "cgroup.subtree_control"), enable)
    parent = os.path.join(hub, PARENT)
    makedir(parent)
    write(os.path.join(parent, "cgroup.subtree_control"), enable)
    return parent


# --- The systemd way. ---

class Systemd:
    """Each student's server in a transient scope of its own (systemd-run --scope),
    started as root and then becoming the student (setpriv), like TLJH's systemdspawner."""

    name = "systemd"

    def __init__(self, limits, systemd_run="systemd-run", setpriv="setpriv"):
        self.limits, self.systemd_run, self.setpriv = limits, systemd_run, setpriv

    def describe(self):
        return f"systemd scopes in {SLICE}"

    def properties(self):
        lim = self.limits
        props = []
        if lim.memory:
            props += [f"MemoryMax={lim.memory}", "MemorySwapMax=0"]
        props.append("CPUWeight=100")  # every student the same weight
        if lim.cpu:
            props.append(f"CPUQuota={round(lim.cpu * 100)}%")
        if lim.tasks:
            props.append(f"TasksMax={lim.tasks}")
        return props

    def unit(self, name):
        return f"golessons-{name}-{os.urandom(3).hex()}"

    def env(self, unit, root="/"):
        """Where the scope's cgroup will be (cgroup v2, systemd's unified layout), for cmd/cell-run."""
        if not os.path.exists(os.path.join(root, "sys/fs/cgroup/cgroup.controllers")):
            return {}  # systemd on cgroup v1: cell-run finds the files itself
        d = os.path.join("/sys/fs/cgroup", SLICE, unit + ".scope")
        return {"GOLESSONS_CGROUP_VERSION": "2", "GOLESSONS_CGROUP_MEMORY": d, "GOLESSONS_CGROUP_PIDS": d}

    def wrap(self, cmd, name, uid, gid, unit=None):
        """The command that starts cmd as the student uid:gid in a scope of its own.
        systemd-run --scope runs the command itself (the same process: the spawner's pid
        is the server's), after systemd has put it in the scope."""
        run = [self.systemd_run, "--scope", "--quiet", "--collect", f"--slice={SLICE}",
               f"--unit={unit or self.unit(name)}", f"--description=golessons: {name}'s Jupyter server"]
        for prop in self.properties():
            run += ["-p", prop]
        return run + ["--", self.setpriv, f"--reuid={uid}", f"--regid={gid}", "--init-groups", "--", *cmd]

    def probe(self, run=subprocess.run):
        """Whether systemd-run can make a scope with these limits here (as root)."""
        cmd = [self.systemd_run, "--scope", "--quiet", "--collect", f"--slice={SLICE}",
               f"--unit=golessons-probe-{os.urandom(3).hex()}"]
        for prop in self.properties():
            cmd += ["-p", prop]
        try:
            r = run(cmd + ["--", "true"], capture_output=True, text=True, timeout=30)
        except (OSError, subprocess.TimeoutExpired) as e:
            return False, str(e)
        return r.returncode == 0, (r.stderr or r.stdout).strip()


# --- Neither: RLIMIT_NPROC only. ---

class NoCgroups:
    name = "none"

    def __init__(self, limits):
        self.limits = limits

    def describe(self):
        return "no cgroups"


def systemd_is_init(root="/"):
    """sd_booted(): PID 1 is systemd."""
    return os.path.isdir(os.path.join(root, "run/systemd/system")) and \
        read(os.path.join(root, "proc/1/comm")).strip() == "systemd"


def detect(limits, root="/", which=shutil.which, run=subprocess.run, log=None):
    """The way to limit students here: Systemd, Cgroupfs or NoCgroups; log gets what was tried."""
    log = log or (lambda msg: None)
    if not limits.any():
        return NoCgroups(limits)
    if systemd_is_init(root):
        sd_run, setpriv = which("systemd-run"), which("setpriv")
        if sd_run and setpriv:
            sd = Systemd(limits, sd_run, setpriv)
            ok, why = sd.probe(run)
            if ok:
                return sd
            log(f"systemd-run could not make a scope with the limits: {why}")
        else:
            log("systemd is PID 1, but systemd-run or setpriv is missing")
    fs = find_cgroupfs(limits, root, log)
    return fs or NoCgroups(limits)


def missing(backend):
    """What the backend cannot limit with a cgroup, in words for the teacher: "memory",
    "CPU", "processes" (these then with RLIMIT_NPROC, per Unix user)."""
    lim = backend.limits
    if isinstance(backend, Systemd):
        return []
    have = set(getattr(backend, "parents", {}))
    out = []
    if lim.memory and "memory" not in have:
        out.append("memory")
    if "cpu" not in have:
        out.append("CPU")
    if lim.tasks and "pids" not in have:
        out.append("processes")
    return out


# --- The spawner: LocalProcessSpawner, each student's server in their cgroups. ---

def spawner_class(backend, base=None):
    """base (a LocalProcessSpawner class; LocalProcessSpawner itself by default) with each
    student's server in their cgroups or systemd scope."""
    if base is None:
        from jupyterhub.spawner import LocalProcessSpawner as base

    class LimitedSpawner(base):
        """LocalProcessSpawner with the student's server (and all it starts) in the
        student's own cgroups (classroom/limits.py)."""

        limits_backend = backend

        def make_preexec_fn(self, name):
            demote = super().make_preexec_fn(name)
            b = self.limits_backend
            tasks = b.limits.tasks if "pids" not in getattr(b, "parents", {}) else None
            if isinstance(b, Systemd):
                home = pwd.getpwnam(name).pw_dir

                def preexec():  # still root: systemd-run makes the scope, then setpriv becomes the student
                    try:
                        os.chdir(home)
                    except OSError:
                        pass
                return preexec
            dirs = b.create(name) if isinstance(b, Cgroupfs) else []
            self._cgroups_made = bool(dirs)

            def preexec():
                Cgroupfs.join(dirs)
                if tasks:
                    resource.setrlimit(resource.RLIMIT_NPROC, (tasks, tasks))
                demote()
            return preexec

        def get_env(self):
            env = super().get_env()
            b = self.limits_backend
            if isinstance(b, Cgroupfs):
                env.update(b.env(self.user.name))
            elif isinstance(b, Systemd) and getattr(self, "_unit", None):
                env.update(b.env(self._unit))
            return env

        async def start(self):
            b = self.limits_backend
            if isinstance(b, Systemd):
                pw = pwd.getpwnam(self.user.name)
                saved = self.cmd
                self._unit = b.unit(self.user.name)
                self.cmd = b.wrap(list(saved), self.user.name, pw.pw_uid, pw.pw_gid, unit=self._unit)
                try:
                    return await super().start()
                finally:
                    self.cmd = saved
            return await super().start()

        async def cleanup_cgroups(self):
            """Remove the student's cgroups (once, after their server ended), off the hub's loop."""
            b = self.limits_backend
            if not isinstance(b, Cgroupfs) or not getattr(self, "_cgroups_made", False):
                return
            self._cgroups_made = False
            name = self.user.name
            if not await asyncio.get_running_loop().run_in_executor(None, b.remove, name):
                self.log.warning("Could not remove %s's cgroups: %s", name, b.dirs(name))

        async def poll(self):
            status = await super().poll()
            if status is not None:
                await self.cleanup_cgroups()
            return status

        async def stop(self, now=False):
            await super().stop(now=now)
            await self.cleanup_cgroups()

    return LimitedSpawner


def student_env(backend, install_dir):
    """The students' environment for the cell launcher (cmd/cell-run, tools/gonb-go/go)."""
    if isinstance(backend, NoCgroups):
        return {}
    run = os.path.join(install_dir, "bin", "cell-run")
    return {"GOLESSONS_CELL_RUN": run} if os.path.exists(run) else {}


def configure(c, install_dir, demo=False, environ=None, root="/", log=None, base=None):
    """Set the hub's spawner (base, a LocalProcessSpawner class, with the limits) and the
    students' environment for the limits; returns the backend."""
    log = log or (lambda msg: print(msg, file=sys.stderr, flush=True))
    limits = Limits.from_env(environ)
    if demo:
        log("[golessons] Per-student limits: off in demo mode (every student runs as you).")
        return NoCgroups(limits)
    tried = []
    backend = detect(limits, root=root, log=tried.append) if os.geteuid() == 0 or root != "/" else NoCgroups(limits)
    if not limits.any():
        log("[golessons] Per-student limits: OFF (CLASSROOM_LIMITS=off or every limit off).")
    else:
        left = missing(backend)
        unlimited = [w for w in left if w != "processes"]
        if left:
            bar = "*" * 77
            what = f"Students' {' and '.join(unlimited)} {'is' if len(unlimited) == 1 else 'are'} NOT limited"
            log(f"{bar}\n  WARNING: no usable cgroup controller for {', '.join(left)}.\n"
                + ("  " + what + ": one student's cell could take the whole server's "
                   + " and ".join(unlimited) + ".\n" if unlimited else "")
                + ("  A student's processes and threads are limited with RLIMIT_NPROC instead (per Unix user).\n"
                   if "processes" in left else "") +
                "  To fix it: run the hub on a server whose PID 1 is systemd (Debian, Ubuntu), or\n"
                "  mount the cgroup controllers (memory, cpu, pids) writable for root under\n"
                "  /sys/fs/cgroup (in a container: --cgroupns=private, or a writable cgroup mount).\n"
                + "".join(f"  ({t})\n" for t in tried) + bar)
        log(f"[golessons] Per-student limits: {limits.describe(left)}; with {backend.describe()}.")
    c.JupyterHub.spawner_class = spawner_class(backend, base)
    env = dict(c.Spawner.environment)
    env.update(student_env(backend, install_dir))
    c.Spawner.environment = env
    return backend


def main(argv):
    """limits.py --check: the limits the environment asks for, in words, or what is wrong
    with them (start.sh runs it before the hub, so a typo is said plainly)."""
    if argv != ["--check"]:
        print("usage: limits.py --check", file=sys.stderr)
        return 2
    try:
        print("Per-student limits: " + Limits.from_env().describe())
    except ValueError as e:
        print(f"The per-student limits cannot be read: {e}.\n"
              "Fix CLASSROOM_MEMORY_LIMIT, CLASSROOM_CPU_LIMIT or CLASSROOM_TASKS_LIMIT "
              "(docs/admins/classroom.md, \"Each student's share of the server\") and run make classroom again.", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
