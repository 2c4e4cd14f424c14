"""The browser sample of make bench-classroom: one more student, in headless Chromium, who
logs in at the hub's login page, gets the lesson in JupyterLab, runs its setup cells, and
presses Run on the streaming cell when the class does. The time to the answer's first text
on the page is what a student sees (the kernel clients of bench/classroom.py measure at the
websocket)."""
import json
import os
import re
import threading
import time

from harness import lesson

# A line of each of the lesson's cells (found by tag) to find the cell on the page.
MARKERS = {"connect": "func newClient()", "model": "const MODEL", "messages": "var messages",
           "stream-loop": "helpers.NewPrinter()"}
TIMEOUT_MS = 240_000


class BrowserSample:
    """Runs in a thread of its own (Playwright's sync API stays in the thread that made it).
    ready is set when the setup cells ran; set go to press Run; done is set at the end, and
    result then holds first_token_s and end_s, or error."""

    def __init__(self, hub, name, password, expected):
        for tag, text in MARKERS.items():
            assert text in lesson.source(tag), f"the lesson's {tag} cell no longer holds {text!r}"
        self.hub, self.name, self.password = hub, name, password
        lines = [ln for ln in expected.splitlines() if ln.strip()]
        self.first_text, self.last_text = lines[0][:20], lines[-1][-20:]
        self.ready, self.go, self.done = threading.Event(), threading.Event(), threading.Event()
        self.result = {}
        self.thread = threading.Thread(target=self._run, daemon=True)
        self.thread.start()

    def _run(self):
        from playwright.sync_api import sync_playwright

        from harness.lab import cell_with, launch

        try:
            with sync_playwright() as p:
                browser = launch(p)
                try:
                    page = browser.new_page(viewport={"width": 1200, "height": 2000})
                    self._log_in(page)
                    for tag in ("connect", "model", "messages"):
                        self._run_cell(page, cell_with(page, MARKERS[tag]))
                    self.ready.set()
                    self.go.wait()
                    self._storm(page, cell_with(page, MARKERS["stream-loop"]))
                finally:
                    browser.close()
        except Exception as e:  # noqa: BLE001 - reported with the figures
            self.result["error"] = f"{type(e).__name__}: {str(e)[:500]}"
        finally:
            self.ready.set()
            self.done.set()

    def _log_in(self, page):
        t0 = time.time()
        page.goto(self.hub.url + "/hub/login")
        page.fill("#username_input", self.name)
        page.fill("#password_input", self.password)
        page.click("#login_submit")
        page.wait_for_url(re.compile(f"/user/{self.name}/lab"), timeout=TIMEOUT_MS)
        page.wait_for_selector(".jp-NotebookPanel .jp-Notebook .jp-Cell", timeout=TIMEOUT_MS)
        page.wait_for_function(
            "() => { const b = document.querySelector('#jp-main-statusbar');"
            " return b && /Go \\(gonb\\) \\| (Idle|Unknown)/.test(b.innerText); }", timeout=TIMEOUT_MS)
        self.result["login_to_lesson_s"] = time.time() - t0

    def _run_cell(self, page, cell):
        before = cell.locator(".jp-InputPrompt").inner_text()
        cell.locator(".jp-InputArea-editor").click()
        page.keyboard.press("Shift+Enter")
        page.wait_for_function("([el, was]) => /\\[\\d+\\]/.test(el.innerText) && el.innerText !== was",
                               arg=[cell.locator(".jp-InputPrompt").element_handle(), before], timeout=TIMEOUT_MS)

    def _storm(self, page, cell):
        cell.locator(".jp-InputArea-editor").click()
        handle = cell.element_handle()  # its output comes inside it (the answer's text is not in its code)
        t0 = time.time()
        page.keyboard.press("Shift+Enter")
        page.wait_for_function("([el, want]) => el.innerText.includes(want)", arg=[handle, self.first_text],
                               timeout=TIMEOUT_MS, polling=20)
        self.result["first_token_s"] = time.time() - t0
        page.wait_for_function("([el, want]) => el.innerText.includes(want)", arg=[handle, self.last_text],
                               timeout=TIMEOUT_MS)
        self.result["end_s"] = time.time() - t0


def add_account(hub, name, tmp):
    """A class account with a password (classroom/accounts.py, as a teacher makes them); the password."""
    csv_path = os.path.join(tmp, "sample.csv")
    with open(csv_path, "w") as f:
        f.write(f"name,username\nBrowser Sample,{name}\n")
    hub.accounts("add", csv_path, "--url", hub.url + "/")
    with open(os.path.join(hub.state, "hub", "first-passwords.json")) as f:
        return json.load(f)[name]["password"]
