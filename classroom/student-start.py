"""The start of a student's server (the hub's spawner command), as the student.

Installed by classroom/install.sh as DIR/bin/student-start, run by the
classroom's own Python. Before the server:

- hands out the lessons: every file of the classroom's lessons (DIR/src/notebooks)
  that is not yet in ~/lessons is copied there; a student's own copy is never
  overwritten (new lessons appear; a deleted one comes back fresh);
- gives the student their own warm Go build cache: the classroom's template
  (DIR/gocache) is copied into ~/.cache/go-build, the entries they lack only (the
  first start copies it all, later ones what a new lesson added). Never shared:
  one student's cache cannot change another's builds.

Then it runs the server (its arguments) and passes on the hub's signals. When
the server has ended, it ends whatever the server left running: Jupyter's
kernels (GoNB) outlive a server that is stopped with a signal, as the hub and its
idle culler stop them, and would keep the memory a stopped class should free.
This process is their "subreaper" (PR_SET_CHILD_SUBREAPER), so they become its
children when the server ends, and it ends them.

While the server runs, and after, it removes GoNB's folders (gonb_* in the temporary
folder) of the student's kernels that ended without removing theirs (a crash, or a
kernel stopped at the student's memory limit): tools/gonb-go/go marks each folder with
its kernel's process id and start time.
"""
import ctypes
import os
import shutil
import signal
import subprocess
import stat
import sys
import tempfile
import time

DIR = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
PR_SET_CHILD_SUBREAPER = 36
# Seconds between two looks for ended kernels' folders (the hub's config sets it).
SWEEP_EVERY = float(os.environ.get("GOLESSONS_KERNEL_SWEEP_EVERY") or 30)
KERNEL_MARK = ".golessons-kernel"  # written by tools/gonb-go/go: "PID STARTTIME"


def hand_out_lessons(home):
    src = os.path.join(DIR, "src", "notebooks")
    dest_dir = os.path.join(home, "lessons")
    os.makedirs(dest_dir, exist_ok=True)
    for name in sorted(os.listdir(src)):
        path = os.path.join(src, name)
        dest = os.path.join(dest_dir, name)
        if not os.path.isfile(path) or os.path.lexists(dest) or name == "lessons.json":  # the order, not a lesson
            continue
        tmp = f"{dest}.new.{os.getpid()}"
        shutil.copyfile(path, tmp)
        try:
            os.link(tmp, dest)  # never replaces a file that appeared meanwhile
        except FileExistsError:
            pass
        finally:
            os.unlink(tmp)


def seed_gocache(cache):
    os.makedirs(cache, exist_ok=True)
    # -n: keep what is there (coreutils 9.2-9.4 exit 1 after skipping: not an error here).
    subprocess.run(["cp", "-R", "-n", os.path.join(DIR, "gocache") + "/.", cache + "/"],
                   stderr=subprocess.DEVNULL, check=False)


def stat_fields(pid):
    """The fields of /proc/PID/stat after the command's name (state, parent, ...), or None."""
    try:
        with open(f"/proc/{pid}/stat", "rb") as f:
            raw = f.read()
    except OSError:
        return None
    return raw[raw.rindex(b")") + 2:].split()


def children():
    me = str(os.getpid())
    out = []
    for d in os.listdir("/proc"):
        if d.isdigit():
            fields = stat_fields(d)
            if fields and fields[1].decode() == me and fields[0] != b"Z":
                out.append(int(d))
    return out


def ended_kernel_folders(tmp=None):
    """GoNB's folders of this user's kernels that have ended: gonb_* folders in tmp (the
    temporary folder), owned by this user, whose mark names a process that is gone (or
    another process with the same id). A folder without a mark is left alone."""
    tmp = tmp or tempfile.gettempdir()
    out = []
    for name in os.listdir(tmp):
        path = os.path.join(tmp, name)
        try:
            st = os.lstat(path)
            if not name.startswith("gonb_") or not stat.S_ISDIR(st.st_mode) or st.st_uid != os.getuid():
                continue
            with open(os.path.join(path, KERNEL_MARK), encoding="ascii") as f:
                pid, start = f.read().split()
        except (OSError, ValueError):
            continue
        fields = stat_fields(int(pid)) if pid.isdigit() else None
        if fields is None or fields[19].decode() != start:
            out.append(path)
    return out


def sweep_kernel_folders():
    for path in ended_kernel_folders():
        shutil.rmtree(path, ignore_errors=True)


def reap():
    while True:
        try:
            pid, _ = os.waitpid(-1, os.WNOHANG)
        except ChildProcessError:
            return
        if pid == 0:
            return


def end_leftovers(grace=3.0):
    """End the processes the server left (now our children), theirs too."""
    deadline = time.time() + 8
    while time.time() < deadline:
        reap()
        left = children()
        if not left:
            return
        for sig, wait in ((signal.SIGTERM, grace), (signal.SIGKILL, 1.0)):
            for pid in left:
                try:
                    os.kill(pid, sig)
                except ProcessLookupError:
                    pass
            end = time.time() + wait
            while time.time() < end:
                reap()
                left = [p for p in left if p in children()]
                if not left:
                    break
                time.sleep(0.1)
            if not left:
                break


def wait_server(server):
    """The server's exit status (as Popen's returncode), once it has ended. Meanwhile: reap
    every orphan this subreaper inherits (a zombie still counts against the student's
    process limit), and sweep ended kernels' folders every SWEEP_EVERY seconds."""
    next_sweep = 0.0
    while True:
        if time.time() >= next_sweep:
            sweep_kernel_folders()
            next_sweep = time.time() + SWEEP_EVERY
        while True:
            try:
                pid, status = os.waitpid(-1, os.WNOHANG)
            except ChildProcessError:
                return server.returncode if server.returncode is not None else 1
            if pid == 0:
                break
            if pid == server.pid:
                server.returncode = os.waitstatus_to_exitcode(status)
                return server.returncode
        time.sleep(0.5)


def main():
    os.umask(0o077)
    home = os.environ["HOME"]
    os.chdir(home)
    hand_out_lessons(home)
    os.environ["GOCACHE"] = os.path.join(home, ".cache", "go-build")
    seed_gocache(os.environ["GOCACHE"])
    try:
        ctypes.CDLL(None, use_errno=True).prctl(PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0)
    except (OSError, AttributeError):
        pass  # not Linux: leftovers go to init, as without this script
    server = subprocess.Popen(sys.argv[1:])
    for sig in (signal.SIGINT, signal.SIGTERM, signal.SIGHUP):
        signal.signal(sig, lambda s, _f: server.send_signal(s))
    rc = wait_server(server)
    end_leftovers()
    sweep_kernel_folders()
    sys.exit(rc if rc >= 0 else 128 - rc)


if __name__ == "__main__":
    main()
