"""The quiz widgets in a real JupyterLab and headless Chromium: answer, save, reload."""
import json
import os

import nbformat
import pytest
from playwright.sync_api import sync_playwright

from browser import Lab, launch, menu, open_notebook
from conftest import gonb_notebook
from test_browser import lesson_cells

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
    cells = lesson_cells("“freeform”", "“true_false”", "“multiple_choice”")
    return gonb_notebook(cells + [nbformat.v4.new_code_cell(HOSTILE)])


def wait_saved(page, i):
    page.wait_for_function(
        "i => document.querySelectorAll('.gq-quiz')[i].dataset.saveState === 'saved'", arg=i, timeout=20_000
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
                "document.querySelectorAll('.gq-quiz[data-gq-ready=true]').length === 4", timeout=120_000
            )
            quizzes = page.locator(".gq-quiz")

            # Freeform: a wrong answer, then the right one by keyboard (Enter submits).
            ff = quizzes.nth(0)
            ff.locator(".gq-input").fill(WRONG_FREEFORM)
            ff.locator(".gq-input").press("Enter")
            wait_saved(page, 0)
            assert ff.get_attribute("data-state") == "incorrect"
            assert "Try again" in ff.locator(".gq-feedback").inner_text()
            ff.locator(".gq-input").fill("`Stream`.")
            ff.locator(".gq-input").press("Enter")
            page.wait_for_function("document.querySelectorAll('.gq-quiz')[0].dataset.state === 'correct'")
            wait_saved(page, 0)

            # True/false: two buttons, used by keyboard only (Tab to a button, Enter).
            tf = quizzes.nth(1)
            tf.locator(".gq-tf[data-answer=False]").focus()
            page.keyboard.press("Enter")
            wait_saved(page, 1)
            assert tf.get_attribute("data-state") == "incorrect"
            page.keyboard.press("Shift+Tab")
            page.keyboard.press("Enter")
            page.wait_for_function("document.querySelectorAll('.gq-quiz')[1].dataset.state === 'correct'")
            wait_saved(page, 1)

            # Multiple choice: radio buttons and Check.
            mc = quizzes.nth(2)
            mc.locator("input[value=a]").check()
            mc.locator(".gq-check").click()
            wait_saved(page, 2)
            assert mc.get_attribute("data-state") == "incorrect"
            mc.locator("input[value=b]").check()
            mc.locator(".gq-check").click()
            page.wait_for_function("document.querySelectorAll('.gq-quiz')[2].dataset.state === 'correct'")
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
                "document.querySelectorAll('.gq-quiz[data-gq-ready=true]').length === 4", timeout=60_000
            )
            page.wait_for_function(
                "Array.from(document.querySelectorAll('.gq-quiz')).every(e => e.querySelector('.gq-saved') && e.querySelector('.gq-saved').textContent.trim())",
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
            ready = "document.querySelectorAll('.gq-quiz[data-gq-ready=true]').length === 4"
            a.wait_for_function(ready, timeout=120_000)
            menu(a, "File", "Save Notebook")
            a.wait_for_timeout(1500)
            b = context.new_page()
            b.goto(lab.notebook_url("quiz.ipynb"))
            b.wait_for_function(ready, timeout=60_000)

            # Fill both tabs first, then submit in both without waiting in between.
            a.locator(".gq-quiz").nth(0).locator(".gq-input").fill("stream")
            b.locator(".gq-quiz").nth(2).locator("input[value=b]").check()
            a.locator(".gq-quiz").nth(0).locator(".gq-input").press("Enter")
            b.locator(".gq-quiz").nth(2).locator(".gq-check").click()
            b.locator(".gq-quiz").nth(1).locator(".gq-tf[data-answer=True]").click()
            wait_saved(a, 0)
            wait_saved(b, 2)
            wait_saved(b, 1)
            browser.close()
        saved = json.load(open(os.path.join(lab.root, "quiz.answers.json"), encoding="utf-8"))
        answers = sorted(r["answer"] for r in saved["answers"].values())
        assert answers == ["True", "b", "stream"], saved
    finally:
        lab.stop()
