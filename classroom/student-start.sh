#!/bin/sh
# Runs as the student (the hub's spawner command), before their Jupyter server:
#  - hands out the lessons: every file of the classroom's lessons that is not yet
#    in ~/lessons is copied there; a student's own copy is never overwritten (new
#    lessons appear; a deleted one comes back fresh);
#  - gives the student their own warm Go build cache: the classroom's template
#    (DIR/gocache) is copied into ~/.cache/go-build, entries they lack only (the
#    first start copies it all, later ones what a new lesson added). Never shared:
#    one student's cache cannot change another's builds.
# Then it starts the server (its arguments).
set -eu
dir=$(cd "$(dirname "$0")/.." && pwd)
umask 077
cd "$HOME"
mkdir -p "$HOME/lessons"
for f in "$dir/src/notebooks/"*; do
  dest="$HOME/lessons/$(basename "$f")"
  if [ -f "$f" ] && [ ! -e "$dest" ] && [ ! -L "$dest" ]; then
    cp "$f" "$dest.new.$$" && mv "$dest.new.$$" "$dest"
  fi
done
export GOCACHE="$HOME/.cache/go-build"
mkdir -p "$GOCACHE"
# -n: keep what is there (coreutils 9.2-9.4 exit 1 after skipping, hence || true).
cp -R -n "$dir/gocache/." "$GOCACHE/" 2>/dev/null || true
exec "$@"
