"""`make check` names the notebook, cell and line:column of every broken question."""
import os
import subprocess

import nbformat

from conftest import ROOT, gonb_notebook, kernel_env


def notebook(path, *cells):
    nb = gonb_notebook([nbformat.v4.new_markdown_cell("# A lesson")] + [nbformat.v4.new_code_cell(c) for c in cells])
    nbformat.write(nb, str(path))


def make_check(paths):
    return subprocess.run(
        ["make", "--no-print-directory", "check", "QUIZ_PATHS=" + " ".join(str(p) for p in paths)],
        cwd=ROOT, env=kernel_env(), capture_output=True, text=True,
    )


def test_make_check_passes_on_the_lessons():
    r = make_check(["notebooks"])
    assert r.returncode == 0, r.stdout + r.stderr


def test_make_check_names_each_problem(tmp_path):
    bad = tmp_path / "broken.ipynb"
    notebook(
        bad,
        '%%\nhelpers.Question(`{\n  “question_type”: “multi_choice”,\n  “question”: “Q?”,\n  “answer”: “a”\n}`)',
        '%%\nhelpers.Question(`{\n  "question_type": "multiple_choice",\n  "question": "Pick one",\n'
        '  "options": [{"key": "a", "text": "A"}, {"key": "b", "text": "B"}],\n  "answer": "c"\n}`)',
        '%%\nhelpers.Question(`{\n  "question_type": "true_false",\n  "question": "Sure?"\n  "answer": "True"\n}`)',
        '%%\nhelpers.Question(`{"question_type": "true_false", "question": "Sure?", "answer": "maybe"}`)',
    )
    r = make_check([bad])
    out = r.stdout + r.stderr
    assert r.returncode != 0
    # Lines count from the cell's first line (the %% line).
    assert f'{bad}: cell 2, line 3:20: unknown question_type "multi_choice"' in out
    assert f'{bad}: cell 3, line 6:13: answer "c" is not one of the option keys' in out
    # Malformed JSON (a missing comma): line:column and a caret under the spot.
    assert f"{bad}: cell 4, line 5:3: missing comma" in out
    assert '\n      "answer": "True"\n      ^\n' in out
    assert f'{bad}: cell 5, line 2:82: a true_false answer must be "True" or "False", not "maybe"' in out


def test_make_check_reads_an_aliased_helpers_import(tmp_path):
    """A lesson that imports the helpers as h: its broken question still fails the check, named by its cell."""
    bad = tmp_path / "aliased.ipynb"
    notebook(
        bad,
        'import h "github.com/k12notebooks/golessons/helpers"',
        '%%\nh.Question(`{"question_type": "true_false", "question": "Sure?", "answer": "maybe"}`)',
    )
    r = make_check([bad])
    out = r.stdout + r.stderr
    assert r.returncode != 0, out
    assert f'{bad}: cell 3, line 2:76: a true_false answer must be "True" or "False", not "maybe"' in out
