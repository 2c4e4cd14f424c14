"""Check the docs (README.md, docs/**/*.md): `make check` runs this.

- README.md is short (under 150 lines): what the project is, the two commands, where to go next.
- Every relative link points at a file that exists, and every #anchor at a heading of it.
- Every `make TARGET` the docs show is a target of the Makefile, and every command they show
  (make targets, the project's scripts) is run by a test: TESTED_BY says which, and this
  checks that the test does name it. A command no test runs is not documented.

Usage: check_docs.py [ROOT]; prints each problem as FILE:LINE: what is wrong, exits 1 if any.
"""
import os
import re
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
README_MAX_LINES = 150

# What runs each documented command: {command: (file, text that shows it runs it)}. The
# file is a test, or the Makefile's `test` target when `make test` itself runs it.
TESTED_BY = {
    "make lab": ("tests/test_make_lab.py", '"lab"'),
    "make test": (".ci/run", "make test"),
    "make help": ("tests/test_docs.py", '"help"'),
    "make setup": ("tests/test_make_setup.py", '"setup"'),
    "make check": ("tests/test_make_check.py", '"check"'),
    "make run": ("tests/test_docs.py", '"run"'),
    "make gradebook": ("tests/test_docs.py", '"gradebook"'),
    "make provider": ("tests/test_docs.py", '"provider"'),
    "make new-lesson": ("tests/test_new_lesson.py", "new-lesson"),
    "make test-go": ("Makefile", "test-go"),
    "make test-notebook": ("Makefile", "test-notebook"),
    "make test-setup": ("Makefile", "test-setup"),
    "make test-browser": ("Makefile", "test-browser"),
    "make test-classroom": ("Makefile", "test-classroom"),
    "make test-deploy": ("Makefile", "test-deploy"),
    "make lint-deploy": ("Makefile", "lint-deploy"),
    "make bench-tiny": ("Makefile", "bench-tiny"),
    "make bench": ("tests/test_docs.py", '"bench"'),
    "make bench-cells": ("tests/test_docs.py", '"bench-cells"'),
    "make bench-classroom": ("tests/test_docs.py", '"bench-classroom"'),
    # The classroom: the hub tests run what these targets run (install.sh, start.sh, accounts.py).
    "make classroom": ("harness/classroom.py", "start.sh"),
    "make classroom-install": ("harness/classroom.py", "install.sh"),
    "make students": ("tests/test_classroom_hub.py", '"add"'),
    "make login-cards": ("tests/test_docs.py", '"login-cards"'),
    "make lock": ("tests/test_docs.py", '"lock"'),
    "make classroom-lock": ("tests/test_docs.py", '"classroom-lock"'),
    "make clean": ("tests/test_docs.py", '"clean"'),
    "make distclean": ("tests/test_docs.py", '"distclean"'),
    "accounts.py reset": ("tests/test_classroom_attacks.py", '"reset"'),
    "deploy/install.sh": ("tests/test_deploy.py", "install.sh"),
}

LINK = re.compile(r"(?<!!)\[[^\]]*\]\(([^)\s]+)\)")
MAKE_LINE = re.compile(r"^\s*(?:sudo\s+)?make\s+(?:-C\s+\S+\s+)?([a-z][a-z0-9-]*)")  # in a code block
CODE_SPAN = re.compile(r"`([^`]+)`")
FENCE = re.compile(r"^\s*```")


def doc_files(root):
    out = [os.path.join(root, "README.md")]
    for d, _, files in os.walk(os.path.join(root, "docs")):
        out += [os.path.join(d, f) for f in sorted(files) if f.endswith(".md")]
    return out


def slug(heading):
    """GitHub's anchor for a heading: lower case, punctuation dropped, spaces to dashes."""
    s = re.sub(r"[`*_]", "", heading.strip().lower())
    s = re.sub(r"[^\w\- ]", "", s)
    return s.replace(" ", "-")


def anchors(path):
    out, fenced = set(), False
    for line in open(path, encoding="utf-8"):
        if FENCE.match(line):
            fenced = not fenced
        elif not fenced and line.startswith("#"):
            out.add(slug(line.lstrip("#")))
    return out


def makefile_targets(root):
    text = open(os.path.join(root, "Makefile"), encoding="utf-8").read()
    return set(re.findall(r"^([a-z][a-z0-9-]*):", text, re.M))


def check_links(path, root, problems):
    for n, line in enumerate(open(path, encoding="utf-8"), 1):
        for target in LINK.findall(line):
            if re.match(r"^[a-z]+:", target):  # http:, https:, mailto:
                continue
            file, _, anchor = target.partition("#")
            dest = os.path.normpath(os.path.join(os.path.dirname(path), file)) if file else path
            if not os.path.exists(dest):
                problems.append(f"{rel(path, root)}:{n}: the link {target!r} points at nothing")
            elif anchor and dest.endswith(".md") and anchor not in anchors(dest):
                problems.append(f"{rel(path, root)}:{n}: no heading of {rel(dest, root)} has the anchor #{anchor}")


def commands(path):
    """(line number, command) of each command the file shows: a code block's lines, and
    code spans, that run `make TARGET` or a script of TESTED_BY."""
    fenced = False
    for n, line in enumerate(open(path, encoding="utf-8"), 1):
        if FENCE.match(line):
            fenced = not fenced
            continue
        code = [line] if fenced else CODE_SPAN.findall(line)
        for c in code:
            m = MAKE_LINE.match(c)
            if m:
                yield n, f"make {m.group(1)}"
            yield from ((n, cmd) for cmd in TESTED_BY if not cmd.startswith("make ") and cmd in c)


def check_commands(path, root, targets, problems):
    for n, cmd in commands(path):
        target = cmd[5:] if cmd.startswith("make ") else None
        if target is not None and target not in targets:
            problems.append(f"{rel(path, root)}:{n}: `{cmd}`: the Makefile has no target {target!r}")
            continue
        if cmd not in TESTED_BY:
            problems.append(f"{rel(path, root)}:{n}: `{cmd}` is run by no test: test it, and name the test "
                            "in TESTED_BY (tools/check_docs.py), or take it out of the docs")
            continue
        file, evidence = TESTED_BY[cmd]
        try:
            text = open(os.path.join(root, file), encoding="utf-8").read()
        except OSError:
            text = ""
        if evidence not in text:
            problems.append(f"{rel(path, root)}:{n}: `{cmd}`: {file} no longer runs it (no {evidence!r} in it)")


def rel(path, root):
    return os.path.relpath(path, root)


def check(root=ROOT):
    problems = []
    lines = open(os.path.join(root, "README.md"), encoding="utf-8").read().count("\n")
    if lines >= README_MAX_LINES:
        problems.append(f"README.md: {lines} lines; keep it under {README_MAX_LINES} (move the rest to docs/)")
    targets = makefile_targets(root)
    for path in doc_files(root):
        check_links(path, root, problems)
        check_commands(path, root, targets, problems)
    return problems


def main(argv):
    problems = check(argv[0] if argv else ROOT)
    for p in problems:
        print(p)
    if problems:
        print(f"{len(problems)} problem(s) in the docs.")
        return 1
    print(f"Docs: {len(doc_files(argv[0] if argv else ROOT))} files, links and commands checked.")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
