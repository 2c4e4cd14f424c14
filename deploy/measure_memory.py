"""Measure what a student's pod needs in memory, for deploy/values.yaml's sizes.

Usage (after make setup): .venv/bin/python deploy/measure_memory.py

1. Runs the lesson headless (`make run`: the GoNB kernel builds and runs every
   cell, on the offline provider) and samples, every 30 ms, the resident memory
   of the whole process tree; prints the peak and its largest processes. The
   runner (nbclient, "python") stands in for the Jupyter server here.
2. Starts JupyterLab's server (the .venv's, as jupyterhub-singleuser runs it),
   loads /lab once, and prints its resident memory.

A sample, not a benchmark: one run on this machine, no class.
"""
import os
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request

import psutil

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
MIB = 2**20


def sample_tree(cmd):
    log = open(os.path.join(tempfile.gettempdir(), "measure_memory.log"), "w")
    p = subprocess.Popen(cmd, cwd=ROOT, stdout=log, stderr=subprocess.STDOUT)
    root = psutil.Process(p.pid)
    peak, top = 0, []
    while p.poll() is None:
        rows = []
        try:
            procs = [root] + root.children(recursive=True)
        except psutil.Error:
            break
        for q in procs:
            try:
                rows.append((q.memory_info().rss, q.name()))
            except psutil.Error:
                pass
        total = sum(r for r, _ in rows)
        if total > peak:
            peak, top = total, sorted(rows, reverse=True)[:6]
        time.sleep(0.03)
    if p.wait() != 0:
        sys.exit(f"{' '.join(cmd)} failed: see {log.name}")
    return peak, top


def server_rss():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    work = tempfile.mkdtemp()
    args = [os.path.join(ROOT, ".venv", "bin", "jupyter"), "lab", "--no-browser", f"--port={port}",
            "--ServerApp.token=measure", f"--notebook-dir={work}"]
    if os.geteuid() == 0:
        args.append("--allow-root")
    p = subprocess.Popen(args, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        for _ in range(120):
            try:
                urllib.request.urlopen(f"http://127.0.0.1:{port}/lab?token=measure", timeout=2).read()
                break
            except OSError:
                time.sleep(0.5)
        else:
            sys.exit("JupyterLab did not start")
        time.sleep(2)
        return psutil.Process(p.pid).memory_info().rss
    finally:
        p.terminate()
        p.wait(timeout=30)


def main():
    peak, top = sample_tree(["make", "--no-print-directory", "run"])
    print(f"make run (the lesson on the GoNB kernel): peak {peak / MIB:.0f} MiB for the whole tree; largest then:")
    for rss, name in top:
        print(f"  {rss / MIB:6.0f} MiB  {name}")
    print(f"JupyterLab's server after loading /lab: {server_rss() / MIB:.0f} MiB")


if __name__ == "__main__":
    main()
