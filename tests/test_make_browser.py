"""tools/find_browser.sh: which Chromium `make test` and `make bench` use, and what it does when there is none.

Nothing is installed or uninstalled: each test runs the script with a PATH of
its own (a few real tools and fakes), CHROMIUM_CANDIDATES instead of the
system paths, a fake python for Playwright and fake id / apt-get.
"""
import os
import shutil
import subprocess
import sys

import pytest

from conftest import ROOT

SCRIPT = os.path.join(ROOT, "tools", "find_browser.sh")

FAKE_PYTHON = """#!/bin/bash
# A fake venv python: Playwright's executable path, its download server, its install.
echo "python $*" >> "$LOG"
case "$1 $2" in
  "-m playwright") [ "$PW_INSTALL" = ok ] && { mkdir -p "$(dirname "$PW_PATH")"; printf '#!/bin/sh\\n' > "$PW_PATH"; chmod +x "$PW_PATH"; exit 0; }; exit 1 ;;
esac
case "$2" in
  *executable_path*) echo "$PW_PATH" ;;
  *urlopen*) [ "$PW_SERVER" = up ] ;;
esac
"""

FAKE_APT = """#!/bin/bash
echo "apt-get $*" >> "$LOG"
if [ "$1" = install ]; then
  [ "$APT" = ok ] || exit 100
  printf '#!/bin/sh\\n' > "$APT_INSTALLS"; chmod +x "$APT_INSTALLS"
fi
"""


def write_exe(path, text):
    with open(path, "w") as f:
        f.write(text)
    os.chmod(path, 0o755)
    return str(path)


class Sandbox:
    def __init__(self, tmp_path):
        self.tmp = tmp_path
        self.bin = tmp_path / "bin"
        self.bin.mkdir()
        for tool in ("dirname", "cat", "mkdir", "chmod", "timeout"):
            real = shutil.which(tool)
            if real:
                os.symlink(real, self.bin / tool)
        self.log = tmp_path / "log"
        self.log.write_text("")
        self.python = write_exe(tmp_path / "python", FAKE_PYTHON)
        self.env = {
            "PATH": str(self.bin), "HOME": str(tmp_path), "LOG": str(self.log),
            "PYTHON": self.python, "CHROMIUM_CANDIDATES": "",
            "PW_PATH": str(tmp_path / "ms-playwright" / "chromium-1" / "chrome"), "PW_SERVER": "down",
        }
        self.user(1000)

    def user(self, uid):
        write_exe(self.bin / "id", f"#!/bin/bash\n[ \"$1\" = -u ] && echo {uid}\n")

    def apt(self, ok=True):
        self.env["APT"] = "ok" if ok else "fail"
        self.env["APT_INSTALLS"] = str(self.tmp / "usr-bin-chromium")
        self.env["CHROMIUM_CANDIDATES"] = self.env["APT_INSTALLS"]
        write_exe(self.bin / "apt-get", FAKE_APT)

    def browser(self, name):
        return write_exe(self.tmp / name, "#!/bin/sh\n")

    def run(self, **env):
        p = subprocess.run(["/bin/bash", SCRIPT], env={**self.env, **env}, capture_output=True, text=True, timeout=60)
        return p.returncode, p.stdout.strip(), p.stderr, self.log.read_text()


@pytest.fixture
def sb(tmp_path):
    return Sandbox(tmp_path)


def test_chromium_variable_first(sb):
    mine = sb.browser("my-chrome")
    system = sb.browser("system-chromium")
    rc, out, _, _ = sb.run(CHROMIUM=mine, CHROMIUM_CANDIDATES=system)
    assert (rc, out) == (0, mine)


def test_chromium_variable_that_is_no_program_falls_back(sb):
    system = sb.browser("system-chromium")
    rc, out, err, _ = sb.run(CHROMIUM=str(sb.tmp / "nothing-here"), CHROMIUM_CANDIDATES=system)
    assert (rc, out) == (0, system)
    assert "is not a program" in err


def test_system_chromium_on_path(sb):
    path = write_exe(sb.bin / "chromium-browser", "#!/bin/sh\n")
    rc, out, _, log = sb.run()
    assert (rc, out) == (0, path)
    assert log == ""  # neither Playwright nor apt was asked


def test_the_real_system_paths_by_default():
    """Without the test's overrides the script finds this machine's browser (make test uses it)."""
    p = subprocess.run([SCRIPT], capture_output=True, text=True, env={k: v for k, v in os.environ.items()
                                                                       if k != "CHROMIUM"})
    if p.returncode != 0:
        pytest.skip("no Chromium on this machine: " + p.stderr.strip().splitlines()[-1])
    assert os.access(p.stdout.strip(), os.X_OK)


def test_playwright_chromium_already_downloaded(sb):
    sb.env["PW_INSTALL"] = "ok"
    subprocess.run([sb.python, "-m", "playwright", "install", "chromium"], env=sb.env, check=True)
    sb.log.write_text("")
    rc, out, _, log = sb.run()
    assert (rc, out) == (0, sb.env["PW_PATH"])
    assert "install" not in log


def test_playwright_downloads_when_its_server_answers(sb):
    rc, out, err, log = sb.run(PW_SERVER="up", PW_INSTALL="ok")
    assert (rc, out) == (0, sb.env["PW_PATH"])
    assert "python -m playwright install chromium" in log
    assert "apt-get" not in log


def test_no_playwright_download_without_its_server_then_debian_as_root(sb):
    sb.user(0)
    sb.apt(ok=True)
    rc, out, err, log = sb.run(PW_SERVER="down")
    assert (rc, out) == (0, sb.env["APT_INSTALLS"]), err
    assert "playwright install" not in log
    assert "apt-get install -y -qq chromium" in log


def test_playwright_download_failing_falls_back_to_debian(sb):
    sb.user(0)
    sb.apt(ok=True)
    rc, out, err, log = sb.run(PW_SERVER="up", PW_INSTALL="fail")
    assert (rc, out) == (0, sb.env["APT_INSTALLS"]), err
    assert "python -m playwright install chromium" in log and "apt-get install" in log


def test_stale_package_list_is_refreshed(sb):
    sb.user(0)
    sb.apt(ok=False)
    rc, out, err, log = sb.run()
    assert rc == 1 and out == ""
    assert log.count("apt-get install") == 2 and "apt-get update" in log
    assert "    apt-get install chromium" in err


def test_not_root_names_the_one_command(sb):
    sb.apt(ok=True)
    rc, out, err, log = sb.run()
    assert rc == 1 and out == ""
    assert "apt-get" not in log  # never tries apt without root
    assert "    sudo apt-get install chromium" in err


def test_no_apt_names_playwright_install(sb):
    rc, out, err, _ = sb.run()
    assert rc == 1 and out == ""
    assert f"    {sb.python} -m playwright install chromium" in err


def test_browser_py_uses_the_script():
    """harness/lab.py takes $CHROMIUM, else the script's answer."""
    code = "from harness import lab; print(lab.CHROMIUM)"
    env = {k: v for k, v in os.environ.items() if k != "CHROMIUM"}
    tests = ROOT
    p = subprocess.run([sys.executable, "-c", code], cwd=tests, env=env, capture_output=True, text=True)
    want = subprocess.run([SCRIPT], env=env, capture_output=True, text=True).stdout.strip() or "None"
    assert p.stdout.strip() == want, p.stderr
    fake = os.path.join(ROOT, "tools", "find_browser.sh")  # any program will do
    p = subprocess.run([sys.executable, "-c", code], cwd=tests, env={**env, "CHROMIUM": fake},
                       capture_output=True, text=True)
    assert p.stdout.strip() == fake, p.stderr


def test_makefile_targets_use_the_script():
    text = open(os.path.join(ROOT, "Makefile"), encoding="utf-8").read()
    for target in ("test-browser:", "bench:", "bench-tiny:"):
        recipe = text.split("\n" + target, 1)[1].split("\n\n", 1)[0]
        assert "$(FIND_BROWSER)" in recipe, target
    assert "tools/find_browser.sh" in text
