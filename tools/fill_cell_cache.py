"""Pre-build the programs of the lessons' cells for a classroom.

Usage: fill_cell_cache.py CACHE_DIR NOTEBOOK...

Runs every code cell of each notebook, in order, in a GoNB kernel of its own
(the "gonb" kernel spec this Python's Jupyter finds: the classroom's), with
GOLESSONS_CELL_CACHE=CACHE_DIR and GOLESSONS_CELL_CACHE_FILL=1. The kernel's
`go` (tools/gonb-go/go) then keeps each cell's program in CACHE_DIR under a hash
of what GoNB wrote for it, and a student's kernel whose cells are the same gets
a copy instead of a build (classroom/install.sh runs this; see the README's
"A class on one server").

CACHE_DIR must hold a STAMP file (what the programs were built from). The
environment is the caller's: classroom/install.sh passes the students' Go
environment, so that the builds here and in students' kernels have the same
settings. No API key is passed: the helpers answer from the offline provider,
without its simulated model time. A cell that fails is reported and skipped.
"""
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time

import jupyter_client

CELL_TIMEOUT = 180  # seconds; a cell build on a busy 2-core server is about 1 s


def code_cells(path):
    with open(path, encoding="utf-8") as f:
        nb = json.load(f)
    for cell in nb.get("cells", []):
        if cell.get("cell_type") == "code":
            src = cell.get("source", "")
            src = "".join(src) if isinstance(src, list) else src
            if src.strip():
                yield src


def run_notebook(path, env):
    """Runs path's code cells in a new kernel; returns (cells run, cells that failed)."""
    cells = list(code_cells(path))
    km = jupyter_client.KernelManager(kernel_name="gonb")
    km.start_kernel(env=env, cwd=os.path.dirname(os.path.abspath(path)),
                    stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)  # the kernel's log
    kc = km.client()
    kc.start_channels()
    failed = 0
    try:
        kc.wait_for_ready(timeout=120)
        for i, src in enumerate(cells, 1):
            reply = kc.execute_interactive(src, timeout=CELL_TIMEOUT, output_hook=lambda msg: None)
            if reply["content"].get("status") != "ok":
                failed += 1
                print(f"  cell {i}: {reply['content'].get('ename', 'error')} (not pre-built)", flush=True)
            print(f"  {os.path.basename(path)}: {i}/{len(cells)} cells", end="\r", flush=True)
        print(flush=True)
    finally:
        kc.stop_channels()
        km.shutdown_kernel(now=True)
    return len(cells), failed


def main(argv):
    if len(argv) < 2:
        sys.exit(__doc__)
    cache, notebooks = os.path.abspath(argv[0]), argv[1:]
    if not os.path.isfile(os.path.join(cache, "STAMP")):
        sys.exit(f"{cache} has no STAMP file: classroom/install.sh makes the cell cache")
    home = tempfile.mkdtemp(prefix="golessons-fill-")
    env = {k: v for k, v in os.environ.items()
           if k not in ("OPENROUTER_API_KEY", "OPENAI_API_KEY", "OPENAI_BASE_URL", "GOLESSONS_CLASS_RELAY")}
    env.update({
        "HOME": home, "GOLESSONS_CELL_CACHE": cache, "GOLESSONS_CELL_CACHE_FILL": "1",
        "OFFLINE_THINK_TIME": "0", "OFFLINE_TOKENS_PER_SECOND": "-1",
    })
    start = time.time()
    total = bad = 0
    try:
        for path in notebooks:
            n, failed = run_notebook(path, env)
            total, bad = total + n, bad + failed
    finally:
        shutil.rmtree(home, ignore_errors=True)
    programs = [f for f in os.listdir(cache) if len(f) == 64]
    print(f"Pre-built {len(programs)} cell programs from {total} cells of {len(notebooks)} "
          f"lesson(s) in {time.time() - start:.0f} s" + (f"; {bad} cells failed" if bad else ""))


if __name__ == "__main__":
    main(sys.argv[1:])
