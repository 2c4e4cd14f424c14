"""Start a new lesson: make new-lesson NAME=my-lesson (docs/teachers/new-lesson.md).

Writes notebooks/NAME.ipynb, a short lesson with every cell and tag the checks expect
(its "connect" and "model" cells copied from the first lesson, so they stay the same),
offline/answers/NAME.md, the prepared answer the offline sample provider gives for the
lesson's question, and adds the lesson at the end of notebooks/lessons.json. It never
overwrites a file. Then: edit the three, and run make check.

Usage: new_lesson.py NAME [ROOT]   (ROOT: the project folder; default: this one)
"""
import json
import os
import re
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
NAME = re.compile(r"^[a-z0-9][a-z0-9-]{1,40}[a-z0-9]$")


def fail(msg):
    sys.exit(f"new-lesson: {msg}")


def text(cell):
    src = cell.get("source", "")
    return "".join(src) if isinstance(src, list) else src


def md(source):
    return {"cell_type": "markdown", "metadata": {}, "source": source.strip("\n")}


def code(source, tags, hidden=False):
    meta = {"jupyter": {"source_hidden": True}} if hidden else {}
    meta["tags"] = tags
    return {"cell_type": "code", "execution_count": None, "metadata": meta, "outputs": [], "source": source.strip("\n")}


def quiz(question):
    """A collapsed quiz cell asking question (a dict), in the lessons' style: typographic quotes."""
    body = json.dumps(question, indent=2, ensure_ascii=False)
    parts = body.split('"')
    quoted = parts[0] + "".join(("“" if i % 2 else "”") + p for i, p in enumerate(parts[1:], 1))
    return code("%%\nhelpers.Question(`" + quoted + "`)", ["quiz"], hidden=True)


def first_lesson(notebooks):
    """The first lesson's notebook (lessons.json's first, else the first by name)."""
    order = json.load(open(os.path.join(notebooks, "lessons.json"), encoding="utf-8"))["lessons"]
    return json.load(open(os.path.join(notebooks, order[0]), encoding="utf-8"))


def shared_cells(nb, tag):
    """The cell tagged tag in nb, and the markdown cell before it (its heading)."""
    for i, c in enumerate(nb["cells"]):
        if tag in c.get("metadata", {}).get("tags", []):
            before = [nb["cells"][i - 1]] if i and nb["cells"][i - 1]["cell_type"] == "markdown" else []
            return before + [code(text(c), [tag])]
    fail(f"the first lesson has no cell tagged {tag!r} to copy")


def lesson_cells(title, question, first):
    """The new lesson's cells."""
    system = re.search(r'ChatMessageRoleSystem, Content: ("(?:[^"\\]|\\.)*")', "".join(
        text(c) for c in first["cells"] if "messages" in c.get("metadata", {}).get("tags", [])))
    system = system.group(1) if system else json.dumps("You are a friendly teacher. Answer in a concise but friendly manner.")
    return [
        md(f"# {title}\n\nTeachers: say here what this lesson is about, in two or three short sentences.\n\n"
           "*How to use this notebook:* click a code cell and press **Shift+Enter** to run it, from top to bottom. "
           "The **■** button stops a cell that is running."),
        *shared_cells(first, "connect"),
        *shared_cells(first, "model"),
        md("## 3. The question\n\nWe send two messages: a **system** message that tells the AI who it is, "
           "and a **user** message with our question."),
        code("// The conversation we send to the model.\nvar messages = []openai.ChatCompletionMessage{\n"
             f"\t{{Role: openai.ChatMessageRoleSystem, Content: {system}}},\n"
             f"\t{{Role: openai.ChatMessageRoleUser, Content: {json.dumps(question, ensure_ascii=False)}}},\n}}", ["messages"]),
        md("## 4. The answer\n\n`ShowStream` shows the answer while it is being written."),
        code("%%\nctx := helpers.Context() // the ■ button stops the request\n"
             "stream, err := newClient().CreateChatCompletionStream(ctx, openai.ChatCompletionRequest{\n"
             "\tModel:         MODEL,\n\tMessages:      messages,\n\tStream:        true,\n"
             "\tStreamOptions: &openai.StreamOptions{IncludeUsage: true}, // also send the token counts at the end\n"
             "})\nif err != nil {\n\thelpers.ShowError(err)\n\treturn\n}\nhelpers.ShowStream(ctx, stream)",
             ["stream-view", "answer"]),
        md("## Reflect\n\nTeachers: a question or two for students to think about."),
        md("## Check your understanding\n\nRun each cell below to show the question, then answer it. "
           "Your answers are saved next to this notebook."),
        quiz({"question_type": "true_false", "question": f"Teachers: a true-or-false question about {title}.",
              "answer": "True", "explanation": "Teachers: why it is true.", "submitted_answer": ""}),
        quiz({"question_type": "multiple_choice", "question": f"Teachers: a question about {title} with one right option.",
              "options": [{"key": "a", "text": "A wrong option"}, {"key": "b", "text": "The right option"}],
              "answer": "b", "explanation": "Teachers: why b is right.", "submitted_answer": ""}),
    ]


def answer_file(title, question, word):
    return (f"---\nquestion: {question}\nmatch: fun facts; {word}\n"
            f"reasoning: The user asks for three fun facts about {title}. Keep them short and friendly.\n---\n"
            f"## Three fun facts about {title}\n\n"
            "Teachers: write here the answer students get when there is no API key (the offline sample).\n\n"
            "1. A first fact.\n2. A second fact.\n3. A third fact.\n")


def write_new(path, data):
    """Write data to path, which must not exist."""
    with open(path, "x", encoding="utf-8") as f:
        f.write(data)


def main(argv):
    if not argv or not NAME.match(argv[0]):
        fail("give the lesson a name of lowercase letters, digits and dashes: make new-lesson NAME=my-lesson")
    name, root = argv[0], os.path.abspath(argv[1] if len(argv) > 1 else ROOT)
    notebooks = os.path.join(root, "notebooks")
    nb_path = os.path.join(notebooks, name + ".ipynb")
    answer_path = os.path.join(root, "offline", "answers", name + ".md")
    for p in (nb_path, answer_path):
        if os.path.exists(p):
            fail(f"{os.path.relpath(p, root)} exists already: choose another NAME")
    title = name.replace("-", " ").capitalize()
    word = max(name.split("-"), key=len)
    question = f"Tell me three fun facts about {title.lower()}."
    first = first_lesson(notebooks)
    cells = lesson_cells(title, question, first)
    for c in cells:
        c["source"] = c["source"].splitlines(True) if isinstance(c["source"], str) else c["source"]
    nb = {"cells": cells, "metadata": first["metadata"], "nbformat": 4, "nbformat_minor": 5}
    write_new(nb_path, json.dumps(nb, indent=1, ensure_ascii=False) + "\n")
    write_new(answer_path, answer_file(title, question, word))
    order_path = os.path.join(notebooks, "lessons.json")
    order = json.load(open(order_path, encoding="utf-8"))
    order["lessons"].append(name + ".ipynb")
    with open(order_path, "w", encoding="utf-8") as f:
        f.write(json.dumps(order, indent=2, ensure_ascii=False) + "\n")
    for p in (nb_path, answer_path, order_path):
        print(("wrote " if p != order_path else "added the lesson to ") + os.path.relpath(p, root))
    print("Next: edit them (docs/teachers/new-lesson.md), then run make check.")


if __name__ == "__main__":
    main(sys.argv[1:])
