#!/usr/bin/env bash
# Usage: tools/warm_kernel.sh STAMP_FILE
#
# Part of `make setup`: puts on this computer everything the GoNB kernel's go
# commands need for the lessons, so that they run offline (a classroom without
# internet, GOPROXY=off) and the first Run is fast:
#
#  1. every go.mod of the module graph. The kernel builds each cell in a
#     temporary module whose go.work uses this project, and the go command
#     loads the whole workspace graph there (down to the go.mod files of GoNB's
#     indirect dependencies, e.g. github.com/go-zeromq/goczmq/v4), which a
#     plain `go build ./...` in this folder never downloads;
#  2. the source of every package the project's packages and tests import;
#  3. the Go build cache: a program importing every package of this project is
#     built the way the kernel builds a cell (same workspace, same flags).
#
# Quick when already done: it then only checks, offline, that the module cache
# still has it all (STAMP_FILE remembers the sources and caches it was done for).
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
stamp=$1
cd "$root"

say() { printf '\033[1m==> %s\033[0m\n' "$1"; }

# The project's importable packages: what a lesson cell can import from here.
pkgs=$(go list -f '{{if ne .Name "main"}}{{.ImportPath}}{{end}}' ./... | sed '/^$/d')

key=$( {
  go env GOVERSION GOMODCACHE GOCACHE GOFLAGS GOOS GOARCH
  echo "CGO_ENABLED=${CGO_ENABLED-} GOGC=${GOGC-}"
  cat go.mod go.sum "${BASH_SOURCE[0]}" tools/kernel_env.py
  echo "$pkgs"
  go list -f '{{$d := .Dir}}{{range .GoFiles}}{{$d}}/{{.}}{{"\n"}}{{end}}{{range .EmbedFiles}}{{$d}}/{{.}}{{"\n"}}{{end}}' $pkgs | sort | xargs cat
} | sha256sum | cut -c1-32)

offline_ok() {
  GOPROXY=off GOFLAGS="${GOFLAGS:-} -mod=readonly" go list -m all >/dev/null 2>&1 &&
    GOPROXY=off go list -deps -test ./... >/dev/null 2>&1
}

if [ -f "$stamp" ] && [ "$(cat "$stamp")" = "$key" ] && offline_ok; then
  exit 0
fi

say "Downloading the Go modules the lessons need, for offline use"
go list -m all >/dev/null
go list -deps -test ./... >/dev/null

say "Warming the Go build cache the way the kernel builds a cell"
tmp=$(mktemp -d "${TMPDIR:-/tmp}/gonb_warm.XXXXXX")
trap 'rm -rf "$tmp"' EXIT
(
  cd "$tmp"
  go mod init gonb_warm >/dev/null 2>&1
  go work init
  go work use "$root" .
  go mod edit -replace "$(go -C "$root" list -m)=$root"
  {
    echo "package main"
    echo
    echo "import ("
    # Internal packages cannot be imported from outside the module; they are built
    # as the dependencies of the packages that use them.
    for p in $pkgs; do case $p in */internal/*) ;; *) echo "	_ \"$p\"" ;; esac; done
    echo ")"
    echo
    echo "func main() {}"
  } >main.go
  # GoNB's own `go get` (%autoget) needs nothing more than step 1, offline too.
  GOPROXY=off go get
  # The kernel's build environment (tools/kernel_env.py, as tools/gonb-go/go applies it).
  eval "$(python3 "$root/tools/kernel_env.py" --build-env)"
  export GOFLAGS="${GOFLAGS:+$GOFLAGS }$KERNEL_GOFLAGS" GOGC=${GOGC-$KERNEL_GOGC} \
    CGO_ENABLED=${CGO_ENABLED-$KERNEL_CGO_ENABLED}
  go build -o gonb_warm
)
if ! offline_ok; then
  echo "The Go module cache is still missing modules for offline use: run 'GOPROXY=off go list -deps -test ./...' to see which." >&2
  exit 1
fi
echo "$key" >"$stamp"
