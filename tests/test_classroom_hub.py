"""The classroom hub for real: JupyterHub 6 and configurable-http-proxy on 127.0.0.1,
started by classroom/start.sh from the shared install classroom/install.sh makes,
three students who are real Unix users, the class relay as its own user, and a fake
AI provider on 127.0.0.1 that records the Authorization headers it gets.

- One student logs in through the hub's login page in Chromium, runs the lesson
  under /user/NAME/ (the answer streams through the relay) and answers a quiz
  question, saved in their home and owned by them.
- Two more run the streaming cell through the hub's kernel websocket at the same
  time, with a class-wide limit of one upstream request at once: one waits (the
  relay sends its waiting comment) and both answers complete.
- The provider saw the teacher's key on every request; no student's output,
  environment, home or process list holds it, and their cells cannot read the
  relay's key file or environment.
- One student's token reaches neither another's server nor their files; an
  over-limit request shows the lesson's 429 message.
- The teacher's class view, open in Chromium and never reloaded, shows each answer
  three students give in JupyterLab (markup in an answer stays text); students get 403.

Needs root (CI runs as root): it creates Unix users and removes them, their homes
and their processes afterwards, even when a check fails. The shared install goes
to $CLASSROOM_TEST_DIR (default /opt/golessons-test) and is kept, like a build
cache: the next run only checks it (classroom/install.sh is idempotent).
"""
import grp
import hashlib
import json
import os
import pwd
import re
import secrets
import shutil
import subprocess
import tempfile
import threading
import time
import urllib.request

import pytest

from conftest import ROOT
from harness import lesson
from harness.axe import run_axe
from harness.upstream import FakeUpstream
from harness.classroom import (TIMEOUT, browser_login, install, Hub, Kernel, Names, as_user, http,  # noqa: F401
                               pids_of, proc_read, remove_stale_users, remove_users, status_no_redirect)

if os.geteuid() != 0:
    pytest.skip(
        "the classroom hub test needs root: it creates real Unix users for three students "
        "and the relay (CI runs as root)",
        allow_module_level=True,
    )

INSTALL = os.environ.get("CLASSROOM_TEST_DIR", "/opt/golessons-test")
TEACHER_KEY = "fake-or-v1-TEACHER-" + secrets.token_hex(20)
NAMES = Names("t")  # unique user names for this run
PREFIX = NAMES.prefix
STUDENTS = {"a": PREFIX + "-ada", "b": PREFIX + "-bob", "c": PREFIX + "-cy", "d": PREFIX + "-dee"}  # d signs up
TEACHER, GROUP, RELAY_USER = NAMES.teacher, NAMES.group, NAMES.relay_user
ANSWER = "FAKE-UPSTREAM says: feed a Bankhar twice a day, good meat and rice."
PIECES = 40  # the streamed answer comes in this many chunks...
PIECE_GAP = 0.15  # ...this far apart (6 s: long enough for a second student to wait)

# The lessons, found in notebooks/ (harness/lesson.py): students land on the first; the
# relay's tests drive the streaming lesson (lesson.LESSON), whose answers file is ANSWERS.
FIRST = os.path.basename(lesson.LESSONS[0])
STREAMING = os.path.basename(lesson.LESSON)
ANSWERS = STREAMING[:-len(".ipynb")] + ".answers.json"

# The lesson's cells, found by their tags (harness/lesson.py); the constants
# are the keys, and a line of each cell's text to find it on the page.
CONNECT, MODEL, MESSAGES, STREAM, FREEFORM = "func newClient()", "const MODEL", "var messages", "helpers.NewPrinter()", "“freeform”"
TAGS = {CONNECT: "connect", MODEL: "model", MESSAGES: "messages", STREAM: "stream-loop"}


def lesson_code():
    code = {k: lesson.source(tag) for k, tag in TAGS.items()}
    for k, src in code.items():
        assert k in src, f"the lesson's {TAGS[k]} cell no longer holds {k!r}: update this test's constants"
    return code


def code_cell_index(text):
    """The index among the lesson's code cells of the quiz cell holding text."""
    nb = lesson.read()
    code = [i for i, c in enumerate(nb.cells) if c.cell_type == "code"]
    quiz = [i for i in lesson.cell_indexes("quiz", nb) if text in nb.cells[i].source]
    assert quiz, f"no quiz cell of the lesson holds {text!r}"
    return code.index(quiz[0])


def browser_harness():
    """(cell_with, launch) of the shared browser harness (harness/lab.py)."""
    from harness.lab import cell_with, launch
    return cell_with, launch


# --- The fixture: install, hub, three students. ---

@pytest.fixture(scope="module")
def classroom(artifacts):
    remove_stale_users(INSTALL, "t")
    install_s = install(INSTALL)
    tmp = tempfile.mkdtemp(prefix="classroom-test-")
    upstream = FakeUpstream(ANSWER, PIECES, PIECE_GAP)
    hub = None
    try:
        t1 = time.time()
        relay_config = {
            "upstream": {"base_url": upstream.url, "requests_per_minute": 0, "max_concurrent": 1},
            "student": {"requests_per_minute": 2, "requests_per_day": 0, "concurrent_streams": 2},
            "queue": {"keepalive": "1s"},
        }
        hub = Hub(tmp, os.path.join(artifacts, "classroom-hub.log"), INSTALL, NAMES, relay_config, key=TEACHER_KEY)
        hub_s = time.time() - t1
        csv_path = os.path.join(tmp, "class.csv")
        with open(csv_path, "w") as f:
            f.write("name,username\n")
            f.write(f"Ada Lovelace,{STUDENTS['a']}\nBob Builder,{STUDENTS['b']}\nCy Young,{STUDENTS['c']}\n")
        out = hub.accounts("add", csv_path, "--url", hub.url + "/")
        passwords = json.load(open(os.path.join(hub.state, "hub", "first-passwords.json")))
        print(f"\ninstall check {install_s:.1f} s, hub up {hub_s:.1f} s\n{out}")
        yield {"hub": hub, "upstream": upstream, "passwords": passwords, "tmp": tmp, "kernels": {}, "outputs": [],
               "timings": {"install": install_s, "hub": hub_s}}
    finally:
        if hub is not None:
            hub.stop()
        upstream.stop()
        remove_users(list(STUDENTS.values()) + [TEACHER, RELAY_USER], GROUP)
        remove_users([], RELAY_USER)  # the relay's own group (useradd --user-group)
        shutil.rmtree(tmp, ignore_errors=True)


def home(name):
    return pwd.getpwnam(name).pw_dir


# --- The tests, in order. ---

def test_setup_users_relay_and_key_file(classroom):
    """Students are Unix users with 0700 homes; the relay runs as its own user with its key file 0600."""
    hub = classroom["hub"]
    for name in (STUDENTS["a"], STUDENTS["b"], STUDENTS["c"]):
        pw = pwd.getpwnam(name)
        st = os.stat(pw.pw_dir)
        assert st.st_uid == pw.pw_uid and st.st_mode & 0o777 == 0o700, (name, oct(st.st_mode))
        assert pw.pw_gid == grp.getgrnam(GROUP).gr_gid
    relay = pwd.getpwnam(RELAY_USER)
    keyfile = os.path.join(hub.state, "relay", "openrouter.key")
    st = os.stat(keyfile)
    assert st.st_uid == relay.pw_uid and st.st_mode & 0o777 == 0o600
    assert open(keyfile).read().strip() == TEACHER_KEY
    relay_pids = [p for p in pids_of(relay.pw_uid) if b"class-relay" in proc_read(p, "cmdline")]
    assert relay_pids, "the relay is not running as " + RELAY_USER
    assert any(b"jupyterhub_idle_culler" in proc_read(p, "cmdline") for p in pids_of(0)), "no idle culler"
    classroom["relay_pid"] = relay_pids[0]
    hub_pid = int(open(os.path.join(hub.state, "hub", "jupyterhub.pid")).read())
    # The hub itself was started without the key.
    assert TEACHER_KEY.encode() not in proc_read(hub_pid, "environ")
    assert TEACHER_KEY not in open(os.path.join(INSTALL, "go.env")).read()
    cards = open(os.path.join(hub.state, "hub", "login-cards.html")).read()
    assert all(STUDENTS[k] in cards for k in "abc") and "Ada Lovelace" in cards
    assert os.stat(os.path.join(hub.state, "hub", "login-cards.html")).st_mode & 0o077 == 0


def test_browser_student_runs_lesson_and_answers_quiz(classroom, artifacts):
    """Ada logs in through the hub's login page; the lesson streams the answer through
    the relay; her quiz answer is saved in her home, owned by her."""
    from playwright.sync_api import sync_playwright

    cell_with, launch = browser_harness()

    hub, name = classroom["hub"], STUDENTS["a"]
    with sync_playwright() as pw:
        browser = launch(pw)
        page = browser.new_page(viewport={"width": 1200, "height": 2000})
        try:
            page.goto(hub.url + "/hub/login")
            page.fill("#username_input", name)
            page.fill("#password_input", classroom["passwords"][name]["password"])
            page.click("#login_submit")
            page.wait_for_url(re.compile(f"/user/{name}/lab"), timeout=TIMEOUT * 1000)
            page.wait_for_selector(".jp-NotebookPanel .jp-Notebook .jp-Cell", timeout=TIMEOUT * 1000)
            assert f"/user/{name}/lab/tree/lessons/{FIRST}" in page.url  # the first lesson
            if FIRST != STREAMING:  # the streaming lesson, alone in a fresh workspace
                page.goto(f"{hub.url}/user/{name}/lab/tree/lessons/{STREAMING}?reset")
                page.wait_for_selector(".jp-NotebookPanel .jp-Notebook .jp-Cell", timeout=TIMEOUT * 1000)
            page.wait_for_function(
                "() => { const b = document.querySelector('#jp-main-statusbar');"
                " return b && /Go \\(gonb\\) \\| (Idle|Unknown)/.test(b.innerText); }",
                timeout=TIMEOUT * 1000,
            )
            t0 = time.time()
            for i, text in enumerate([CONNECT, MODEL, MESSAGES, STREAM]):
                cell = cell_with(page, text)
                cell.locator(".jp-InputArea-editor").click()
                page.keyboard.press("Shift+Enter")
                cell.locator(".jp-InputPrompt").filter(has_text=re.compile(r"\[\d+\]")).wait_for(timeout=TIMEOUT * 1000)
                if i == 0:
                    classroom["timings"]["first_cell"] = time.time() - t0
            cell = cell_with(page, STREAM)
            page.wait_for_function(
                "([el, want]) => el.innerText.includes(want)",
                arg=[cell.element_handle(), ANSWER], timeout=60_000,
            )
            classroom["timings"]["browser_lesson"] = time.time() - t0
            cell.scroll_into_view_if_needed()
            page.screenshot(path=os.path.join(artifacts, "classroom-student-answer.png"))
            connect_text = cell_with(page, CONNECT).locator(".jp-OutputArea").inner_text()
            classroom["outputs"].append(page.locator(".jp-Notebook").inner_text())
            # A quiz question, answered and saved through the student's own server.
            # Its source is collapsed in the lesson: open it, then run it.
            quiz = page.locator(".jp-CodeCell").nth(code_cell_index(FREEFORM))
            if quiz.locator(".jp-InputPlaceholder").count():
                quiz.locator(".jp-InputPlaceholder").click()
            quiz.locator(".jp-InputArea-editor").click()
            page.keyboard.press("Shift+Enter")
            widget = quiz.locator(".gq-quiz:not([data-question-type=reflection])")
            widget.locator(".gq-input").wait_for(timeout=TIMEOUT * 1000)
            widget.locator(".gq-input").fill("Stream")
            widget.locator(".gq-input").press("Enter")
            page.wait_for_function("document.querySelector('.gq-quiz:not([data-question-type=reflection])').dataset.saveState === 'saved'", timeout=30_000)
            page.screenshot(path=os.path.join(artifacts, "classroom-student-lesson.png"), full_page=True)
        except Exception:
            page.screenshot(path=os.path.join(artifacts, "classroom-student-failed.png"), full_page=True)
            raise
        finally:
            browser.close()
    assert "127.0.0.1" in connect_text, connect_text
    answers = os.path.join(home(name), "lessons", ANSWERS)
    st = os.stat(answers)
    assert st.st_uid == pwd.getpwnam(name).pw_uid
    assert "Stream" in open(answers, encoding="utf-8").read()
    # The request reached the provider with the teacher's key, through the relay.
    assert f"Bearer {TEACHER_KEY}" in classroom["upstream"].auth


def test_two_students_stream_at_once_through_the_queue(classroom):
    """Bob and Cy run the streaming cell at the same moment through the kernel websocket;
    the class allows one upstream request at once, so one waits, and both complete."""
    hub, up = classroom["hub"], classroom["upstream"]
    code = lesson_code()
    kernels = {}
    for key in ("b", "c"):
        name = STUDENTS[key]
        t0 = time.time()
        hub.start_server(name)
        classroom["timings"][f"spawn_{key}"] = time.time() - t0
        token = hub.token_for(name)
        classroom.setdefault("tokens", {})[key] = token
        k = Kernel(hub, name, token)
        for cell in (CONNECT, MODEL, MESSAGES):
            out, err, secs = k.execute(code[cell])
            assert err is None, out
            classroom["outputs"].append(out)
            if cell == CONNECT:
                classroom["timings"][f"first_cell_{key}"] = secs
        kernels[key] = k
    classroom["kernels"] = kernels
    before = len(up.auth)
    up.max_active = 0
    results = {}

    def run(key):
        results[key] = kernels[key].execute(code[STREAM])

    threads = [threading.Thread(target=run, args=(k,)) for k in ("b", "c")]
    for t in threads:
        t.start()
    for t in threads:
        t.join(TIMEOUT + 10)
    for key in ("b", "c"):
        out, err, secs = results[key]
        classroom["outputs"].append(out)
        assert err is None and ANSWER in out, out[-2000:]
    assert up.max_active == 1, "the class-wide limit of one upstream request at once was not kept"
    assert len(up.auth) - before == 2
    # The relay queued one of them and sent it the waiting comment (the relay logs each wait).
    time.sleep(0.5)
    waited = [n for n, _ in re.findall(r"class-relay: (\S+) stream .*waited [0-9.]+m?s \((\d+) ahead\)", hub.output())
              if n in (STUDENTS["b"], STUDENTS["c"])]
    assert waited, hub.output()[-3000:]
    waiter = "b" if waited[0] == STUDENTS["b"] else "c"
    first_outputs = {k: v[0] for k, v in results.items()}
    # The comment itself, on the wire: a raw request while another student's answer streams.
    raw = {}

    def direct():
        req = urllib.request.Request(
            f"http://127.0.0.1:{hub.env['CLASSROOM_RELAY_PORT']}/services/class-relay/v1/chat/completions",
            data=json.dumps({"model": "openai/gpt-oss-120b:free", "stream": True,
                             "messages": [{"role": "user", "content": "hi"}]}).encode(),
            headers={"Authorization": "Bearer " + classroom["tokens"]["c"], "Content-Type": "application/json"})
        with urllib.request.urlopen(req, timeout=60) as r:
            raw["body"] = r.read().decode()

    t = threading.Thread(target=run, args=("b",))
    t.start()
    deadline = time.time() + 60
    while up.active == 0 and time.time() < deadline:  # until Bob's request holds the one upstream turn
        time.sleep(0.05)
    direct()
    t.join(TIMEOUT)
    classroom["outputs"].append(results["b"][0])
    assert re.search(r"^: waiting for a free turn, \d+ ahead$", raw["body"], re.M), raw["body"][:500]
    assert ANSWER.split()[0] in raw["body"] and "data: [DONE]" in raw["body"]
    # The lesson showed the waiting student where they stood, then their turn (the helpers
    # read the relay's comments).
    out = first_outputs[waiter]
    assert "Waiting for a free turn" in out and "Your turn came after" in out, out[-2000:]
    assert "Waiting for a free turn" not in first_outputs["c" if waiter == "b" else "b"]


def test_each_student_server_has_a_port_of_its_own(classroom):
    """Students' servers listen on ports from their user ids (jupyterhub_config.py
    student_port), not random ones two servers started at once could share."""
    hub = classroom["hub"]
    ports = {}
    for key in ("b", "c"):
        name = STUDENTS[key]
        hub.start_server(name)
        uid = pwd.getpwnam(name).pw_uid
        urls = [re.search(rb"JUPYTERHUB_SERVICE_URL=http://[^:]+:(\d+)/", proc_read(pid, "environ"))
                for pid in pids_of(uid) if b"jupyterhub-singleuser" in proc_read(pid, "cmdline")]
        found = {int(m.group(1)) for m in urls if m}
        assert len(found) == 1, f"{name}'s server ports: {found}"
        ports[name] = found.pop()
        assert 20000 <= ports[name] < 32000, ports
        assert ports[name] == 20000 + uid % 12000, (name, uid, ports[name])
    assert len(set(ports.values())) == len(ports), ports


def sha256_of(path):
    with open(path, "rb") as f:
        return hashlib.sha256(f.read()).hexdigest()


def test_lesson_cells_are_copied_from_the_install_not_built(classroom):
    """The install pre-built the lesson's cells (tools/fill_cell_cache.py into the cell
    cache tools/gonb-go/go reads): a student's kernel that runs the lesson's cells gets the
    install's very program, not a build of its own; no student can add or replace one."""
    hub = classroom["hub"]
    cache = os.path.join(INSTALL, "cellcache")
    st = os.stat(cache)
    assert st.st_uid == 0 and not st.st_mode & 0o022, oct(st.st_mode)
    programs = {sha256_of(os.path.join(cache, f)): f for f in os.listdir(cache) if len(f) == 64}
    assert len(programs) >= 4, f"the install pre-built {len(programs)} cells"
    name = STUDENTS["c"]
    kernel = (classroom.get("kernels") or {}).get("c")
    if kernel is None:  # this test alone: run the lesson's first cell
        hub.start_server(name)
        kernel = Kernel(hub, name, hub.token_for(name))
        out, err, _ = kernel.execute(lesson_code()[CONNECT])
        assert err is None, out
    # The program of the student's last cell, in their kernel's GoNB folder.
    uid = pwd.getpwnam(name).pw_uid
    folders = [os.path.join("/tmp", d) for d in os.listdir("/tmp") if d.startswith("gonb_")]
    binaries = [os.path.join(d, os.path.basename(d)) for d in folders if os.stat(d).st_uid == uid]
    binaries = [b + ".cell" if os.path.isfile(b + ".cell") else b for b in binaries]  # beside bin/cell-run
    binaries = [b for b in binaries if os.path.isfile(b)]
    assert binaries, f"no GoNB folder of {name} in /tmp"
    assert any(sha256_of(b) in programs for b in binaries), "the student's cell was built, not copied"
    assert all(os.stat(b).st_uid == uid for b in binaries)  # the copy is the student's own file
    key = next(iter(programs.values()))
    for cmd in (f"echo x > {cache}/new", f"cp /bin/true {cache}/{key}", f"rm -f {cache}/{key}",
                f"mv {cache}/STAMP {cache}/x"):
        p = as_user(name, "sh", "-c", cmd)
        assert p.returncode != 0, f"a student could: {cmd}"
    assert sha256_of(os.path.join(cache, key)) in programs


def test_over_limit_request_shows_the_lessons_429_message(classroom):
    """Two requests a minute per student (this test's relay.json): Bob's next run is refused."""
    k = classroom["kernels"]["b"]
    code = lesson_code()[STREAM]
    for _ in range(6):
        out, err, secs = k.execute(code)
        classroom["outputs"].append(out)
        if "429" in out:
            break
    assert "more than your class allows" in out and "429" in out, out[-2000:]
    assert re.search(r"class-relay: \S+ .*429|class-relay: %s: 429 requests_per_minute" % STUDENTS["b"], classroom["hub"].output())


def test_key_stays_with_the_relay(classroom):
    """The provider saw the teacher's key; no student's output, environment, home or
    process list holds it; a cell cannot read the relay's key file or environment."""
    hub, up = classroom["hub"], classroom["upstream"]
    assert up.auth and all(a == f"Bearer {TEACHER_KEY}" for a in up.auth), set(up.auth)
    key = TEACHER_KEY.encode()
    k = classroom["kernels"]["b"]
    keyfile = os.path.join(hub.state, "relay", "openrouter.key")
    relay_pid = classroom["relay_pid"]
    out, err, _ = k.execute(f'''%%
for _, p := range []string{{"{keyfile}", "/proc/{relay_pid}/environ", "/proc/{relay_pid}/cmdline"}} {{
	b, err := os.ReadFile(p)
	fmt.Printf("%s: %d bytes, err=%v\\n", p, len(b), err)
}}
fmt.Println("env:", len(os.Environ()))
''')
    classroom["outputs"].append(out)
    assert f"{keyfile}: 0 bytes, err=open {keyfile}: permission denied" in out, out
    assert f"/proc/{relay_pid}/environ: 0 bytes, err=open /proc/{relay_pid}/environ: permission denied" in out, out
    for text in classroom["outputs"]:
        assert TEACHER_KEY not in text
    for name in (STUDENTS["a"], STUDENTS["b"], STUDENTS["c"]):
        pw = pwd.getpwnam(name)
        pids = pids_of(pw.pw_uid)
        cmds = [proc_read(p, "cmdline") for p in pids]
        assert any(b"jupyterhub-singleuser" in c for c in cmds), (name, cmds)
        assert any(b"gonb" in c for c in cmds), (name, cmds)
        rss = sum(int(m.group(1)) for m in (re.search(rb"VmRSS:\s+(\d+)", proc_read(p, "status")) for p in pids) if m)
        classroom["timings"]["rss_mb_" + name.rsplit("-", 1)[1]] = rss / 1024
        for p in pids:
            assert key not in proc_read(p, "environ"), (name, p, proc_read(p, "cmdline"))
            assert key not in proc_read(p, "cmdline")
        env = [proc_read(p, "environ") for p in pids if b"gonb" in proc_read(p, "cmdline")][0]
        assert b"GOLESSONS_CLASS_RELAY=1" in env and b"/services/class-relay/v1" in env
        ps = as_user(name, "ps", "-eo", "pid,user,args", "--no-headers")
        assert ps.returncode == 0 and TEACHER_KEY not in ps.stdout
        for d, _, files in os.walk(pw.pw_dir):
            for f in files:
                path = os.path.join(d, f)
                if os.path.isfile(path) and not os.path.islink(path):
                    with open(path, "rb") as fh:
                        assert key not in fh.read(), path
    assert TEACHER_KEY not in hub.output()


def test_students_cannot_reach_each_other(classroom):
    """Bob's token reaches neither Cy's server nor her files; his cells cannot read her home."""
    hub = classroom["hub"]
    bob, cy = STUDENTS["b"], STUDENTS["c"]
    tok = classroom["tokens"]["b"]
    for path in ("api/contents", f"api/contents/lessons/{FIRST}", "api/kernels", "lab"):
        status = status_no_redirect(f"{hub.url}/user/{cy}/{path}", tok)
        assert status in (403, 404), (path, status)
    status, _ = http("POST", f"{hub.url}/user/{cy}/api/kernels", tok, {"name": "gonb"})
    assert status in (403, 404)
    status, _ = http("GET", f"{hub.url}/hub/api/users/{cy}", tok)
    assert status in (403, 404)
    # His own server answers him.
    status, r = http("GET", f"{hub.url}/user/{bob}/api/contents/lessons", tok)
    assert status == 200 and {c["name"] for c in r["content"]} >= {os.path.basename(p) for p in lesson.LESSONS}
    out, err, _ = classroom["kernels"]["b"].execute(f'''%%
_, err := os.ReadDir("{home(cy)}")
fmt.Println("readdir:", err)
_, err = os.ReadFile("{home(STUDENTS['a'])}/lessons/{ANSWERS}")
fmt.Println("readfile:", err)
''')
    assert "readdir: open" in out and out.count("permission denied") == 2, out


def test_lessons_handed_out_and_never_overwritten(classroom):
    """Every lesson is handed out (and the lessons' order file is not); Cy's edits to each
    survive a restart of her server; a new lesson appears. (It needs no earlier test.)"""
    hub, cy = classroom["hub"], STUDENTS["c"]
    names = [os.path.basename(p) for p in lesson.LESSONS]
    if "c" not in classroom.get("tokens", {}):
        hub.start_server(cy)
        classroom.setdefault("tokens", {})["c"] = hub.token_for(cy)
    tok = classroom["tokens"]["c"]
    handed = sorted(os.listdir(os.path.join(home(cy), "lessons")))
    assert set(names) <= set(handed) and "lessons.json" not in handed, handed
    for n in names:
        mine = os.path.join(home(cy), "lessons", n)
        nb = json.load(open(mine, encoding="utf-8"))
        nb["cells"].append({"cell_type": "markdown", "metadata": {}, "source": f"My own note on {n}, keep it."})
        status, r = http("PUT", f"{hub.url}/user/{cy}/api/contents/lessons/{n}", tok,
                         {"type": "notebook", "format": "json", "content": nb})
        assert status == 200, (n, status, r)
    new = os.path.join(INSTALL, "src", "notebooks", f"{PREFIX}-new-lesson.ipynb")
    shutil.copy(os.path.join(INSTALL, "src", "notebooks", names[-1]), new)
    os.chmod(new, 0o644)
    try:
        kernel = classroom.get("kernels", {}).pop("c", None)
        uid = pwd.getpwnam(cy).pw_uid
        if kernel is not None:
            kernel.ws.close()  # her kernel keeps running
            assert any(b"gonb" in proc_read(p, "cmdline") for p in pids_of(uid))
        hub.stop_server(cy)  # as the idle culler does
        deadline = time.time() + 30
        while pids_of(uid) and time.time() < deadline:
            time.sleep(0.5)
        left = [proc_read(p, "cmdline").replace(b"\0", b" ")[:120] for p in pids_of(uid)]
        assert not left, f"stopping her server left her processes running: {left}"
        hub.start_server(cy)
    finally:
        os.remove(new)
    for n in names:
        assert f"My own note on {n}, keep it." in open(os.path.join(home(cy), "lessons", n), encoding="utf-8").read()
    got = os.path.join(home(cy), "lessons", os.path.basename(new))
    assert os.path.exists(got) and os.stat(got).st_uid == pwd.getpwnam(cy).pw_uid
    gocache = os.path.join(home(cy), ".cache", "go-build")
    assert os.stat(gocache).st_uid == pwd.getpwnam(cy).pw_uid
    print("\ntimings (s):", json.dumps({k: round(v, 1) for k, v in classroom["timings"].items()}))


def test_signup_with_teacher_approval(classroom, artifacts):
    """Dee signs up at /hub/signup; she cannot log in until the teacher authorises her at
    /hub/authorize; then her server starts as a new Unix user of the class (the hub's
    pre-spawn hook), with the lessons. An existing system account is never used."""
    from playwright.sync_api import sync_playwright

    _, launch = browser_harness()

    hub, name = classroom["hub"], STUDENTS["d"]
    password = "dee-" + secrets.token_hex(6)
    teacher_pw = open(os.path.join(hub.state, "hub", "teacher-password.txt")).read().strip()

    def login(page, user, pw):
        page.goto(hub.url + "/hub/login")
        page.fill("#username_input", user)
        page.fill("#password_input", pw)
        page.click("#login_submit")

    with sync_playwright() as p:
        browser = launch(p)
        try:
            student = browser.new_context().new_page()
            student.goto(hub.url + "/hub/signup")
            student.fill("#username_input", name)
            student.fill("#password_input", password)
            student.fill("#password_confirmation_input", password)
            student.click("#signup_submit")
            student.wait_for_load_state()
            assert "sent to the admin" in student.inner_text("body"), student.inner_text("body")
            login(student, name, password)
            assert "has not been authorized" in student.inner_text("body"), student.inner_text("body")

            teacher = browser.new_context().new_page()
            login(teacher, TEACHER, teacher_pw)
            teacher.wait_for_url(re.compile(r"/(hub|user)/"), timeout=60_000)
            teacher.goto(hub.url + "/hub/authorize")
            teacher.click(f"a[href$='/authorize/{name}']")
            teacher.wait_for_load_state()
            teacher.screenshot(path=os.path.join(artifacts, "classroom-teacher-authorize.png"), full_page=True)
            if os.path.exists(os.path.join(INSTALL, "bin", "class-view")):
                # The teacher's live view of the class (cmd/class-view), a hub service.
                teacher.goto(hub.url + "/services/class-view/")
                teacher.wait_for_selector("h1", timeout=60_000)
                assert "Class view" in teacher.inner_text("h1"), teacher.inner_text("body")[:2000]
                teacher.wait_for_function("want => document.body.innerText.includes(want)", arg=STUDENTS["a"], timeout=30_000)
                teacher.screenshot(path=os.path.join(artifacts, "classroom-class-view.png"), full_page=True)

            login(student, name, password)
            student.wait_for_url(re.compile(f"/user/{name}/lab"), timeout=TIMEOUT * 1000)
        finally:
            browser.close()
    pw = pwd.getpwnam(name)
    assert pw.pw_gid == grp.getgrnam(GROUP).gr_gid and pw.pw_dir.startswith(hub.homes)
    assert os.stat(pw.pw_dir).st_mode & 0o777 == 0o700
    assert all(os.path.exists(os.path.join(pw.pw_dir, "lessons", os.path.basename(p))) for p in lesson.LESSONS)
    # The hook refuses an account of the server that is not in the class group.
    p = subprocess.run([os.path.join(INSTALL, "venv", "bin", "python"), "-c",
                        "import accounts; accounts.ensure_unix_user('daemon')"],
                       cwd=os.path.join(ROOT, "classroom"), env=hub.env, capture_output=True, text=True)
    assert p.returncode != 0 and "not in the class group" in p.stderr, p.stderr


# --- The teacher's live class view while three students answer in Chromium. ---

HOSTILE_IMG = '<img src=x onerror="window.__pwned=1">'
HOSTILE_SCRIPT = "</script><script>window.__pwned=1</script>"
# What each student does with the lesson's three quiz widgets, in order:
# (question index, answer, the widget's verdict).
QUIZ_PLAN = [
    ("a", [(0, "Stream: true", "correct"), (1, "True", "correct")]),
    ("b", [(0, HOSTILE_IMG, "incorrect"), (2, "a", "incorrect")]),
    ("c", [(0, HOSTILE_SCRIPT, "incorrect"), (0, "stream=True", "correct"), (2, "a", "incorrect")]),
]

# The class view as its page shows it, read from the DOM (textContent, so that
# closed <details> count too), and the marks that say whether it was reloaded.
CLASS_VIEW_STATE = r"""() => {
    const t = e => e ? e.textContent.replace(/\s+/g, ' ').trim() : '';
    const questions = Array.from(document.querySelectorAll('#questions tbody tr'), tr => {
        const td = tr.querySelectorAll('td');
        return {text: tr.querySelector('th').firstChild.textContent.trim(), answered: t(td[0]), correct: t(td[1]),
                meters: Array.from(tr.querySelectorAll('meter'), m => m.value),
                wrong: Array.from(tr.querySelectorAll('.wrong-answers li'), t)};
    });
    const table = Array.from(document.querySelectorAll('section[aria-labelledby=students-h] tbody tr'), tr => {
        const td = Array.from(tr.querySelectorAll('td'), t);
        return {name: t(tr.querySelector('th')), server: td[0], totals: td.slice(-3)};
    });
    const students = Array.from(document.querySelectorAll('#live details'), d => ({
        id: d.id, open: d.open, summary: t(d.querySelector('summary')),
        answers: Array.from(d.querySelectorAll('tbody tr'), tr => {
            const td = tr.querySelectorAll('td');
            return {question: t(tr.querySelector('th')), answered: !td[0].classList.contains('muted'),
                    right: !!td[0].querySelector(':scope > .right'), latest: t(td[0].querySelector(':scope > q')),
                    attempts: t(td[1]), history: tr.querySelectorAll('.history li').length};
        })}));
    return {questions, table, students, pwned: typeof window.__pwned, images: document.images.length,
            scripts: Array.from(document.scripts, s => s.src), noReload: window.__noReload,
            origin: performance.timeOrigin, url: location.href,
            connection: t(document.getElementById('connection')), updated: t(document.getElementById('updated'))};
}"""


def share(n, of):
    return f"{n} of {of} ({100 * n / of:.0f}%)"


def view_of(state):
    """What the test compares of the page: per question and per student."""
    answers = {}
    for s in state["students"]:
        m = re.match(r"(.+?): (\d+) of \d+ correct, .*?(\d+) attempts", s["summary"])
        assert m, s["summary"]
        answers[m.group(1)] = {"summary": (int(m.group(2)), int(m.group(3))), **{
            a["question"]: (a["answered"], a["right"], a["latest"], a["attempts"], a["history"]) for a in s["answers"]}}
    return {"questions": [(q["text"], q["answered"], q["correct"], q["wrong"]) for q in state["questions"]],
            "table": {r["name"]: r["totals"] for r in state["table"]}, "answers": answers}


def model_of(state):
    """{student: {question text: {answered, right, latest, attempts}}} from the page as it is."""
    return {s["summary"].split(":")[0]: {a["question"]: {
        "answered": a["answered"], "right": a["right"], "latest": a["latest"], "attempts": int(a["attempts"])}
        for a in s["answers"]} for s in state["students"]}


def expected_view(model, texts):
    """view_of the page that shows model: the shares, the three most common wrong
    answers, each student's totals and answers."""
    n, questions, table, answers = len(model), [], {}, {}
    for qt in texts:
        cells = [m[qt] for m in model.values()]
        wrong = {}
        for c in cells:
            if c["answered"] and not c["right"]:
                wrong[c["latest"]] = wrong.get(c["latest"], 0) + 1
        top = sorted(wrong.items(), key=lambda kv: (-kv[1], kv[0]))[:3]
        questions.append((qt, share(sum(c["answered"] for c in cells), n), share(sum(c["right"] for c in cells), n),
                          [f"{a} × {k}" for a, k in top]))
    for name, m in model.items():
        right, done, tries = (sum(c[k] for c in m.values()) for k in ("right", "answered", "attempts"))
        table[name] = [f"{right} of {len(texts)}", str(done), str(tries)]
        answers[name] = {"summary": (right, tries), **{
            qt: (c["answered"], c["right"], c["latest"], str(c["attempts"]), c["attempts"]) for qt, c in m.items()}}
    return {"questions": questions, "table": table, "answers": answers}


def wait_view(page, want, marks, timeout=30):
    """Poll the page (never reloading it) until it shows want; the state it shows."""
    deadline = time.time() + timeout
    while True:
        state = page.evaluate(CLASS_VIEW_STATE)
        assert (state["noReload"], state["origin"]) == marks, "the class view page was reloaded"
        got = view_of(state)
        if got == want:
            return state
        if time.time() > deadline:
            raise AssertionError("the class view did not show the change in %d s:\nwant %s\ngot  %s" % (
                timeout, json.dumps(want, ensure_ascii=False), json.dumps(got, ensure_ascii=False)))
        time.sleep(0.3)


def display(q, answer):
    """An answer as the class view shows it (a choice's key with its text)."""
    if q["question_type"] == "multiple_choice":
        return next(f"{o['key']}: {o['text']}" for o in q["options"] if o["key"] == answer)
    return answer


def saved_answer(name, question):
    """(answer, attempts) of question in name's answers file of the lesson."""
    path = os.path.join(pwd.getpwnam(name).pw_dir, "lessons", ANSWERS)
    try:
        with open(path, encoding="utf-8") as f:
            records = json.load(f).get("answers", {})
    except (OSError, ValueError):
        return None, 0
    r = next((r for r in records.values() if r.get("question") == question), {})
    return r.get("answer"), r.get("attempts", 0)


def run_quiz_cells(page):
    """Run the lesson's connect cell (its import of helpers) and three quiz cells (sources
    collapsed) in JupyterLab; wait for the new widgets (not those a saved notebook shows)."""
    page.evaluate("document.querySelectorAll('.gq-quiz:not([data-question-type=reflection])').forEach(e => e.dataset.old = '1')")
    indexes = [lesson.cell_index("connect")] + lesson.cell_indexes("quiz")
    for i in indexes:
        # JupyterLab attaches cells out of view lazily: scroll towards it, find it by its index.
        page.evaluate("i => document.querySelector('.jp-NotebookPanel .jp-WindowedPanel-outer').scrollTop = i ? 1e9 : 0",
                      i != indexes[0])
        cell = page.locator(f'.jp-NotebookPanel [data-windowed-list-index="{i}"]')
        cell.wait_for(timeout=60_000)
        cell.scroll_into_view_if_needed()
        if cell.locator(".jp-InputPlaceholder").count():
            cell.locator(".jp-InputPlaceholder").click()
        cell.locator(".jp-InputArea-editor").click()
        page.keyboard.press("Control+Enter")  # runs it in place (Shift+Enter adds a cell at the end)
    deadline = time.time() + TIMEOUT
    while True:
        ready, errors = page.evaluate("""cells => [
            document.querySelectorAll('.gq-quiz:not([data-question-type=reflection]):not([data-old])[data-gq-ready=true]').length === 3
                && document.querySelectorAll('.gq-quiz:not([data-question-type=reflection])').length === 3,
            cells.flatMap(i => Array.from(document.querySelectorAll(
                `.jp-NotebookPanel [data-windowed-list-index="${i}"] [data-mime-type="application/vnd.jupyter.stderr"]`),
                e => e.innerText)).join('\\n')]""", indexes)
        assert not errors, f"the lesson's cells failed: {errors[:2000]}"
        if ready:
            return
        assert time.time() < deadline, f"the quiz widgets were not ready in {TIMEOUT} s"
        time.sleep(0.5)


def refused_to_student(context, hub, name):
    """A student signed in to the hub opens the class view, its event stream and its
    downloads in a new tab: the status of each, as the browser got it."""
    got, page = {}, context.new_page()
    others = [n for n in STUDENTS.values() if n != name]
    for path in ("", "events", "gradebook.zip", "gradebook.csv", "gradebook.html"):
        r = page.goto(f"{hub.url}/services/class-view/{path}")
        body = page.inner_text("body")
        assert "Class view" not in body and not any(n in body for n in others), (path, body[:500])
        got[path] = (r.status, r.headers.get("content-type", "").split(";")[0])
    page.close()
    return got


def keyboard_download(page, artifacts):
    """Tab from the top of the class view: the skip link, sign-out, then the three
    downloads, each with a visible focus; Enter on the CSV link downloads it."""
    import csv

    page.evaluate("window.scrollTo(0, 0); document.activeElement && document.activeElement.blur()")
    page.mouse.click(3, 3)  # the body's margin: Tab starts from the top
    seen = []
    for _ in range(5):
        page.keyboard.press("Tab")
        seen.append(page.evaluate("""() => { const e = document.activeElement;
            return [e.tagName, e.innerText.trim(), e.getAttribute('href') || '', getComputedStyle(e).outlineStyle]; }"""))
    want = [("A", "#questions"), ("BUTTON", ""), ("A", "gradebook.zip"), ("A", "gradebook.csv"), ("A", "gradebook.html")]
    assert [(tag, href.rsplit("/", 1)[-1]) for tag, _, href, _ in seen] == want, seen
    assert all(outline != "none" for *_, outline in seen), f"a focused control shows no outline: {seen}"
    page.keyboard.press("Shift+Tab")  # back to the CSV link
    with page.expect_download() as dl:
        page.keyboard.press("Enter")
    path = os.path.join(artifacts, "classroom-class-view-gradebook.csv")
    dl.value.save_as(path)
    with open(path, encoding="utf-8", newline="") as f:
        return list(csv.reader(f))


def open_class_view(browser, hub, incidents):
    """The teacher signs in through the hub's login page and opens the class view: the
    page, once its live updates are on, and the marks a reload would lose. Dialogs,
    script errors, refusals by the page's CSP and page loads after this go to incidents."""
    teacher = browser.new_context(viewport={"width": 1280, "height": 1600}).new_page()
    teacher.on("dialog", lambda d: (incidents.append(("dialog", d.message)), d.dismiss()))
    teacher.on("pageerror", lambda e: incidents.append(("error", str(e))))
    teacher.on("console", lambda m: m.type == "error" and "Content Security Policy" in m.text
               and incidents.append(("csp", m.text)))
    password = open(os.path.join(hub.state, "hub", "teacher-password.txt")).read().strip()
    browser_login(teacher, hub.url, TEACHER, password)
    r = teacher.goto(hub.url + "/services/class-view/")
    assert r.status == 200 and "script-src 'self'" in r.headers.get("content-security-policy", ""), r.status
    # A function, not a string: the page's CSP refuses the eval a polled string needs.
    teacher.wait_for_function("() => document.getElementById('connection').textContent.includes('Live updates are on')",
                              timeout=30_000)
    marks = (1, teacher.evaluate("window.__noReload = 1; performance.timeOrigin"))
    teacher.on("load", lambda pg: incidents.append(("load", pg.url)))
    return teacher, marks


def class_roster(hub):
    """The class's students: the hub's users that are neither admins nor services."""
    status, users = hub.api("GET", "/users")
    assert status == 200, (status, users)
    return [u["name"] for u in users if not u.get("admin") and u.get("kind", "user") == "user"]


class LiveView:
    """The teacher's class view as the test watches it, and what it should show."""

    def __init__(self, page, marks, questions, offset=0, roster=None, timeout=30):
        """questions: every lesson's, in the students' order (the page shows them all);
        offset: where the questions of the lesson the students answer begin among them;
        roster: the class's students as the hub has them, which the page lists once it has
        asked the hub (every hub_poll): the model is taken from the page then."""
        self.page, self.marks, self.questions, self.offset = page, marks, questions, offset
        self.texts = [q["question"] for q in questions]
        deadline = time.time() + timeout
        while True:
            self.state = page.evaluate(CLASS_VIEW_STATE)
            self.model = model_of(self.state)
            if roster is None or set(self.model) == set(roster):
                break
            assert time.time() < deadline, f"the class view lists {sorted(self.model)}, the hub {sorted(roster)}"
            time.sleep(0.5)
        assert [q["text"] for q in self.state["questions"]] == self.texts, self.state["questions"]
        self.lag = 0.0
        self.wait()

    def wait(self, timeout=30):
        t = time.time()
        self.state = wait_view(self.page, expected_view(self.model, self.texts), self.marks, timeout)
        self.lag = max(self.lag, time.time() - t)
        assert self.state["pwned"] == "undefined" and self.state["images"] == 0, self.state
        assert [s.rsplit("/", 1)[-1] for s in self.state["scripts"]] == ["classview.js"], self.state["scripts"]

    def answered(self, name, i, answer, right, attempts):
        """Wait until the page shows name's answer to question i of the answered lesson."""
        i += self.offset
        self.model[name][self.texts[i]] = {"answered": True, "right": right,
                                           "latest": display(self.questions[i], answer), "attempts": attempts}
        self.wait()


def student_answers(browser, hub, password, name, steps, view, incidents):
    """name logs in through the hub's login page in a browser context of their own, runs
    the quiz in JupyterLab and gives each answer of steps; after each, the teacher's page
    shows it. Then the class view refuses them. Their context is closed."""
    from conftest import ARTIFACTS
    from harness.quizlab import give_answer

    context = browser.new_context(viewport={"width": 1200, "height": 2000})
    try:
        page = context.new_page()
        page.on("dialog", lambda d: (incidents.append((name, d.message)), d.dismiss()))
        browser_login(page, hub.url, name, password)
        page.wait_for_url(re.compile(f"/user/{name}/lab"), timeout=TIMEOUT * 1000)
        if FIRST != STREAMING:  # they land on the first lesson; the quiz they answer is the streaming one's
            page.goto(f"{hub.url}/user/{name}/lab/tree/lessons/{STREAMING}?reset")
        page.wait_for_function(
            "() => { const b = document.querySelector('#jp-main-statusbar');"
            " return b && /Go \\(gonb\\) \\| (Idle|Unknown)/.test(b.innerText); }", timeout=TIMEOUT * 1000)
        run_quiz_cells(page)
        for i, answer, verdict in steps:
            _, before = saved_answer(name, view.texts[view.offset + i])
            give_answer(page, i, view.questions[view.offset + i], answer, verdict)
            deadline = time.time() + 30
            text = view.texts[view.offset + i]
            while saved_answer(name, text) != (answer, before + 1):  # in their home, by the widget
                assert time.time() < deadline, f"{name}'s answer was not saved: {saved_answer(name, text)}"
                time.sleep(0.2)
            view.answered(name, i, answer, verdict == "correct", before + 1)
        assert page.evaluate("typeof window.__pwned") == "undefined"
        got = refused_to_student(context, hub, name)
        assert got == {"": (403, "text/html"), "events": (401, "text/plain"), "gradebook.zip": (403, "text/html"),
                       "gradebook.csv": (403, "text/html"), "gradebook.html": (403, "text/html")}, got
    except Exception:
        for pg in context.pages:
            pg.screenshot(path=os.path.join(ARTIFACTS, "classroom-class-view-student-failed.png"), full_page=True)
        raise
    finally:
        context.close()


def test_teacher_sees_students_answer_live_in_class_view(classroom, artifacts):
    """The teacher opens the class view (cmd/class-view) in Chromium and never reloads
    it while Ada, Bob and Cy log in through the hub's login page, one after another,
    and answer the lesson's quiz in JupyterLab: after each answer the page shows it
    (answered and right share per question, most common wrong answers, each student's
    answers and attempts). Bob's and Cy's wrong answers are markup, shown as text. A
    student gets 403 from the view and its downloads, 401 from its event stream. Then
    axe-core finds no violation and the downloads are reached and used by keyboard."""
    from playwright.sync_api import sync_playwright
    from harness.lab import launch
    from harness.quizlab import lesson_questions

    hub, timings = classroom["hub"], classroom["timings"]
    if not os.path.exists(os.path.join(INSTALL, "bin", "class-view")):
        pytest.fail("the shared install has no bin/class-view: classroom/install.sh did not build cmd/class-view")
    incidents, students = [], [STUDENTS[k] for k in "abc"]
    with sync_playwright() as p:
        browser = launch(p)
        teacher = None
        try:
            teacher, marks = open_class_view(browser, hub, incidents)
            mine = [q for _, q in lesson_questions()]  # the lesson the students answer (harness.lesson.LESSON)
            every = [q for path in lesson.LESSONS for _, q in lesson_questions(path)]  # the page shows every lesson's
            offset = next(i for i in range(len(every)) if every[i:i + len(mine)] == mine)
            view = LiveView(teacher, marks, every, offset, roster=class_roster(hub))
            assert all(n in view.model for n in students), view.model.keys()
            for name in students:  # each student's answers, opened by keyboard
                teacher.focus(f"#{classview_anchor(name)} > summary")
                teacher.keyboard.press("Enter")
            t0 = time.time()
            for key, steps in QUIZ_PLAN:
                name = STUDENTS[key]
                student_answers(browser, hub, classroom["passwords"][name]["password"], name, steps, view, incidents)
                timings[f"class_view_student_{key}"] = time.time() - t0
            timings["class_view_lag_max"] = view.lag
            assert HOSTILE_IMG in teacher.inner_text("#questions") and HOSTILE_SCRIPT in teacher.inner_text("#live")
            assert all(s["open"] for s in view.state["students"] if s["summary"].split(":")[0] in students), \
                "a live update closed a student's answers"
            teacher.wait_for_function(
                "names => names.every(n => Array.from(document.querySelectorAll('section[aria-labelledby=students-h] tbody tr'))"
                ".some(tr => tr.querySelector('th').textContent.trim() === n && tr.querySelector('td').textContent.trim() === 'online'))",
                arg=students, timeout=30_000)
            teacher.screenshot(path=os.path.join(artifacts, "classroom-class-view-live.png"), full_page=True)
            violations = run_axe(teacher, artifacts, "class-view")
            assert not violations, violations
            rows = keyboard_download(teacher, artifacts)
            bob = [r for r in rows if r[0] == STUDENTS["b"] and r[3] == view.texts[view.offset]]
            assert bob and bob[0][4] == HOSTILE_IMG and bob[0][5] == "FALSE", rows[:5]
            assert teacher.evaluate("[window.__noReload, performance.timeOrigin, typeof window.__pwned]") == [
                *marks, "undefined"], "the class view page was reloaded"
            assert not incidents, incidents
        except Exception:
            if teacher is not None:
                teacher.screenshot(path=os.path.join(artifacts, "classroom-class-view-failed.png"), full_page=True)
            raise
        finally:
            browser.close()
    print("\nclass view timings (s):", json.dumps({k: round(v, 1) for k, v in timings.items() if k.startswith("class_view")}))


def classview_anchor(name):
    """The HTML id of a student's answers on the class view (classview.anchor)."""
    import hashlib

    return "s-" + hashlib.sha256(name.encode()).hexdigest()[:12]


def test_restart_without_key_answers_offline(classroom):
    """The hub restarted with no key and no upstream in relay.json (a class without
    internet): accounts and homes are kept, and the relay answers with the offline
    sample provider. (Last: it restarts the hub.)"""
    hub, up = classroom["hub"], classroom["upstream"]
    seen = len(up.auth)
    hub.stop(close=False)
    os.remove(os.path.join(hub.state, "relay", "openrouter.key"))
    del hub.env["OPENROUTER_API_KEY"]
    with open(hub.env["CLASSROOM_RELAY_CONFIG"], "w") as f:
        json.dump({"student": {"requests_per_minute": 0, "requests_per_day": 0}}, f)
    hub.start()
    relay_cfg = json.load(open(os.path.join(hub.state, "relay", "relay.json")))
    assert relay_cfg["upstream"]["key_file"] == "" and relay_cfg["upstream"].get("base_url", "") == ""
    assert "offline sample provider" in hub.output()
    name = STUDENTS["b"]
    hub.start_server(name)
    k = Kernel(hub, name, classroom["tokens"]["b"])
    try:
        for cell in (CONNECT, MODEL, MESSAGES, STREAM):
            out, err, _ = k.execute(lesson_code()[cell])
            assert err is None, out
    finally:
        k.close()
    assert "Feeding your Mongolian Bankhar" in out, out[-2000:]
    assert len(up.auth) == seen, "the fake provider was asked, not the offline one"
    assert TEACHER_KEY not in out
