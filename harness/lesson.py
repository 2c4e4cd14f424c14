"""The lesson notebook as tests and benchmarks use it: cells found by their tags.

The notebook is the one copy of the lesson. Its code cells carry tags naming
what they do ("connect", "model", "messages", "stream-loop", "stream-view",
"compare", "quiz"); code here finds cells by those tags, never by the text
in them, so a teacher may reword a cell without breaking a test.
"""
import json
import os

import nbformat

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
LESSON = os.path.join(ROOT, "notebooks", "openai-streaming.ipynb")


def read(path=LESSON):
    """The notebook at path (default: the lesson), as nbformat reads it."""
    return nbformat.read(path, as_version=4)


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


def source(tag):
    """The source of the lesson's cell tagged tag."""
    nb = read()
    return nb.cells[cell_index(tag, nb)].source


def lesson_cells(*tags):
    """Fresh code cells copied from the lesson: every cell of each tag, in that order."""
    nb = read()
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


def model():
    """The lesson's MODEL."""
    return _go_string(source("model"), "const MODEL = ")


def lesson_messages():
    """The system and user messages of the lesson, from its "messages" cell."""
    src = source("messages")
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
