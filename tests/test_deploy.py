"""deploy/: the Zero to JupyterHub values, the class relay's manifests and the images.

The safety properties, read from the files themselves (no cluster, no Docker):
the teacher's key reaches the relay's pod only; students' pods get the relay's
address and the relay flag, never a key; the relay is registered as a hub
service and reachable through the network policies; idle servers are culled;
the single-user image is made by `make setup` on pinned base images, with
GOPROXY=off for students; the start hook never overwrites a student's lesson.
deploy/lint.sh (make lint-deploy) lints and renders the same files.
"""
import json
import os
import re
import subprocess
import sys

import pytest
import yaml

from conftest import ROOT

DEPLOY = os.path.join(ROOT, "deploy")
KEY_SECRET = "class-relay-key"
RELAY_NAME = "class-relay"
RELAY_SCOPE = "access:services!service=class-relay"


class UniqueKeyLoader(yaml.SafeLoader):
    """PyYAML keeps the last of two equal keys; a values file must not have any."""


def _unique_mapping(loader, node, deep=False):
    seen = set()
    for key_node, _ in node.value:
        key = loader.construct_object(key_node, deep=deep)
        if key in seen:
            raise AssertionError(f"duplicate key {key!r} at line {key_node.start_mark.line + 1}")
        seen.add(key)
    return loader.construct_mapping(node, deep)


UniqueKeyLoader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, _unique_mapping)


def read(name):
    with open(os.path.join(DEPLOY, name), encoding="utf-8") as f:
        return f.read()


@pytest.fixture(scope="module")
def values():
    return yaml.load(read("values.yaml"), Loader=UniqueKeyLoader)


@pytest.fixture(scope="module")
def relay_objs():
    return [d for d in yaml.load_all(read("class-relay.yaml"), Loader=UniqueKeyLoader) if d]


def obj(objs, kind):
    found = [o for o in objs if o["kind"] == kind]
    assert len(found) == 1, f"want one {kind} in class-relay.yaml, found {len(found)}"
    return found[0]


def walk(node, path=()):
    """Every (path, key, value) of a YAML tree."""
    if isinstance(node, dict):
        for k, v in node.items():
            yield path, k, v
            yield from walk(v, path + (k,))
    elif isinstance(node, list):
        for i, v in enumerate(node):
            yield from walk(v, path + (i,))


def secret_refs(node):
    """(path, secret name) of every reference to a Secret in a tree."""
    for path, k, v in walk(node):
        if k in ("secretKeyRef", "secretRef") and isinstance(v, dict):
            yield path, v.get("name")
        elif k == "secret" and isinstance(v, dict) and "secretName" in v:
            yield path, v["secretName"]


def relay_config(relay_objs):
    return json.loads(obj(relay_objs, "ConfigMap")["data"]["relay.json"])


def relay_container(relay_objs):
    (c,) = obj(relay_objs, "Deployment")["spec"]["template"]["spec"]["containers"]
    return c


def env_of(container):
    return {e["name"]: e for e in container.get("env", [])}


# --- The teacher's key: in the relay's pod only. ---

def test_no_key_in_the_students_environment(values):
    env = values["singleuser"]["extraEnv"]
    assert env["OPENAI_BASE_URL"] == "http://class-relay:10101/services/class-relay/v1"
    assert env["GOLESSONS_CLASS_RELAY"] == "1"
    for name, value in env.items():
        assert not re.search(r"KEY|TOKEN|SECRET|PASSWORD", name, re.I), f"singleuser.extraEnv.{name} looks like a secret"
        assert isinstance(value, str), f"singleuser.extraEnv.{name} is not a plain value (valueFrom?)"
        assert not re.search(r"sk-|://[^/]*@", value), f"singleuser.extraEnv.{name} carries a credential"


def test_students_pods_mount_no_secret_and_have_no_api_token(values):
    su = values["singleuser"]
    assert list(secret_refs(su)) == []
    for k in ("extraFiles", "initContainers", "extraContainers", "serviceAccountName"):
        assert not su.get(k), f"singleuser.{k} is set: check it brings no secret into students' pods"
    assert not su.get("storage", {}).get("extraVolumes")
    assert values["hub"]["config"]["KubeSpawner"]["automount_service_account_token"] is False


def test_values_hold_nothing_secret(values):
    # The chart copies every value into the hub's Secret, which the hub pod reads.
    text = yaml.safe_dump(values)  # the values, without the comments
    assert KEY_SECRET not in text
    assert not re.search(r"sk-or-|OPENROUTER_API_KEY|OPENAI_API_KEY", text)
    for path, k, v in walk(values):
        if re.fullmatch(r"api_?token|password|secret_?token|cookie_?secret|(proxy_)?auth_?token|keys", str(k), re.I):
            assert not v, f"{'.'.join(map(str, path + (k,)))} is set in values.yaml"


def test_the_key_secret_is_referenced_by_the_relay_only(values, relay_objs):
    refs = [(o["kind"], path) for o in relay_objs for path, name in secret_refs(o) if name == KEY_SECRET]
    refs += [("values.yaml", path) for path, name in secret_refs(values) if name == KEY_SECRET]
    assert len(refs) == 1, refs
    kind, path = refs[0]
    assert kind == "Deployment"
    env = env_of(relay_container(relay_objs))
    assert env["OPENROUTER_API_KEY"]["valueFrom"]["secretKeyRef"]["name"] == KEY_SECRET
    # ... and it is the variable the relay reads (no key file).
    cfg = relay_config(relay_objs)
    assert cfg["upstream"]["key_env"] == "OPENROUTER_API_KEY"
    assert cfg["upstream"].get("key_file", "") == ""
    # The only other Secret the relay's pod reads is its own hub token.
    assert env["JUPYTERHUB_API_TOKEN"]["valueFrom"]["secretKeyRef"] == {"name": "hub", "key": "hub.services.class-relay.apiToken"}
    assert [k for k in relay_objs if k["kind"] == "Secret"] == [], "the key's Secret is made by hand, never in a file"


def test_relay_pod_is_locked_down(relay_objs):
    deploy = obj(relay_objs, "Deployment")
    spec = deploy["spec"]["template"]["spec"]
    assert deploy["spec"]["replicas"] == 1  # the class queue and limits live in one relay
    assert spec["automountServiceAccountToken"] is False
    assert spec["securityContext"]["runAsNonRoot"] is True
    assert spec["securityContext"]["runAsUser"] != 0
    sc = relay_container(relay_objs)["securityContext"]
    assert sc["readOnlyRootFilesystem"] is True
    assert sc["allowPrivilegeEscalation"] is False
    assert sc["capabilities"]["drop"] == ["ALL"]


# --- The relay: a hub service the students can reach. ---

def test_relay_is_a_hub_service_at_its_service(values, relay_objs):
    svc = values["hub"]["services"][RELAY_NAME]
    service = obj(relay_objs, "Service")
    (port,) = service["spec"]["ports"]
    assert svc["url"] == f"http://{service['metadata']['name']}:{port['port']}"
    container = relay_container(relay_objs)
    assert [p["containerPort"] for p in container["ports"]] == [port["port"]]
    cfg = relay_config(relay_objs)
    assert cfg["listen"] == f":{port['port']}"
    env = env_of(container)
    prefix = env["JUPYTERHUB_SERVICE_PREFIX"]["value"]
    assert prefix == f"/services/{RELAY_NAME}/"
    assert values["singleuser"]["extraEnv"]["OPENAI_BASE_URL"] == svc["url"] + prefix + "v1"
    assert env["JUPYTERHUB_API_URL"]["value"] == "http://hub:8081/hub/api"
    probe = container["readinessProbe"]["httpGet"]["path"]
    assert probe == prefix + "health"


def test_students_tokens_may_use_the_relay(values, relay_objs):
    cfg = relay_config(relay_objs)
    assert cfg["required_scopes"] == [RELAY_SCOPE]
    assert RELAY_SCOPE in values["hub"]["config"]["KubeSpawner"]["server_token_scopes"]
    roles = values["hub"]["loadRoles"]
    assert roles["user"]["scopes"][:2] == ["self", RELAY_SCOPE]  # and their own server's scope (below)
    assert roles[RELAY_NAME]["services"] == [RELAY_NAME]
    assert "read:users" in roles[RELAY_NAME]["scopes"]


def test_network_policies_let_students_reach_the_relay_and_no_more(values, relay_objs):
    netpol = values["singleuser"]["networkPolicy"]
    assert netpol["enabled"] is True
    allow = netpol["egressAllowRules"]
    assert allow["privateIPs"] is False and allow["cloudMetadataServer"] is False
    relay_labels = obj(relay_objs, "Deployment")["spec"]["template"]["metadata"]["labels"]
    (rule,) = netpol["egress"]
    (to,) = rule["to"]
    assert to["podSelector"]["matchLabels"].items() <= relay_labels.items()
    assert rule["ports"] == [{"port": 10101, "protocol": "TCP"}]

    np = obj(relay_objs, "NetworkPolicy")
    assert np["spec"]["podSelector"]["matchLabels"].items() <= relay_labels.items()
    assert np["spec"]["policyTypes"] == ["Ingress", "Egress"]
    (ingress,) = np["spec"]["ingress"]
    components = sorted(f["podSelector"]["matchLabels"]["component"] for f in ingress["from"])
    assert components == ["hub", "proxy", "singleuser-server"]
    assert all(set(f) == {"podSelector"} for f in ingress["from"])  # this namespace only
    assert ingress["ports"] == [{"port": 10101, "protocol": "TCP"}]
    # The relay reaches the hub's API (the chart's hub policy admits this label).
    assert relay_labels["hub.jupyter.org/network-access-hub"] == "true"
    # Its way out to the internet excludes the cluster's private addresses.
    out = [r for r in np["spec"]["egress"] if any("ipBlock" in t and t["ipBlock"]["cidr"] == "0.0.0.0/0" for t in r["to"])]
    (internet,) = out
    assert set(internet["to"][0]["ipBlock"]["except"]) >= {"10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16", "169.254.169.254/32"}
    assert internet["ports"] == [{"port": 443, "protocol": "TCP"}]


# --- The class on the cluster. ---

def test_idle_culler_is_on(values):
    cull = values["cull"]
    assert cull["enabled"] is True
    assert 0 < cull["timeout"] <= 4 * 3600
    assert 0 < cull["every"] <= cull["timeout"]


def bytes_of(s):
    m = re.fullmatch(r"(\d+(?:\.\d+)?)([KMGT]?)", str(s))
    assert m, s
    return float(m.group(1)) * 1024 ** " KMGT".index(m.group(2) or " ")


def test_students_pods_have_guarantees_and_limits(values, relay_objs):
    su = values["singleuser"]
    assert 0 < bytes_of(su["memory"]["guarantee"]) <= bytes_of(su["memory"]["limit"])
    assert 0 < float(su["cpu"]["guarantee"]) <= float(su["cpu"]["limit"])
    # The measured peak of one lesson (kernel, builds, Jupyter server) is about 0.4 GiB.
    assert bytes_of(su["memory"]["guarantee"]) >= 0.4 * 2**30
    resources = relay_container(relay_objs)["resources"]
    assert resources["requests"] and resources["limits"]


def test_students_pods_have_the_classrooms_limits(values):
    """The same per-student limits as the classroom on one server (classroom/limits.py's
    defaults): memory and CPU in the values; processes, which Zero to JupyterHub cannot
    set, named for the kubelet's podPidsLimit; the cell launcher that tells a student
    why a cell was stopped, built by make setup into the image's .venv."""
    sys.path.insert(0, os.path.join(ROOT, "classroom"))
    import limits

    su = values["singleuser"]
    assert bytes_of(su["memory"]["limit"]) == limits.parse_size(limits.DEFAULT_MEMORY)
    assert float(su["cpu"]["limit"]) == limits.parse_cpu(limits.DEFAULT_CPU)
    assert f"podPidsLimit: {limits.parse_tasks(limits.DEFAULT_TASKS)}" in read("values.yaml")
    run = su["extraEnv"]["GOLESSONS_CELL_RUN"]
    assert run == "/opt/golessons/.venv/bin/cell-run", run
    with open(os.path.join(ROOT, "Makefile"), encoding="utf-8") as f:
        makefile = f.read()
    setup = re.search(r"^setup: (.*?)##", makefile, re.M).group(1)
    assert "$(BIN)/cell-run" in setup.split(), setup
    assert re.search(r"^\$\(BIN\)/cell-run: .*\n(\t.*\n)*\t\$\(GO\) build -o \$@ \./cmd/cell-run$", makefile, re.M)


def test_students_start_on_the_first_lesson(values):
    """The landing page is the first lesson of notebooks/lessons.json (values.yaml cannot
    read it, so this test keeps the two the same)."""
    from harness.lesson import LESSONS

    lesson = os.path.basename(values["singleuser"]["defaultUrl"])
    assert values["singleuser"]["defaultUrl"] == f"/lab/tree/lessons/{lesson}"
    assert lesson == os.path.basename(LESSONS[0]), "deploy/values.yaml's defaultUrl is not the first lesson of notebooks/lessons.json"


def test_chart_and_hub_versions_agree():
    chart = re.search(r"^CHART_VERSION=(\d+\.\d+\.\d+)$", read("install.sh"), re.M).group(1)
    hub = re.search(r"^jupyterhub==(\d+\.\d+\.\d+)$", read("singleuser-requirements.txt"), re.M).group(1)
    head = read("values.yaml").split("\n\n")[0]
    assert f"jupyterhub {chart}" in head and f"JupyterHub\n# {hub}" in head
    assert f"chart {chart}" in read("singleuser-requirements.txt")


# --- The images. ---

def dockerfile():
    lines, cont = [], ""
    for raw in read("Dockerfile").splitlines():
        if raw.lstrip().startswith("#") and not cont:
            continue
        cont += raw.rstrip("\\").strip() + " " if raw.endswith("\\") else raw.strip()
        if not raw.endswith("\\"):
            if cont:
                lines.append(cont)
            cont = ""
    return lines


def stages():
    """{stage name: [instructions]}."""
    out, name = {}, None
    for line in dockerfile():
        m = re.match(r"FROM\s+(\S+)(?:\s+AS\s+(\S+))?$", line, re.I)
        if m:
            name = m.group(2)
            out[name] = [line]
        elif name:
            out[name].append(line)
    return out


def test_base_images_are_pinned_by_tag_and_digest():
    st = stages()
    for name, lines in st.items():
        image = lines[0].split()[1]
        if image == "scratch" or image in st:
            continue
        assert re.fullmatch(r"[a-z0-9./-]+:[\w.-]+@sha256:[0-9a-f]{64}", image), f"stage {name}: {image} is not pinned by tag and digest"


def test_singleuser_image_is_made_by_make_setup():
    lines = stages()["singleuser"]
    runs = [line for line in lines if line.startswith("RUN ")]
    setup = [i for i, line in enumerate(lines) if re.match(r"RUN (.*&& )?make setup\b", line)]
    assert setup, "the single-user image must run `make setup`"
    text = " ".join(runs)
    for copied in ("tools/requirements.txt", "gonb --install", "warm_kernel", "kernel_env.py", "go build", "go mod download"):
        assert copied not in text, f"the Dockerfile copies a step of make setup ({copied}); run the target instead"
    goproxy = [i for i, line in enumerate(lines) if re.match(r"ENV GOPROXY=off\b", line)]
    assert goproxy and setup[0] < goproxy[0] < setup[-1], "GOPROXY=off after the setup, checked by make setup again offline"
    env = " ".join(line for line in lines if line.startswith("ENV "))
    assert "GOFLAGS=" in env and "GOTOOLCHAIN=local" in env
    for var in ("GOPATH", "GOCACHE"):
        value = re.search(rf"{var}=(\S+)", env).group(1)
        assert not value.startswith("/home/"), f"{var} under /home is hidden by the student's volume"
    users = [line for line in lines if line.startswith("USER ")]
    assert users and users[-1].split()[1].split(":")[0] not in ("root", "0")
    assert 'useradd --create-home --uid 1000 --gid 100' in " ".join(lines) and "jovyan" in " ".join(lines)
    assert any(line.startswith("ENTRYPOINT") and "golessons-start" in line for line in lines)
    assert lines[-1] == 'CMD ["jupyterhub-singleuser"]'
    assert any("deploy/singleuser-requirements.txt" in line and "--no-deps" in line for line in runs)
    version = re.search(r"python:(\d+)\.(\d+)\.(\d+)", lines[0]).groups()
    assert tuple(map(int, version)) >= (3, 11, 5), "tools/requirements.txt needs Python 3.11.5 or newer"


def test_relay_image_is_static_and_not_root():
    st = stages()
    relay = st["class-relay"]
    assert relay[0].split()[1] == "scratch"
    assert relay[-1] == 'ENTRYPOINT ["/class-relay"]'
    assert any(re.match(r"USER 65532(:65532)?$", line) for line in relay)
    build = " ".join(st["relay-build"])
    assert "CGO_ENABLED=0" in build and "./cmd/class-relay" in build


def test_no_secret_or_answer_goes_into_an_image():
    ignored = {line.strip() for line in read("Dockerfile.dockerignore").splitlines() if line.strip() and not line.startswith("#")}
    for pattern in (".env", "**/.env", ".git", ".venv", "build", "**/*.answers.json", "**/*.key"):
        assert pattern in ignored
    # A builder that ignores that file (the legacy one) fails instead of shipping them.
    setup_run = next(line for line in stages()["singleuser"] if re.match(r"RUN .*&& make setup\b", line))
    assert setup_run.startswith("RUN if [ -e .env ] || [ -e .git ] || [ -e .venv ]")


# --- The start hook. ---

START = os.path.join(DEPLOY, "golessons-start")


def start(home, lessons, *cmd):
    env = {"PATH": os.environ["PATH"], "HOME": str(home), "GOLESSONS_LESSONS": str(lessons)}
    return subprocess.run([START, *cmd], env=env, capture_output=True, text=True, timeout=30)


def test_start_hook_hands_out_lessons_without_overwriting(tmp_path):
    lessons, home = tmp_path / "lessons-in-image", tmp_path / "home"
    lessons.mkdir()
    home.mkdir()
    (lessons / "a.ipynb").write_text("lesson a v1")
    (lessons / "b.ipynb").write_text("lesson b v1")
    (lessons / "x.answers.json").write_text("{}")
    (lessons / "lessons.json").write_text('{"lessons": ["a.ipynb", "b.ipynb"]}')  # the order, not a lesson

    r = start(home, lessons, "sh", "-c", 'echo "server started in $PWD"; exit 7')
    assert r.returncode == 7, r.stderr  # the server's own status
    assert "server started" in r.stdout
    mine = home / "lessons"
    assert sorted(p.name for p in mine.iterdir()) == ["a.ipynb", "b.ipynb"]

    # The student edits a, deletes b; the image gets new versions and a new lesson.
    (mine / "a.ipynb").write_text("my work on a")
    (mine / "b.ipynb").unlink()
    (lessons / "a.ipynb").write_text("lesson a v2")
    (lessons / "b.ipynb").write_text("lesson b v2")
    (lessons / "c.ipynb").write_text("lesson c v1")
    r = start(home, lessons, "true")
    assert r.returncode == 0, r.stderr
    assert (mine / "a.ipynb").read_text() == "my work on a"
    assert (mine / "b.ipynb").read_text() == "lesson b v2"
    assert (mine / "c.ipynb").read_text() == "lesson c v1"
    assert not [p for p in mine.iterdir() if p.name.startswith(".")]


def test_start_hook_starts_the_server_even_when_lessons_cannot_be_copied(tmp_path):
    home = tmp_path / "home"
    home.mkdir()
    (home / "lessons").write_text("a file where the folder would be")
    r = start(home, tmp_path, "echo", "started")
    assert r.returncode == 0
    assert r.stdout.strip().endswith("started")
    assert "no lessons handed out" in r.stderr
    r = start(home, tmp_path)
    assert r.returncode == 2 and "no command" in r.stderr


def test_students_servers_let_in_their_student_only(values):
    """As on one server: a student's server asks for the class's own scope, which each user
    holds for themselves only (not the teacher, an admin); no user config from homes."""
    import types

    from traitlets import Any, HasTraits, List, Union, Unicode

    class KubeSpawner(HasTraits):  # the traits of JupyterHub's Spawner that the snippet sets
        oauth_access_scopes = List(Unicode())
        oauth_client_allowed_scopes = Union([List(Unicode()), Any()])
        user = Any()

        def _default_access_scopes(self):
            return [f"access:servers!server={self.user.name}/"]

    class Config:
        def __init__(self):
            self.JupyterHub = types.SimpleNamespace()

    code = values["hub"]["extraConfig"]["golessons-own-server"]
    c = Config()
    ns = {"c": c}
    saved = sys.modules.get("kubespawner")
    sys.modules["kubespawner"] = types.SimpleNamespace(KubeSpawner=KubeSpawner)
    try:
        exec(compile(code, "values.yaml:golessons-own-server", "exec"), ns)
    finally:
        if saved is None:
            del sys.modules["kubespawner"]
        else:
            sys.modules["kubespawner"] = saved
    scope = re.search(r'OWN_SERVER_SCOPE = "([^"]+)"', open(os.path.join(ROOT, "classroom", "jupyterhub_config.py")).read())
    assert scope, "classroom/jupyterhub_config.py no longer names OWN_SERVER_SCOPE"
    scope = scope.group(1)
    assert scope in c.JupyterHub.custom_scopes
    assert scope + "!user" in values["hub"]["loadRoles"]["user"]["scopes"]
    spawner = c.JupyterHub.spawner_class(user=types.SimpleNamespace(name="ada"))
    assert spawner.oauth_access_scopes == [f"{scope}!user=ada"]
    assert spawner.oauth_client_allowed_scopes == [f"{scope}!user=ada"]
    env = values["singleuser"]["extraEnv"]
    assert env["JUPYTERHUB_DISABLE_USER_CONFIG"] == "1" and env["PYTHONNOUSERSITE"] == "1"
