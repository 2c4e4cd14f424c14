"""The quiz widgets in a real JupyterLab and headless Chromium: answer, save, reload;
and the lesson itself keeps its answer key out of the page."""
import json
import os
import re

import nbformat
import pytest
from playwright.sync_api import sync_playwright

from harness.lab import Lab, launch, menu, open_notebook, wait_kernel_idle
from conftest import LESSON, gonb_notebook, kernel_env
from harness.lesson import LESSONS, lesson_cells, name
from harness.quizlab import answers, give_answer, lesson_lab, lesson_questions, right_answer, run_lesson

HOSTILE = '''%%
helpers.Question(`{
  "id": "hostile",
  "question_type": "multiple_choice",
  "question": "<script>window.__pwned = 1</script><img src=x onerror=\\"window.__pwned = 2\\"> Which is safe?",
  "options": [
    {"key": "a", "text": "<img src=y onerror=\\"window.__pwned = 3\\">plain text", "feedback": "<script>window.__pwned = 4</script>"},
    {"key": "b", "text": "<b>bold?</b>"}
  ],
  "answer": "a",
  "explanation": "</script><script>window.__pwned = 5</script>"
}`)
'''
WRONG_FREEFORM = "streamingzzz"


def quiz_notebook():
    cells = lesson_cells("quiz")
    return gonb_notebook(cells + [nbformat.v4.new_code_cell(HOSTILE)])


def wait_saved(page, i):
    page.wait_for_function(
        "i => document.querySelectorAll('.gq-quiz:not([data-question-type=reflection])')[i].dataset.saveState === 'saved'", arg=i, timeout=20_000
    )


@pytest.mark.parametrize("base_url", ["/", "/user/alice/"])
def test_quiz_widgets_answer_save_reload(artifacts, base_url):
    """Each widget answered wrongly then rightly (by mouse and by keyboard), saved,
    and shown again after a reload; also under a JupyterHub-style base URL."""
    lab = Lab(notebooks={"quiz.ipynb": quiz_notebook()}, base_url=base_url)
    shot = "quiz-" + ("hub-" if base_url != "/" else "")
    try:
        with sync_playwright() as pw:
            browser = launch(pw)
            page = browser.new_page(viewport={"width": 1200, "height": 2400})
            open_notebook(page, lab, "quiz.ipynb")
            menu(page, "Run", "Run All Cells")
            page.wait_for_function(
                "document.querySelectorAll('.gq-quiz:not([data-question-type=reflection])[data-gq-ready=true]').length === 4", timeout=120_000
            )
            quizzes = page.locator(".gq-quiz:not([data-question-type=reflection])")

            # Freeform: a wrong answer, then the right one by keyboard (Enter submits).
            ff = quizzes.nth(0)
            ff.locator(".gq-input").fill(WRONG_FREEFORM)
            ff.locator(".gq-input").press("Enter")
            wait_saved(page, 0)
            assert ff.get_attribute("data-state") == "incorrect"
            assert "Try again" in ff.locator(".gq-feedback").inner_text()
            ff.locator(".gq-input").fill("`Stream`.")
            ff.locator(".gq-input").press("Enter")
            page.wait_for_function("document.querySelectorAll('.gq-quiz:not([data-question-type=reflection])')[0].dataset.state === 'correct'")
            wait_saved(page, 0)

            # True/false: two buttons, used by keyboard only (Tab to a button, Enter).
            tf = quizzes.nth(1)
            tf.locator(".gq-tf[data-answer=False]").focus()
            page.keyboard.press("Enter")
            wait_saved(page, 1)
            assert tf.get_attribute("data-state") == "incorrect"
            page.keyboard.press("Shift+Tab")
            page.keyboard.press("Enter")
            page.wait_for_function("document.querySelectorAll('.gq-quiz:not([data-question-type=reflection])')[1].dataset.state === 'correct'")
            wait_saved(page, 1)

            # Multiple choice: radio buttons and Check.
            mc = quizzes.nth(2)
            mc.locator("input[value=a]").check()
            mc.locator(".gq-check").click()
            wait_saved(page, 2)
            assert mc.get_attribute("data-state") == "incorrect"
            mc.locator("input[value=b]").check()
            mc.locator(".gq-check").click()
            page.wait_for_function("document.querySelectorAll('.gq-quiz:not([data-question-type=reflection])')[2].dataset.state === 'correct'")
            wait_saved(page, 2)
            assert "Correct" in mc.locator(".gq-verdict").inner_text()

            # Hostile text renders as text and runs nothing.
            host = quizzes.nth(3)
            host.locator("input[value=a]").check()
            host.locator(".gq-check").click()
            wait_saved(page, 3)
            assert "<script>window.__pwned = 1</script>" in host.inner_text()
            assert "<b>bold?</b>" in host.inner_text()
            assert page.evaluate("window.__pwned") is None
            page.screenshot(path=os.path.join(artifacts, shot + "answered.png"), full_page=True)

            # The answers file beside the notebook.
            path = os.path.join(lab.root, "quiz.answers.json")
            saved = json.load(open(path, encoding="utf-8"))
            records = saved["answers"]
            assert len(records) == 4, sorted(records)
            assert all(r["correct"] for r in records.values())
            assert records["hostile"]["answer"] == "a"
            ff_record = next(r for r in records.values() if r["answer"] == "`Stream`.")
            assert len(ff_record["history"]) >= 2 and ff_record["history"][0]["answer"] == WRONG_FREEFORM

            # Save the notebook, reload the page: the saved answers come back.
            menu(page, "File", "Save Notebook")
            page.wait_for_timeout(1500)
            page.reload()
            page.wait_for_function(
                "document.querySelectorAll('.gq-quiz:not([data-question-type=reflection])[data-gq-ready=true]').length === 4", timeout=60_000
            )
            page.wait_for_function(
                "Array.from(document.querySelectorAll('.gq-quiz:not([data-question-type=reflection])')).every(e => e.querySelector('.gq-saved') && e.querySelector('.gq-saved').textContent.trim())",
                timeout=20_000,
            )
            saved_texts = page.eval_on_selector_all(".gq-saved", "els => els.map(e => e.textContent)")
            assert "`Stream`." in saved_texts[0] and "True" in saved_texts[1] and "b" in saved_texts[2], saved_texts
            assert page.eval_on_selector_all(".gq-option input:checked", "els => els.map(e => e.value)")[:1] == ["b"]
            assert page.evaluate("window.__pwned") is None
            page.screenshot(path=os.path.join(artifacts, shot + "reloaded.png"), full_page=True)
            browser.close()

        # The notebook keeps no student answers: they live only in the answers file.
        nb_text = open(os.path.join(lab.root, "quiz.ipynb"), encoding="utf-8").read()
        assert WRONG_FREEFORM not in nb_text and "`Stream`." not in nb_text
    finally:
        lab.stop()


def test_two_tabs_answering_at_once_lose_nothing():
    """Two tabs on the same notebook answer different questions at the same moment:
    the answers file keeps both."""
    lab = Lab(notebooks={"quiz.ipynb": quiz_notebook()})
    try:
        with sync_playwright() as pw:
            browser = launch(pw)
            context = browser.new_context(viewport={"width": 1200, "height": 2400})
            a = context.new_page()
            open_notebook(a, lab, "quiz.ipynb")
            menu(a, "Run", "Run All Cells")
            ready = "document.querySelectorAll('.gq-quiz:not([data-question-type=reflection])[data-gq-ready=true]').length === 4"
            a.wait_for_function(ready, timeout=120_000)
            menu(a, "File", "Save Notebook")
            a.wait_for_timeout(1500)
            b = context.new_page()
            b.goto(lab.notebook_url("quiz.ipynb"))
            b.wait_for_function(ready, timeout=60_000)

            # Fill both tabs first, then submit in both without waiting in between.
            a.locator(".gq-quiz:not([data-question-type=reflection])").nth(0).locator(".gq-input").fill("stream")
            b.locator(".gq-quiz:not([data-question-type=reflection])").nth(2).locator("input[value=b]").check()
            a.locator(".gq-quiz:not([data-question-type=reflection])").nth(0).locator(".gq-input").press("Enter")
            b.locator(".gq-quiz:not([data-question-type=reflection])").nth(2).locator(".gq-check").click()
            b.locator(".gq-quiz:not([data-question-type=reflection])").nth(1).locator(".gq-tf[data-answer=True]").click()
            wait_saved(a, 0)
            wait_saved(b, 2)
            wait_saved(b, 1)
            browser.close()
        saved = json.load(open(os.path.join(lab.root, "quiz.answers.json"), encoding="utf-8"))
        answers = sorted(r["answer"] for r in saved["answers"].values())
        assert answers == ["True", "b", "stream"], saved
    finally:
        lab.stop()


# ---- The committed lesson: the answer key is out of sight -----------------

def secrets_of(q):
    """What a student must not find anywhere in the page before answering: the
    explanation and the options' feedback."""
    return [q["explanation"]] + [o["feedback"] for o in q.get("options", []) if o.get("feedback")]


def answers_of(q):
    """The right answers of a freeform question, which must not be in its widget (they
    are words of the lesson's text, so they may be elsewhere in the page)."""
    return [q["answer"]] + q.get("accepted_answers", []) if q["question_type"] == "freeform" else []


# Everything the outputs carry: their text, and their HTML as the DOM has it.
OUTPUTS = """() => ({
    text: document.body.innerText,
    html: Array.from(document.querySelectorAll('.jp-OutputArea')).map(o => o.outerHTML).join('\\n'),
    quizHtml: Array.from(document.querySelectorAll('.gq-quiz:not([data-question-type=reflection])')).map(o => o.outerHTML),
})"""

# The JSON field names of a question, as they would appear in data or source.
ANSWER_FIELDS = re.compile(r'["\u201c](answer|accepted_answers|correct|textAnswers|options)["\u201d]\s*:', re.I)


def assert_no_answer_key(where, text, html, quiz_html, questions):
    """text: the page's text; html: every output's HTML; quiz_html: each widget's HTML."""
    assert len(quiz_html) == len(questions)
    for q, widget in zip(questions, quiz_html):
        for secret in secrets_of(q):
            assert secret not in text, f"{where}: {secret!r} is in the page's text"
            assert secret not in html, f"{where}: {secret!r} is in the outputs' HTML"
        for answer in answers_of(q):
            pattern = r"(?<![\w])" + re.escape(answer) + r"(?![\w])"
            assert not re.search(pattern, widget, re.I), f"{where}: the answer {answer!r} is in the widget's HTML"
    for blob in (text, html):
        m = ANSWER_FIELDS.search(blob)
        assert not m, f"{where}: a readable answer field: {m.group(0)!r}"


@pytest.mark.parametrize("lesson", LESSONS, ids=name)
def test_lesson_hides_the_answer_key(artifacts, lesson):
    """After Run All on each committed lesson (offline, no key): the quiz cells' sources are
    collapsed; no answer, explanation or feedback is in the page's text, the outputs' DOM or
    the saved notebook's outputs; each widget grades a wrong answer, then the right one,
    and shows the explanation only then; one click opens a quiz cell's source."""
    questions = [q for _, q in lesson_questions(lesson)]
    wrong, right = answers(lesson)
    n, shot = len(questions), name(lesson)
    lab = lesson_lab()
    try:
        with sync_playwright() as pw:
            browser = launch(pw)
            page = browser.new_page(viewport={"width": 1200, "height": 2400})
            run_lesson(page, lab, path=lesson)
            quizzes = page.locator(".gq-quiz:not([data-question-type=reflection])")
            cells = page.locator(".jp-CodeCell").filter(has=page.locator(".gq-quiz:not([data-question-type=reflection])"))
            assert cells.count() == n
            for i in range(n):
                # Collapsed: a placeholder instead of the editor, no source text in the cell.
                assert cells.nth(i).locator(".jp-InputPlaceholder").count() == 1, f"quiz cell {i + 1}'s input is not collapsed"
                assert "helpers.Question" not in cells.nth(i).inner_text()
            out = page.evaluate(OUTPUTS)
            assert len(out["quizHtml"]) == n
            assert_no_answer_key("after Run All", out["text"], out["html"], out["quizHtml"], questions)
            page.screenshot(path=os.path.join(artifacts, f"{shot}-quiz-collapsed.png"), full_page=True)

            for i, q in enumerate(questions):
                w = quizzes.nth(i)
                for answer, state in ((wrong[i], "incorrect"), (right[i], "correct")):
                    give_answer(page, i, q, answer, state)
                    explanation = w.locator(".gq-explanation")
                    if state == "incorrect":
                        assert explanation.count() == 0, f"question {i + 1}: an explanation after a wrong answer"
                        assert q["explanation"] not in page.evaluate("document.body.innerText")
                        assert "Try again" in w.locator(".gq-verdict").inner_text()
                    else:
                        assert explanation.inner_text() == q["explanation"], f"question {i + 1}"
                        assert "Correct" in w.locator(".gq-verdict").inner_text()
                page.wait_for_function(
                    "i => document.querySelectorAll('.gq-quiz:not([data-question-type=reflection])')[i].dataset.saveState === 'saved'", arg=i, timeout=20_000
                )
            page.screenshot(path=os.path.join(artifacts, f"{shot}-quiz-answered.png"), full_page=True)

            # The saved notebook: quiz sources still collapsed, no answer key in any output.
            menu(page, "File", "Save Notebook")
            page.wait_for_timeout(1500)
            saved = nbformat.read(os.path.join(lab.root, os.path.basename(lesson)), as_version=4)
            texts, quiz_html = [], []
            for cell in saved.cells:
                if "helpers.Question(" in cell.source:
                    assert cell.metadata.get("jupyter", {}).get("source_hidden") is True, cell.id
                for o in cell.get("outputs", []):
                    parts = [o.get("text", "")] + [v if isinstance(v, str) else json.dumps(v) for v in o.get("data", {}).values()]
                    texts += parts
                    if "gq-quiz" in "".join(parts) and 'data-question-type="reflection"' not in "".join(parts):
                        quiz_html.append("\n".join(parts))
            assert len(quiz_html) == n, "the saved notebook lacks the widgets' outputs"
            assert_no_answer_key("saved notebook", "", "\n".join(texts), quiz_html, questions)

            # A teacher opens a quiz cell's source with one click on its placeholder.
            cells.nth(n - 1).locator(".jp-InputPlaceholder").click()
            page.wait_for_function(
                "() => Array.from(document.querySelectorAll('.jp-CodeCell .jp-InputArea')).some(a => a.innerText.includes('answer'))"
            )
            last = questions[-1]["answer"]
            assert f"\u201canswer\u201d: \u201c{last}\u201d" in cells.nth(n - 1).locator(".jp-InputArea").inner_text()
            browser.close()
    finally:
        lab.stop()


DIRTY_TAB = "#jp-main-dock-panel .lm-TabBar-tab.jp-mod-dirty"
CELL_COUNT = "document.querySelectorAll('.jp-NotebookPanel .jp-Notebook .jp-Cell').length"


def test_quiz_keys_reach_jupyterlab_but_typing_does_not(artifacts):
    """Inside a quiz widget, Ctrl+S still saves the notebook (after Check), while plain
    keys, the notebook's command-mode shortcuts elsewhere ("a", "b", "d d" insert and
    delete cells), typed in a text box or on a radio button change no cell."""
    questions = lesson_questions()
    lab = Lab(notebooks={"keys.ipynb": gonb_notebook(lesson_cells("quiz"))})
    # No autosave: only Ctrl+S may save the notebook here.
    settings = os.path.join(lab.tmp, "settings", "@jupyterlab", "docmanager-extension")
    os.makedirs(settings)
    with open(os.path.join(settings, "plugin.jupyterlab-settings"), "w") as f:
        f.write('{"autosave": false}')
    path = os.path.join(lab.root, "keys.ipynb")
    try:
        with sync_playwright() as pw:
            browser = launch(pw)
            page = browser.new_page(viewport={"width": 1200, "height": 2400})
            open_notebook(page, lab, "keys.ipynb")
            menu(page, "Run", "Run All Cells")
            page.wait_for_function(
                "document.querySelectorAll('.gq-quiz:not([data-question-type=reflection])[data-gq-ready=true]').length === 3", timeout=120_000
            )
            wait_kernel_idle(page, 120_000)
            page.wait_for_selector(DIRTY_TAB)  # the outputs are not saved yet
            cells = page.evaluate(CELL_COUNT)
            assert cells == 3
            before = os.stat(path).st_mtime_ns
            quizzes = page.locator(".gq-quiz:not([data-question-type=reflection])")

            # Plain keys in the freeform's text box are typing, nothing else.
            ff = quizzes.nth(0)
            ff.locator(".gq-input").click()
            for key in ["a", "b", "d", "d"]:
                page.keyboard.press(key)
            assert ff.locator(".gq-input").input_value() == "abdd"
            # On a radio button (not a text box, so JupyterLab's command-mode
            # shortcuts would apply to it) they do nothing either.
            mc = quizzes.nth(2)
            mc.locator("input[value=a]").focus()
            for key in ["a", "b", "d", "d", "Shift+A"]:
                page.keyboard.press(key)
            assert page.evaluate("document.querySelector('.jp-Notebook.jp-mod-commandMode') !== null")
            assert page.evaluate(CELL_COUNT) == cells

            # Answer, Check, then Ctrl+S from inside the widget: the notebook is saved.
            assert questions[0][1]["question_type"] == "freeform"
            ff.locator(".gq-input").fill(right_answer(questions[0][1]))
            ff.locator(".gq-check").click()
            page.wait_for_function("document.querySelectorAll('.gq-quiz:not([data-question-type=reflection])')[0].dataset.state === 'correct'")
            wait_saved(page, 0)
            assert page.evaluate("document.activeElement.closest('.gq-quiz:not([data-question-type=reflection])') !== null")
            assert page.locator(DIRTY_TAB).count() == 1
            page.keyboard.press("Control+s")
            page.wait_for_selector(DIRTY_TAB, state="detached", timeout=20_000)
            assert os.stat(path).st_mtime_ns != before
            saved = nbformat.read(path, as_version=4)
            assert len(saved.cells) == cells
            assert all("gq-quiz" in json.dumps(c.outputs) for c in saved.cells), "the outputs were saved"
            assert page.evaluate(CELL_COUNT) == cells
            page.screenshot(path=os.path.join(artifacts, "quiz-keys.png"), full_page=True)

            # The same plain key outside the widget is JupyterLab's: "b" adds a cell
            # below (so the keys above reached a notebook that would have obeyed).
            page.locator(".jp-Cell .jp-InputArea-editor").first.click()
            page.keyboard.press("Escape")
            page.keyboard.press("b")
            page.wait_for_function(f"{CELL_COUNT} === {cells + 1}")
            browser.close()
    finally:
        lab.stop()
