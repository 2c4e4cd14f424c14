"""The lesson in JupyterLab for the quiz tests: its questions, answers to give, and Run All."""
import json
import os
import re

from harness.env import kernel_env
from harness.lab import Lab, menu, open_notebook, wait_kernel_idle
from harness.lesson import LESSON, cell_indexes, read

LESSON_NAME = os.path.basename(LESSON)
# Wrong, then right, answers for the lesson's three questions, in order.
WRONG = ["streaming", "False", "a"]
RIGHT = ["Stream: true", "True", "b"]


def lesson_questions():
    """The lesson's quiz questions as JSON objects (typographic quotes read as quotes),
    with their cells."""
    nb = read()
    out = []
    for i in cell_indexes("quiz", nb):
        cell = nb.cells[i]
        m = re.search(r"\.Question\(`(.*?)`\)", cell.source, re.S)
        assert m, f"the quiz cell {i + 1} holds no Question(`...`) call"
        out.append((cell, json.loads(m.group(1).replace("\u201c", '"').replace("\u201d", '"'))))
    assert len(out) == 3, "the lesson has three quiz questions"
    return out


def run_lesson(page, lab, timeout=240_000):
    """Open the lesson, Run All (offline provider), wait until every cell is done and the
    three quiz widgets are ready."""
    open_notebook(page, lab, LESSON_NAME)
    menu(page, "Run", "Run All Cells")
    page.wait_for_function(
        "document.querySelectorAll('.gq-quiz[data-gq-ready=true]').length === 3", timeout=timeout
    )
    wait_kernel_idle(page, timeout)
    page.wait_for_function(
        "Array.from(document.querySelectorAll('.jp-CodeCell .jp-InputPrompt')).every(p => !p.innerText.includes('*'))",
        timeout=timeout,
    )


def lesson_lab():
    return Lab(env=kernel_env(OFFLINE_TOKENS_PER_SECOND="400", OFFLINE_THINK_TIME="0"))


def give_answer(page, i, q, answer, state):
    """Answer quiz widget i (question q) on the page with answer, and wait until it
    shows state ("correct" or "incorrect")."""
    w = page.locator(".gq-quiz").nth(i)
    if q["question_type"] == "freeform":
        w.locator(".gq-input").fill(answer)
        w.locator(".gq-check").click()
    elif q["question_type"] == "true_false":
        w.locator(f".gq-tf[data-answer={answer}]").click()
    else:
        w.locator(f"input[value={answer}]").check()
        w.locator(".gq-check").click()
    page.wait_for_function(
        "([i, s]) => document.querySelectorAll('.gq-quiz')[i].dataset.state === s", arg=[i, state]
    )
    return w
