"""Execute a lesson notebook headless on the GoNB kernel.

Usage: run_notebook.py NOTEBOOK OUT_DIR

Writes OUT_DIR/<name>.ipynb (with outputs), OUT_DIR/<name>.html and the
kernel's log OUT_DIR/kernel.log. Consecutive stream outputs of a cell are saved
as one (a streamed answer arrives as many small writes, each its own output). It runs in a copy of the notebook's folder under OUT_DIR,
so answers files and other side effects stay out of notebooks/.
"""
import os
import shutil
import sys
import time

import nbformat
from nbclient import NotebookClient
from nbclient.exceptions import CellExecutionError


def execute(src, out_dir, env=None, timeout=300, progress=False, allow_errors=False):
    """Run every cell of src in a copy under out_dir; return the executed notebook.

    env, when given, is the kernel's whole environment (default: this
    process's environment). allow_errors: go on after a cell fails (its error
    is then one of its outputs) instead of raising CellExecutionError.
    """
    os.makedirs(out_dir, exist_ok=True)
    nb = nbformat.read(src, as_version=4)
    name = os.path.basename(src)
    work = os.path.join(out_dir, "work")
    os.makedirs(work, exist_ok=True)
    shutil.copy(src, os.path.join(work, name))
    client = NotebookClient(
        nb,
        timeout=timeout,
        kernel_name="gonb",
        resources={"metadata": {"path": work}},
        allow_errors=allow_errors,
    )
    if progress:
        total = len(nb.cells)
        started = {}

        def on_start(cell, cell_index):
            if cell.cell_type != "code":
                return
            started[cell_index] = time.time()
            lines = [l for l in cell.source.splitlines() if l.strip() not in ("", "%%")]
            print(f"  cell {cell_index + 1}/{total}: {lines[0][:70] if lines else ''}", end="", flush=True)

        def on_done(cell, cell_index, execute_reply):
            if cell_index in started:
                print(f"  ({time.time() - started[cell_index]:.1f} s)", flush=True)

        client.on_cell_start = on_start
        client.on_cell_executed = on_done
    # The kernel's own log goes to a file beside the results, not the terminal.
    with open(os.path.join(out_dir, "kernel.log"), "w") as log:
        kwargs = {"stderr": log}
        if env is not None:
            kwargs["env"] = env
        client.execute(**kwargs)
    return nb


def coalesce_streams(nb):
    """Merges each run of consecutive stream outputs of the same name (stdout, stderr) into one.

    Unlike nbclient's coalesce_streams, which merges all of a cell's stdout into
    its first stdout output, text never moves past a display between two runs,
    so the saved outputs keep the order they had on screen. Empty displays are
    dropped: a Printer sends one to end a long text's output (kernel.EndText),
    and on screen they show nothing.
    """
    for cell in nb.cells:
        merged = []
        for out in cell.get("outputs", []):
            if out.get("output_type") == "display_data" and not out.get("data"):
                continue
            prev = merged[-1] if merged else None
            if (out.get("output_type") == "stream" and prev is not None
                    and prev.get("output_type") == "stream" and prev.get("name") == out.get("name")):
                prev["text"] = "".join(prev["text"]) + "".join(out["text"])
            else:
                merged.append(out)
        if "outputs" in cell:
            cell["outputs"] = merged
    return nb


def main():
    if len(sys.argv) != 3:
        sys.exit(__doc__)
    src, out_dir = sys.argv[1], sys.argv[2]
    name = os.path.splitext(os.path.basename(src))[0]
    start = time.time()
    print(f"Running {src} on the GoNB kernel ...", flush=True)
    try:
        nb = execute(src, out_dir, progress=True)
    except CellExecutionError as e:
        sys.exit(f"A cell failed:\n{e}")
    coalesce_streams(nb)
    out = os.path.join(out_dir, name + ".ipynb")
    nbformat.write(nb, out)
    from nbconvert import HTMLExporter

    html, _ = HTMLExporter().from_notebook_node(nb)
    with open(os.path.join(out_dir, name + ".html"), "w", encoding="utf-8") as f:
        f.write(html)
    print(f"Done in {time.time() - start:.1f} s: {out} and {name}.html")


if __name__ == "__main__":
    main()
