"""The lesson in a real JupyterLab, driven through the UI by headless Chromium."""
import json
import os
import re
import time

import nbformat

import pytest
from playwright.sync_api import sync_playwright

from harness.lab import Lab, launch, menu, open_notebook, wait_kernel_idle
from conftest import LESSON, TEST_KEY, gonb_notebook, kernel_env, lesson_messages
from harness.lesson import cell_index, lesson_cells

NAME = os.path.basename(LESSON)


@pytest.fixture
def lab():
    lab = Lab()
    yield lab
    lab.stop()


def test_run_all_streams_answer(lab, artifacts, start_provider):
    expected = start_provider().complete(lesson_messages()).strip()
    stream_cell = cell_index("stream-loop")
    with sync_playwright() as pw:
        browser = launch(pw)
        page = browser.new_page(viewport={"width": 1280, "height": 1600})
        open_notebook(page, lab, NAME)
        menu(page, "Run", "Run All Cells")

        output = page.locator(".jp-Notebook .jp-Cell").nth(stream_cell).locator(".jp-OutputArea")
        # Record the text of the streaming cell's output as it grows.
        states = []
        deadline = time.time() + 120
        while time.time() < deadline:
            text = output.inner_text() if output.count() else ""
            if not states or text != states[-1]:
                states.append(text)
            if expected[-40:] in text:
                break
            time.sleep(0.05)
        final = states[-1]
        page.screenshot(path=os.path.join(artifacts, "lesson-streaming.png"), full_page=False)
        assert expected[-40:] in final, f"answer did not finish; last output:\n{final[-1500:]}"
        # Text grew through several intermediate states, each extending the one before.
        growing = [s for s in states if s and expected[:20] in s]
        assert len(growing) >= 3, f"saw only {len(growing)} states of the answer"
        lengths = [len(s) for s in growing]
        assert lengths == sorted(lengths), "the answer shrank while streaming"

        # The Markdown view: "Thinking…" first, then Markdown that grows, then the stats line.
        view_index = cell_index("stream-view")
        view = page.locator(".jp-Notebook .jp-Cell").nth(view_index)
        view.scroll_into_view_if_needed()
        probe = """i => {
            const out = document.querySelectorAll('.jp-Notebook .jp-Cell')[i].querySelector('.jp-OutputArea');
            if (!out) return null;
            return {text: out.innerText, h2: out.querySelectorAll('h2').length,
                    tables: out.querySelectorAll('table').length, strong: out.querySelectorAll('strong').length};
        }"""

        def watch():
            """The view's states until its stats line: every distinct one, polled each 50 ms."""
            seen = []
            deadline = time.time() + 120
            while time.time() < deadline:
                st = page.evaluate(probe, view_index)
                if st and (not seen or st != seen[-1]):
                    seen.append(st)
                    if len(seen) == 3:
                        view.screenshot(path=os.path.join(artifacts, "markdown-view-early.png"))
                if st and "tokens/s" in st["text"]:
                    break
                time.sleep(0.05)
            return seen

        # Run All started the view cell while the page was busy elsewhere (its program is
        # pre-built, so it starts at once): let that run end, then run the cell again in view,
        # watched from its first state.
        assert "tokens/s" in watch()[-1]["text"], "the view cell's run from Run All did not end"
        view.locator(".jp-InputArea").click()
        page.keyboard.press("Shift+Enter")
        page.wait_for_function("i => !document.querySelectorAll('.jp-Notebook .jp-Cell')[i]"
                               ".querySelector('.jp-OutputArea')?.innerText.includes('tokens/s')",
                               arg=view_index, timeout=30_000)
        seen = watch()
        view.screenshot(path=os.path.join(artifacts, "markdown-view-final.png"))
        final = seen[-1]
        assert "tokens/s" in final["text"], f"no stats line: {final['text'][-500:]}"
        first_answer = next(i for i, st in enumerate(seen) if "Feeding your Mongolian Bankhar" in st["text"])
        assert any("Thinking" in st["text"] for st in seen[:first_answer]), "no thinking state before the answer"
        assert "Thought for" in final["text"]
        answer_states = [st for st in seen[first_answer:] if "tokens/s" not in st["text"]]
        assert len(answer_states) >= 3, f"the Markdown answer grew through only {len(answer_states)} states"
        assert final["h2"] >= 1 and final["tables"] >= 1 and final["strong"] >= 3, final
        assert "$" not in expected or "$" in final["text"]

        wait_kernel_idle(page, 120_000)
        compare = page.locator(".jp-Notebook .jp-Cell").nth(cell_index("compare"))
        compare.scroll_into_view_if_needed()
        assert compare.locator(".jp-OutputArea svg").count() >= 1, "no timeline picture"
        compare.screenshot(path=os.path.join(artifacts, "streaming-vs-waiting.png"))
        page.screenshot(path=os.path.join(artifacts, "lesson-after-run-all.png"), full_page=True)
        errors = page.locator(".jp-OutputArea-output[data-mime-type='application/vnd.jupyter.stderr']")
        assert errors.count() == 0, "a cell wrote to stderr:\n" + "\n".join(errors.all_inner_texts())
        browser.close()



def test_every_token_on_the_page_at_3000_per_second(start_provider, artifacts):
    """6000 tokens at 3000 tokens/s through a real Jupyter server, twice: the lesson's
    plain print loop and the Markdown view. Every token reaches the page (none dropped
    by Jupyter's IOPub rate limit, none hidden past JupyterLab's 50-output limit)."""
    tokens = 6000
    p = start_provider("-bench", "-tokens", str(tokens), "-rate", "3000", "-think", "0", "-require-key", TEST_KEY)
    nb = gonb_notebook(lesson_cells("connect", "model", "messages", "stream-loop", "stream-view"))
    lab = Lab(env=kernel_env(OPENROUTER_API_KEY=TEST_KEY, OPENAI_BASE_URL=p.base_url), notebooks={"fast.ipynb": nb})
    try:
        with sync_playwright() as pw:
            browser = launch(pw)
            page = browser.new_page(viewport={"width": 1280, "height": 900})
            open_notebook(page, lab, "fast.ipynb")
            menu(page, "Run", "Run All Cells")
            texts = {}
            for cell in (3, 4):
                page.wait_for_function(
                    """([i, n]) => {
                        const c = document.querySelectorAll('.jp-Notebook .jp-Cell')[i];
                        return c && c.innerText.includes('⟦' + n + '|') && (i == 3 || c.innerText.includes('tokens/s'));
                    }""",
                    arg=[cell, tokens - 1],
                    timeout=120_000,
                )
                texts[cell] = page.locator(".jp-Notebook .jp-Cell").nth(cell).locator(".jp-OutputArea").inner_text()
            wait_kernel_idle(page, 60_000)
            page.screenshot(path=os.path.join(artifacts, "3000-tokens-per-second.png"))
            browser.close()
        for cell, text in texts.items():
            seen = [int(m) for m in re.findall(r"⟦(\d+)\|\d+⟧", text)]
            assert seen == list(range(tokens)), f"cell {cell}: {tokens - len(set(seen))} tokens missing or out of order"
            assert "IOPub" not in text and "rate exceeded" not in text
            assert "Show more outputs" not in text
        assert "IOPub message rate exceeded" not in lab.server_log()
    finally:
        lab.stop()
