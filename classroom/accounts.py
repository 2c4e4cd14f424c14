"""Class accounts for the classroom hub: the teacher's, and students' from a class list.

Run with the classroom's Python (make students / make classroom do):

    accounts.py teacher                 the teacher's account (created once; prints its password)
    accounts.py add CLASS.csv           students from a class list, and their login cards
    accounts.py cards                   print the login cards again
    accounts.py reset NAME              a new first-time password for NAME (forgotten password)

CLASS.csv: one student a line, their name first ("Ada Lovelace"); a header line
naming the columns is optional, and columns "username" and "password" are used
when present. A user name is made from the name when none is given (ada-lovelace;
ada-lovelace-2 for a second Ada Lovelace, or when the name is already an account on
this server that is not a class account).

Accounts are NativeAuthenticator's (passwords hashed with bcrypt in the hub's
database), authorised at once. As root, each student is also a Unix user in the
class group, home folder 0700 (the hub creates it too, for a sign-up the teacher
approves). The first-time passwords are kept for reprinting the cards in
<state>/hub/first-passwords.json, readable by root only, like the cards
themselves (<state>/hub/login-cards.html).
"""
import csv
import grp
import html
import json
import os
import pwd
import re
import secrets
import subprocess
import sys
import unicodedata

DIR = os.environ.get("CLASSROOM_DIR", "/opt/golessons")
STATE = os.environ.get("CLASSROOM_STATE_DIR", DIR)
HUB_STATE = os.path.join(STATE, "hub")
DB = os.path.join(HUB_STATE, "jupyterhub.sqlite")
PASSWORDS = os.path.join(HUB_STATE, "first-passwords.json")
CARDS = os.path.join(HUB_STATE, "login-cards.html")
TEACHER = os.environ.get("CLASSROOM_TEACHER", "teacher")
GROUP = os.environ.get("CLASSROOM_GROUP", "golessons-students")
HOME_BASE = os.environ.get("CLASSROOM_HOME_BASE", "/home")
DEMO = os.environ.get("CLASSROOM_DEMO", "1" if os.geteuid() != 0 else "0") == "1"
USERNAME = re.compile(r"^[a-z][a-z0-9_-]{1,31}$")  # as c.Authenticator.username_pattern
ALPHABET = "abcdefghjkmnpqrstuvwxyz23456789"  # no 0/o, 1/l/i


def new_password():
    return "-".join("".join(secrets.choice(ALPHABET) for _ in range(4)) for _ in range(3))


def slug(name):
    s = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode().lower()
    s = re.sub(r"[^a-z0-9]+", "-", s).strip("-")
    s = re.sub(r"^[^a-z]+", "", s)[:28].rstrip("-")
    return s if len(s) >= 2 else "student"


# --- Unix users (as root, not in demo mode). ---

def ensure_group():
    try:
        grp.getgrnam(GROUP)
    except KeyError:
        subprocess.run(["groupadd", "--system", GROUP], check=True, capture_output=True)


def is_class_account(pw):
    g = grp.getgrnam(GROUP)
    return pw.pw_gid == g.gr_gid or pw.pw_name in g.gr_mem


def unix_name_free(name):
    """Whether name can be a class account: no such Unix user, or already one of the class."""
    if DEMO:
        return True
    try:
        return is_class_account(pwd.getpwnam(name))
    except KeyError:
        return True


def ensure_unix_user(name):
    """The class account's Unix user, created when missing (home 0700); refuse any other account."""
    ensure_group()
    try:
        pw = pwd.getpwnam(name)
    except KeyError:
        pw = None
    if pw is not None:
        if not is_class_account(pw):
            raise RuntimeError(
                f"{name} is an existing account on this server that is not in the class group "
                f"{GROUP}; no server runs as it. Choose another user name."
            )
        return pw
    os.makedirs(HOME_BASE, exist_ok=True)
    subprocess.run(
        ["useradd", "--create-home", "--base-dir", HOME_BASE, "--gid", GROUP,
         "--shell", "/bin/bash", "--comment", "golessons class account", "-K", "UMASK=0077", name],
        check=True, capture_output=True,
    )
    pw = pwd.getpwnam(name)
    os.chmod(pw.pw_dir, 0o700)
    return pw


# --- The hub's database (NativeAuthenticator's users_info table). ---

def session():
    from jupyterhub import orm
    import nativeauthenticator.orm  # noqa: F401  (registers users_info on orm.Base)

    os.makedirs(HUB_STATE, mode=0o700, exist_ok=True)
    return orm.new_session_factory("sqlite:///" + DB)()


def hub_user(db, username, admin=False):
    """The hub's own user (listed on the teacher's admin page before the first login)."""
    from jupyterhub import orm

    if orm.User.find(db, username) is not None:
        return
    user = orm.User(name=username, admin=admin)
    db.add(user)
    # A hub that has run assigns roles itself only at its start: give the default one now.
    for rolename in ["user"] + (["admin"] if admin else []):
        role = orm.Role.find(db, rolename)
        if role is not None:
            user.roles.append(role)
    db.commit()


def set_account(db, username, password):
    """Create or update username's account with password, authorised; True when created."""
    import bcrypt
    from nativeauthenticator.orm import UserInfo

    hashed = bcrypt.hashpw(password.encode(), bcrypt.gensalt())
    info = UserInfo.find(db, username)
    created = info is None
    if created:
        db.add(UserInfo(username=username, password=hashed, is_authorized=True))
    else:
        info.password = hashed
        info.is_authorized = True
    db.commit()
    hub_user(db, username, admin=username == TEACHER)
    return created


def load_passwords():
    try:
        with open(PASSWORDS, encoding="utf-8") as f:
            return json.load(f)
    except FileNotFoundError:
        return {}


def save_private(path, text):
    tmp = path + ".new"
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as f:
        f.write(text)
    os.chmod(tmp, 0o600)
    os.replace(tmp, path)


def save_passwords(pw):
    save_private(PASSWORDS, json.dumps(pw, indent=1, sort_keys=True) + "\n")


# --- Commands. ---

def cmd_teacher():
    db = session()
    from nativeauthenticator.orm import UserInfo

    if UserInfo.find(db, TEACHER) is not None:
        return
    password = new_password()
    set_account(db, TEACHER, password)
    save_private(os.path.join(HUB_STATE, "teacher-password.txt"), password + "\n")
    if not DEMO:
        ensure_unix_user(TEACHER)
    print(f"Teacher account created: user name {TEACHER}, password {password}")
    print(f"(also in {os.path.join(HUB_STATE, 'teacher-password.txt')}, readable by {'you' if DEMO else 'root'} only; change it after logging in)")


def read_class_list(path):
    with open(path, encoding="utf-8-sig", newline="") as f:
        rows = [r for r in csv.reader(f) if any(x.strip() for x in r)]
    if not rows:
        return []
    cols = {"name": 0}
    first = [x.strip().lower() for x in rows[0]]
    if "name" in first or "username" in first:
        cols = {k: first.index(k) for k in ("name", "username", "password") if k in first}
        rows = rows[1:]
    out = []
    for r in rows:
        get = lambda k: r[cols[k]].strip() if k in cols and cols[k] < len(r) else ""  # noqa: E731
        out.append({"name": get("name") or get("username"), "username": get("username").lower(), "password": get("password")})
    return out


def cmd_add(path, url):
    students = read_class_list(path)
    if not students:
        sys.exit(f"{path}: no students found (one name a line)")
    db = session()
    from nativeauthenticator.orm import UserInfo

    passwords = load_passwords()
    taken = {u.username for u in UserInfo.all_users(db)} | {TEACHER}
    added, kept, now = [], [], set()
    for s in students:
        name = s["username"]
        if name:
            if not USERNAME.match(name):
                sys.exit(f"{path}: user name {name!r} is not allowed: lower-case letters, digits, - and _, starting with a letter, 2 to 32 long")
            if not unix_name_free(name):
                sys.exit(f"{path}: {name} is already an account on this server (not a class account); choose another user name")
        else:
            base = slug(s["name"])
            name, n = base, 1
            while name in now or (name in taken and passwords.get(name, {}).get("name") != s["name"]) or not unix_name_free(name):
                n += 1
                name = f"{base}-{n}"
        if name in now:
            sys.exit(f"{path}: the user name {name} is there twice")
        taken.add(name)
        now.add(name)
        if UserInfo.find(db, name) is not None and not s["password"]:
            kept.append(name)
        else:
            password = s["password"] or new_password()
            set_account(db, name, password)
            passwords[name] = {"name": s["name"], "password": password}
            added.append(name)
        passwords.setdefault(name, {"name": s["name"], "password": None})
        if not DEMO:
            ensure_unix_user(name)
    save_passwords(passwords)
    print(f"{len(added)} student account(s) created, {len(kept)} already there (passwords unchanged).")
    cmd_cards(url, only=[n for n in passwords if n in added + kept])


def cmd_reset(name, url):
    db = session()
    from nativeauthenticator.orm import UserInfo

    if UserInfo.find(db, name) is None:
        sys.exit(f"there is no account {name}")
    password = new_password()
    set_account(db, name, password)
    passwords = load_passwords()
    passwords[name] = {"name": passwords.get(name, {}).get("name", name), "password": password}
    save_passwords(passwords)
    print(f"New first-time password for {name}: {password}")
    cmd_cards(url, only=[name])


def hub_url(url):
    if url:
        return url
    try:
        with open(os.path.join(HUB_STATE, "url.txt"), encoding="utf-8") as f:
            return f.read().strip()
    except FileNotFoundError:
        return "http://THIS-SERVER:8000/"


CARD_PAGE = """<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><title>Login cards</title>
<style>
@page {{ size: A4; margin: 12mm; }}
body {{ font-family: system-ui, sans-serif; margin: 0; }}
.note {{ margin: 0 0 6mm; }}
@media print {{ .note {{ display: none; }} }}
.cards {{ display: grid; grid-template-columns: 1fr 1fr; gap: 6mm; }}
.card {{ border: 1px dashed #555; border-radius: 3mm; padding: 5mm; break-inside: avoid; page-break-inside: avoid; }}
.card h2 {{ font-size: 14pt; margin: 0 0 3mm; }}
.card dl {{ display: grid; grid-template-columns: auto 1fr; gap: 1mm 3mm; margin: 0 0 3mm; }}
.card dt {{ color: #444; }}
.card dd {{ margin: 0; font-family: ui-monospace, monospace; font-size: 13pt; overflow-wrap: anywhere; }}
.card p {{ font-size: 9pt; margin: 0; color: #333; }}
</style></head><body>
<p class="note">{count} login card(s). Print this page (Ctrl+P), cut along the dashed lines and give each student theirs. Keep it private: it holds first-time passwords.</p>
<div class="cards">
{cards}
</div></body></html>
"""

CARD = """<section class="card">
<h2>{name}</h2>
<dl><dt>Address</dt><dd>{url}</dd><dt>User name</dt><dd>{username}</dd><dt>Password</dt><dd>{password}</dd></dl>
<p>Open the address, log in, and the lesson opens: run each cell with Shift+Enter. Your work and answers stay in your own folder.
Change this first-time password after logging in: {url}hub/change-password</p>
</section>"""


def cmd_cards(url, only=None):
    url = hub_url(url)
    url = url if url.endswith("/") else url + "/"
    passwords = load_passwords()
    names = sorted(only if only is not None else passwords, key=lambda n: (passwords.get(n, {}).get("name") or n).lower())
    cards = []
    for n in names:
        p = passwords.get(n, {})
        cards.append(CARD.format(
            name=html.escape(p.get("name") or n), url=html.escape(url), username=html.escape(n),
            password=html.escape(p.get("password") or "(unchanged: the one on the first card)"),
        ))
    save_private(CARDS, CARD_PAGE.format(count=len(cards), cards="\n".join(cards)))
    print(f"Login cards: {CARDS} (open it in a browser and print it; readable by {'you' if DEMO else 'root'} only)")


def main(argv):
    url = None
    if "--url" in argv:
        i = argv.index("--url")
        url = argv[i + 1]
        del argv[i:i + 2]
    if argv[:1] == ["teacher"]:
        cmd_teacher()
    elif argv[:1] == ["add"] and len(argv) == 2:
        cmd_add(argv[1], url)
    elif argv[:1] == ["cards"]:
        cmd_cards(url)
    elif argv[:1] == ["reset"] and len(argv) == 2:
        cmd_reset(argv[1], url)
    else:
        sys.exit(__doc__)


if __name__ == "__main__":
    main(sys.argv[1:])
