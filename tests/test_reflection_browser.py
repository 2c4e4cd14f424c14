"""The lesson's reflection widget (helpers.Reflect) in a real JupyterLab and headless Chromium:
a few sentences in a text area, saved like the quiz's answers, never graded, shown again
after a reload; axe-core finds nothing."""
import json
import os

import nbformat
from playwright.sync_api import sync_playwright

from conftest import gonb_notebook
from harness.axe import AXE
from harness.lab import Lab, launch, menu, open_notebook

REFLECT = '''%%
helpers.Reflect(`{"question_type": "reflection", "id": "reflect-streaming",
  "question": "What surprised you about streaming? <script>window.__pwned = 1</script>"}`)
'''
TEXT = "That the answer comes in pieces.\nAnd <b>fast</b>."


def axe_on_widget(page):
    """axe-core's violations in the widget (JupyterLab's own page is not this test's)."""
    with open(AXE, encoding="utf-8") as f:
        assert page.evaluate(f.read() + "\n;typeof axe") == "object"
    r = page.evaluate("async () => await axe.run(document.querySelector('.gq-quiz'), {resultTypes: ['violations']})")
    return [(v["id"], v["help"], [n["target"] for n in v["nodes"]][:5]) for v in r["violations"]]


def test_reflection_is_saved_ungraded_and_shown_again(artifacts):
    lab = Lab(notebooks={"reflect.ipynb": gonb_notebook([nbformat.v4.new_code_cell(REFLECT)])})
    try:
        with sync_playwright() as pw:
            browser = launch(pw)
            page = browser.new_page(viewport={"width": 1200, "height": 1400})
            open_notebook(page, lab, "reflect.ipynb")
            menu(page, "Run", "Run All Cells")
            page.wait_for_selector(".gq-quiz[data-gq-ready=true]", timeout=120_000)
            w = page.locator(".gq-quiz")
            assert "reflection (not graded)" in w.inner_text().lower()
            box = w.locator("textarea.gq-input")
            box.click()
            page.keyboard.type("That the answer comes in pieces.")
            page.keyboard.press("Enter")  # a new line, not a submission
            page.keyboard.type("And <b>fast</b>.")
            assert w.get_attribute("data-state") is None and not os.path.exists(os.path.join(lab.root, "reflect.answers.json"))
            assert box.input_value() == TEXT
            w.locator(".gq-check").click()
            page.wait_for_function("document.querySelector('.gq-quiz').dataset.saveState === 'saved'", timeout=20_000)
            assert w.get_attribute("data-state") == "kept"
            verdict = w.locator(".gq-verdict").inner_text()
            assert "not graded" in verdict and "Correct" not in verdict and "Try again" not in verdict, verdict
            assert page.evaluate("window.__pwned") is None
            record = json.load(open(os.path.join(lab.root, "reflect.answers.json"), encoding="utf-8"))["answers"]["reflect-streaming"]
            assert record["answer"] == TEXT and record["correct"] is False, record
            page.screenshot(path=os.path.join(artifacts, "reflection-saved.png"), full_page=True)
            assert axe_on_widget(page) == []

            menu(page, "File", "Save Notebook")
            page.wait_for_timeout(1500)
            page.reload()
            page.wait_for_selector(".gq-quiz[data-gq-ready=true]", timeout=60_000)
            page.wait_for_function("document.querySelector('.gq-saved') && document.querySelector('.gq-saved').textContent.trim()",
                                   timeout=20_000)
            saved = page.locator(".gq-saved").inner_text()
            assert "not graded" in saved and "That the answer comes in pieces." in saved, saved
            assert page.locator("textarea.gq-input").input_value() == TEXT
            browser.close()
        assert "comes in pieces" not in open(os.path.join(lab.root, "reflect.ipynb"), encoding="utf-8").read()
    finally:
        lab.stop()
