"""Set the GoNB kernel's environment in its kernel.json.

Usage: kernel_env.py KERNEL_JSON PROJECT_DIR DIRS [CELL_CACHE]

- PATH: tools/gonb-go (the `go` GoNB calls, see tools/gonb-go/go), then DIRS
  (the project's pinned goimports, gonb and Go), then the PATH JupyterLab was
  started with. Jupyter expands ${PATH} in a kernelspec's env when it starts
  the kernel, so this holds even when JupyterLab was started by hand.
- GOLESSONS_GOFLAGS: flags tools/gonb-go/go adds to GoNB's build of each cell
  (-ldflags=-s: no symbol table and no DWARF, which makes the link about a
  third faster; -s implies -w since Go 1.22; stack traces keep their lines).
  It is not put in GOFLAGS itself, which would replace the user's GOFLAGS.
- GOLESSONS_GOGC: GOGC for that build (off: the go command and the linker,
  short-lived, skip garbage collection; the cell's program is not affected).
- GOLESSONS_CGO_ENABLED: CGO_ENABLED for that build (0: the cell's program
  links no C runtime, which makes the link and the program's start faster; it
  is what Go does anyway on a computer without a C compiler). A CGO_ENABLED
  or GOGC the kernel was started with wins.
- GOLESSONS_ROOT: the project folder, named in the message that says to run
  `make setup` when a module is missing.
- With CELL_CACHE (make setup's build/cellcache): GOLESSONS_CELL_CACHE, the
  lessons' cell programs pre-built by tools/fill_cell_cache.py, which
  tools/gonb-go/go copies instead of building a cell the lesson has as it is;
  and GOLESSONS_CELL_CACHE_SOURCES, the project folder: a Go file changed there
  since puts the cache aside. (The classroom's hub sets its own cache instead.)
"""
import json
import os
import sys

LINK_FLAGS = "-ldflags=-s"
# The environment of the kernel's builds of cells (tools/gonb-go/go, tools/warm_kernel.sh).
BUILD_ENV = {"GOGC": "off", "CGO_ENABLED": "0"}


def kernel_env(root, dirs):
    return {
        "PATH": os.path.join(root, "tools", "gonb-go") + ":" + dirs + ":${PATH}",
        "GOLESSONS_GOFLAGS": LINK_FLAGS,
        "GOLESSONS_GOGC": BUILD_ENV["GOGC"],
        "GOLESSONS_CGO_ENABLED": BUILD_ENV["CGO_ENABLED"],
        "GOLESSONS_ROOT": root,
    }


def main():
    if sys.argv[1:] == ["--build-env"]:
        # For tools/warm_kernel.sh: the kernel's build environment, as shell assignments.
        print(f"KERNEL_GOFLAGS='{LINK_FLAGS}'")
        for k, v in BUILD_ENV.items():
            print(f"KERNEL_{k}='{v}'")
        return
    if len(sys.argv) not in (4, 5):
        sys.exit(__doc__)
    path, root, dirs = sys.argv[1:4]
    with open(path, encoding="utf-8") as f:
        spec = json.load(f)
    env = spec.setdefault("env", {})
    env.update(kernel_env(root, dirs))
    for name in ("GOLESSONS_CELL_CACHE", "GOLESSONS_CELL_CACHE_SOURCES"):
        env.pop(name, None)
    if len(sys.argv) == 5:
        env.update({"GOLESSONS_CELL_CACHE": sys.argv[4], "GOLESSONS_CELL_CACHE_SOURCES": root})
    with open(path, "w", encoding="utf-8") as f:
        json.dump(spec, f, indent=1)
        f.write("\n")


if __name__ == "__main__":
    main()
