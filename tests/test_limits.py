"""classroom/limits.py without a hub: the limits from the environment, the cgroup tree
it finds and writes (a fake /proc and /sys/fs/cgroup in tmp_path: cgroup v1 nested in
a container's cgroup, v1 with cpu and cpuacct together, v2 with and without processes
in the hub's cgroup), the systemd-run command (systemd is not run: only its command
is checked), and the warning when nothing can limit students. No root needed."""
import os
import sys
import types

import pytest

from conftest import ROOT

sys.path.insert(0, os.path.join(ROOT, "classroom"))
import limits as L  # noqa: E402


class FakeLocalProcessSpawner:
    """JupyterHub's LocalProcessSpawner as far as LimitedSpawner uses it (the project's .venv
    has no JupyterHub; the real one runs in tests/test_classroom_limits.py)."""

    demoted = []

    def make_preexec_fn(self, name):
        return lambda: self.demoted.append(name)


try:
    import jupyterhub.spawner  # noqa: F401
except ImportError:
    sys.modules["jupyterhub"] = types.ModuleType("jupyterhub")
    sys.modules["jupyterhub.spawner"] = types.SimpleNamespace(LocalProcessSpawner=FakeLocalProcessSpawner)
    sys.modules["jupyterhub"].spawner = sys.modules["jupyterhub.spawner"]

GiB = 1 << 30


def test_limits_from_env():
    lim = L.Limits.from_env({})
    assert (lim.memory, lim.cpu, lim.tasks) == (GiB, 1.0, 512)
    lim = L.Limits.from_env({"CLASSROOM_MEMORY_LIMIT": "1536M", "CLASSROOM_CPU_LIMIT": "50%",
                             "CLASSROOM_TASKS_LIMIT": "300"})
    assert (lim.memory, lim.cpu, lim.tasks) == (1536 << 20, 0.5, 300)
    assert L.Limits.from_env({"CLASSROOM_MEMORY_LIMIT": "1.5GiB"}).memory == 3 * GiB // 2
    lim = L.Limits.from_env({"CLASSROOM_MEMORY_LIMIT": "off", "CLASSROOM_CPU_LIMIT": "0", "CLASSROOM_TASKS_LIMIT": ""})
    assert not lim.any()
    assert not L.Limits.from_env({"CLASSROOM_LIMITS": "off"}).any()
    for bad in ("CLASSROOM_MEMORY_LIMIT", "CLASSROOM_CPU_LIMIT", "CLASSROOM_TASKS_LIMIT"):
        with pytest.raises(ValueError):
            L.Limits.from_env({bad: "lots"})
    assert L.default_tasks(2) == 512 and L.default_tasks(16) == 512 and L.default_tasks(64) == 2048
    assert L.human_size(GiB) == "1 GB" and L.human_size(768 << 20) == "768 MB" and L.human_size(3 * GiB // 2) == "1.5 GB"


# --- A fake machine: /proc/self/{mountinfo,cgroup}, /proc/1/comm and a cgroup tree. ---

V1_MOUNTINFO = """\
30 25 0:26 / /sys/fs/cgroup rw - tmpfs tmpfs rw,mode=755
31 30 0:27 / /sys/fs/cgroup/cpu rw,relatime - cgroup cgroup rw,cpu
32 30 0:28 / /sys/fs/cgroup/cpuacct rw,relatime - cgroup cgroup rw,cpuacct
33 30 0:29 / /sys/fs/cgroup/memory rw,relatime - cgroup cgroup rw,memory
34 30 0:30 / /sys/fs/cgroup/pids rw,relatime - cgroup cgroup rw,pids
35 30 0:31 / /sys/fs/cgroup/unified rw,relatime - cgroup2 cgroup2 rw
"""
V1_CGROUP = "8:pids:/\n4:memory:/process_api/abc\n2:cpuacct:/\n1:cpu:/\n0::/\n"


def machine(tmp_path, mountinfo, cgroup, dirs, pid1="init"):
    """A fake root: the proc files, and cgroup directories dirs {path: {file: content}}."""
    for path, files in {"proc/self/mountinfo": mountinfo, "proc/self/cgroup": cgroup, "proc/1/comm": pid1 + "\n"}.items():
        p = tmp_path / path
        p.parent.mkdir(parents=True, exist_ok=True)
        p.write_text(files)
    for d, files in dirs.items():
        (tmp_path / d).mkdir(parents=True, exist_ok=True)
        for name, content in files.items():
            (tmp_path / d / name).write_text(content)
    return str(tmp_path)


def text(root, path):
    return open(os.path.join(root, path)).read()


def test_v1_nested_under_the_hubs_own_cgroups(tmp_path):
    """cgroup v1 as on the test machine: each controller its own hierarchy, the hub's memory
    cgroup nested (/process_api/abc): the students' cgroups go under the hub's cgroup of
    each controller, with the limits written; the server's process joins all of them."""
    root = machine(tmp_path, V1_MOUNTINFO, V1_CGROUP, {
        "sys/fs/cgroup/memory/process_api/abc": {"cgroup.procs": "1\n"},
        "sys/fs/cgroup/cpu": {}, "sys/fs/cgroup/cpuacct": {}, "sys/fs/cgroup/pids": {},
        "sys/fs/cgroup/unified": {"cgroup.controllers": ""},  # a hybrid's empty v2 hierarchy
    })
    lim = L.Limits(GiB, 1.5, 256)
    umask = os.umask(0o077)  # the hub's (classroom/start.sh): its own state is private
    try:
        b = L.detect(lim, root=root)
        dirs = b.create("ada")
    finally:
        os.umask(umask)
    assert isinstance(b, L.Cgroupfs) and b.version == 1
    cg = os.path.join(root, "sys/fs/cgroup")
    # Readable by the student whatever the umask: cell-run reads their counters.
    assert all(os.stat(d).st_mode & 0o777 == 0o755 for d in dirs + list(b.parents.values()))
    assert b.parents == {"memory": f"{cg}/memory/process_api/abc/golessons-students", "cpu": f"{cg}/cpu/golessons-students",
                         "cpuacct": f"{cg}/cpuacct/golessons-students", "pids": f"{cg}/pids/golessons-students"}
    assert len(dirs) == 4
    assert text(cg, "memory/process_api/abc/golessons-students/ada/memory.limit_in_bytes") == str(GiB)
    assert text(cg, "cpu/golessons-students/ada/cpu.cfs_quota_us") == "150000"
    assert text(cg, "cpu/golessons-students/ada/cpu.cfs_period_us") == "100000"
    assert text(cg, "cpu/golessons-students/ada/cpu.shares") == "1024"
    assert text(cg, "pids/golessons-students/ada/pids.max") == "256"
    assert L.missing(b) == []
    # Where they are, for the cell launcher (cmd/cell-run).
    assert b.env("ada") == {"GOLESSONS_CGROUP_VERSION": "1",
                            "GOLESSONS_CGROUP_MEMORY": f"{cg}/memory/process_api/abc/golessons-students/ada",
                            "GOLESSONS_CGROUP_PIDS": f"{cg}/pids/golessons-students/ada"}
    # The server's process (here: this one) writes its pid into each cgroup.procs.
    L.Cgroupfs.join(dirs)
    assert all(text(d, "cgroup.procs") == str(os.getpid()) for d in dirs)
    assert b.pids("ada") == {os.getpid()}
    # Removed when empty (a fake tree's files are not a cgroup's: emptied here by hand).
    for d in dirs:
        for f in os.listdir(d):
            os.remove(os.path.join(d, f))
    assert b.remove("ada") and not any(os.path.exists(d) for d in dirs)


def test_v1_cpu_and_cpuacct_together_and_limits_off(tmp_path):
    """Debian's usual v1 layout (cpu,cpuacct in one hierarchy); memory and processes off:
    only the CPU cgroup, no cap on it, and nothing said missing."""
    mi = V1_MOUNTINFO.replace("/sys/fs/cgroup/cpu rw,relatime - cgroup cgroup rw,cpu",
                              "/sys/fs/cgroup/cpu,cpuacct rw,relatime - cgroup cgroup rw,cpu,cpuacct")
    mi = "\n".join(line for line in mi.splitlines() if "/cpuacct rw" not in line) + "\n"
    root = machine(tmp_path, mi, "2:cpu,cpuacct:/\n4:memory:/\n8:pids:/\n",
                   {"sys/fs/cgroup/cpu,cpuacct": {}, "sys/fs/cgroup/memory": {}, "sys/fs/cgroup/pids": {}})
    b = L.detect(L.Limits(None, None, None).__class__(None, 2.0, None), root=root)
    assert isinstance(b, L.Cgroupfs) and set(b.parents) == {"cpu", "cpuacct"}
    assert len(b.dirs("bob")) == 1  # one hierarchy for both
    b.create("bob")
    assert text(b.dirs("bob")[0], "cpu.cfs_quota_us") == "200000"
    assert L.missing(b) == []
    b.limits.cpu = None
    b.create("cy")
    assert text(b.dirs("cy")[0], "cpu.cfs_quota_us") == "-1"


def test_v2_root_cgroup(tmp_path):
    """cgroup v2 without systemd, the hub in the root cgroup: controllers enabled for the
    students' parent; memory.max, memory.swap.max, cpu.weight, cpu.max, pids.max."""
    root = machine(tmp_path, "40 1 0:40 / /sys/fs/cgroup rw - cgroup2 cgroup2 rw\n", "0::/\n", {
        "sys/fs/cgroup": {"cgroup.controllers": "cpuset cpu io memory pids", "cgroup.procs": "1\n"},
    })
    b = L.detect(L.Limits(GiB, 1.0, 512), root=root)
    assert isinstance(b, L.Cgroupfs) and b.version == 2
    cg = os.path.join(root, "sys/fs/cgroup")
    assert text(cg, "cgroup.subtree_control") == "+memory +cpu +pids"
    assert text(cg, "golessons-students/cgroup.subtree_control") == "+memory +cpu +pids"
    (tmp_path / "sys/fs/cgroup/golessons-students/ada").mkdir()
    (tmp_path / "sys/fs/cgroup/golessons-students/ada/memory.swap.max").write_text("max")
    d = b.create("ada")[0]
    assert [text(d, f) for f in ("memory.max", "memory.swap.max", "cpu.weight", "cpu.max", "pids.max")] == \
        [str(GiB), "0", "100", "100000 100000", "512"]


def test_v2_nested_cgroup_with_processes_moves_them_to_a_leaf(tmp_path, monkeypatch):
    """cgroup v2 in a container's cgroup that holds processes: enabling controllers there
    fails with EBUSY until its processes move to a leaf (golessons-hub)."""
    import errno

    root = machine(tmp_path, "40 1 0:40 /ctr /sys/fs/cgroup rw - cgroup2 cgroup2 rw\n", "0::/ctr\n", {
        "sys/fs/cgroup": {"cgroup.controllers": "cpu memory pids", "cgroup.procs": "7\n9\n"},
    })
    real_write = L.write

    def write(path, value):
        if path.endswith("sys/fs/cgroup/cgroup.subtree_control") and text(os.path.dirname(path), "cgroup.procs").strip():
            raise OSError(errno.EBUSY, "Device or resource busy")
        if path.endswith("golessons-hub/cgroup.procs"):  # the kernel moves it out of the parent
            procs = os.path.join(os.path.dirname(os.path.dirname(path)), "cgroup.procs")
            left = [p for p in text(os.path.dirname(procs), "cgroup.procs").split() if p != str(value)]
            open(procs, "w").write("\n".join(left))
            old = text(os.path.dirname(path), "cgroup.procs") if os.path.exists(path) else ""
            return real_write(path, old + f"{value}\n")
        return real_write(path, value)

    monkeypatch.setattr(L, "write", write)
    b = L.detect(L.Limits(GiB, None, 512), root=root)
    cg = os.path.join(root, "sys/fs/cgroup")  # /ctr is the mount's root: the container's view
    assert isinstance(b, L.Cgroupfs) and b.version == 2 and set(b.parents) == {"memory", "cpu", "pids"}
    assert text(cg, "golessons-hub/cgroup.procs").split() == ["7", "9"]
    assert text(cg, "cgroup.subtree_control") == "+memory +cpu +pids"


def test_systemd_command(tmp_path):
    """PID 1 is systemd: the server starts through systemd-run --scope with the limits as
    unit properties, as root, then becomes the student with setpriv. Not run here (no
    systemd on the test machine): the command is checked, and the probe's."""
    root = machine(tmp_path, V1_MOUNTINFO, V1_CGROUP, {"run/systemd/system": {}}, pid1="systemd")
    calls = []

    def run(cmd, **kw):
        calls.append(cmd)
        return types.SimpleNamespace(returncode=0, stdout="", stderr="")

    which = {"systemd-run": "/usr/bin/systemd-run", "setpriv": "/usr/bin/setpriv"}.get
    b = L.detect(L.Limits(GiB, 1.0, 512), root=root, which=which, run=run)
    assert isinstance(b, L.Systemd)
    cmd = b.wrap(["/opt/golessons/bin/student-start", "jupyterhub-singleuser"], "ada", 1001, 1002, unit="golessons-ada-1")
    assert cmd == [
        "/usr/bin/systemd-run", "--scope", "--quiet", "--collect", "--slice=golessons-students.slice",
        "--unit=golessons-ada-1", "--description=golessons: ada's Jupyter server",
        "-p", f"MemoryMax={GiB}", "-p", "MemorySwapMax=0", "-p", "CPUWeight=100", "-p", "CPUQuota=100%",
        "-p", "TasksMax=512",
        "--", "/usr/bin/setpriv", "--reuid=1001", "--regid=1002", "--init-groups", "--",
        "/opt/golessons/bin/student-start", "jupyterhub-singleuser"]
    assert calls and calls[0][:2] == ["/usr/bin/systemd-run", "--scope"] and calls[0][-2:] == ["--", "true"]
    assert "-p" in calls[0] and "TasksMax=512" in calls[0]
    assert b.env("golessons-ada-1", root=root) == {}  # systemd on cgroup v1: cell-run looks itself
    (tmp_path / "sys/fs/cgroup").mkdir(parents=True, exist_ok=True)
    (tmp_path / "sys/fs/cgroup/cgroup.controllers").write_text("cpu memory pids")
    scope = "/sys/fs/cgroup/golessons-students.slice/golessons-ada-1.scope"
    assert b.env("golessons-ada-1", root=root) == {"GOLESSONS_CGROUP_VERSION": "2", "GOLESSONS_CGROUP_MEMORY": scope,
                                                   "GOLESSONS_CGROUP_PIDS": scope}
    (tmp_path / "sys/fs/cgroup/cgroup.controllers").unlink()
    # The probe fails (e.g. no D-Bus): the cgroup files are used instead.
    (tmp_path / "sys/fs/cgroup/memory/process_api/abc").mkdir(parents=True)
    for c in ("cpu", "cpuacct", "pids"):
        (tmp_path / "sys/fs/cgroup" / c).mkdir(parents=True, exist_ok=True)
    tried = []
    b = L.detect(L.Limits(GiB, 1.0, 512), root=root, which=which, log=tried.append,
                 run=lambda cmd, **kw: types.SimpleNamespace(returncode=1, stdout="", stderr="Failed to connect to bus"))
    assert isinstance(b, L.Cgroupfs) and "Failed to connect to bus" in tried[0]
    # Half a CPU, no memory limit: only what is set.
    assert L.Systemd(L.Limits(None, 0.5, None)).properties() == ["CPUWeight=100", "CPUQuota=50%"]


def test_no_cgroups_warns_and_falls_back_to_rlimit_nproc(tmp_path):
    """Nothing usable (no cgroup mounts, no systemd): the hub's start says what is not
    limited and what to do; the spawner still limits processes with RLIMIT_NPROC."""
    root = machine(tmp_path, "", "", {})
    said = []
    cfg = types.SimpleNamespace(JupyterHub=types.SimpleNamespace(), Spawner=types.SimpleNamespace(environment={"A": "1"}))
    b = L.configure(cfg, str(tmp_path), environ={}, root=root, log=said.append)
    assert isinstance(b, L.NoCgroups)
    warning = "\n".join(said)
    assert "WARNING: no usable cgroup controller for memory, CPU, processes." in warning, warning
    assert "Students' memory and CPU are NOT limited" in warning
    assert "Per-student limits: memory NOT limited, CPU NOT limited, processes and threads 512 (RLIMIT_NPROC" in warning
    assert "limited with RLIMIT_NPROC instead" in warning
    assert "systemd" in warning and "/sys/fs/cgroup" in warning
    assert cfg.Spawner.environment == {"A": "1"}  # no cell launcher without cgroups
    spawner = cfg.JupyterHub.spawner_class
    assert spawner.__name__ == "LimitedSpawner" and spawner.limits_backend is b


def test_configure_with_cgroups_sets_the_cell_launcher(tmp_path):
    root = machine(tmp_path, V1_MOUNTINFO, V1_CGROUP, {
        "sys/fs/cgroup/memory/process_api/abc": {}, "sys/fs/cgroup/cpu": {}, "sys/fs/cgroup/cpuacct": {},
        "sys/fs/cgroup/pids": {}, "install/bin": {"cell-run": ""}})
    said = []
    cfg = types.SimpleNamespace(JupyterHub=types.SimpleNamespace(), Spawner=types.SimpleNamespace(environment={}))
    b = L.configure(cfg, os.path.join(root, "install"), environ={"CLASSROOM_MEMORY_LIMIT": "768M"}, root=root,
                    log=said.append)
    assert isinstance(b, L.Cgroupfs)
    assert cfg.Spawner.environment == {"GOLESSONS_CELL_RUN": os.path.join(root, "install", "bin", "cell-run")}
    assert said == ["[golessons] Per-student limits: memory 768 MB, CPU 1 core at most, an equal share when busy, "
                    f"processes and threads 512; with {b.describe()}."], said


def test_spawner_preexec_joins_the_cgroups_then_demotes(tmp_path, monkeypatch):
    """The server's preexec_fn (in the child, as root): into the student's cgroups first,
    then JupyterHub's own demotion to the student. Without a pids controller, RLIMIT_NPROC."""
    if not isinstance(sys.modules["jupyterhub.spawner"], types.SimpleNamespace):
        pytest.skip("the real JupyterHub is installed: its make_preexec_fn needs a real user")
    root = machine(tmp_path, V1_MOUNTINFO.replace("rw,pids", "rw,pids_gone"), V1_CGROUP, {
        "sys/fs/cgroup/memory/process_api/abc": {}, "sys/fs/cgroup/cpu": {}, "sys/fs/cgroup/cpuacct": {}})
    b = L.detect(L.Limits(GiB, 1.0, 300), root=root)
    assert set(b.parents) == {"memory", "cpu", "cpuacct"}
    assert L.missing(b) == ["processes"]
    said = []
    cfg = types.SimpleNamespace(JupyterHub=types.SimpleNamespace(), Spawner=types.SimpleNamespace(environment={}))
    L.configure(cfg, str(tmp_path), environ={"CLASSROOM_TASKS_LIMIT": "300"}, root=root, log=said.append)
    assert "WARNING: no usable cgroup controller for processes.\n" in said[0] and "NOT limited" not in said[0], said
    assert "processes and threads 300 (RLIMIT_NPROC, per Unix user)" in said[1], said
    rlimits = []
    monkeypatch.setattr(L.resource, "setrlimit", lambda what, v: rlimits.append((what, v)))
    spawner = L.spawner_class(b)()
    FakeLocalProcessSpawner.demoted.clear()
    spawner.make_preexec_fn("ada")()
    assert all(text(d, "cgroup.procs") == str(os.getpid()) for d in b.dirs("ada"))
    assert rlimits == [(L.resource.RLIMIT_NPROC, (300, 300))]
    assert FakeLocalProcessSpawner.demoted == ["ada"]


def test_check_says_what_is_wrong_with_a_limit(capsys, monkeypatch):
    """start.sh runs limits.py --check before the hub: a typo is said plainly, not as a traceback."""
    monkeypatch.setenv("CLASSROOM_MEMORY_LIMIT", "lots")
    assert L.main(["--check"]) == 1
    err = capsys.readouterr().err
    assert "not a size: 'lots'" in err and "CLASSROOM_MEMORY_LIMIT" in err
    monkeypatch.setenv("CLASSROOM_MEMORY_LIMIT", "768M")
    assert L.main(["--check"]) == 0
    assert "memory 768 MB" in capsys.readouterr().out
