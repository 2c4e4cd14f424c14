#!/usr/bin/env bash
# Usage: classroom/install.sh DIR
#
# Part of `make classroom`: prepares DIR (default /opt/golessons as root), the
# classroom's shared, read-only install that every student's server and kernel
# runs from. Students can read it, never write it; nothing in it is secret.
#
#   DIR/venv/           Python with JupyterLab and JupyterHub 6 (classroom/requirements.txt,
#                       every package pinned); the GoNB
#                       kernel spec in venv/share/jupyter/kernels/gonb
#   DIR/bin/            gonb, goimports, class-relay, class-view, cell-run, built from this project's go.mod
#   DIR/go/             the Go toolchain (a link to it when students can already read it)
#   DIR/src/            a copy of the project (the module the kernel's go.work uses;
#                       the lessons in src/notebooks); never the .env, .git or .venv
#   DIR/gomodcache/     every Go module the kernel needs (GOPROXY=off for students)
#   DIR/gocache/        a warm Go build cache, the template each student's own
#                       GOCACHE is copied from at their first start (never shared)
#   DIR/go.env          the Go environment of students' kernels (the warm-up used it too)
#   DIR/build-slots/    lock files cell builds take turns on (tools/gonb-go/go), read-only
#
# The hub's private state (DIR/hub, 0700 root) and the relay's (DIR/relay, 0700,
# its own user) are made by classroom/start.sh, not here.
#
# Safe to run again: each step is skipped when what it made is still current.
set -euo pipefail
umask 022
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
dir=${1:?usage: classroom/install.sh DIR}
mkdir -p "$dir"
dir=$(cd "$dir" && pwd)
cd "$root"

say() { printf '\033[1m==> %s\033[0m\n' "$1"; }
stamp_ok() { [ -f "$dir/.stamp-$1" ] && [ "$(cat "$dir/.stamp-$1")" = "$2" ]; }
stamp() { echo "$2" >"$dir/.stamp-$1"; }
hash_of() { cat "$@" | sha256sum | cut -c1-32; }

is_root=0
[ "$(id -u)" = 0 ] && is_root=1
command -v go >/dev/null || { echo "Go is not on PATH: install Go 1.24.4 or newer from https://go.dev/dl/ (as root, e.g. in /usr/local/go) and run make classroom again."; exit 1; }

# students_can PATH: whether an unprivileged user can read PATH (checked as nobody).
students_can() {
  [ "$is_root" = 1 ] || return 0
  setpriv --reuid=nobody --regid=nogroup --clear-groups -- test -r "$1" 2>/dev/null
}

if [ "$is_root" = 1 ]; then
  chmod 0755 "$dir"
  parent=$dir
  while parent=$(dirname "$parent"); [ "$parent" != / ]; do
    students_can "$parent" || {
      echo "Students could not reach $dir: $parent is not readable by other users."
      echo "Choose a place they can read: make classroom CLASSROOM_DIR=/opt/golessons"
      exit 1
    }
  done
fi

# --- Python: JupyterLab + JupyterHub, in an environment students can run. ---
# A venv points at its base Python, so that must be readable by students too
# (pyenv's under /root is not): the first of $PYTHON and /usr/bin/python3 that is.
pick_python() {
  local cand base
  for cand in "${PYTHON:-python3}" /usr/bin/python3; do
    command -v "$cand" >/dev/null 2>&1 || continue
    "$cand" -c 'import sys; sys.exit(sys.version_info < (3, 11))' 2>/dev/null || continue
    base=$("$cand" -c 'import os, sys; print(os.path.realpath(sys.executable) if sys.prefix == sys.base_prefix else os.path.realpath(os.path.join(sys.base_prefix, "bin", "python3")))') || continue
    "$cand" -c 'import ensurepip, venv' 2>/dev/null || continue
    if students_can "$base" && students_can "$("$cand" -c 'import sysconfig; print(sysconfig.get_paths()["stdlib"])')/os.py"; then
      echo "$base"
      return 0
    fi
  done
  return 1
}
reqs_key=$(hash_of classroom/requirements.txt)
if ! stamp_ok venv "$reqs_key" || [ ! -x "$dir/venv/bin/jupyterhub-singleuser" ]; then
  py=$(pick_python) || {
    echo "No Python 3.11+ with venv that students can run was found (${PYTHON:-python3} and /usr/bin/python3 were tried)."
    echo "On Debian/Ubuntu: apt-get install python3 python3-venv, then run make classroom again."
    exit 1
  }
  say "Creating the classroom's Python environment in $dir/venv with $py (first time: a few minutes)"
  rm -rf "$dir/venv"
  "$py" -m venv "$dir/venv"
  PIP_DISABLE_PIP_VERSION_CHECK=1 "$dir/venv/bin/python" -m pip install --progress-bar off -q \
    -r classroom/requirements.txt
  stamp venv "$reqs_key"
fi

# --- configurable-http-proxy, pinned in classroom/package-lock.json (run by the hub only). ---
chp_key=$(hash_of classroom/package-lock.json)
if ! stamp_ok chp "$chp_key" || [ ! -x classroom/node_modules/.bin/configurable-http-proxy ]; then
  command -v npm >/dev/null || {
    echo "npm is not installed: the hub's proxy (configurable-http-proxy) needs Node.js 20 or newer."
    echo "On Debian/Ubuntu: apt-get install nodejs npm, then run make classroom again."
    exit 1
  }
  say "Installing configurable-http-proxy (classroom/package-lock.json)"
  (cd classroom && npm ci --no-audit --no-fund --loglevel=error)
  stamp chp "$chp_key"
fi

# --- The Go toolchain. ---
goroot=$(go env GOROOT)
if students_can "$goroot/bin/go" && students_can "$goroot/src/runtime/runtime.go"; then
  ln -sfn "$goroot" "$dir/go.new" && mv -T "$dir/go.new" "$dir/go"
elif ! [ -x "$dir/go/bin/go" ] || [ "$("$dir/go/bin/go" env GOVERSION)" != "$(go env GOVERSION)" ]; then
  say "Copying the Go toolchain ($goroot) where students can read it"
  rm -rf "$dir/go.new" && cp -a "$goroot" "$dir/go.new" && chmod -R a+rX,go-w "$dir/go.new"
  rm -rf "$dir/go" && mv "$dir/go.new" "$dir/go"
fi

# --- The project: a copy without secrets, the module the kernel's go.work uses. ---
if git -C "$root" rev-parse --is-inside-work-tree >/dev/null 2>&1; then
  list_files() { git -C "$root" ls-files -c -z | tr '\0' '\n' | grep -v -e '^classroom/node_modules/' -e '\.answers\.json$' | while read -r f; do [ -f "$f" ] && echo "$f"; done; }
else
  list_files() { find . -type f -not -path './.git/*' -not -path './.venv/*' -not -path './build/*' -not -path '*/node_modules/*' -not -name '*.answers.json' | sed 's|^\./||'; }
fi
files=$(list_files | grep -v -E '(^|/)\.env$' | LC_ALL=C sort)
src_key=$( { echo "$files"; echo "$files" | tr '\n' '\0' | xargs -0 cat; } | sha256sum | cut -c1-32)
if ! stamp_ok src "$src_key" || [ ! -f "$dir/src/go.mod" ]; then
  say "Copying the project to $dir/src (without .env, .git, .venv)"
  rm -rf "$dir/src.new"
  mkdir -p "$dir/src.new"
  echo "$files" | tr '\n' '\0' | tar --null -T - -cf - | tar -xf - -C "$dir/src.new" --no-same-owner
  chmod -R a+rX,go-w "$dir/src.new"
  if [ -d "$dir/src" ]; then rm -rf "$dir/src.old" && mv "$dir/src" "$dir/src.old"; fi
  mv "$dir/src.new" "$dir/src"
  rm -rf "$dir/src.old"
  stamp src "$src_key"
fi

# --- The Go environment of students' kernels (and of the warm-up below). ---
mkdir -p "$dir/bin" "$dir/gomodcache" "$dir/gocache"
cat >"$dir/go.env.new" <<EOF
GOMODCACHE=$dir/gomodcache
GOPROXY=off
GOSUMDB=off
GOTOOLCHAIN=local
GOTELEMETRY=off
GOFLAGS=-buildvcs=false
EOF
mv "$dir/go.env.new" "$dir/go.env"
student_path="$dir/bin:$dir/go/bin:/usr/local/bin:/usr/bin:/bin"

# --- Binaries: gonb, goimports and the relay, from this project's go.mod. ---
bin_key=$( { go env GOVERSION; cat go.mod go.sum; echo "$files" | grep -E '\.go$' | tr '\n' '\0' | xargs -0 cat; } | sha256sum | cut -c1-32)
if ! stamp_ok bin "$bin_key" || [ ! -x "$dir/bin/class-relay" ] || [ ! -x "$dir/bin/cell-run" ]; then
  say "Building gonb, goimports and class-relay into $dir/bin"
  go build -o "$dir/bin/gonb" github.com/janpfeifer/gonb
  go build -o "$dir/bin/goimports" golang.org/x/tools/cmd/goimports
  go build -o "$dir/bin/class-relay" ./cmd/class-relay
  # The cell launcher: tells a student when their limits stopped a cell (classroom/limits.py).
  go build -o "$dir/bin/cell-run" ./cmd/cell-run
  # The teacher's live view of the class (a hub service, hub admins only).
  if [ -d cmd/class-view ]; then go build -o "$dir/bin/class-view" ./cmd/class-view; fi
  stamp bin "$bin_key"
fi

# --- The GoNB kernel spec, pointing at the copy in DIR/src. ---
kernel_dir="$dir/venv/share/jupyter/kernels/gonb"
kernel_key=$(hash_of tools/kernel_env.py "$dir/.stamp-bin" "$dir/.stamp-venv")
if ! stamp_ok kernel "$kernel_key" || [ ! -f "$kernel_dir/kernel.json" ]; then
  say "Installing the GoNB kernel for the classroom"
  JUPYTER_DATA_DIR="$dir/venv/share/jupyter" PATH="$student_path" \
    "$dir/bin/gonb" --install --force_deps --go_work="$dir/src" >"$dir/gonb-install.log" 2>&1 || { cat "$dir/gonb-install.log"; exit 1; }
  "$dir/venv/bin/python" "$dir/src/tools/kernel_env.py" "$kernel_dir/kernel.json" "$dir/src" "$dir/bin:$dir/go/bin"
  chmod -R a+rX "$dir/venv/share/jupyter"
  stamp kernel "$kernel_key"
fi

# --- Module cache and build cache, as students' kernels will use them. ---
# Modules come from this computer's module cache first (no internet needed when
# `make setup` has run), else from the module proxy.
warm() {
  env -i HOME="$dir/.warm-home" PATH="$student_path" GOCACHE="$dir/gocache" \
    $(cat "$dir/go.env") \
    GOPROXY="file://$(go env GOMODCACHE)/cache/download,$(go env GOPROXY)" GOSUMDB="$(go env GOSUMDB)" \
    GOFLAGS=-buildvcs=false \
    "$dir/src/tools/warm_kernel.sh" "$dir/.stamp-warm"
}
mkdir -p "$dir/.warm-home"
warm_before=$(cat "$dir/.stamp-warm" 2>/dev/null || true)
warm
if [ "$warm_before" != "$(cat "$dir/.stamp-warm")" ]; then
  chmod -R a+rX "$dir/gomodcache" "$dir/gocache"
  echo "Build cache template: $(du -sh "$dir/gocache" | cut -f1); module cache: $(du -sh "$dir/gomodcache" | cut -f1)"
fi
rm -rf "$dir/.warm-home"

# --- The lessons' cell programs, pre-built once for the class (the cell cache of
# tools/gonb-go/go): when the class presses Run together, a cell whose code is the
# lesson's is copied, not built. Made again whenever the source, Go, the kernel or
# the lessons change; CLASSROOM_CELL_CACHE=0 goes without it. Students can read it,
# never write it. ---
cells_key=$(hash_of "$dir/.stamp-src" "$dir/.stamp-bin" "$dir/.stamp-kernel" "$dir/go.env" \
  "$dir/src/tools/gonb-go/go" "$dir/src/tools/fill_cell_cache.py")
if [ "${CLASSROOM_CELL_CACHE:-1}" = 0 ]; then
  rm -rf "$dir/cellcache" "$dir/.stamp-cells"
elif ! stamp_ok cells "$cells_key" || [ ! -f "$dir/cellcache/STAMP" ]; then
  say "Pre-building the lessons' cells for the class (a second or two a cell)"
  rm -rf "$dir/cellcache.new" && mkdir -p "$dir/cellcache.new"
  echo "$cells_key" >"$dir/cellcache.new/STAMP"
  # The lessons' code runs here: as root, it runs as nobody, with a build cache of its own
  # (the students' template stays as the warm-up made it); the programs become root's after.
  fill=$(mktemp -d)
  mkdir -p "$fill/gocache" "$fill/home" "$fill/tmp"
  cp -R "$dir/gocache/." "$fill/gocache/"
  as_fill=()
  if [ "$is_root" = 1 ]; then
    chown -R nobody "$fill" "$dir/cellcache.new"
    as_fill=(setpriv --reuid=nobody --regid=nogroup --clear-groups --)
  fi
  "${as_fill[@]}" env -i HOME="$fill/home" TMPDIR="$fill/tmp" PATH="$student_path" GOCACHE="$fill/gocache" \
    $(cat "$dir/go.env") \
    "$dir/venv/bin/python" "$dir/src/tools/fill_cell_cache.py" "$dir/cellcache.new" "$dir"/src/notebooks/*.ipynb
  rm -rf "$fill"
  [ "$is_root" = 1 ] && chown -R root:root "$dir/cellcache.new"
  chmod 0755 "$dir/cellcache.new" && chmod -R a+rX,go-w "$dir/cellcache.new"
  rm -rf "$dir/cellcache.old"
  [ -d "$dir/cellcache" ] && mv "$dir/cellcache" "$dir/cellcache.old"
  mv "$dir/cellcache.new" "$dir/cellcache" && rm -rf "$dir/cellcache.old"
  stamp cells "$cells_key"
fi

# --- JupyterLab for students: no "get Jupyter news?" question, no update checks. ---
mkdir -p "$dir/venv/share/jupyter/lab/settings"
cat >"$dir/venv/share/jupyter/lab/settings/overrides.json" <<'EOF'
{"@jupyterlab/apputils-extension:notification": {"fetchNews": "false", "checkForUpdates": false}}
EOF

# --- The class's build slots: lock files that cell builds take turns on
# (tools/gonb-go/go; how many are used is CLASSROOM_BUILD_SLOTS, at the hub's start).
# Students can open them only to read (which flock needs), never replace them. ---
mkdir -p "$dir/build-slots"
for f in queue $(seq -f 'slot-%g' 0 63); do [ -f "$dir/build-slots/$f" ] || : >"$dir/build-slots/$f"; done
chmod 0755 "$dir/build-slots" && chmod 0444 "$dir/build-slots"/*

# --- Scripts students' servers run. ---
{ echo "#!$dir/venv/bin/python"; cat classroom/student-start.py; } >"$dir/bin/student-start.new"
chmod 0755 "$dir/bin/student-start.new" && mv "$dir/bin/student-start.new" "$dir/bin/student-start"
chmod -R a+rX "$dir/bin"
echo "Classroom install ready in $dir"
