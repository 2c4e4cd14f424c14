"""axe-core (pinned in tests/package.json, installed by `make test-browser` into
tests/node_modules) over a page in Chromium, for the classroom's browser tests."""
import json
import os

from harness.env import ROOT

AXE = os.path.join(ROOT, "tests", "node_modules", "axe-core", "axe.min.js")


def run_axe(page, artifacts, name):
    """axe-core over the whole page: its violations as (id, help, first targets); the full
    results go to artifacts/axe-NAME.json. Fails clearly when axe-core is not installed."""
    if not os.path.exists(AXE):
        raise AssertionError(f"{AXE} is missing: run `cd tests && npm ci` (tests/package.json pins axe-core)")
    with open(AXE, encoding="utf-8") as f:
        # page.evaluate is not bound by the page's CSP (an inline script tag would be).
        assert page.evaluate(f.read() + "\n;typeof axe") == "object"
    r = page.evaluate("async () => await axe.run(document, {resultTypes: ['violations']})")
    with open(os.path.join(artifacts, f"axe-{name}.json"), "w") as f:
        json.dump(r, f, indent=1)
    return [(v["id"], v["help"], [n["target"] for n in v["nodes"]][:5]) for v in r["violations"]]
