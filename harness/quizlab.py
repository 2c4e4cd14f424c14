"""A lesson in JupyterLab for the quiz tests: its questions, answers to give, and Run All.

Every function takes the lesson's path (default: harness.lesson.LESSON); the tests
run them over every lesson (harness.lesson.LESSONS)."""
import json
import os
import re

from harness.env import kernel_env
from harness.lab import Lab, menu, open_notebook, wait_kernel_idle
from harness.lesson import LESSON, cell_indexes, read

LESSON_NAME = os.path.basename(LESSON)


def lesson_questions(path=None):
    """The lesson's quiz questions as JSON objects (typographic quotes read as quotes),
    with their cells."""
    nb = read(path)
    out = []
    for i in cell_indexes("quiz", nb):
        cell = nb.cells[i]
        m = re.search(r"\.Question\(`(.*?)`\)", cell.source, re.S)
        assert m, f"the quiz cell {i + 1} holds no Question(`...`) call"
        out.append((cell, json.loads(m.group(1).replace("\u201c", '"').replace("\u201d", '"'))))
    assert len(out) >= 2, "a lesson has two or three quiz questions"
    return out


def right_answer(q):
    """A right answer to question q, as a student gives it in the widget."""
    return q.get("accepted_answers", [q["answer"]])[0] if q["question_type"] == "freeform" else q["answer"]


def wrong_answer(q):
    """A wrong answer to question q."""
    if q["question_type"] == "true_false":
        return "False" if q["answer"] == "True" else "True"
    if q["question_type"] == "multiple_choice":
        return next(o["key"] for o in q["options"] if o["key"] != q["answer"])
    return "not the answer at all"


def answers(path=None):
    """(wrong, right): an answer of each kind for each of the lesson's questions, in order."""
    qs = [q for _, q in lesson_questions(path)]
    return [wrong_answer(q) for q in qs], [right_answer(q) for q in qs]


# The default lesson's wrong, then right, answers, in order.
WRONG, RIGHT = answers()


def run_lesson(page, lab, timeout=240_000, path=None):
    """Open the lesson, Run All (offline provider), wait until every cell is done and its
    quiz widgets are ready."""
    n = len(lesson_questions(path))
    open_notebook(page, lab, os.path.basename(path or LESSON))
    menu(page, "Run", "Run All Cells")
    page.wait_for_function(
        "n => document.querySelectorAll('.gq-quiz:not([data-question-type=reflection])[data-gq-ready=true]').length === n", arg=n, timeout=timeout
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
    w = page.locator(".gq-quiz:not([data-question-type=reflection])").nth(i)
    if q["question_type"] == "freeform":
        w.locator(".gq-input").fill(answer)
        w.locator(".gq-check").click()
    elif q["question_type"] == "true_false":
        w.locator(f".gq-tf[data-answer={answer}]").click()
    else:
        w.locator(f"input[value={answer}]").check()
        w.locator(".gq-check").click()
    page.wait_for_function(
        "([i, s]) => document.querySelectorAll('.gq-quiz:not([data-question-type=reflection])')[i].dataset.state === s", arg=[i, state]
    )
    return w
