"""The classroom hub for real, as tests/test_classroom_hub.py and bench/classroom.py drive it:
classroom/start.sh started from the shared install, the hub's REST API, a student's GoNB
kernel through the proxy's websocket, and the Unix users and processes a run leaves.

Needs root for everything that makes or removes users (the hub's own setup does, too).
"""
import grp
import json
import os
import pwd
import re
import secrets
import signal
import subprocess
import time
import urllib.error
import urllib.request
import uuid

from harness.env import ROOT, SECRET_VARS, free_port, wait_http

TIMEOUT = 180  # seconds for a server to be ready or a cell to finish


# --- Talking to the hub and to a student's kernel through the proxy. ---

def http(method, url, token=None, body=None, timeout=30):
    """(status, parsed JSON or text) of a request; never raises for an HTTP status."""
    headers = {"Content-Type": "application/json"}
    if token:
        headers["Authorization"] = "token " + token
    data = json.dumps(body).encode() if body is not None else (b"" if method == "POST" else None)
    req = urllib.request.Request(url, data=data, headers=headers, method=method)
    try:
        with urllib.request.urlopen(req, timeout=timeout) as r:
            status, text = r.status, r.read().decode("utf-8", "replace")
    except urllib.error.HTTPError as e:
        status, text = e.code, e.read().decode("utf-8", "replace")
    try:
        return status, json.loads(text)
    except ValueError:
        return status, text


class NoRedirect(urllib.request.HTTPRedirectHandler):
    """A handler that leaves redirects unfollowed (their status is the answer)."""

    def redirect_request(self, *args, **kwargs):
        return None


def status_no_redirect(url, token):
    """The HTTP status of GET url with token, redirects not followed."""
    req = urllib.request.Request(url, headers={"Authorization": "token " + token})
    try:
        with urllib.request.build_opener(NoRedirect).open(req, timeout=30) as r:
            return r.status
    except urllib.error.HTTPError as e:
        return e.code


class Kernel:
    """A GoNB kernel on a student's server, driven through the hub's proxy with their token."""

    def __init__(self, hub, user, token):
        import websocket  # websocket-client, in tools/requirements.txt

        self._websocket = websocket
        self.hub, self.user, self.token = hub, user, token
        status, k = http("POST", f"{hub.url}/user/{user}/api/kernels", token, {"name": "gonb"})
        assert status == 201, (status, k)
        self.id = k["id"]
        self.session = uuid.uuid4().hex
        self.connect()

    def connect(self):
        """(Re)open the kernel's websocket. The server closes one that has not answered its
        pings for 90 s: a kernel left without execute() that long needs this first."""
        self.ws = self._websocket.create_connection(
            f"ws://127.0.0.1:{self.hub.port}/user/{self.user}/api/kernels/{self.id}/channels",
            header=[f"Authorization: token {self.token}"], timeout=5,
        )

    def send(self, code):
        """Send an execute request for code; returns its message id."""
        msg_id = uuid.uuid4().hex
        self.ws.send(json.dumps({
            "header": {"msg_id": msg_id, "username": self.user, "session": self.session,
                       "msg_type": "execute_request", "version": "5.3"},
            "parent_header": {}, "metadata": {}, "channel": "shell", "buffers": [],
            "content": {"code": code, "silent": False, "store_history": True, "user_expressions": {},
                        "allow_stdin": False, "stop_on_error": True},
        }))
        return msg_id

    def execute(self, code, timeout=TIMEOUT, on_output=None):
        """Run code; returns (all output text, error text or None, seconds).
        on_output(text, seconds since the request), when given, is called for each output."""
        start = time.time()
        msg_id = self.send(code)
        texts, error, idle, replied = [], None, False, False
        while not (idle and replied):
            if time.time() - start > timeout:
                raise AssertionError(f"{self.user}: the cell did not finish in {timeout} s; output so far: {''.join(texts)[-2000:]}")
            try:
                raw = self.ws.recv()
            except self._websocket.WebSocketTimeoutException:
                continue
            if not raw:
                raise AssertionError(f"{self.user}: the kernel's websocket was closed; output so far: {''.join(texts)[-2000:]}")
            msg = json.loads(raw)
            if msg.get("parent_header", {}).get("msg_id") != msg_id:
                continue
            kind, content = msg["msg_type"], msg["content"]
            got = []
            if kind == "stream":
                got = [content["text"]]
            elif kind in ("display_data", "update_display_data", "execute_result"):
                got = [v if isinstance(v, str) else json.dumps(v) for v in content.get("data", {}).values()]
            elif kind == "error":
                error = "\n".join(content.get("traceback", [])) or content.get("evalue", "")
                got = [error]
            elif kind == "status" and content["execution_state"] == "idle":
                idle = True
            elif kind == "execute_reply":
                replied = True
            texts.extend(got)
            if on_output and got:
                on_output("".join(got), time.time() - start)
        return "".join(texts), error, time.time() - start

    def close(self):
        self.ws.close()


class Names:
    """The Unix names of one run: teacher, class group, relay user, and students
    named prefix-<name>, prefix gl<kind><4 hex> (kind "t" for tests, "b" for the bench)."""

    def __init__(self, kind="t"):
        self.prefix = f"gl{kind}" + secrets.token_hex(2)
        self.teacher = self.prefix + "-teach"
        self.group = self.prefix + "-class"
        self.relay_user = self.prefix + "-relay"

    def student(self, name):
        return f"{self.prefix}-{name}"


class Hub:
    """classroom/start.sh from the shared install at install, on 127.0.0.1 with free ports,
    its state and homes under tmp, its output in log. relay_config is merged over
    classroom/relay.json; key (the teacher's, if any) goes to the relay's key file.
    An admin service token (admin_token) creates students' tokens and servers.
    root: the project whose classroom/ scripts run (default: this one). subdomain_host: the
    hub's CLASSROOM_SUBDOMAIN_HOST, where "{port}" stands for its port (e.g.
    "http://hub.localhost:{port}": students' servers on subdomains of it)."""

    def __init__(self, tmp, log, install, names, relay_config, key=None, extra_env=None, extra_config="",
                 root=ROOT, subdomain_host=None):
        self.tmp, self.install, self.names, self.root = tmp, install, names, root
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.admin_token = secrets.token_hex(24)
        self.state = os.path.join(tmp, "state")
        self.homes = os.path.join(tmp, "homes")
        os.makedirs(self.state)
        os.makedirs(self.homes)
        os.chmod(tmp, 0o755)
        relay_cfg = os.path.join(tmp, "relay-test.json")
        with open(relay_cfg, "w") as f:
            json.dump(relay_config, f)
        extra = os.path.join(tmp, "extra_config.py")
        with open(extra, "w") as f:
            # The run's own admin service (a token to create students' tokens and servers).
            f.write(f"""c.JupyterHub.services.append({{"name": "classroom-test", "api_token": {self.admin_token!r}}})
c.JupyterHub.load_roles.append({{"name": "classroom-test", "services": ["classroom-test"],
    "scopes": ["admin:users", "admin:servers", "tokens", "access:servers", "read:users"]}})
""" + extra_config)
        self.env = {k: v for k, v in os.environ.items() if k not in SECRET_VARS}
        self.env.update({
            "CLASSROOM_DIR": install, "CLASSROOM_STATE_DIR": self.state, "CLASSROOM_DEMO": "0",
            "CLASSROOM_IP": "127.0.0.1", "CLASSROOM_PORT": str(self.port),
            "CLASSROOM_HUB_PORT": str(free_port()), "CLASSROOM_PROXY_API_PORT": str(free_port()),
            "CLASSROOM_RELAY_PORT": str(free_port()), "CLASSROOM_CLASS_VIEW_PORT": str(free_port()),
            "CLASSROOM_TEACHER": names.teacher, "CLASSROOM_GROUP": names.group,
            "CLASSROOM_RELAY_USER": names.relay_user,
            "CLASSROOM_HOME_BASE": self.homes, "CLASSROOM_RELAY_CONFIG": relay_cfg,
            "CLASSROOM_EXTRA_CONFIG": extra,
        })
        if subdomain_host:
            self.env["CLASSROOM_SUBDOMAIN_HOST"] = subdomain_host.format(port=self.port)
        if key:
            self.env["OPENROUTER_API_KEY"] = key  # start.sh moves it to the relay's key file
        self.env.update(extra_env or {})
        self.log_path = log
        self.log = open(log, "w")
        self.start()

    def start(self):
        self.proc = subprocess.Popen(
            ["bash", os.path.join(self.root, "classroom", "start.sh")], cwd=self.root, env=self.env,
            stdout=self.log, stderr=subprocess.STDOUT, start_new_session=True,
        )
        deadline = time.time() + 120
        while True:
            if self.proc.poll() is not None:
                raise AssertionError("the hub stopped:\n" + self.output()[-5000:])
            try:  # 200 from the hub itself (the proxy answers 404 until it has the hub's route)
                with urllib.request.urlopen(self.url + "/hub/api/", timeout=2):
                    break
            except OSError:
                if time.time() > deadline:
                    raise AssertionError("the hub did not come up in 120 s:\n" + self.output()[-5000:])
                time.sleep(0.3)
        # The relay, a managed service, may come up a moment after the hub.
        wait_http(self.relay_url + "/health", timeout=60)

    @property
    def relay_url(self):
        """The class relay's own address (…/services/class-relay), not through the proxy."""
        return f"http://127.0.0.1:{self.env['CLASSROOM_RELAY_PORT']}/services/class-relay"

    def output(self):
        self.log.flush()
        return open(self.log_path, encoding="utf-8", errors="replace").read()

    def accounts(self, *args):
        p = subprocess.run([os.path.join(self.install, "venv", "bin", "python"),
                            os.path.join(self.root, "classroom", "accounts.py"), *args],
                           env=self.env, capture_output=True, text=True)
        assert p.returncode == 0, p.stdout + p.stderr
        return p.stdout

    def add_students(self, names):
        """The class list names (user names) added with accounts.py add; {name: first-time
        password}, the teacher's too."""
        csv_path = os.path.join(self.tmp, "class.csv")
        with open(csv_path, "w") as f:
            f.write("name,username\n" + "".join(f"{n},{n}\n" for n in names))
        self.accounts("add", csv_path, "--url", self.url + "/")
        with open(os.path.join(self.state, "hub", "first-passwords.json")) as f:
            passwords = {name: card["password"] for name, card in json.load(f).items()}
        with open(os.path.join(self.state, "hub", "teacher-password.txt")) as f:
            passwords[self.names.teacher] = f.read().strip()
        return passwords

    def api(self, method, path, body=None, token=None):
        return http(method, f"{self.url}/hub/api{path}", token or self.admin_token, body)

    def token_for(self, user):
        status, r = self.api("POST", f"/users/{user}/tokens", {"note": "classroom test"})
        assert status == 201, (status, r)
        return r["token"]

    def request_server(self, user):
        """Ask the hub to start user's server; returns without waiting."""
        status, r = self.api("POST", f"/users/{user}/server")
        assert status in (201, 202, 400), (status, r)

    def start_server(self, user):
        self.request_server(user)
        self.wait_ready(user)

    def is_ready(self, user):
        status, r = self.api("GET", f"/users/{user}")
        return status == 200 and bool(r.get("servers", {}).get("", {}).get("ready"))

    def wait_ready(self, user, timeout=TIMEOUT):
        deadline = time.time() + timeout
        while time.time() < deadline:
            if self.is_ready(user):
                return
            time.sleep(0.5)
        raise AssertionError(f"{user}'s server was not ready in {timeout} s:\n" + self.output()[-5000:])

    def stop_server(self, user):
        self.api("DELETE", f"/users/{user}/server")
        deadline = time.time() + 60
        while time.time() < deadline:
            status, r = self.api("GET", f"/users/{user}")
            if not r.get("servers"):
                return
            time.sleep(0.5)

    def stop(self, close=True):
        """Stop the hub; then end whatever it started that outlived it (the proxy, services)."""
        started = descendants(self.proc.pid)
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(timeout=40)
            except subprocess.TimeoutExpired:
                os.killpg(self.proc.pid, signal.SIGKILL)
                self.proc.wait()
        end_processes(started)
        if close:
            self.log.close()


def install(path, root=ROOT):
    """classroom/install.sh into path (idempotent: a check when done); its seconds."""
    t0 = time.time()
    p = subprocess.run(["bash", os.path.join(root, "classroom", "install.sh"), path], cwd=root,
                       capture_output=True, text=True)
    assert p.returncode == 0, p.stdout[-3000:] + p.stderr[-3000:]
    return time.time() - t0


def browser_login(page, origin, user, password):
    """Log user in at the hub's login page (Playwright page) and wait to leave it."""
    page.goto(origin + "/hub/login")
    page.fill("#username_input", user)
    page.fill("#password_input", password)
    page.click("#login_submit")
    page.wait_for_url(re.compile(r"/(hub|user)/"), timeout=120_000)


# --- Processes and users. ---

def pids_of(uid):
    """The pids of every process uid owns."""
    out = []
    for d in os.listdir("/proc"):
        if d.isdigit():
            try:
                if os.stat(f"/proc/{d}").st_uid == uid:
                    out.append(int(d))
            except FileNotFoundError:
                pass
    return out


def proc_read(pid, what):
    """/proc/pid/what as bytes; b"" when the process is gone or hidden."""
    try:
        with open(f"/proc/{pid}/{what}", "rb") as f:
            return f.read()
    except (FileNotFoundError, ProcessLookupError, PermissionError):
        return b""


def proc_stat(pid):
    """(parent pid, start time) of a process, or None when it is gone."""
    raw = proc_read(pid, "stat")
    if not raw:
        return None
    fields = raw[raw.rindex(b")") + 2:].split()
    return int(fields[1]), int(fields[19])


def descendants(pid):
    """{pid: start time} of every process under pid."""
    children = {}
    for d in os.listdir("/proc"):
        if d.isdigit():
            st = proc_stat(int(d))
            if st:
                children.setdefault(st[0], []).append((int(d), st[1]))
    out, todo = {}, [pid]
    while todo:
        for child, start in children.get(todo.pop(), []):
            out[child] = start
            todo.append(child)
    return out


def end_processes(started, grace=10):
    """SIGTERM, then SIGKILL, each process of started that is still the same process."""
    def alive():
        return [p for p, start in started.items() if (proc_stat(p) or (0, None))[1] == start]

    for sig, wait in ((signal.SIGTERM, grace), (signal.SIGKILL, 2)):
        pids = alive()
        for p in pids:
            try:
                os.kill(p, sig)
            except ProcessLookupError:
                pass
        deadline = time.time() + wait
        while pids and alive() and time.time() < deadline:
            time.sleep(0.2)


def kill_uid(uid):
    """SIGTERM, then SIGKILL, every process of uid."""
    for sig in (signal.SIGTERM, signal.SIGKILL):
        pids = pids_of(uid)
        for pid in pids:
            try:
                os.kill(pid, sig)
            except ProcessLookupError:
                pass
        if pids:
            time.sleep(1)


def remove_users(names, group):
    """Remove each user of names (their processes and home too), then group."""
    for name in names:
        try:
            uid = pwd.getpwnam(name).pw_uid
        except KeyError:
            continue
        kill_uid(uid)
        subprocess.run(["userdel", "--remove", "--force", name], capture_output=True)
    try:
        grp.getgrnam(group)
        subprocess.run(["groupdel", group], capture_output=True)
    except KeyError:
        pass


def remove_stale_users(install, kind="t"):
    """Users and groups an earlier run of the same kind left (it was killed before its
    cleanup), when none of their processes runs: names gl<kind><4 hex>-... (see Names),
    made by classroom/ scripts; and lessons a test added to the install."""
    made_by = ("golessons class account", "golessons class relay")
    for pw in pwd.getpwall():
        if re.match(rf"^gl{kind}[0-9a-f]{{4}}-", pw.pw_name) and pw.pw_gecos in made_by and not pids_of(pw.pw_uid):
            subprocess.run(["userdel", "--remove", "--force", pw.pw_name], capture_output=True)
    for g in grp.getgrall():
        if re.match(rf"^gl{kind}[0-9a-f]{{4}}-(class|relay)$", g.gr_name) and not g.gr_mem:
            subprocess.run(["groupdel", g.gr_name], capture_output=True)
    notebooks = os.path.join(install, "src", "notebooks")
    for name in os.listdir(notebooks) if os.path.isdir(notebooks) else []:
        if re.match(r"^glt[0-9a-f]{4}-new-lesson\.ipynb$", name):
            os.remove(os.path.join(notebooks, name))


def as_user(name, *cmd):
    """Run cmd as the Unix user name (their groups, HOME, a plain PATH); the CompletedProcess."""
    pw = pwd.getpwnam(name)
    return subprocess.run(["setpriv", f"--reuid={pw.pw_uid}", f"--regid={pw.pw_gid}", "--init-groups", "--", *cmd],
                          capture_output=True, text=True, env={"PATH": "/usr/bin:/bin", "HOME": pw.pw_dir})
