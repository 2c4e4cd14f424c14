"""The lesson notebooks as tests and benchmarks use them: found in notebooks/, cells
found by their tags.

A lesson is data: every notebook in notebooks/ is a lesson, taken in the order
notebooks/lessons.json gives (then any it leaves out, by name), as lessonbook.Lessons
takes them in Go. No test names a lesson: tests run over LESSONS (pytest ids are the
file names without .ipynb), and a check that needs a certain cell takes the first
lesson that has one (with_tag).

The notebook is the one copy of its lesson. Its code cells carry tags naming what they
do ("connect", "model", "messages", "answer" for every cell that shows the model's
answer, "stream-loop", "stream-view", "compare", "wait", "usage", "quiz"); code here
finds cells by those tags, never by the text in them, so a teacher may reword a cell
without breaking a test. docs/teachers/new-lesson.md lists the tags.
"""
import json
import os

import nbformat

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
NOTEBOOKS = os.path.join(ROOT, "notebooks")
ORDER_FILE = "lessons.json"
# The tags every lesson has (the checks of test_notebook.py and the recipe rely on them).
REQUIRED_TAGS = ("connect", "model", "messages", "answer", "quiz")


def lessons(folder=NOTEBOOKS):
    """The lesson notebooks in folder, in the students' order: those lessons.json lists,
    in its order, then any it leaves out, by name (make check reports those)."""
    names = sorted(n for n in os.listdir(folder) if n.endswith(".ipynb") and not n.startswith("."))
    order = []
    try:
        with open(os.path.join(folder, ORDER_FILE), encoding="utf-8") as f:
            order = [n for n in json.load(f).get("lessons", []) if n in names]
    except FileNotFoundError:
        pass
    order = list(dict.fromkeys(order))
    return [os.path.join(folder, n) for n in order + [n for n in names if n not in order]]


def name(path):
    """A lesson's name: its file name without .ipynb (pytest's ids)."""
    return os.path.basename(path)[:-len(".ipynb")]


LESSONS = lessons()


def read(path=None):
    """The notebook at path (default: LESSON), as nbformat reads it."""
    return nbformat.read(path or LESSON, as_version=4)


def has_tag(tag, path):
    """Whether the lesson at path has a cell tagged tag."""
    return any(tag in c.get("metadata", {}).get("tags", []) for c in read(path).cells)


def with_tag(tag):
    """The first lesson (in the students' order) with a cell tagged tag."""
    found = [p for p in LESSONS if has_tag(tag, p)]
    assert found, f"no lesson has a cell tagged {tag!r}"
    return found[0]


def lessons_with(*tags):
    """The lessons that have a cell of each of tags (for pytest.mark.parametrize)."""
    return [p for p in LESSONS if all(has_tag(t, p) for t in tags)]


# The lesson the streaming benchmarks and the classroom's relay tests drive: the first
# lesson that streams its answer with a plain loop (else the first lesson).
LESSON = (lessons_with("stream-loop") or LESSONS)[0]



def cell_indexes(tag, nb=None):
    """The indexes of the cells tagged tag in nb (default: the lesson); at least one."""
    nb = nb if nb is not None else read()
    found = [i for i, c in enumerate(nb.cells) if tag in c.get("metadata", {}).get("tags", [])]
    assert found, f"no cell of the lesson is tagged {tag!r} (View → Property Inspector shows a cell's tags)"
    return found


def cell_index(tag, nb=None):
    """The index of the one cell tagged tag in nb (default: the lesson)."""
    found = cell_indexes(tag, nb)
    assert len(found) == 1, f"{len(found)} cells are tagged {tag!r}, want one"
    return found[0]


def source(tag, path=None):
    """The source of the cell tagged tag of the lesson at path (default: the first
    lesson that has one)."""
    nb = read(path or with_tag(tag))
    return nb.cells[cell_index(tag, nb)].source


def lesson_cells(*tags, path=None):
    """Fresh code cells copied from the lesson at path (default: LESSON): every cell of
    each tag, in that order."""
    nb = read(path)
    return [nbformat.v4.new_code_cell(nb.cells[i].source) for tag in tags for i in cell_indexes(tag, nb)]


def gonb_notebook(cells):
    """A new notebook for the GoNB kernel holding cells (nbformat cells)."""
    nb = nbformat.v4.new_notebook()
    nb.metadata["kernelspec"] = {"name": "gonb", "display_name": "Go (gonb)", "language": "go"}
    nb.cells = list(cells)
    return nb


def _go_string(src, after):
    """The Go string literal that follows after in src, decoded."""
    i = src.index(after) + len(after)
    j = i + 1
    while src[j] != '"':
        j += 2 if src[j] == "\\" else 1
    return json.loads(src[i:j + 1])


def model(path=None):
    """The MODEL of the lesson at path (default: LESSON)."""
    return _go_string(source("model", path or LESSON), "const MODEL = ")


def lesson_messages(path=None):
    """The system and user messages of the lesson at path (default: LESSON), from its
    "messages" cell."""
    src = source("messages", path or LESSON)
    return [
        {"role": "system", "content": _go_string(src, "ChatMessageRoleSystem, Content: ")},
        {"role": "user", "content": _go_string(src, "ChatMessageRoleUser, Content: ")},
    ]


def outputs_text(nb):
    """All text a notebook's outputs carry, cell by cell."""
    texts = []
    for cell in nb["cells"]:
        parts = []
        for o in cell.get("outputs", []):
            if "text" in o:
                parts.append(o["text"] if isinstance(o["text"], str) else "".join(o["text"]))
            for mime, v in o.get("data", {}).items():
                parts.append(v if isinstance(v, str) else "".join(v) if isinstance(v, list) else json.dumps(v))
            if o.get("output_type") == "error":
                parts.append("\n".join(o.get("traceback", [])))
        texts.append("".join(parts))
    return texts
