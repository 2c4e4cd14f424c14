#!/usr/bin/env bash
# Usage: classroom/start.sh   (make classroom runs classroom/install.sh, then this)
#
# Starts the classroom hub in the foreground (Ctrl-C stops it, and students'
# servers; their files stay). Settings, all optional (make classroom passes them):
#
#   CLASSROOM_DIR        the shared install (/opt/golessons as root, else build/classroom)
#   CLASSROOM_STATE_DIR  where hub/ (0700 root) and relay/ (0700, relay user) live (CLASSROOM_DIR)
#   CLASSROOM_PORT       the port students open (8000); CLASSROOM_IP (all addresses)
#   CLASSROOM_TEACHER    the teacher's (admin) user name (teacher)
#   CLASSROOM_RELAY_CONFIG  a JSON file merged over classroom/relay.json
#   CLASSROOM_SUBDOMAIN_HOST  e.g. https://hub.school.org (wildcard DNS): each student's
#                        server at https://NAME.hub.school.org/ (docs/admins/security.md)
#   OPENROUTER_API_KEY   (or OPENAI_API_KEY, here or in .env) saved once into the relay's key file
#   CLASSROOM_MEMORY_LIMIT, CLASSROOM_CPU_LIMIT, CLASSROOM_TASKS_LIMIT  each student's share
#                        (1G, 1.0 cores, 512 processes and threads; "off"), classroom/limits.py
#
# The key goes into <state>/relay/openrouter.key (0600, owned by the relay's
# user) and nowhere else: the hub is started without it in its environment, and
# neither the hub's config nor students' environment holds it.
set -euo pipefail
umask 022
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$root"

is_root=0
[ "$(id -u)" = 0 ] && is_root=1
export CLASSROOM_DIR=${CLASSROOM_DIR:-$([ $is_root = 1 ] && echo /opt/golessons || echo "$root/build/classroom")}
export CLASSROOM_STATE_DIR=${CLASSROOM_STATE_DIR:-$CLASSROOM_DIR}
export CLASSROOM_DEMO=${CLASSROOM_DEMO:-$([ $is_root = 1 ] && echo 0 || echo 1)}
export CLASSROOM_TEACHER=${CLASSROOM_TEACHER:-teacher}
export CLASSROOM_GROUP=${CLASSROOM_GROUP:-golessons-students}
export CLASSROOM_RELAY_USER=${CLASSROOM_RELAY_USER:-golessons-relay}
export CLASSROOM_PORT=${CLASSROOM_PORT:-8000}
export CLASSROOM_HUB_PORT=${CLASSROOM_HUB_PORT:-8081}
export CLASSROOM_RELAY_PORT=${CLASSROOM_RELAY_PORT:-10101}
dir=$CLASSROOM_DIR
state=$CLASSROOM_STATE_DIR
py=$dir/venv/bin/python
[ -x "$py" ] && [ -x "$dir/bin/class-relay" ] || { echo "The classroom is not installed in $dir: run make classroom."; exit 1; }

say() { printf '\033[1m==> %s\033[0m\n' "$1"; }

if [ "$CLASSROOM_DEMO" = 1 ]; then
  cat <<'EOF'
*****************************************************************************
  DEMO MODE (not started as root): every account runs as YOU, with no
  isolation between students, and the relay's key file is yours. For trying
  the hub on a laptop only. NOT FOR A CLASS: run make classroom as root.
*****************************************************************************
EOF
  relay_user=$(id -un)
else
  getent group "$CLASSROOM_GROUP" >/dev/null || groupadd --system "$CLASSROOM_GROUP"
  id -u "$CLASSROOM_RELAY_USER" >/dev/null 2>&1 ||
    useradd --system --user-group --no-create-home --home-dir /nonexistent --shell /usr/sbin/nologin \
      --comment "golessons class relay" "$CLASSROOM_RELAY_USER"
  relay_user=$CLASSROOM_RELAY_USER
fi

# --- Private state: the hub's (root only) and the relay's (its user only). ---
mkdir -p "$state"
install -d -m 0700 "$state/hub"
install -d -m 0700 -o "$relay_user" "$state/relay" "$state/relay/state"

# --- The teacher's key, once, into the relay's key file. ---
keyfile=$state/relay/openrouter.key
dotenv_key() {
  [ -f .env ] || return 0
  sed -n -E 's/^[[:space:]]*(export[[:space:]]+)?'"$1"'[[:space:]]*=[[:space:]]*(.*)$/\2/p' .env | tail -n 1 |
    sed -E 's/[[:space:]]+#.*$//; s/^"(.*)"$/\1/; s/^'"'"'(.*)'"'"'$/\1/; s/[[:space:]]*$//'
}
key=${OPENROUTER_API_KEY:-${OPENAI_API_KEY:-}}
[ -n "$key" ] || key=$(dotenv_key OPENROUTER_API_KEY)
[ -n "$key" ] || key=$(dotenv_key OPENAI_API_KEY)
if [ -f .env ] && [ -n "$(find .env -perm /044 2>/dev/null)" ]; then
  chmod go-rwx .env
  echo "Made .env readable by you only (students must not read the key in it)."
fi
if [ -n "$key" ]; then
  (umask 077 && printf '%s\n' "$key" >"$keyfile.new")
  chown "$relay_user" "$keyfile.new" && chmod 0600 "$keyfile.new" && mv "$keyfile.new" "$keyfile"
  echo "The AI key is saved for the class relay in $keyfile (readable by the relay only)."
fi
unset key

# --- The relay's config: classroom/relay.json, with the paths filled in. ---
"$py" - "$root/classroom/relay.json" "${CLASSROOM_RELAY_CONFIG:-}" "$state/relay" "$keyfile" >"$state/relay/relay.json.new" <<'EOF'
import json, os, sys
base, extra, relay_dir, keyfile = sys.argv[1:]
def merge(a, b):
    for k, v in b.items():
        a[k] = merge(a.get(k, {}), v) if isinstance(v, dict) and isinstance(a.get(k), dict) else v
    return a
cfg = json.load(open(base))
if extra:
    merge(cfg, json.load(open(extra)))
cfg["state_dir"] = os.path.join(relay_dir, "state")
cfg.setdefault("upstream", {})["key_file"] = keyfile if os.path.exists(keyfile) else ""
cfg["upstream"]["key_env"] = "GOLESSONS_RELAY_NO_KEY_ENV"  # the key comes from the file only
cfg["required_scopes"] = ["access:services!service=class-relay"]
json.dump(cfg, sys.stdout, indent=2)
print()
EOF
chown "$relay_user" "$state/relay/relay.json.new" && chmod 0600 "$state/relay/relay.json.new"
mv "$state/relay/relay.json.new" "$state/relay/relay.json"
run_as_relay() {
  if [ "$CLASSROOM_DEMO" = 1 ]; then "$@"; else setpriv --reuid="$relay_user" --regid="$relay_user" --init-groups -- "$@"; fi
}
say "The class relay (the teacher's AI key stays in it)"
(cd "$state/relay" && run_as_relay env -i PATH=/usr/bin:/bin \
  JUPYTERHUB_API_URL="http://127.0.0.1:$CLASSROOM_HUB_PORT/hub/api" JUPYTERHUB_API_TOKEN=set-by-the-hub \
  JUPYTERHUB_SERVICE_PREFIX=/services/class-relay/ \
  JUPYTERHUB_SERVICE_URL="http://127.0.0.1:$CLASSROOM_RELAY_PORT" \
  "$dir/bin/class-relay" -check -config "$state/relay/relay.json") | sed 's/^/    /'

# --- Each student's share of the server (classroom/limits.py): a typo is said here. ---
"$py" "$root/classroom/limits.py" --check | sed 's/^/    /'
[ "${PIPESTATUS[0]}" = 0 ] || exit 1

# --- The teacher's account. ---
"$py" "$root/classroom/accounts.py" teacher

# --- Start. ---
host=${CLASSROOM_IP:-}
if [ -z "$host" ] || [ "$host" = 0.0.0.0 ]; then
  host=$(hostname -I 2>/dev/null | awk '{print $1}')
  host=${host:-$(hostname)}
fi
url="http://$host:$CLASSROOM_PORT/"
[ -z "${CLASSROOM_SUBDOMAIN_HOST:-}" ] || url="${CLASSROOM_SUBDOMAIN_HOST%/}/"
echo "$url" >"$state/hub/url.txt"
say "Classroom hub on $url  (teacher: $CLASSROOM_TEACHER; Ctrl-C stops it)"
echo "    Students open $url and log in; the teacher's pages: ${url}hub/admin and ${url}hub/authorize (sign-ups)."
cd "$state/hub"
# Every file of the hub's and the relay's state is for their owner only (the database,
# the cookie secret, the passwords), even in a backup that keeps modes.
chmod -R go-rwx "$state/hub" "$state/relay"
umask 077
exec env -u OPENROUTER_API_KEY -u OPENAI_API_KEY -u OPENAI_BASE_URL \
  "$dir/venv/bin/jupyterhub" -f "$root/classroom/jupyterhub_config.py"
