"""Hostile model text streamed through the lessons' own cells in a real JupyterLab.

A local server speaks OpenRouter's wire format and answers with the entries of
internal/streamview/testdata/hostile.json (script tags, event attributes, javascript: links,
code-fence and code-span tricks, CR line endings, SVG, MathML, ...), cut into
pieces of one to three characters. The lessons' print loop, Markdown view,
streaming-vs-waiting cell and whole answer (each the first lesson's cell of that tag)
show them. Each payload calls __xss(id) only
if it runs: the page must record no call, and the outputs' DOM must hold no
event-handler attribute, no <script>, no javascript: URL and no image.
"""
import http.server
import json
import os
import random
import threading
import time

import nbformat
import pytest
from playwright.sync_api import sync_playwright

from harness.lab import Lab, launch, menu, open_notebook, wait_kernel_idle
from conftest import ROOT, TEST_KEY, gonb_notebook, kernel_env
from harness.lesson import source

CATALOGUE = os.path.join(ROOT, "internal", "streamview", "testdata", "hostile.json")
# The lessons' cells this test runs, by their tags (each from the first lesson that has it).
CELLS = {
    "connect": "connect",
    "model": "model",
    "messages": "messages",
    "print loop": "stream-loop",
    "markdown view": "stream-view",
    "compare": "compare",
    "whole answer": "wait",
}
GROUP_SIZE = 12

INIT_SCRIPT = """
window.__hits = [];
window.__xss = id => { window.__hits.push(String(id)); };
window.alert = window.confirm = window.prompt = msg => { window.__hits.push('dialog:' + msg); };
"""

# What must not be in any output. Our own timeline picture is SVG, and the
# thinking section is a <details>, so those two are checked for content only.
DOM_AUDIT = """() => {
    const bad = [];
    const forbidden = new Set(['script', 'iframe', 'frame', 'object', 'embed', 'form', 'style', 'meta', 'base',
        'link', 'img', 'video', 'audio', 'source', 'math', 'input', 'button', 'textarea', 'template', 'noscript',
        'marquee', 'foreignobject', 'animate', 'set', 'use', 'image']);
    const ok = /^(https?:|mailto:)/i;
    for (const out of document.querySelectorAll('.jp-OutputArea-output')) {
        for (const el of out.querySelectorAll('*')) {
            const tag = el.tagName.toLowerCase();
            if (forbidden.has(tag)) bad.push('<' + tag + '>');
            if (tag.startsWith('mjx-')) bad.push('MathJax typeset: <' + tag + '>');
            for (const a of el.attributes) {
                const name = a.name.toLowerCase();
                if (name.startsWith('on')) bad.push(tag + ' ' + name + '=' + a.value);
                if (['href', 'src', 'action', 'formaction', 'xlink:href', 'data', 'srcdoc', 'background'].includes(name)
                        && !ok.test(a.value.trim())) bad.push(tag + ' ' + name + '=' + a.value);
                if (/javascript:/i.test(a.value)) bad.push(tag + ' ' + name + '=' + a.value);
            }
            if (el.classList.contains('jp-Dialog')) bad.push('spoofed .jp-Dialog');
            if (getComputedStyle(el).position === 'fixed') bad.push('fixed element ' + tag);
        }
    }
    return {bad, hits: window.__hits};
}"""


def load_catalogue():
    with open(CATALOGUE, encoding="utf-8") as f:
        entries = json.load(f)["entries"]
    assert len(entries) >= 25
    return entries


def groups(entries):
    """The answers to serve: the catalogue in groups, each ending with a marker."""
    out = []
    for n, start in enumerate(range(0, len(entries), GROUP_SIZE)):
        part = entries[start:start + GROUP_SIZE]
        text = "\n\n".join(e["text"] for e in part)
        # A closer for whatever a payload left open, then the marker.
        text += "\n\n````````\n\n~~~~~~~~\n\n" + f"END-OF-GROUP-{n}\n"
        out.append({"n": n, "ids": [e["id"] for e in part], "text": text, "error": False})
    error_text = "<img src=x onerror=__xss('error-message')> <script>__xss('error-message')</script> [x](javascript:__xss('error-message'))"
    out.append({"n": len(out), "ids": ["error-message"], "text": f"Half an answer END-OF-GROUP-{len(out)}\n",
                "error": error_text})
    return out


def pieces(text, rng):
    """text cut into pieces of one to three characters."""
    i = 0
    while i < len(text):
        k = rng.randint(1, 3)
        yield text[i:i + k]
        i += k


def chunk(content="", reasoning=None, finish=None):
    delta = {"role": "assistant", "content": content}
    if reasoning is not None:
        delta["reasoning"] = reasoning
    return {"id": "gen-hostile", "provider": "Hostile", "model": "openai/gpt-oss-120b:free",
            "object": "chat.completion.chunk", "created": 1740000000,
            "choices": [{"index": 0, "delta": delta, "finish_reason": finish}]}


class HostileUpstream:
    """A local OpenAI-compatible server whose answers are the current group."""

    def __init__(self):
        self.group = None
        self.rng = random.Random(8)
        upstream = self

        class Handler(http.server.BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *args):
                pass

            def do_POST(self):
                body = json.loads(self.rfile.read(int(self.headers.get("Content-Length", 0))) or b"{}")
                g = upstream.group
                if body.get("stream"):
                    upstream.stream(self, g)
                else:
                    upstream.whole(self, g)

        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.base_url = f"http://127.0.0.1:{self.server.server_address[1]}/api/v1"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def whole(self, h, g):
        if g["error"]:
            data = json.dumps({"error": {"message": g["error"], "code": 502}}).encode()
            h.send_response(502)
        else:
            data = json.dumps({"id": "gen-hostile", "object": "chat.completion", "model": "m", "choices": [
                {"index": 0, "message": {"role": "assistant", "content": g["text"]}, "finish_reason": "stop"}]}).encode()
            h.send_response(200)
        h.send_header("Content-Type", "application/json")
        h.send_header("Content-Length", str(len(data)))
        h.end_headers()
        h.wfile.write(data)

    def stream(self, h, g):
        h.send_response(200)
        h.send_header("Content-Type", "text/event-stream")
        h.send_header("Cache-Control", "no-cache")
        h.send_header("Connection", "close")
        h.end_headers()

        def send(s):
            h.wfile.write(s.encode())
            h.wfile.flush()

        send(": OPENROUTER PROCESSING\n\n")
        # The reasoning is hostile too: the first payloads of the group.
        send("data: " + json.dumps(chunk(reasoning=g["text"][:600])) + "\n\n")
        for i, p in enumerate(pieces(g["text"], self.rng)):
            send("data: " + json.dumps(chunk(p)) + "\n\n")
            if i % 20 == 19:
                time.sleep(0.01)  # about 2000 pieces a second
        if g["error"]:
            send("data: " + json.dumps({"error": {"message": g["error"], "code": 502}}) + "\n\n")
            return
        send("data: " + json.dumps(chunk(finish="stop")) + "\n\n")
        send("data: [DONE]\n\n")

    def stop(self):
        self.server.shutdown()


def lesson_notebook():
    cells = [nbformat.v4.new_code_cell(source(tag)) for tag in CELLS.values()]
    # A control: MathJax is on in this page, so "$" left as text in outputs means something.
    cells.append(nbformat.v4.new_markdown_cell("Control: $x^2$ is typeset here."))
    return gonb_notebook(cells)


def output_text(page, i):
    """The text of cell i's output, scrolled into view first (JupyterLab does not lay out
    cells out of view, and innerText needs the layout)."""
    page.evaluate("i => document.querySelectorAll('.jp-Notebook .jp-Cell')[i]?.scrollIntoView()", i)
    page.wait_for_timeout(100)
    return page.evaluate(
        "i => { const c = document.querySelectorAll('.jp-Notebook .jp-Cell')[i];"
        " const o = c && c.querySelector('.jp-OutputArea'); return o ? o.innerText : ''; }", i)


def wait_for_group(page, idx, marker, g, artifacts):
    """Wait until the Markdown view and the comparison show the whole group."""
    try:
        page.wait_for_function(
            """([i, j, w, m, err]) => {
                const t = k => { const c = document.querySelectorAll('.jp-Notebook .jp-Cell')[k];
                                 const o = c && c.querySelector('.jp-OutputArea'); return o ? o.innerText : ''; };
                const view = t(i), cmp = t(j), whole = t(w);
                return view.includes(m) && view.includes('⏱')
                    && (err ? cmp.includes('failed') && cmp.includes('do not compare') && whole.includes('without an answer')
                            : cmp.includes(m) && cmp.includes('With streaming the first words') && whole.includes(m));
            }""",
            arg=[idx["markdown view"], idx["compare"], idx["whole answer"], marker, bool(g["error"])],
            timeout=90_000,
        )
    except Exception:
        page.screenshot(path=os.path.join(artifacts, f"hostile-group-{g['n']}-timeout.png"), full_page=True)
        shown = {name: output_text(page, i)[-600:] for name, i in idx.items()}
        raise AssertionError(f"group {g['n']} did not finish; outputs end with:\n" + json.dumps(shown, indent=1))


def test_hostile_answers_stay_inert(artifacts):
    upstream = HostileUpstream()
    env = kernel_env(OPENROUTER_API_KEY=TEST_KEY, OPENAI_BASE_URL=upstream.base_url)
    lab = Lab(env=env, notebooks={"hostile.ipynb": lesson_notebook()})
    names = list(CELLS)
    idx = {name: names.index(name) for name in names}
    try:
        with sync_playwright() as pw:
            browser = launch(pw)
            page = browser.new_page(viewport={"width": 1280, "height": 1000})
            page.add_init_script(INIT_SCRIPT)
            dialogs = []
            page.on("dialog", lambda d: (dialogs.append(d.message), d.dismiss()))
            open_notebook(page, lab, "hostile.ipynb")
            page.wait_for_selector(".jp-MarkdownCell mjx-container", timeout=30_000)
            for g in groups(load_catalogue()):
                upstream.group = g
                marker = f"END-OF-GROUP-{g['n']}"
                menu(page, "Run", "Run All Cells")
                wait_for_group(page, idx, marker, g, artifacts)
                wait_kernel_idle(page, 60_000)
                page.wait_for_timeout(300)  # let any onerror/onload fire
                audit = page.evaluate(DOM_AUDIT)
                page.screenshot(path=os.path.join(artifacts, f"hostile-group-{g['n']}.png"), full_page=True)
                assert audit["hits"] == [] and dialogs == [], f"group {g['n']}: script ran: {audit['hits']} {dialogs}"
                assert audit["bad"] == [], f"group {g['n']} ({g['ids']}): not inert:\n" + "\n".join(audit["bad"][:30])
                view = output_text(page, idx["markdown view"])
                printed = output_text(page, idx["print loop"])
                whole = output_text(page, idx["whole answer"])
                if g["error"]:
                    # The server's message is quoted, as text.
                    assert "onerror=__xss('error-message')" in view, view[-800:]
                    assert "onerror=__xss('error-message')" in whole, whole[-800:]
                else:
                    # Model text is shown as text: the payloads are visible, not run.
                    assert "__xss(" in view and "__xss(" in printed and "__xss(" in whole
                    assert "It costs $5, or $10 a month" in view or "dollar-math" not in g["ids"]
            browser.close()
    finally:
        lab.stop()
        upstream.stop()
