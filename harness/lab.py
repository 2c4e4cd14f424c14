"""A real JupyterLab server and headless Chromium, for the browser tests and the benchmarks."""
import os
import secrets
import shutil
import subprocess
import tempfile

import nbformat

from harness.env import ROOT, free_port, kernel_env, wait_http

FIND_BROWSER = os.path.join(ROOT, "tools", "find_browser.sh")


def find_chromium():
    """The Chromium to drive: $CHROMIUM, else what tools/find_browser.sh finds or installs.

    The Makefile's targets run the script first and pass its answer in
    $CHROMIUM; running pytest by hand gets the same answer here. When there is
    none, the script has said which command installs one, and this returns
    None (launching then fails with that message).
    """
    named = os.environ.get("CHROMIUM")
    if named and os.path.isfile(named) and os.access(named, os.X_OK):
        return named
    p = subprocess.run([FIND_BROWSER], stdout=subprocess.PIPE, text=True)
    return p.stdout.strip() if p.returncode == 0 and p.stdout.strip() else None


CHROMIUM = find_chromium()
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


class Lab:
    """JupyterLab serving a copy of notebooks/ from a temporary folder."""

    def __init__(self, env=None, notebooks=None, base_url="/"):
        """Start JupyterLab; notebooks maps extra file names to nbformat notebooks to serve.

        base_url serves it under a path, as JupyterHub does (e.g. "/user/alice/").
        """
        self.tmp = tempfile.mkdtemp(prefix="lab-")
        self.root = os.path.join(self.tmp, "notebooks")
        shutil.copytree(os.path.join(ROOT, "notebooks"), self.root)
        for name, nb in (notebooks or {}).items():
            nbformat.write(nb, os.path.join(self.root, name))
        # No "get notified about Jupyter news?" toast over the page.
        settings = os.path.join(self.tmp, "settings", "@jupyterlab", "apputils-extension")
        os.makedirs(settings)
        with open(os.path.join(settings, "notification.jupyterlab-settings"), "w") as f:
            f.write('{"fetchNews": "false", "checkForUpdates": false}')
        self.port = free_port()
        self.token = secrets.token_hex(16)
        self.url = f"http://127.0.0.1:{self.port}{base_url.rstrip('/')}"
        self.log = open(os.path.join(self.tmp, "jupyter.log"), "w")
        jupyter = os.path.join(ROOT, ".venv", "bin", "jupyter")
        self.proc = subprocess.Popen(
            [
                jupyter, "lab", "--no-browser", f"--port={self.port}", "--ip=127.0.0.1",
                f"--ServerApp.token={self.token}",
                f"--ServerApp.base_url={base_url}",
                f"--ServerApp.root_dir={self.root}",
                f"--LabApp.workspaces_dir={self.tmp}/workspaces",
                f"--LabApp.user_settings_dir={self.tmp}/settings",
                "--LabApp.check_for_updates_class=jupyterlab.NeverCheckForUpdate",
                "--LabApp.news_url=",
                # CI runs as root, which Jupyter refuses without this.
                *(["--allow-root"] if os.geteuid() == 0 else []),
            ],
            env=env if env is not None else kernel_env(),
            stdout=self.log,
            stderr=subprocess.STDOUT,
        )
        wait_http(f"{self.url}/api/status?token={self.token}", timeout=90)

    def notebook_url(self, name):
        return f"{self.url}/lab/tree/{name}?token={self.token}"

    def server_log(self):
        self.log.flush()
        with open(self.log.name, encoding="utf-8", errors="replace") as f:
            return f.read()

    def stop(self):
        self.proc.terminate()
        try:
            self.proc.wait(timeout=15)
        except subprocess.TimeoutExpired:
            self.proc.kill()
        self.log.close()
        shutil.rmtree(self.tmp, ignore_errors=True)


def launch(playwright):
    if CHROMIUM is None:
        raise RuntimeError(f"no Chromium: {FIND_BROWSER} says which command installs one")
    return playwright.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)


def open_notebook(page, lab, name, timeout=60_000):
    """Open a notebook and wait until its kernel is idle."""
    page.goto(lab.notebook_url(name))
    page.wait_for_selector(".jp-NotebookPanel .jp-Notebook .jp-Cell", timeout=timeout)
    # GoNB sends no status until its first execution, so "Unknown" counts as ready.
    page.wait_for_function(
        """() => {
            const bar = document.querySelector('#jp-main-statusbar');
            return bar && /\\| (Idle|Unknown)/.test(bar.innerText) && !bar.innerText.includes('No Kernel');
        }""",
        timeout=timeout,
    )


def wait_kernel_idle(page, timeout=60_000, kernel="Go (gonb)"):
    """Wait until the status bar says the notebook's kernel is idle."""
    page.wait_for_function(
        """name => {
            const bar = document.querySelector('#jp-main-statusbar');
            return bar && bar.innerText.includes(name + ' | Idle');
        }""",
        arg=kernel,
        timeout=timeout,
    )


def menu(page, top, item):
    """Click a main-menu entry, e.g. menu(page, "Run", "Run All Cells")."""
    page.locator("#jp-MainMenu .lm-MenuBar-itemLabel", has_text=top).first.click()
    page.locator(".lm-Menu-content .lm-Menu-itemLabel").filter(has_text=item).first.click()


def cell_with(page, text):
    """The code cell whose source contains text."""
    return page.locator(".jp-CodeCell").filter(has=page.locator(".jp-InputArea", has_text=text)).first
