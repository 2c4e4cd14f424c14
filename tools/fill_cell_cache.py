"""Pre-build the programs of the lessons' cells for a classroom.

Usage: fill_cell_cache.py CACHE_DIR NOTEBOOK...

Runs every code cell of each notebook, in order, in a GoNB kernel of its own
(the "gonb" kernel spec this Python's Jupyter finds: the classroom's), with
GOLESSONS_CELL_CACHE=CACHE_DIR and GOLESSONS_CELL_CACHE_FILL=1. The kernel's
`go` (tools/gonb-go/go) then keeps each cell's program in CACHE_DIR under a hash
of what GoNB wrote for it, and a student's kernel whose cells are the same gets
a copy instead of a build (classroom/install.sh runs this; see docs/admins/classroom.md's
"A class on one server").

CACHE_DIR must hold a STAMP file (what the programs were built from). The
environment is the caller's: classroom/install.sh passes the students' Go
environment, so that the builds here and in students' kernels have the same
settings. No API key is passed: the helpers answer from the offline provider,
without its simulated model time, and no .env is in reach (each kernel runs in
an empty folder with an empty .env). A cell that fails is reported.
"""
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time

import jupyter_client
import jupyter_client.kernelspec

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


def run_notebook(path, env, home):
    """Runs path's code cells in a new kernel; returns (cells run, cells that failed).

    The kernel runs in an empty folder of its own (under home) with an empty .env:
    the helpers look for a key in a .env from the notebook's folder up, and the
    programs are the same wherever the notebook is."""
    cells = list(code_cells(path))
    work = tempfile.mkdtemp(dir=home)
    open(os.path.join(work, ".env"), "w").close()
    km = jupyter_client.KernelManager(kernel_name="gonb")
    km.start_kernel(env=env, cwd=work,
                    stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)  # the kernel's log
    kc = km.client()
    kc.start_channels()
    failed = 0
    try:
        kc.wait_for_ready(timeout=120)
        t0 = time.time()
        for i, src in enumerate(cells, 1):
            reply = kc.execute_interactive(src, timeout=CELL_TIMEOUT, output_hook=lambda msg: None)
            if reply["content"].get("status") != "ok":
                failed += 1
                print(f"  cell {i}: {reply['content'].get('ename', 'error')} (pre-built only if it compiled)", flush=True)
            print(f"  {os.path.basename(path)}: {i}/{len(cells)} cells ({time.time() - t0:.0f} s)", end="\r", flush=True)
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
    spec_cache = jupyter_client.kernelspec.KernelSpecManager().get_kernel_spec("gonb").env.get("GOLESSONS_CELL_CACHE")
    if spec_cache and os.path.abspath(spec_cache) != cache:
        sys.exit(f"the gonb kernel's own GOLESSONS_CELL_CACHE is {spec_cache}, not {cache}: fill that one")
    # The Go folders as the caller's go finds them (HOME changes below).
    names = ("GOCACHE", "GOMODCACHE", "GOPATH")
    values = subprocess.run(["go", "env", *names], capture_output=True, text=True, check=True).stdout.splitlines()
    go_env = {k: v for k, v in zip(names, values) if not os.environ.get(k)}
    home = tempfile.mkdtemp(prefix="golessons-fill-")
    env = {k: v for k, v in os.environ.items()
           if k not in ("OPENROUTER_API_KEY", "OPENAI_API_KEY", "OPENAI_BASE_URL", "GOLESSONS_CLASS_RELAY")}
    env.update(go_env)
    env.update({
        "HOME": home, "GOLESSONS_CELL_CACHE": cache, "GOLESSONS_CELL_CACHE_FILL": "1",
        "OFFLINE_THINK_TIME": "0", "OFFLINE_TOKENS_PER_SECOND": "-1",
    })
    start = time.time()
    total = bad = 0
    try:
        for path in notebooks:
            n, failed = run_notebook(path, env, home)
            total, bad = total + n, bad + failed
    finally:
        shutil.rmtree(home, ignore_errors=True)
    programs = [f for f in os.listdir(cache) if len(f) == 64]
    print(f"Pre-built {len(programs)} cell programs from {total} cells of {len(notebooks)} "
          f"lesson(s) in {time.time() - start:.0f} s" + (f"; {bad} cells failed" if bad else ""))


if __name__ == "__main__":
    main(sys.argv[1:])
