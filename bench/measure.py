"""What the benchmark reads besides the page: /proc CPU times, websocket frames,
the bench tokens' sizes, and small statistics. Standard library only."""
import base64
import functools
import json
import os
import re
import subprocess
import threading

CLK_TCK = os.sysconf("SC_CLK_TCK")
OUTPUT_TYPES = ("stream", "display_data", "update_display_data", "execute_result")
SEND_TIME_DIGITS = 16  # unix microseconds, for the next few centuries


# --- /proc -----------------------------------------------------------------

def stat_fields(pid):
    """(comm, the fields after it) of /proc/PID/stat, or None if gone. The fields are
    stat(5)'s from the 3rd on: [0] state, [1] ppid, [11] utime .. [14] cstime, [19] start
    time, [21] RSS in pages."""
    try:
        with open(f"/proc/{pid}/stat", "rb") as f:
            data = f.read().decode("utf-8", "replace")
    except OSError:
        return None
    lpar, rpar = data.index("("), data.rindex(")")
    return data[lpar + 1:rpar], data[rpar + 2:].split()


def _stat(pid):
    """(comm, ppid, utime, stime, cutime, cstime) in ticks, or None if gone."""
    st = stat_fields(pid)
    if st is None:
        return None
    comm, f = st
    return comm, int(f[1]), int(f[11]), int(f[12]), int(f[13]), int(f[14])


def pids():
    return [int(p) for p in os.listdir("/proc") if p.isdigit()]


def cmdline(pid):
    try:
        with open(f"/proc/{pid}/cmdline", "rb") as f:
            return f.read().replace(b"\0", b" ").decode("utf-8", "replace")
    except OSError:
        return ""


def find_kernel_pid(kernel_id):
    """The pid of the kernel process whose command line names its connection file."""
    needle = f"kernel-{kernel_id}.json"
    for pid in pids():
        if needle in cmdline(pid):
            return pid
    return None


def cpu_total(pid):
    """CPU seconds of pid and its reaped children (utime+stime+cutime+cstime)."""
    s = _stat(pid)
    if s is None:
        return None
    return sum(s[2:6]) / CLK_TCK


def cpu_self(pid):
    s = _stat(pid)
    return None if s is None else (s[2] + s[3]) / CLK_TCK


def descendants_named(root_pid, *names):
    """{pid: own CPU seconds} of root_pid's living descendants whose comm starts
    with one of names (all descendants when no names are given)."""
    children, stats = {}, {}
    for pid in pids():
        s = _stat(pid)
        if s is not None:
            stats[pid] = s
            children.setdefault(s[1], []).append(pid)
    out = {}
    todo = list(children.get(root_pid, []))
    while todo:
        p = todo.pop()
        s = stats[p]
        if not names or s[0].startswith(names):
            out[p] = (s[2] + s[3]) / CLK_TCK
        todo.extend(children.get(p, []))
    return out


def cpu_delta(before, after):
    """CPU used between two processes_named snapshots (new processes count whole)."""
    return sum(v - before.get(p, 0.0) for p, v in after.items())


class ChildSampler:
    """Samples the direct children of a kernel every interval while a cell runs.

    GoNB runs `go build` (and goimports) and then the cell's program as
    children; their CPU only reaches the kernel's cutime when they exit, all
    together. The sampler keeps the last CPU time seen of each child, so the
    cell program's share can be told apart from the build's. The last
    interval of a child's life is not seen: the figure is a slight
    underestimate.
    """

    BUILD = {"go", "goimports", "gopls"}

    def __init__(self, kernel_pid, interval=0.05):
        self.kernel_pid = kernel_pid
        self.interval = interval
        self.seen = {}  # pid -> (comm, cpu)
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def _children(self):
        out = {}
        for pid in pids():
            s = _stat(pid)
            if s and s[1] == self.kernel_pid:
                out[pid] = (s[0], (s[2] + s[3]) / CLK_TCK)
        return out

    def _run(self):
        while not self._stop.is_set():
            self.seen.update(self._children())
            self._stop.wait(self.interval)

    def __enter__(self):
        self._thread.start()
        return self

    def __exit__(self, *exc):
        self._stop.set()
        self._thread.join()

    def program_cpu(self):
        """CPU seconds of children that are not build tools: the cell programs."""
        return sum(cpu for comm, cpu in self.seen.values() if comm not in self.BUILD)

    def names(self):
        return sorted({comm for comm, _ in self.seen.values()})


# --- websocket frames --------------------------------------------------------

def parse_frame(payload):
    """(channel, msg_type) of one Jupyter kernel websocket frame, either protocol."""
    try:
        if isinstance(payload, (bytes, bytearray)):
            # v1.kernel.websocket.jupyter.org: offset count, offsets, channel, header, ...
            n = int.from_bytes(payload[:8], "little")
            offs = [int.from_bytes(payload[8 * (i + 1):8 * (i + 2)], "little") for i in range(n)]
            channel = payload[offs[0]:offs[1]].decode("utf-8")
            header = json.loads(payload[offs[1]:offs[2]])
            return channel, header.get("msg_type", "")
        msg = json.loads(payload)
        return msg.get("channel", ""), msg.get("header", {}).get("msg_type", "")
    except (ValueError, IndexError, KeyError, UnicodeDecodeError):
        return "", ""


def frame_size(payload):
    return len(payload) if isinstance(payload, (bytes, bytearray)) else len(payload.encode("utf-8"))


class FrameLog:
    """Every frame the page receives on its kernel websockets, with the time
    Chromium received it.

    It listens to the Chrome DevTools Protocol's Network.webSocketFrameReceived
    events, the source of Playwright's own websocket frame events, for their
    browser-side timestamps: the driver's own event delivery lags behind when
    the two cores are busy, which would blur messages-per-second figures.
    """

    def __init__(self, page):
        self.frames = []  # (browser monotonic s, payload bytes or str)
        self._sockets = set()
        self._cdp = page.context.new_cdp_session(page)
        self._cdp.on("Network.webSocketCreated", self._created)
        self._cdp.on("Network.webSocketFrameReceived", self._frame)
        self._cdp.send("Network.enable")

    def _created(self, p):
        if "/api/kernels/" in p.get("url", ""):
            self._sockets.add(p["requestId"])

    def _frame(self, p):
        if p.get("requestId") not in self._sockets:
            return
        r = p["response"]
        data = r.get("payloadData", "")
        if r.get("opcode") == 2:
            data = base64.b64decode(data)
        self.frames.append((p["timestamp"], data))

    def seen(self, msg_type, since=0):
        """Whether a frame of msg_type has arrived (after mark since)."""
        return any(parse_frame(p)[1] == msg_type for _, p in self.frames[since:])

    def mark(self):
        return len(self.frames)

    def summary(self, start, end):
        """Counts and bytes of the frames in [start, end) (marks)."""
        out = {"frames": 0, "frame_bytes": 0, "output_msgs": 0, "output_bytes": 0,
               "max_output_msg_bytes": 0, "output_times": [], "by_type": {}}
        for t, payload in self.frames[start:end]:
            size = frame_size(payload)
            out["frames"] += 1
            out["frame_bytes"] += size
            channel, mtype = parse_frame(payload)
            if channel == "iopub" and mtype in OUTPUT_TYPES:
                out["output_msgs"] += 1
                out["output_bytes"] += size
                out["max_output_msg_bytes"] = max(out["max_output_msg_bytes"], size)
                out["output_times"].append(t)
                out["by_type"][mtype] = out["by_type"].get(mtype, 0) + 1
        times = out.pop("output_times")
        out["peak_msgs_per_s"] = peak_per_window(times, 1.0)
        out["output_span_s"] = times[-1] - times[0] if times else 0.0
        return out


def peak_per_window(times, window):
    """The most events in any window of the given length."""
    best, j = 0, 0
    for i, t in enumerate(times):
        while times[j] <= t - window:
            j += 1
        best = max(best, i - j + 1)
    return best


# --- tokens and statistics -----------------------------------------------------

@functools.lru_cache(maxsize=None)
def bench_format():
    """Bench mode's token format as the offline provider prints it (-print-bench):
    {"paragraph": offline.BenchParagraph, "pattern": offline.BenchPattern}."""
    root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    p = subprocess.run(["go", "run", "./cmd/offline-provider", "-print-bench"], cwd=root,
                       capture_output=True, text=True)
    if p.returncode != 0:
        raise RuntimeError("cannot ask the offline provider for its bench format (go run "
                           "./cmd/offline-provider -print-bench): " + p.stderr.strip())
    return json.loads(p.stdout)


@functools.lru_cache(maxsize=None)
def token_re():
    """offline.BenchPattern, compiled (it means the same in Python)."""
    return re.compile(bench_format()["pattern"])


def answer_bytes(n):
    """UTF-8 size of a bench answer of n tokens (offline.BenchToken)."""
    paragraph = bench_format()["paragraph"]
    total = 0
    for i in range(n):
        sep = 2 if i > 0 and i % paragraph == 0 else 1
        total += sep + 3 + len(str(i)) + 1 + SEND_TIME_DIGITS + 3
    return total


def token_seqs(text):
    return {int(m.group(1)) for m in token_re().finditer(text)}


def percentile(values, p):
    """Nearest-rank percentile of values (p in 0..100); None when empty."""
    if not values:
        return None
    v = sorted(values)
    k = max(0, min(len(v) - 1, int(-(-p * len(v) // 100)) - 1))
    return v[k]


def median(values):
    v = sorted(x for x in values if x is not None)
    if not v:
        return None
    m = len(v) // 2
    return v[m] if len(v) % 2 else (v[m - 1] + v[m]) / 2
