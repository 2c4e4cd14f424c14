"""Put the project's tool folders on the GoNB kernel's PATH.

Usage: kernel_env.py KERNEL_JSON DIRS

GoNB runs goimports and go while it compiles a cell. Jupyter expands ${PATH}
in a kernelspec's env when it starts the kernel, so the kernel finds the
project's pinned goimports even when JupyterLab was started by hand.
"""
import json
import sys

path, dirs = sys.argv[1], sys.argv[2]
with open(path, encoding="utf-8") as f:
    spec = json.load(f)
spec.setdefault("env", {})["PATH"] = dirs + ":${PATH}"
with open(path, "w", encoding="utf-8") as f:
    json.dump(spec, f, indent=1)
    f.write("\n")
