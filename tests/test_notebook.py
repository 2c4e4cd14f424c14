"""The lesson executed headless through a real Jupyter kernel client (nbclient) on GoNB."""
import json
import os
import re

import nbformat
import pytest

from conftest import LESSON, TEST_KEY, kernel_env, lesson_messages, outputs_text
from run_notebook import coalesce_streams, execute
from harness.lesson import cell_index, lesson_cells

OFFLINE_LABEL = "Offline sample answer"


def test_committed_lesson_is_clean():
    """The lesson is committed with outputs cleared, no machine paths and no keys."""
    text = open(LESSON, encoding="utf-8").read()
    nb = nbformat.reads(text, as_version=4)
    nbformat.validate(nb)
    assert nb.metadata.kernelspec.name == "gonb"
    for i, c in enumerate(nb.cells):
        if c.cell_type == "code":
            assert c.outputs == [], f"cell {i + 1} has committed outputs"
            assert c.execution_count is None, f"cell {i + 1} has an execution count"
    assert not re.search(r"(/work/|/root/|/tmp/|/home/|/Users/)", text)
    assert not re.search(r"sk-(or-)?[A-Za-z0-9_-]{20,}", text)
    # The lesson's streaming cell mirrors the original: Stream: true and a Recv loop.
    src = nb.cells[cell_index("stream-loop", nb)].source
    assert "Stream:   true" in src or "Stream: true" in src
    assert "stream.Recv()" in src and "Delta.Content" in src


def test_offline_run(tmp_path, start_provider):
    """No key: every cell runs and the offline sample streams in, labelled as such."""
    # GOPROXY=off: every import must resolve from the module cache and go.mod, no proxy asked.
    env = kernel_env(OFFLINE_TOKENS_PER_SECOND="400", OFFLINE_THINK_TIME="300ms", GOPROXY="off")
    nb = execute(LESSON, str(tmp_path), env=env)
    texts = outputs_text(nb)
    stream_cell = cell_index("stream-loop", nb)
    out = texts[stream_cell]
    assert OFFLINE_LABEL in out
    # The same answer the provider gives for the lesson's messages, token for token.
    expected = start_provider().complete(lesson_messages())
    assert expected.strip() in out, f"streamed answer missing from outputs:\n{out[:2000]}"
    assert "OFFLINE SAMPLE" in texts[cell_index("connect", nb)]
    # The Markdown view: the answer (as Markdown), the thinking section and the stats line.
    shown = texts[cell_index("stream-view", nb)]
    assert OFFLINE_LABEL in shown
    for line in ("Feeding your Mongolian Bankhar", "| Adult | 2 |", "**What food is best**"):
        assert line in expected and line in shown, line
    assert "Thought for" in shown and "tokens/s" in shown
    # Streaming vs waiting: both answers and the timeline picture.
    compared = texts[cell_index("compare", nb)]
    assert "<svg" in compared and compared.count("Feeding your Mongolian Bankhar") >= 2
    # Questions are shown.
    quiz_text = "\n".join(texts[i] for i, c in enumerate(nb.cells) if "helpers.Question" in c.source)
    assert "What parameter do you set to True" in quiz_text
    assert "The model’s confidence score" in quiz_text
    # Saved as make run saves it: the print loop's many small writes become one output, so the
    # HTML copy shows the answer as one text, not one piece per line.
    streams = [o for o in nb.cells[stream_cell].outputs if o.output_type == "stream"]
    assert len(streams) > 1  # as the kernel sent it
    coalesce_streams(nb)
    streams = [o for o in nb.cells[stream_cell].outputs if o.output_type == "stream"]
    assert len(streams) == 1 and expected.strip() in streams[0].text
    assert outputs_text(nb) == texts  # nothing lost, nothing moved
    from nbconvert import HTMLExporter

    page, _ = HTMLExporter().from_notebook_node(nb)
    pre = re.findall(r"<pre>(.*?)</pre>", page, re.S)
    assert any("Feeding your Mongolian Bankhar" in p and "Enjoy your loyal guardian" in p for p in pre)


def test_live_run_against_openrouter_format_server(tmp_path, start_provider):
    """With a key and OPENAI_BASE_URL, the lesson talks to the server; the key never shows."""
    answer = tmp_path / "answer.md"
    answer.write_text("**Live test answer.** Feed an adult Bankhar twice a day: 🦴 meat, rice and water.\n")
    p = start_provider("-require-key", TEST_KEY, "-answer-file", str(answer), "-rate", "400")
    nb = execute(
        LESSON,
        str(tmp_path / "run"),
        env=kernel_env(OPENROUTER_API_KEY=TEST_KEY, OPENAI_BASE_URL=p.base_url),
    )
    texts = outputs_text(nb)
    out = texts[cell_index("stream-loop", nb)]
    assert answer.read_text().strip() in out
    assert OFFLINE_LABEL not in out
    assert p.base_url in texts[cell_index("connect", nb)]
    saved = nbformat.writes(nb)
    assert TEST_KEY not in saved and TEST_KEY[10:30] not in saved
    # Nor in anything else the run wrote: the kernel's log, the provider's log.
    for root, _, files in os.walk(tmp_path / "run"):
        for name in files:
            data = open(os.path.join(root, name), "rb").read()
            assert TEST_KEY[10:30].encode() not in data, os.path.join(root, name)
    assert TEST_KEY[10:30] not in p.stop()


def test_wrong_key_gives_friendly_error(tmp_path, start_provider):
    """A rejected key gives one plain message that says what to do, not a Go stack trace."""
    p = start_provider("-require-key", TEST_KEY)
    wrong = "fake-or-v1-wrong" + "9" * 40
    from nbclient.exceptions import CellExecutionError

    try:
        nb = execute(
            LESSON, str(tmp_path), env=kernel_env(OPENROUTER_API_KEY=wrong, OPENAI_BASE_URL=p.base_url)
        )
    except CellExecutionError as e:  # an error output is acceptable, its text is checked below
        text = str(e)
    else:
        text = outputs_text(nb)[cell_index("stream-loop", nb)]
    assert "key" in text.lower() and "OPENROUTER_API_KEY" in text
    assert "goroutine" not in text and "panic" not in text
    assert wrong not in text


def test_coalesce_streams_keeps_the_order_of_outputs():
    """Only consecutive stream outputs of the same name merge; displays stay between them."""
    out = nbformat.v4.new_output
    cell = nbformat.v4.new_code_cell("x", outputs=[
        out("stream", name="stdout", text="a"), out("stream", name="stdout", text="b"),
        out("stream", name="stderr", text="!"), out("stream", name="stdout", text="c"),
        out("display_data", data={"text/plain": "D"}), out("stream", name="stdout", text="d"),
        out("stream", name="stdout", text=["e", "f"]),
    ])
    nb = nbformat.v4.new_notebook(cells=[cell, nbformat.v4.new_markdown_cell("m")])
    coalesce_streams(nb)
    got = [(o.output_type, o.get("name"), o.get("text")) for o in nb.cells[0].outputs]
    assert got == [("stream", "stdout", "ab"), ("stream", "stderr", "!"), ("stream", "stdout", "c"),
                   ("display_data", None, None), ("stream", "stdout", "def")]
    nbformat.validate(nb)


def run_cell(kc, code, on_output=None, timeout=120):
    """Execute code on kernel client kc; return the text of its outputs."""
    import queue
    import time

    msg_id = kc.execute(code)
    parts = []
    deadline = time.time() + timeout
    while time.time() < deadline:
        try:
            msg = kc.get_iopub_msg(timeout=1)
        except queue.Empty:
            continue
        if msg["parent_header"].get("msg_id") != msg_id:
            continue
        t, c = msg["msg_type"], msg["content"]
        if t == "stream":
            parts.append(c["text"])
        elif t in ("display_data", "update_display_data", "execute_result"):
            parts.append("".join(str(v) for v in c["data"].values()))
        elif t == "error":
            parts.append("\n".join(c["traceback"]))
        elif t == "status" and c["execution_state"] == "idle":
            return "".join(parts)
        if on_output:
            on_output("".join(parts))
    raise AssertionError(f"cell did not finish in {timeout} s: {''.join(parts)[-500:]}")


@pytest.mark.parametrize("tag", ["stream-loop", "stream-view"])
def test_stop_button_keeps_partial_answer(tmp_path, tag):
    """Interrupting the kernel (the ■ button) stops the answer quickly and keeps what came."""
    import time

    from jupyter_client.manager import start_new_kernel

    setup = [c.source for c in lesson_cells("connect", "model", "messages")]
    target = lesson_cells(tag)[0].source
    km, kc = start_new_kernel(
        kernel_name="gonb", cwd=str(tmp_path), env=kernel_env(OFFLINE_TOKENS_PER_SECOND="20", OFFLINE_THINK_TIME="0")
    )
    try:
        for code in setup:
            run_cell(kc, code)
        interrupted = {}

        def on_output(text):
            # Stop once a few words of the answer are on screen.
            if "interrupt" not in interrupted and "Bankhar" in text:
                interrupted["interrupt"] = time.time()
                km.interrupt_kernel()

        text = run_cell(kc, target, on_output=on_output)
        finished = time.time()
    finally:
        kc.stop_channels()
        km.shutdown_kernel(now=True)
    assert "interrupt" in interrupted, f"the answer never started: {text[-500:]}"
    assert "Stopped" in text, f"no note that the answer was stopped: {text[-800:]}"
    assert "Bankhar" in text  # the partial answer stays
    assert "Enjoy your loyal guardian" not in text  # and it really was cut short
    assert "goroutine" not in text and "panic" not in text
    print(f"{tag}: stopped {finished - interrupted['interrupt']:.2f} s after the interrupt")
    # GoNB kills the cell's program 5 s after an interrupt; stopping on our own is well before.
    assert finished - interrupted["interrupt"] < 4
