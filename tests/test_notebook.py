"""Every lesson executed headless through a real Jupyter kernel client (nbclient) on GoNB.

The tests run over every lesson in notebooks/ (harness.lesson.LESSONS; the ids are the
lessons' names), checking each cell by its tags: what a tag promises, every lesson that
has it keeps."""
import json
import os
import re

import nbformat
import pytest

from conftest import TEST_KEY, kernel_env, lesson_messages, outputs_text
from run_notebook import coalesce_streams, execute
from harness.lesson import LESSONS, REQUIRED_TAGS, cell_index, cell_indexes, lesson_cells, lessons_with, name
from harness.quizlab import lesson_questions

OFFLINE_LABEL = "Offline sample answer"
ANSWER_STARTED = "not from a real AI model"  # in the first line of every prepared answer
every_lesson = pytest.mark.parametrize("lesson", LESSONS, ids=name)


def test_lessons_are_found_not_named():
    """Every notebook in notebooks/ is a lesson, in lessons.json's order; no test, harness or
    benchmark names one (they discover them), nor does a Go test read one by name."""
    from harness.lesson import NOTEBOOKS, ROOT

    names = [os.path.basename(p) for p in LESSONS]
    on_disk = sorted(n for n in os.listdir(NOTEBOOKS) if n.endswith(".ipynb"))
    assert sorted(names) == on_disk
    order = json.load(open(os.path.join(NOTEBOOKS, "lessons.json"), encoding="utf-8"))["lessons"]
    assert names[:len(order)] == order
    for folder, suffix in (("tests", ".py"), ("harness", ".py"), ("bench", ".py"), ("tools", ".py")):
        for f in os.listdir(os.path.join(ROOT, folder)):
            if f.endswith(suffix):
                text = open(os.path.join(ROOT, folder, f), encoding="utf-8").read()
                for n in names:
                    assert n not in text, f"{folder}/{f} names the lesson {n}: find it (harness/lesson.py) instead"
    for top, _, files in os.walk(ROOT):
        if "/." in top or "/build" in top or "node_modules" in top:
            continue
        for f in files:
            if f.endswith("_test.go"):
                text = open(os.path.join(top, f), encoding="utf-8").read()
                for n in names:  # a path up into the project's notebooks/ (fixtures may reuse the names)
                    assert not re.search(r'"(\.\./)+notebooks/' + re.escape(n), text), f"{top}/{f} reads the lesson {n} by name"


@every_lesson
def test_committed_lesson_is_clean(lesson):
    """The lesson is committed with outputs cleared, no machine paths and no keys, and has
    the cells (tags) every lesson has."""
    text = open(lesson, encoding="utf-8").read()
    nb = nbformat.reads(text, as_version=4)
    nbformat.validate(nb)
    assert nb.metadata.kernelspec.name == "gonb"
    for i, c in enumerate(nb.cells):
        if c.cell_type == "code":
            assert c.outputs == [], f"cell {i + 1} has committed outputs"
            assert c.execution_count is None, f"cell {i + 1} has an execution count"
    assert not re.search(r"(/work/|/root/|/tmp/|/home/|/Users/)", text)
    assert not re.search(r"sk-(or-)?[A-Za-z0-9_-]{20,}", text)
    for tag in REQUIRED_TAGS:
        assert cell_indexes(tag, nb), f"no cell is tagged {tag!r} (docs/teachers/new-lesson.md)"
    for i in cell_indexes("quiz", nb):
        assert nb.cells[i].metadata.get("jupyter", {}).get("source_hidden"), f"quiz cell {i + 1} is not collapsed"
    for i in tagged(nb, "stream-loop"):
        # The streaming cell mirrors the original: Stream: true and a Recv loop.
        src = nb.cells[i].source
        assert "Stream:   true" in src or "Stream: true" in src
        assert "stream.Recv()" in src and "Delta.Content" in src
    for i in tagged(nb, "wait"):
        # The waiting cell asks without streaming.
        assert "CreateChatCompletion(" in nb.cells[i].source and "Stream" not in nb.cells[i].source


def tagged(nb, tag):
    """The indexes of nb's cells tagged tag (none is fine)."""
    return [i for i, c in enumerate(nb.cells) if tag in c.get("metadata", {}).get("tags", [])]


def markdown_lines(answer):
    """The answer's lines that only show formatted Markdown: headings, table rows, bold."""
    return [l for l in answer.splitlines() if l.startswith(("#", "|", "**"))][:4]


def check_tagged_outputs(nb, texts, expected):
    """What each tag promises of its cell's output, after an offline run."""
    heading = markdown_lines(expected)[0].lstrip("# ")
    for i in tagged(nb, "stream-view"):
        # The Markdown view: the answer (as Markdown) and the stats line.
        for line in markdown_lines(expected):
            assert line in texts[i], line
        assert "tokens/s" in texts[i]
    for i in tagged(nb, "compare"):
        # Streaming vs waiting: both answers and the timeline picture.
        assert "<svg" in texts[i] and texts[i].count(heading) >= 2
    for i in tagged(nb, "wait"):
        # The whole answer at once: the time it took, before the answer.
        assert "The whole answer arrived after" in texts[i]
        assert texts[i].index("arrived after") < texts[i].index(expected.strip()[:60])
        assert "Waiting for the whole answer" not in texts[i]  # the timer's line was replaced
    for i in tagged(nb, "usage"):
        # The token counts, from response.Usage: three numbers that add up.
        m = re.search(r"Tokens: (\d+) in the question \+ (\d+) in the answer = (\d+)", texts[i])
        assert m and int(m[1]) > 0 and int(m[2]) > 0 and int(m[1]) + int(m[2]) == int(m[3]), texts[i][-300:]


@every_lesson
def test_offline_run(lesson, tmp_path, start_provider):
    """No key: every cell runs and the offline sample comes in, labelled as such, in every
    cell that shows an answer."""
    # GOPROXY=off: every import must resolve from the module cache and go.mod, no proxy asked.
    env = kernel_env(OFFLINE_TOKENS_PER_SECOND="400", OFFLINE_THINK_TIME="300ms", GOPROXY="off")
    nb = execute(lesson, str(tmp_path), env=env)
    texts = outputs_text(nb)
    # The same answer the provider gives for the lesson's messages, token for token.
    expected = start_provider().complete(lesson_messages(lesson))
    assert "OFFLINE SAMPLE" in texts[cell_index("connect", nb)]
    for i in cell_indexes("answer", nb):
        assert OFFLINE_LABEL in texts[i]
        assert expected.strip() in texts[i], f"answer missing from cell {i + 1}:\n{texts[i][:2000]}"
    check_tagged_outputs(nb, texts, expected)
    # Every question is shown.
    quiz_text = "\n".join(texts[i] for i in cell_indexes("quiz", nb))
    for _, q in lesson_questions(lesson):
        assert q["question"][:30] in quiz_text, q["question"]
    for i in tagged(nb, "stream-loop"):
        check_saved_as_make_run_saves(nb, i, expected, texts)


def check_saved_as_make_run_saves(nb, stream_cell, expected, texts):
    """make run saves the print loop's many small writes as one output, so the HTML copy
    shows the answer as one text, not one piece per line."""
    streams = [o for o in nb.cells[stream_cell].outputs if o.output_type == "stream"]
    assert len(streams) > 1  # as the kernel sent it
    coalesce_streams(nb)
    streams = [o for o in nb.cells[stream_cell].outputs if o.output_type == "stream"]
    assert len(streams) == 1 and expected.strip() in streams[0].text
    assert outputs_text(nb) == texts  # nothing lost, nothing moved
    from nbconvert import HTMLExporter

    page, _ = HTMLExporter().from_notebook_node(nb)
    pre = re.findall(r"<pre>(.*?)</pre>", page, re.S)
    first, last = expected.strip().splitlines()[2], expected.strip().splitlines()[-1]
    assert any(first in p and last in p for p in pre)


@every_lesson
def test_live_run_against_openrouter_format_server(lesson, tmp_path, start_provider):
    """With a key and OPENAI_BASE_URL, the lesson talks to the server; the key never shows."""
    answer = tmp_path / "answer.md"
    answer.write_text("**Live test answer.** Feed an adult Bankhar twice a day: 🦴 meat, rice and water.\n")
    p = start_provider("-require-key", TEST_KEY, "-answer-file", str(answer), "-rate", "400")
    nb = execute(
        lesson,
        str(tmp_path / "run"),
        env=kernel_env(OPENROUTER_API_KEY=TEST_KEY, OPENAI_BASE_URL=p.base_url),
    )
    texts = outputs_text(nb)
    for i in cell_indexes("answer", nb):
        assert "Feed an adult Bankhar twice a day: 🦴 meat, rice and water." in texts[i]
        assert OFFLINE_LABEL not in texts[i]
    for i in tagged(nb, "stream-loop"):
        assert answer.read_text().strip() in texts[i]
    assert p.base_url in texts[cell_index("connect", nb)]
    saved = nbformat.writes(nb)
    assert TEST_KEY not in saved and TEST_KEY[10:30] not in saved
    # Nor in anything else the run wrote: the kernel's log, the provider's log.
    for root, _, files in os.walk(tmp_path / "run"):
        for name_ in files:
            data = open(os.path.join(root, name_), "rb").read()
            assert TEST_KEY[10:30].encode() not in data, os.path.join(root, name_)
    assert TEST_KEY[10:30] not in p.stop()


@every_lesson
def test_wrong_key_gives_friendly_error(lesson, tmp_path, start_provider):
    """A rejected key gives one plain message that says what to do, not a Go stack trace."""
    p = start_provider("-require-key", TEST_KEY)
    wrong = "fake-or-v1-wrong" + "9" * 40
    from nbclient.exceptions import CellExecutionError

    try:
        nb = execute(
            lesson, str(tmp_path), env=kernel_env(OPENROUTER_API_KEY=wrong, OPENAI_BASE_URL=p.base_url)
        )
    except CellExecutionError as e:  # an error output is acceptable, its text is checked below
        text = str(e)
    else:
        text = outputs_text(nb)[cell_indexes("answer", nb)[0]]
    assert "key" in text.lower() and "OPENROUTER_API_KEY" in text
    assert "goroutine" not in text and "panic" not in text
    assert wrong not in text


def test_coalesce_streams_keeps_the_order_of_outputs():
    """Only consecutive stream outputs of the same name merge; displays stay between them,
    except the empty ones that end a Printer's output, which show nothing."""
    out = nbformat.v4.new_output
    cell = nbformat.v4.new_code_cell("x", outputs=[
        out("stream", name="stdout", text="a"), out("stream", name="stdout", text="b"),
        out("stream", name="stderr", text="!"), out("stream", name="stdout", text="c"),
        out("display_data", data={"text/plain": "D"}), out("stream", name="stdout", text="d"),
        out("stream", name="stdout", text=["e", "f"]), out("display_data", data={}),
        out("stream", name="stdout", text="g"),
    ])
    nb = nbformat.v4.new_notebook(cells=[cell, nbformat.v4.new_markdown_cell("m")])
    coalesce_streams(nb)
    got = [(o.output_type, o.get("name"), o.get("text")) for o in nb.cells[0].outputs]
    assert got == [("stream", "stdout", "ab"), ("stream", "stderr", "!"), ("stream", "stdout", "c"),
                   ("display_data", None, None), ("stream", "stdout", "defg")]
    nbformat.validate(nb)


def cell_messages(kc, code, timeout=120):
    """Execute code on kernel client kc; yield its messages on IOPub as (type, content) until
    it is idle."""
    import queue
    import time

    msg_id = kc.execute(code)
    deadline = time.time() + timeout
    while time.time() < deadline:
        try:
            msg = kc.get_iopub_msg(timeout=1)
        except queue.Empty:
            continue
        if msg["parent_header"].get("msg_id") != msg_id:
            continue
        if msg["msg_type"] == "status" and msg["content"]["execution_state"] == "idle":
            return
        yield msg["msg_type"], msg["content"]
    raise AssertionError(f"cell did not finish in {timeout} s")


def run_cell(kc, code, on_output=None, timeout=120):
    """Execute code on kernel client kc; return the text of its outputs."""
    parts = []
    for t, c in cell_messages(kc, code, timeout):
        if t == "stream":
            parts.append(c["text"])
        elif t in ("display_data", "update_display_data", "execute_result"):
            parts.append("".join(str(v) for v in c["data"].values()))
        elif t == "error":
            parts.append("\n".join(c["traceback"]))
        if on_output:
            on_output("".join(parts))
    return "".join(parts)


STREAMING = [(lesson, tag) for tag in ("stream-loop", "stream-view") for lesson in lessons_with(tag)]


@pytest.mark.parametrize("lesson,tag", STREAMING, ids=[f"{name(p)}-{t}" for p, t in STREAMING])
def test_stop_button_keeps_partial_answer(tmp_path, lesson, tag, start_provider):
    """Interrupting the kernel (the ■ button) stops the answer quickly and keeps what came."""
    import time

    from jupyter_client.manager import start_new_kernel

    setup = [c.source for c in lesson_cells("connect", "model", "messages", path=lesson)]
    target = lesson_cells(tag, path=lesson)[0].source
    km, kc = start_new_kernel(
        kernel_name="gonb", cwd=str(tmp_path), env=kernel_env(OFFLINE_TOKENS_PER_SECOND="20", OFFLINE_THINK_TIME="0")
    )
    try:
        for code in setup:
            run_cell(kc, code)
        interrupted = {}

        def on_output(text):
            # Stop once a few words of the answer are on screen.
            if "interrupt" not in interrupted and ANSWER_STARTED in text:
                interrupted["interrupt"] = time.time()
                km.interrupt_kernel()

        text = run_cell(kc, target, on_output=on_output)
        finished = time.time()
    finally:
        kc.stop_channels()
        km.shutdown_kernel(now=True)
    assert "interrupt" in interrupted, f"the answer never started: {text[-500:]}"
    assert "Stopped" in text, f"no note that the answer was stopped: {text[-800:]}"
    assert ANSWER_STARTED in text  # the partial answer stays
    last = start_provider().complete(lesson_messages(lesson)).strip().splitlines()[-1]
    assert last not in text  # and it really was cut short
    assert "goroutine" not in text and "panic" not in text
    print(f"{tag}: stopped {finished - interrupted['interrupt']:.2f} s after the interrupt")
    # GoNB kills the cell's program 5 s after an interrupt; stopping on our own is well before.
    assert finished - interrupted["interrupt"] < 4


@pytest.mark.parametrize("lesson", lessons_with("stream-loop"), ids=name)
def test_print_loop_ends_long_outputs_at_line_ends(tmp_path, lesson, start_provider):
    """A long answer in the print loop (5000 tokens at 3000 a second) reaches JupyterLab in
    several outputs, each ended right after a line end by an empty display that shows nothing,
    so that JupyterLab re-renders a bounded text per message; the text is whole and in order."""
    from jupyter_client.manager import start_new_kernel

    p = start_provider("-bench", "-think", "0", "-quiet", "-rate", "3000", "-tokens", "5000")
    setup = [c.source for c in lesson_cells("connect", "model", "messages", path=lesson)]
    km, kc = start_new_kernel(kernel_name="gonb", cwd=str(tmp_path),
                              env=kernel_env(OPENROUTER_API_KEY=TEST_KEY, OPENAI_BASE_URL=p.base_url))
    try:
        for code in setup:
            run_cell(kc, code)
        msgs = [m for m in cell_messages(kc, lesson_cells("stream-loop", path=lesson)[0].source)
                if m[0] in ("stream", "display_data", "update_display_data", "error")]
    finally:
        kc.stop_channels()
        km.shutdown_kernel(now=True)
    assert not [c for t, c in msgs if t == "error"], msgs[-3:]
    # The outputs as JupyterLab builds them: consecutive stream messages join.
    outputs, text = [], ""
    for t, c in msgs:
        if t == "stream" and c["name"] == "stdout":
            text += c["text"]
            if outputs and outputs[-1][0] == "stream":
                outputs[-1][1] += c["text"]
                continue
            outputs.append(["stream", c["text"]])
        else:
            outputs.append([t, c.get("data")])
    ends = [i for i, (t, d) in enumerate(outputs) if t == "display_data" and d == {}]
    assert len(ends) >= 2, [(t, len(d or "")) for t, d in outputs]
    for i in ends:
        assert outputs[i - 1][0] == "stream" and outputs[i - 1][1].endswith("\n"), outputs[i - 1][1][-40:]
        assert outputs[i + 1][0] == "stream"
    assert max(len(d) for t, d in outputs if t == "stream") < len(text) / 2
    seen = [int(m) for m in re.findall(r"⟦(\d+)\|\d+⟧", text)]  # offline.BenchPattern
    assert seen == list(range(5000))  # nothing lost, nothing moved
