"""JupyterHub config for a class on one server (started by `make classroom`).

classroom/start.sh sets the CLASSROOM_* variables below and starts the hub
with this file; the teacher edits classroom/relay.json (the relay's limits)
and, for anything else, classroom/local_config.py (read last, when it exists;
e.g. the school's Google or Microsoft accounts, see docs/admins/classroom.md).

As root (a class): every student is a Unix user of their own (created from the
class list by classroom/accounts.py, or here when the teacher approves a
sign-up), home folder 0700, server and kernels running as that user. The
class relay (the teacher's AI key) runs as its own system user. Without root:
DEMO MODE, every "student" runs as you, with no isolation: not for a class.
"""
import json
import os
import shutil
import sys

c = get_config()  # noqa: F821 (JupyterHub's config loader provides it)

HERE = os.path.dirname(os.path.abspath(__file__))
DIR = os.environ["CLASSROOM_DIR"]  # the shared read-only install (classroom/install.sh)
STATE = os.environ.get("CLASSROOM_STATE_DIR", DIR)  # hub/ and relay/ live here
HUB_STATE = os.path.join(STATE, "hub")
RELAY_STATE = os.path.join(STATE, "relay")
DEMO = os.environ.get("CLASSROOM_DEMO", "1" if os.geteuid() != 0 else "0") == "1"
TEACHER = os.environ.get("CLASSROOM_TEACHER", "teacher")
GROUP = os.environ.get("CLASSROOM_GROUP", "golessons-students")
RELAY_USER = os.environ.get("CLASSROOM_RELAY_USER", "golessons-relay")
HOME_BASE = os.environ.get("CLASSROOM_HOME_BASE", "/home")
RELAY_PORT = int(os.environ.get("CLASSROOM_RELAY_PORT", "10101"))
def first_lesson(folder):
    """The lesson students start on: the first in folder's lessons.json (the students'
    order), else the first notebook by name."""
    try:
        with open(os.path.join(folder, "lessons.json"), encoding="utf-8") as f:
            return json.load(f)["lessons"][0]
    except (OSError, ValueError, KeyError, IndexError):
        return min((n for n in os.listdir(folder) if n.endswith(".ipynb")), default="")


LESSON = os.environ.get("CLASSROOM_LESSON") or first_lesson(os.path.join(DIR, "src", "notebooks"))
# Students' servers on subdomains of this address (wildcard DNS: *.hub.school.org): each
# student's pages then have an origin of their own (docs/admins/security.md, "What is isolated").
SUBDOMAIN_HOST = os.environ.get("CLASSROOM_SUBDOMAIN_HOST", "")
# Each student's Jupyter runtime folder (their kernels' sockets): a short path, because a
# Unix socket's path has at most 107 bytes.
RUNTIME_BASE = os.environ.get("CLASSROOM_RUNTIME_DIR", os.path.join(STATE, "run"))
RELAY_NAME = "class-relay"
VENV_BIN = os.path.join(DIR, "venv", "bin")

# --- Where the hub listens, and its private state (0700, made by start.sh). ---
c.JupyterHub.ip = os.environ.get("CLASSROOM_IP", "")
c.JupyterHub.port = int(os.environ.get("CLASSROOM_PORT", "8000"))
c.JupyterHub.hub_ip = "127.0.0.1"
c.JupyterHub.hub_port = int(os.environ.get("CLASSROOM_HUB_PORT", "8081"))
c.JupyterHub.db_url = "sqlite:///" + os.path.join(HUB_STATE, "jupyterhub.sqlite")
c.JupyterHub.cookie_secret_file = os.path.join(HUB_STATE, "jupyterhub_cookie_secret")
c.JupyterHub.pid_file = os.path.join(HUB_STATE, "jupyterhub.pid")
c.ConfigurableHTTPProxy.command = [os.path.join(HERE, "node_modules", ".bin", "configurable-http-proxy")]
c.ConfigurableHTTPProxy.api_url = "http://127.0.0.1:%s" % os.environ.get("CLASSROOM_PROXY_API_PORT", "8001")
c.ConfigurableHTTPProxy.pid_file = os.path.join(HUB_STATE, "jupyterhub-proxy.pid")
# Students' servers stop with the hub (make classroom's Ctrl-C); their files stay.
c.JupyterHub.cleanup_servers = True
# A server that stopped (or that a student stopped) leaves the proxy within seconds.
c.Spawner.poll_interval = 10
if SUBDOMAIN_HOST:
    c.JupyterHub.subdomain_host = SUBDOMAIN_HOST

# --- Accounts: the teacher's class list or sign-ups the teacher approves. ---
# NativeAuthenticator (JupyterHub's own project): passwords hashed with bcrypt in
# the hub's database; /hub/signup for students, /hub/authorize for the teacher.
import nativeauthenticator  # noqa: E402

sys.path.insert(0, HERE)
from native_compat import ClassAuthenticator  # noqa: E402  (NativeAuthenticator 1.3.0 on JupyterHub 6)

c.JupyterHub.authenticator_class = ClassAuthenticator
c.JupyterHub.template_paths = [os.path.join(os.path.dirname(nativeauthenticator.__file__), "templates")]
c.Authenticator.admin_users = {TEACHER}
c.Authenticator.allow_all = True  # logging in needs the teacher's approval (is_authorized)
# Lower-case Unix-friendly names only: they become Unix user names.
c.Authenticator.username_pattern = r"^[a-z][a-z0-9_-]{1,31}$"
c.NativeAuthenticator.open_signup = False
c.NativeAuthenticator.enable_signup = os.environ.get("CLASSROOM_SIGNUP", "1") == "1"
c.NativeAuthenticator.minimum_password_length = 8
c.NativeAuthenticator.check_common_password = True
c.NativeAuthenticator.allowed_failed_logins = 10
c.NativeAuthenticator.seconds_before_next_try = 60

# --- Who may open a student's server: that student only. ---
# On the hub's one origin, a page a student's server serves (a trusted notebook's script,
# an HTML file, a server the student replaced with their own) would run in the browser of
# whoever opens it with that person's hub session: the teacher's can create admin tokens.
# JupyterHub's admin role may open every server, and cannot be changed; so a student's
# server asks for a scope of the class's own, which each user holds for themselves only.
# The teacher sees students' work in the class view instead. With subdomains
# (CLASSROOM_SUBDOMAIN_HOST) each server has an origin of its own, and the teacher may
# open them as JupyterHub allows (docs/admins/security.md, "What is isolated").
OWN_SERVER_SCOPE = "custom:golessons:own-server"
c.JupyterHub.custom_scopes = {
    OWN_SERVER_SCOPE: {"description": "Open one's own JupyterLab server (students' servers let in no one else)"},
}

# --- Students' servers: JupyterLab on the GoNB kernel, as the student. ---
if DEMO:
    # DEMO MODE: every user runs as the user who started the hub. No isolation.
    c.JupyterHub.spawner_class = "jupyterhub.spawner.SimpleLocalProcessSpawner"
    c.SimpleLocalProcessSpawner.home_dir_template = os.path.join(STATE, "demo-homes", "{username}")
else:
    from jupyterhub.spawner import LocalProcessSpawner
    from traitlets import default

    class ClassSpawner(LocalProcessSpawner):
        """JupyterHub's LocalProcessSpawner, whose servers let in their student only (not
        even the teacher, an admin) unless each server has an origin of its own."""

        @default("oauth_access_scopes")
        def _own_server_only(self):
            if SUBDOMAIN_HOST:
                return super()._default_access_scopes()
            return [f"{OWN_SERVER_SCOPE}!user={self.user.name}"]

        @default("oauth_client_allowed_scopes")
        def _own_server_scope_granted(self):
            # A login's token for this server may carry the scope (when its user holds it).
            return [] if SUBDOMAIN_HOST else [f"{OWN_SERVER_SCOPE}!user={self.user.name}"]

    c.JupyterHub.spawner_class = ClassSpawner


def read_env_file(path):
    env = {}
    with open(path, encoding="utf-8") as f:
        for line in f:
            line = line.strip()
            if line and not line.startswith("#") and "=" in line:
                k, v = line.split("=", 1)
                env[k] = v
    return env


# The kernel finds Go, the module cache (read-only, GOPROXY=off) and the GoNB
# kernel spec in DIR; GOCACHE is the student's own (bin/student-start, from
# classroom/student-start.py, seeds it, hands out the lessons, and ends the
# kernels a stopped server leaves).
# No key of any kind is here: the helpers use the student's own
# JUPYTERHUB_API_TOKEN for the relay.
student_env = read_env_file(os.path.join(DIR, "go.env"))
student_env.update(
    {
        "PATH": ":".join([VENV_BIN, os.path.join(DIR, "bin"), os.path.join(DIR, "go", "bin"), "/usr/local/bin", "/usr/bin", "/bin"]),
        "OPENAI_BASE_URL": "http://127.0.0.1:%d/services/%s/v1" % (RELAY_PORT, RELAY_NAME),
        "GOLESSONS_CLASS_RELAY": "1",
        "GOLESSONS_CLASSROOM_DIR": DIR,
        # CLASSROOM_BUILD_SLOTS=N: at most N cell builds at once across the class
        # (tools/gonb-go/go), for a server short of memory: when the whole class presses
        # Run together, builds take turns instead of all running at once (about 220 MB
        # each). A build waits for a turn at most CLASSROOM_BUILD_WAIT seconds. Off (0)
        # by default: measured, it delays the last students' first token (BENCHMARKS.md,
        # "A class on one server").
        "GOLESSONS_BUILD_SLOTS": os.environ.get("CLASSROOM_BUILD_SLOTS", "0"),
        "GOLESSONS_BUILD_SLOTS_DIR": os.path.join(DIR, "build-slots"),
        "GOLESSONS_BUILD_WAIT": os.environ.get("CLASSROOM_BUILD_WAIT", "10"),
        # The lessons' cell programs, pre-built by the install (read-only): a cell whose
        # code is the lesson's is copied, not built (tools/gonb-go/go; docs/admins/classroom.md, "A class
        # on one server"). Without DIR/cellcache/STAMP every cell is built as usual.
        "GOLESSONS_CELL_CACHE": os.path.join(DIR, "cellcache"),
        # How often (seconds) bin/student-start looks for the GoNB folders of kernels that
        # ended without removing them (a crash, or a kernel stopped at the memory limit).
        "GOLESSONS_KERNEL_SWEEP_EVERY": os.environ.get("CLASSROOM_KERNEL_SWEEP_EVERY", "30"),
    }
)
# Students' servers read no configuration, extensions or Python code from their homes:
# what a student writes there never changes the server that serves their pages.
student_env.update({"JUPYTERHUB_DISABLE_USER_CONFIG": "1", "PYTHONNOUSERSITE": "1"})
c.Spawner.environment = student_env
c.Spawner.env_keep = ["LANG", "LC_ALL"]  # not the hub's PATH, nor anything else of its environment
c.Spawner.cmd = [os.path.join(DIR, "bin", "student-start"), os.path.join(VENV_BIN, "jupyterhub-singleuser")]
# Kernels listen on Unix sockets in the student's own runtime folder (0700), not on
# 127.0.0.1 ports that every user of the server can connect to.
c.Spawner.args = ["--KernelManager.transport=ipc"]
c.Spawner.notebook_dir = "~"
c.Spawner.default_url = "/lab/tree/lessons/" + LESSON
c.Spawner.start_timeout = 120  # the first start copies the warm build cache
c.Spawner.http_timeout = 90
# The server's token (the kernel's JUPYTERHUB_API_TOKEN) may use the relay: the
# relay requires this scope (relay.json required_scopes) and students hold it
# through the "user" role below.
RELAY_SCOPE = "access:services!service=" + RELAY_NAME
c.Spawner.server_token_scopes = ["users:activity!user", "access:servers!server", RELAY_SCOPE]


from accounts import ensure_unix_user  # noqa: E402  (the class list's useradd, one implementation)


# Each student's server listens on a port of their own, from their Unix user id: with
# JupyterHub's random ports, 30 servers started in the same second can draw the same port
# (it is picked free, then closed, then bound by the server); the second server then
# cannot start, and the hub, finding the first one answering on that port, routes the
# student to another student's server (whose login refuses them). Outside the kernel's
# range of ephemeral ports (32768 and up), so no outgoing connection takes it either.
PORT_BASE = int(os.environ.get("CLASSROOM_SERVER_PORT_BASE", "20000"))
PORT_RANGE = 12000  # up to 31999: below the ephemeral ports, above the relay (10101) and class view (10102)


def student_port(uid):
    """The port of the server of the Unix user uid: the same at every start, one per student."""
    return PORT_BASE + uid % PORT_RANGE


def runtime_dir(pw):
    """The student's Jupyter runtime folder, RUNTIME_BASE/UID, mode 0700 and theirs (made
    afresh at each start: nothing another user left there is kept)."""
    os.makedirs(RUNTIME_BASE, exist_ok=True)
    os.chmod(RUNTIME_BASE, 0o755)  # root's; each student can reach their own folder only
    path = os.path.join(RUNTIME_BASE, str(pw.pw_uid))
    if os.path.lexists(path):
        shutil.rmtree(path) if os.path.isdir(path) and not os.path.islink(path) else os.unlink(path)
    os.mkdir(path, 0o700)
    os.chown(path, pw.pw_uid, pw.pw_gid)
    return path


def pre_spawn_hook(spawner):
    """As root: the student's Unix user (a sign-up the teacher approved has none yet),
    their server's own port and their runtime folder."""
    if not DEMO:
        pw = ensure_unix_user(spawner.user.name)
        spawner.port = student_port(pw.pw_uid)
        spawner.environment = dict(spawner.environment, JUPYTER_RUNTIME_DIR=runtime_dir(pw))


c.Spawner.pre_spawn_hook = pre_spawn_hook

# Each student's memory, CPU and processes limited (CLASSROOM_MEMORY_LIMIT, CLASSROOM_CPU_LIMIT,
# CLASSROOM_TASKS_LIMIT): systemd scopes or cgroups, see classroom/limits.py.
import limits  # noqa: E402

limits.configure(c, DIR, demo=DEMO, base=None if DEMO else ClassSpawner)

# --- Services: the class relay (the teacher's key) and the idle culler. ---
relay_service = {
    "name": RELAY_NAME,
    "url": "http://127.0.0.1:%d" % RELAY_PORT,
    "command": [os.path.join(DIR, "bin", "class-relay"), "-config", os.path.join(RELAY_STATE, "relay.json")],
    "cwd": RELAY_STATE,
    "display": False,
    "oauth_no_confirm": True,
}
if not DEMO:
    relay_service["user"] = RELAY_USER
cull_timeout = int(os.environ.get("CLASSROOM_CULL_TIMEOUT", "3600"))
c.JupyterHub.services = [
    relay_service,
    {
        "name": "idle-culler",
        "command": [os.path.join(VENV_BIN, "python"), "-m", "jupyterhub_idle_culler",
                    f"--timeout={cull_timeout}", f"--cull-every={max(60, cull_timeout // 6)}"],
    },
]
c.JupyterHub.load_roles = [
    # Students may use the relay; "self" is JupyterHub's default user role.
    # Each opens their own server (see OWN_SERVER_SCOPE).
    {"name": "user", "scopes": ["self", RELAY_SCOPE, OWN_SERVER_SCOPE + "!user"]},
    # The relay asks the hub who a token belongs to, and whether a user is an admin.
    {"name": "class-relay", "scopes": ["read:users"], "services": [RELAY_NAME]},
    {"name": "idle-culler", "services": ["idle-culler"],
     "scopes": ["list:users", "read:users:activity", "read:servers", "delete:servers"]},
]

# --- The teacher's live view of the class (cmd/class-view), when built. ---
CLASS_VIEW = os.path.join(DIR, "bin", "class-view")
if os.path.exists(CLASS_VIEW) and os.path.exists(os.path.join(HERE, "class_view_service.py")):
    from class_view_service import class_view_service

    # The class view's config (classview.Config): only what this hub sets. It
    # asks the relay for the limits and the usage.
    view, view_role = class_view_service(
        command=[CLASS_VIEW],
        url="http://127.0.0.1:%s" % os.environ.get("CLASSROOM_CLASS_VIEW_PORT", "10102"),
        config={
            "lessons": [os.path.join(DIR, "src", "notebooks")],
            "homes": os.path.join(STATE, "demo-homes", "*") if DEMO else os.path.join(HOME_BASE, "*"),
            "exclude_users": [TEACHER],
            "relay": {"url": "http://127.0.0.1:%d/services/%s/" % (RELAY_PORT, RELAY_NAME)},
        },
    )
    c.JupyterHub.services.append(view)
    c.JupyterHub.load_roles.append(view_role)

# --- The teacher's own additions (and the tests'). ---
for extra in [os.path.join(HERE, "local_config.py"), os.environ.get("CLASSROOM_EXTRA_CONFIG", "")]:
    if extra and os.path.exists(extra):
        load_subconfig(extra)  # noqa: F821
