"""make new-lesson starts a lesson that every check accepts and that runs.

In a copy of the project (the working tree is never changed): make new-lesson, then
make check and go test ./offline on the result, then the new lesson headless on the
GoNB kernel against the copy's offline provider (which has its prepared answer); and a
teacher's reworded question fails make check with the notebook, the cell and what to do.
"""
import json
import os
import shutil
import subprocess

import nbformat
import pytest

from conftest import ROOT, Provider, kernel_env, outputs_text
from run_notebook import execute

NAME = "robot-pets"


@pytest.fixture(scope="module")
def project(tmp_path_factory):
    """A copy of the project's files (as git lists them), with a new lesson started."""
    copy = tmp_path_factory.mktemp("project") / "golessons"
    files = subprocess.run(["git", "ls-files", "-co", "--exclude-standard"], cwd=ROOT, capture_output=True,
                           text=True, check=True).stdout.split("\n")
    for f in files:
        if f and not f.startswith(("build/", ".venv/")) and os.path.isfile(os.path.join(ROOT, f)):
            os.makedirs(os.path.dirname(copy / f), exist_ok=True)
            shutil.copy2(os.path.join(ROOT, f), copy / f)
    r = subprocess.run(["make", "--no-print-directory", "new-lesson", f"NAME={NAME}"], cwd=copy,
                       capture_output=True, text=True)
    assert r.returncode == 0, r.stdout + r.stderr
    assert f"notebooks/{NAME}.ipynb" in r.stdout and f"offline/answers/{NAME}.md" in r.stdout
    return copy


def test_new_lesson_files(project):
    """The notebook, its prepared answer, its place at the end of lessons.json; never twice."""
    order = json.load(open(project / "notebooks" / "lessons.json"))["lessons"]
    assert order[-1] == f"{NAME}.ipynb" and order[:-1] == json.load(open(os.path.join(ROOT, "notebooks", "lessons.json")))["lessons"]
    nb = nbformat.read(str(project / "notebooks" / f"{NAME}.ipynb"), as_version=4)
    nbformat.validate(nb)
    tags = {t for c in nb.cells for t in c.metadata.get("tags", [])}
    assert {"connect", "model", "messages", "answer", "quiz"} <= tags
    assert all(c.metadata.get("jupyter", {}).get("source_hidden") for c in nb.cells if "quiz" in c.metadata.get("tags", []))
    assert all(c.outputs == [] for c in nb.cells if c.cell_type == "code")
    r = subprocess.run(["make", "--no-print-directory", "new-lesson", f"NAME={NAME}"], cwd=project, capture_output=True, text=True)
    assert r.returncode != 0 and "exists already" in r.stderr
    r = subprocess.run(["make", "--no-print-directory", "new-lesson", "NAME=Bad Name"], cwd=project, capture_output=True, text=True)
    assert r.returncode != 0 and "lowercase letters, digits and dashes" in r.stderr


def test_make_check_and_go_test_offline_pass(project):
    """make check (gofmt, vet, every question, the order, the prepared answers) and the
    Go tests that read the lessons pass on the new lesson as it is."""
    r = subprocess.run(["make", "--no-print-directory", "check"], cwd=project, env=kernel_env(), capture_output=True, text=True)
    assert r.returncode == 0, r.stdout[-3000:] + r.stderr[-3000:]
    assert "no problems" in r.stdout, r.stdout
    r = subprocess.run(["go", "test", "./offline", "./helpers", "./lessonbook", "-run", "Prepared|LessonNotebooks|Lessons"],
                       cwd=project, env=kernel_env(), capture_output=True, text=True)
    assert r.returncode == 0, r.stdout[-3000:] + r.stderr[-3000:]


def test_new_lesson_runs(project, tmp_path):
    """The new lesson, run headless: its prepared answer streams in, its questions show."""
    binary = str(tmp_path / "offline-provider")
    subprocess.run(["go", "build", "-o", binary, "./cmd/offline-provider"], cwd=project, check=True)
    p = Provider(binary, "-rate", "400", "-think", "0")
    try:
        nb = execute(str(project / "notebooks" / f"{NAME}.ipynb"), str(tmp_path / "run"),
                     env=kernel_env(OPENAI_BASE_URL=p.base_url))
    finally:
        p.stop()
    texts = outputs_text(nb)
    answer = open(project / "offline" / "answers" / f"{NAME}.md", encoding="utf-8").read().split("---\n", 2)[2]
    shown = "".join(texts[i] for i, c in enumerate(nb.cells) if "answer" in c.metadata.get("tags", []))
    assert "Offline sample answer" in shown and answer.strip().splitlines()[-1] in shown, shown[-2000:]
    quiz = "".join(texts[i] for i, c in enumerate(nb.cells) if "quiz" in c.metadata.get("tags", []))
    assert quiz.count('class="gq-quiz"') == 2
    errors = [o for c in nb.cells for o in c.get("outputs", []) if o.output_type == "error" or o.get("name") == "stderr"]
    assert not errors, errors


def test_reworded_question_fails_make_check(project, tmp_path):
    """A teacher changes the new lesson's question but not its prepared answer: make check's
    quiz check fails, naming the notebook and the cell, and says what to do."""
    path = project / "notebooks" / f"{NAME}.ipynb"
    saved = path.read_text(encoding="utf-8")
    try:
        path.write_text(saved.replace("three fun facts", "four fun facts"), encoding="utf-8")
        r = subprocess.run(["go", "run", "./cmd/quizcheck", "notebooks"], cwd=project, env=kernel_env(),
                           capture_output=True, text=True)
    finally:
        path.write_text(saved, encoding="utf-8")
    assert r.returncode == 1
    assert f"notebooks/{NAME}.ipynb: cell " in r.stdout and f"offline/answers/{NAME}.md" in r.stdout, r.stdout
    assert 'copy this question there' in r.stdout
