"""Two separate Chromium processes answer the same notebook's quiz at the same moment,
over plain http (no Web Locks): the answers file keeps every attempt, and each widget's
"Saved" is true.

Chromium counts http://127.0.0.1 as a secure origin, where Web Locks exist; a hub on a
LAN address over http:// is not one. So the browsers reach the test's JupyterLab (on
127.0.0.1) under a name that is not a loopback one, mapped to 127.0.0.1 inside Chromium.
"""
import json
import os
import statistics
import tempfile
import time

import nbformat
from playwright.sync_api import sync_playwright

from harness.lab import CHROMIUM, CHROMIUM_ARGS, Lab, menu, open_notebook
from conftest import gonb_notebook, kernel_env

HOST = "quiz-lab.test"
ROUNDS = 20
# Question ids that are names of Object.prototype's properties. "__proto__" is not a
# valid question id (ids start with a letter or digit), so it comes in the answers file.
IDS = ["constructor", "toString", "hasOwnProperty", "valueOf"]
QUESTIONS = '''%%
for _, id := range []string{"constructor", "toString", "hasOwnProperty", "valueOf"} {
	helpers.Question(`{"id": "` + id + `", "question_type": "freeform", "question": "Question ` + id + `: type anything.", "answer": "anything"}`)
}
'''
SEEDED_TIME = "2025-01-02T03:04:05Z"
SEEDED = {
    "version": 1,
    "notebook": "quiz.ipynb",
    "answers": {
        "__proto__": {"answer": "seeded proto", "correct": False, "time": SEEDED_TIME, "attempts": 1,
                      "history": [{"answer": "seeded proto", "correct": False, "time": SEEDED_TIME}]},
        "constructor": {"answer": "seeded constructor", "correct": False, "time": SEEDED_TIME, "attempts": 1,
                        "history": [{"answer": "seeded constructor", "correct": False, "time": SEEDED_TIME}]},
    },
}

WIDGET = '.gq-quiz:not([data-question-type=reflection])[data-question-id="{}"]'
READY = "document.querySelectorAll('.gq-quiz:not([data-question-type=reflection])[data-gq-ready=true]').length === 4"
# Every save state a widget takes, in order, per question id.
WATCH_STATES = """() => {
    window.__gqStates = [];
    new MutationObserver(ms => ms.forEach(m => window.__gqStates.push(
        [m.target.dataset.questionId, m.target.dataset.saveState])))
        .observe(document.body, {subtree: true, attributes: true, attributeFilter: ['data-save-state']});
    return Object.getOwnPropertyNames(Object.prototype).sort().join();
}"""
# Press Check on one question at a given time (ms since 1970) on this machine's clock.
CLICK_AT = """([id, at]) => {
    const button = document.querySelector('.gq-quiz:not([data-question-type=reflection])[data-question-id="' + id + '"] .gq-check');
    setTimeout(() => {
        window.__gqClicked = performance.timeOrigin + performance.now();
        button.click();
    }, Math.max(0, at - Date.now()));
}"""
SAVED_AS = """([id, answer]) => {
    const root = document.querySelector('.gq-quiz:not([data-question-type=reflection])[data-question-id="' + id + '"]');
    return root.dataset.saveState === 'saved' &&
        root.querySelector('.gq-saved').textContent.includes('Your saved answer: ' + answer + ' (');
}"""


class PlainHTTP:
    """The Lab, as the browsers reach it: http://HOST:port, not a secure origin."""

    def __init__(self, lab):
        self.lab = lab

    def notebook_url(self, name):
        return f"http://{HOST}:{self.lab.port}/lab/tree/{name}?token={self.lab.token}"


def start_lab():
    """A Lab serving the quiz notebook, which accepts requests for HOST."""
    config = tempfile.mkdtemp(prefix="jupyter-config-")
    with open(os.path.join(config, "jupyter_server_config.json"), "w") as f:
        json.dump({"ServerApp": {"local_hostnames": ["localhost", HOST]}}, f)
    nb = gonb_notebook([
        nbformat.v4.new_code_cell('import "github.com/k12notebooks/golessons/helpers"'),
        nbformat.v4.new_code_cell(QUESTIONS),
    ])
    lab = Lab(env=kernel_env(JUPYTER_CONFIG_PATH=config), notebooks={"quiz.ipynb": nb})
    with open(os.path.join(lab.root, "quiz.answers.json"), "w", encoding="utf-8") as f:
        json.dump(SEEDED, f)
    return lab


def launch_own_process(pw):
    """A Chromium of its own (not a tab or context of another) that maps HOST to 127.0.0.1."""
    if CHROMIUM is None:
        raise RuntimeError("no Chromium: tools/find_browser.sh says which command installs one")
    return pw.chromium.launch(
        executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS + [f"--host-resolver-rules=MAP {HOST} 127.0.0.1"]
    )


def read_answers(lab):
    """The answers file as the server has it; read again if caught while being written."""
    path = os.path.join(lab.root, "quiz.answers.json")
    for _ in range(20):
        try:
            with open(path, encoding="utf-8") as f:
                return json.load(f)
        except json.JSONDecodeError:
            time.sleep(0.05)
    raise AssertionError("the answers file stays unreadable: " + open(path, encoding="utf-8").read())


def lacking(doc, attempts):
    """The (question id, answer) pairs that the answers document lacks."""
    have = {(qid, h["answer"]) for qid, r in doc["answers"].items() for h in r.get("history", [])}
    return [a for a in attempts if a not in have]


def check_widgets_tell_the_file(page, doc):
    """Every widget says 'saved' and shows the file's latest answer and attempt count."""
    for qid in IDS:
        root = page.locator(WIDGET.format(qid))
        rec = doc["answers"][qid]
        text = root.locator(".gq-saved").inner_text()
        assert root.get_attribute("data-save-state") == "saved", (qid, root.locator(".gq-save-status").inner_text())
        assert f"Your saved answer: {rec['answer']} (" in text and f"{rec['attempts']} attempts" in text, (qid, text, rec)


def test_two_browsers_answering_at_once_lose_nothing(artifacts):
    lab = start_lab()
    try:
        with sync_playwright() as pw:
            browsers = [launch_own_process(pw), launch_own_process(pw)]
            a, b = (br.new_page(viewport={"width": 1200, "height": 1600}) for br in browsers)
            open_notebook(a, PlainHTTP(lab), "quiz.ipynb")
            menu(a, "Run", "Run All Cells")
            a.wait_for_function(READY, timeout=120_000)
            menu(a, "File", "Save Notebook")  # so that browser b gets the widgets too
            a.wait_for_timeout(1500)
            open_notebook(b, PlainHTTP(lab), "quiz.ipynb")
            b.wait_for_function(READY, timeout=60_000)

            protos = {}
            for name, page in (("a", a), ("b", b)):
                # Plain http on a name that is not loopback: no Web Locks to lean on.
                assert page.evaluate("[location.hostname, window.isSecureContext, typeof navigator.locks]") == [
                    HOST, False, "undefined"], name
                page.wait_for_function(
                    "Array.from(document.querySelectorAll('.gq-quiz:not([data-question-type=reflection])')).every(e => e.dataset.saveState === 'idle')",
                    timeout=30_000,
                )
                # The saved answer of "constructor" comes back; the others have none, and
                # nothing shows Object.prototype's members.
                assert page.locator(WIDGET.format("constructor") + " .gq-input").input_value() == "seeded constructor"
                assert "Your saved answer: seeded constructor (" in page.locator(WIDGET.format("constructor") + " .gq-saved").inner_text()
                for qid in IDS[1:]:
                    assert page.locator(WIDGET.format(qid) + " .gq-input").input_value() == "", qid
                    assert page.locator(WIDGET.format(qid) + " .gq-saved").is_hidden(), qid
                texts = " ".join(page.eval_on_selector_all(".gq-quiz:not([data-question-type=reflection])", "els => els.map(e => e.innerText)"))
                assert "undefined" not in texts and "function" not in texts and "[native code]" not in texts
                protos[name] = page.evaluate(WATCH_STATES)

            expected, spreads, started = [], [], time.time()
            for i in range(ROUNDS):
                qa, qb = IDS[i % len(IDS)], IDS[(i + 1) % len(IDS)]
                ans_a, ans_b = f"a-{i:02d}", f"b-{i:02d}"
                a.locator(WIDGET.format(qa) + " .gq-input").fill(ans_a)
                b.locator(WIDGET.format(qb) + " .gq-input").fill(ans_b)
                at = time.time() * 1000 + 300
                a.evaluate(CLICK_AT, [qa, at])
                b.evaluate(CLICK_AT, [qb, at])
                a.wait_for_function(SAVED_AS, arg=[qa, ans_a], timeout=30_000)
                b.wait_for_function(SAVED_AS, arg=[qb, ans_b], timeout=30_000)
                spreads.append(abs(a.evaluate("window.__gqClicked") - b.evaluate("window.__gqClicked")))
                expected += [(qa, ans_a), (qb, ans_b)]
                # Both say "Saved": the file holds both attempts, and every one before.
                assert not lacking(read_answers(lab), expected), (i, lacking(read_answers(lab), expected))
            rounds_took = time.time() - started
            print(f"{ROUNDS} rounds in {rounds_took:.1f} s; Check pressed in the two browsers "
                  f"{statistics.median(spreads):.1f} ms apart (median), {max(spreads):.1f} ms at most")
            assert statistics.median(spreads) <= 10 and max(spreads) < 100, spreads

            # After the later checks, each widget shows what the file holds, as saved.
            a.wait_for_timeout(4000)
            doc = read_answers(lab)
            assert not lacking(doc, expected), lacking(doc, expected)
            answers = doc["answers"]
            assert answers["__proto__"] == SEEDED["answers"]["__proto__"]
            assert [h["answer"] for h in answers["constructor"]["history"]][0] == "seeded constructor"
            for qid in IDS:
                n = ROUNDS // 2 + (qid == "constructor")
                assert len(answers[qid]["history"]) == n == answers[qid]["attempts"], (qid, answers[qid])
            for name, page in (("a", a), ("b", b)):
                check_widgets_tell_the_file(page, doc)
                assert page.evaluate("Object.getOwnPropertyNames(Object.prototype).sort().join()") == protos[name]
                assert page.evaluate("({}).answer === undefined && ({}).history === undefined")
                states = page.evaluate("window.__gqStates")
                assert not [s for s in states if s[1] == "error"], (name, states)
                page.screenshot(path=os.path.join(artifacts, f"quiz-two-browsers-{name}.png"), full_page=True)

            # A damaged answers file is reported and left alone.
            path = os.path.join(lab.root, "quiz.answers.json")
            with open(path, "w") as f:
                f.write("{ damaged")
            a.locator(WIDGET.format("toString") + " .gq-input").fill("after damage")
            a.locator(WIDGET.format("toString") + " .gq-check").click()
            a.wait_for_function(
                "document.querySelector('" + WIDGET.format("toString") + "').dataset.saveState === 'error'",
                timeout=30_000,
            )
            assert "is damaged" in a.locator(WIDGET.format("toString") + " .gq-save-status").inner_text()
            a.wait_for_timeout(3000)
            assert open(path).read() == "{ damaged"
            for br in browsers:
                br.close()
    finally:
        lab.stop()
