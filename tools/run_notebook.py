"""Execute a lesson notebook headless on the GoNB kernel.

Usage: run_notebook.py NOTEBOOK OUT_DIR

Writes OUT_DIR/<name>.ipynb (with outputs) and OUT_DIR/<name>.html, and prints
each cell's progress. It runs in a copy of the notebook's folder under OUT_DIR,
so answers files and other side effects stay out of notebooks/.
"""
import os
import shutil
import sys
import time

import nbformat
from nbclient import NotebookClient
from nbclient.exceptions import CellExecutionError


def execute(src, out_dir, env=None, timeout=300):
    """Run every cell of src in a copy under out_dir; return the executed notebook.

    env, when given, is the kernel's whole environment (default: this
    process's environment).
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
        allow_errors=False,
    )
    if env is None:
        client.execute()
    else:
        client.execute(env=env)
    return nb


def main():
    if len(sys.argv) != 3:
        sys.exit(__doc__)
    src, out_dir = sys.argv[1], sys.argv[2]
    name = os.path.splitext(os.path.basename(src))[0]
    start = time.time()
    print(f"Running {src} on the GoNB kernel ...", flush=True)
    try:
        nb = execute(src, out_dir)
    except CellExecutionError as e:
        sys.exit(f"A cell failed:\n{e}")
    out = os.path.join(out_dir, name + ".ipynb")
    nbformat.write(nb, out)
    from nbconvert import HTMLExporter

    html, _ = HTMLExporter().from_notebook_node(nb)
    with open(os.path.join(out_dir, name + ".html"), "w", encoding="utf-8") as f:
        f.write(html)
    print(f"Done in {time.time() - start:.1f} s: {out} and {name}.html")


if __name__ == "__main__":
    main()
