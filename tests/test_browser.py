"""Every lesson in a real JupyterLab, driven through the UI by headless Chromium."""
import json
import os
import re
import time

import nbformat

import pytest
from playwright.sync_api import sync_playwright

from harness.lab import Lab, launch, menu, open_notebook, wait_kernel_idle
from conftest import TEST_KEY, gonb_notebook, kernel_env, lesson_messages
from harness.lesson import LESSONS, cell_indexes, lesson_cells, name, read


@pytest.fixture
def lab():
    lab = Lab()
    yield lab
    lab.stop()


def watch_cell(page, index, done, timeout=120):
    """Every distinct text of cell index's output, polled each 50 ms, until done(text)."""
    output = page.locator(".jp-Notebook .jp-Cell").nth(index).locator(".jp-OutputArea")
    states = []
    deadline = time.time() + timeout
    while time.time() < deadline:
        text = output.inner_text() if output.count() else ""
        if not states or text != states[-1]:
            states.append(text)
        if done(text):
            break
        time.sleep(0.05)
    return states


@pytest.mark.parametrize("lesson", LESSONS, ids=name)
def test_run_all_shows_the_answer(lab, artifacts, start_provider, lesson):
    """Run All on each lesson: every cell that shows the answer shows it, each the way its
    tag promises (streamed text that grows, a Markdown view, a comparison, a wait with a
    timer); nothing is written to stderr."""
    nb = read(lesson)
    expected = start_provider().complete(lesson_messages(lesson)).strip()
    shot = name(lesson)
    with sync_playwright() as pw:
        browser = launch(pw)
        page = browser.new_page(viewport={"width": 1280, "height": 1600})
        open_notebook(page, lab, os.path.basename(lesson))
        menu(page, "Run", "Run All Cells")
        first = cell_indexes("answer", nb)[0]
        states = watch_cell(page, first, lambda text: expected[-40:] in text)
        page.screenshot(path=os.path.join(artifacts, f"{shot}-answer.png"), full_page=False)
        assert expected[-40:] in states[-1], f"answer did not finish; last output:\n{states[-1][-1500:]}"
        if first in tagged(nb, "stream-loop"):
            # Text grew through several intermediate states, each extending the one before.
            growing = [st for st in states if st and expected[:20] in st]
            assert len(growing) >= 3, f"saw only {len(growing)} states of the answer"
            lengths = [len(st) for st in growing]
            assert lengths == sorted(lengths), "the answer shrank while streaming"
        if first in tagged(nb, "wait"):
            check_waiting(states, expected)
        for i in tagged(nb, "stream-view"):
            check_markdown_view(page, i, expected, artifacts)
        wait_kernel_idle(page, 120_000)
        for i in cell_indexes("answer", nb):
            text = page.locator(".jp-Notebook .jp-Cell").nth(i).locator(".jp-OutputArea").inner_text()
            assert expected.splitlines()[-1] in text, f"cell {i + 1} lacks the answer"
        for i in tagged(nb, "compare"):
            compare = page.locator(".jp-Notebook .jp-Cell").nth(i)
            compare.scroll_into_view_if_needed()
            assert compare.locator(".jp-OutputArea svg").count() >= 1, "no timeline picture"
            compare.screenshot(path=os.path.join(artifacts, "streaming-vs-waiting.png"))
        page.screenshot(path=os.path.join(artifacts, f"{shot}-after-run-all.png"), full_page=True)
        errors = page.locator(".jp-OutputArea-output[data-mime-type='application/vnd.jupyter.stderr']")
        assert errors.count() == 0, "a cell wrote to stderr:\n" + "\n".join(errors.all_inner_texts())
        browser.close()


def tagged(nb, tag):
    """The indexes of nb's cells tagged tag (none is fine)."""
    return [i for i, c in enumerate(nb.cells) if tag in c.get("metadata", {}).get("tags", [])]


def check_waiting(states, expected):
    """A wait for the whole answer: the timer counted while no text showed, then the
    answer came at once, with the time it took."""
    counting = [st for st in states if "Waiting for the whole answer" in st]
    assert len(counting) >= 2, f"the timer did not count: {states[:5]}"
    assert all(expected.splitlines()[-1] not in st for st in counting), "answer text showed while waiting"
    answer_states = [st for st in states if expected[-40:] in st]
    assert "arrived after" in answer_states[0] and "Waiting for the whole answer" not in states[-1]


def check_markdown_view(page, view_index, expected, artifacts):
    """The Markdown view: "Thinking…" first, then Markdown that grows, then the stats line."""
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
    heading = next(line for line in expected.splitlines() if line.startswith("#")).lstrip("# ")
    first_answer = next(i for i, st in enumerate(seen) if heading in st["text"])
    assert any("Thinking" in st["text"] for st in seen[:first_answer]), "no thinking state before the answer"
    assert "Thought for" in final["text"]
    answer_states = [st for st in seen[first_answer:] if "tokens/s" not in st["text"]]
    assert len(answer_states) >= 3, f"the Markdown answer grew through only {len(answer_states)} states"
    assert final["h2"] >= 1 and final["strong"] >= 1, final
    assert final["tables"] >= 1 or "\n|" not in expected, final
    assert "$" not in expected or "$" in final["text"]


def test_every_token_on_the_page_at_3000_per_second(start_provider, artifacts):
    """6000 tokens at 3000 tokens/s through a real Jupyter server, twice: the lesson's
    plain print loop and the Markdown view. Every token reaches the page (none dropped
    by Jupyter's IOPub rate limit, none hidden past JupyterLab's 50-output limit), and the
    print loop's text, though in several outputs, reads as one."""
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
            # The print loop's long text came in several outputs (a Printer ends an output at a
            # line end once it is long), which read as one: the empty outputs between them take
            # no room, and each text output starts where the one before ends.
            boxes = page.locator(".jp-Notebook .jp-Cell").nth(3).locator(".jp-OutputArea").evaluate(
                """area => Array.from(area.children, c => {
                    const r = c.getBoundingClientRect();
                    return {text: c.classList.contains('jp-OutputArea-child'), overlay: c.classList.contains(
                            'jp-OutputArea-promptOverlay'), top: r.top, bottom: r.bottom, h: r.height};
                })""")
            boxes = [b for b in boxes if not b["overlay"]]
            outputs = [b for b in boxes if b["text"]]
            assert len(outputs) >= 2, boxes
            assert all(b["h"] == 0 for b in boxes if not b["text"]), boxes
            assert all(abs(b["top"] - a["bottom"]) < 1 for a, b in zip(outputs, outputs[1:])), boxes
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
