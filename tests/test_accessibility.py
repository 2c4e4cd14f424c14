"""Every output of every lesson passes axe-core, in JupyterLab's light and dark themes.

Each committed lesson (harness.lesson.LESSONS) runs in a real JupyterLab (Run All, offline provider, no key);
axe-core (pinned in tests/package.json, installed into tests/node_modules by
`make test-browser`) is injected into the page and run over every cell output
(the `.jp-OutputArea` elements): the streamed answer, the Markdown view, the
streaming-vs-waiting comparison, the quiz widgets before and after they are
answered. Any violation fails the test. The full axe results are saved as
build/test-artifacts/axe-<lesson>-<theme>-<state>.json.
"""
import json
import os

import pytest
from playwright.sync_api import sync_playwright

from harness.lab import launch
from conftest import ROOT
from harness.lesson import LESSONS, has_tag, name as lesson_name
from harness.quizlab import answers, give_answer, lesson_lab, lesson_questions, run_lesson

AXE = os.path.join(ROOT, "tests", "node_modules", "axe-core", "axe.min.js")
THEMES = {"light": "JupyterLab Light", "dark": "JupyterLab Dark"}

# axe-core over each output area in turn, scrolled into view first (JupyterLab draws
# cells out of view lazily, with content-visibility). JupyterLab's <body> has
# overflow: hidden and no height of its own (the shell is absolutely positioned), which
# axe takes for "everything inside is clipped away": without a height for <html> and
# <body>, which changes nothing on screen, color-contrast would check no text at all.
RUN_AXE = """async () => {
    const fix = document.createElement('style');
    fix.textContent = 'html, body { height: 100%; }';
    document.head.appendChild(fix);
    const frame = () => new Promise(r => requestAnimationFrame(() => requestAnimationFrame(r)));
    const areas = Array.from(document.querySelectorAll('.jp-OutputArea'));
    const out = {areas: [], violations: [], incomplete: []};
    for (let i = 0; i < areas.length; i++) {
        const area = areas[i];
        area.setAttribute('data-axe-area', String(i));
        area.scrollIntoView({block: 'start'});
        await frame();
        const r = await axe.run(area, {resultTypes: ['violations', 'incomplete']});
        const cell = area.closest('.jp-Cell');
        const where = {area: i, cell: Array.from(document.querySelectorAll('.jp-Notebook .jp-Cell')).indexOf(cell) + 1,
                       text: area.innerText.slice(0, 80)};
        out.areas.push(Object.assign({passes: r.passes.map(p => p.id), violations: r.violations.length,
                                      incomplete: r.incomplete.map(p => p.id)}, where));
        r.violations.forEach(v => out.violations.push(Object.assign({where}, v)));
        r.incomplete.forEach(v => out.incomplete.push(Object.assign({where}, v)));
        out.testEngine = r.testEngine;
        out.testEnvironment = r.testEnvironment;
    }
    fix.remove();
    return out;
}"""

# axe leaves the text of SVG pictures "incomplete" (it cannot tell their background), so
# their contrast is measured here: each <text>'s fill against the output's background,
# with any translucent <rect> under it blended in, as WCAG 2 computes contrast. 12 px
# text needs 4.5:1.
SVG_TEXT_CONTRAST = """() => {
    const rgba = s => { const m = s.match(/rgba?\\(([^)]+)\\)/); if (!m) return null;
        const v = m[1].split(/[ ,\\/]+/).filter(Boolean).map(Number); return [v[0], v[1], v[2], v.length > 3 ? v[3] : 1]; };
    const over = (fg, a, bg) => fg.map((c, i) => c * a + bg[i] * (1 - a));
    const lum = c => { const l = c.slice(0, 3).map(v => { v /= 255; return v <= 0.04045 ? v / 12.92 : Math.pow((v + 0.055) / 1.055, 2.4); });
        return 0.2126 * l[0] + 0.7152 * l[1] + 0.0722 * l[2]; };
    const background = el => { const layers = [];
        for (let e = el; e; e = e.parentElement) { const c = rgba(getComputedStyle(e).backgroundColor); if (c && c[3] > 0) { layers.push(c); if (c[3] === 1) break; } }
        let bg = [255, 255, 255]; for (const c of layers.reverse()) bg = over(c.slice(0, 3), c[3], bg); return bg; };
    const hit = (a, b) => a.left < b.right && a.right > b.left && a.top < b.bottom && a.bottom > b.top;
    const out = [];
    for (const t of document.querySelectorAll('.jp-OutputArea svg text')) {
        const svg = t.closest('svg'), cs = getComputedStyle(t), box = t.getBoundingClientRect();
        let bg = background(svg.parentElement);
        for (const r of svg.querySelectorAll('rect')) {
            const rc = getComputedStyle(r), fill = rgba(rc.fill);
            if (fill && rc.fill !== 'none' && hit(box, r.getBoundingClientRect()))
                bg = over(fill.slice(0, 3), fill[3] * Number(rc.opacity) * Number(rc.fillOpacity), bg);
        }
        const fg = rgba(cs.fill);
        if (!fg) continue;
        const color = over(fg.slice(0, 3), fg[3] * Number(cs.opacity) * Number(cs.fillOpacity), bg);
        const [hi, lo] = [lum(color), lum(bg)].sort((a, b) => b - a);
        out.push({text: t.textContent, fill: cs.fill, background: 'rgb(' + bg.map(Math.round).join(', ') + ')',
                  ratio: Math.round((hi + 0.05) / (lo + 0.05) * 100) / 100});
    }
    return out;
}"""

# A canary: text no one can read, put into an output; the audit must report it.
CANARY = """() => {
    const p = document.createElement('p');
    p.id = 'axe-canary';
    p.textContent = 'unreadable canary text';
    p.style.cssText = 'color: #777; background: #7a7a7a';
    document.querySelector('.jp-OutputArea-output').appendChild(p);
}"""


def set_theme(page, name):
    """Switch JupyterLab's theme through Settings → Theme, and wait until it is applied."""
    page.locator("#jp-MainMenu .lm-MenuBar-itemLabel", has_text="Settings").first.click()
    page.locator(".lm-Menu-content .lm-Menu-itemLabel").filter(has_text="Theme").first.hover()
    page.locator(".lm-Menu-content .lm-Menu-itemLabel").filter(has_text=name).first.click()
    light = "true" if "Light" in name else "false"
    page.wait_for_function(
        "light => document.body.dataset.jpThemeLight === light && document.body.dataset.jpThemeName === arguments[0]"
        .replace("arguments[0]", json.dumps(name)),
        arg=light,
        timeout=30_000,
    )
    page.wait_for_timeout(500)  # the theme's style sheet settles


def describe(violations):
    lines = []
    for v in violations:
        w = v["where"]
        lines.append(f"cell {w['cell']} ({w['text']!r}): {v['id']} ({v['impact']}): {v['help']} — {v['helpUrl']}")
        for n in v["nodes"][:8]:
            lines.append(f"    {' '.join(n['target'])}: {n['failureSummary'].splitlines()[-1].strip()}")
            lines.append(f"        {n['html'][:200]}")
    return "\n".join(lines)


def answer_all(page, lesson):
    """Answer each quiz question wrongly, then rightly, so the feedback and explanation show."""
    wrong, right = answers(lesson)
    for i, (_, q) in enumerate(lesson_questions(lesson)):
        for answer, state in ((wrong[i], "incorrect"), (right[i], "correct")):
            give_answer(page, i, q, answer, state)
        page.wait_for_function(
            "i => document.querySelectorAll('.gq-quiz:not([data-question-type=reflection])')[i].dataset.saveState === 'saved'", arg=i, timeout=20_000
        )


@pytest.mark.parametrize("lesson", LESSONS, ids=lesson_name)
def test_every_output_passes_axe_in_light_and_dark(artifacts, lesson):
    if not os.path.exists(AXE):
        pytest.fail(f"{AXE} is missing: run `make test-browser` (it installs tests/package.json with npm ci)")
    lab = lesson_lab()
    failures = []
    try:
        with sync_playwright() as pw:
            browser = launch(pw)
            page = browser.new_page(viewport={"width": 1280, "height": 2400})
            run_lesson(page, lab, path=lesson)
            page.add_script_tag(path=AXE)
            quizzes, timeline = len(lesson_questions(lesson)), has_tag("compare", lesson)
            version = page.evaluate("axe.version")
            for state in ("fresh", "answered"):
                if state == "answered":
                    answer_all(page, lesson)
                for theme, name in THEMES.items():
                    set_theme(page, name)
                    results = page.evaluate(RUN_AXE)
                    path = os.path.join(artifacts, f"axe-{lesson_name(lesson)}-{theme}-{state}.json")
                    with open(path, "w", encoding="utf-8") as f:
                        json.dump(results, f, indent=1)
                    assert len(results["areas"]) >= quizzes + 2, f"only {len(results['areas'])} output areas"
                    assert all("color-contrast" in a["passes"] for a in results["areas"] if a["text"].strip()), results["areas"]
                    if results["violations"]:
                        failures.append(f"{theme} theme, {state} (axe {version}, {path}):\n" + describe(results["violations"]))
                    svg = page.evaluate(SVG_TEXT_CONTRAST)
                    results["svgTextContrast"] = svg
                    with open(path, "w", encoding="utf-8") as f:
                        json.dump(results, f, indent=1)
                    assert len(svg) >= 5 or not timeline, "the comparison's timeline picture has no text labels"
                    low = [f"    {t['text']!r}: {t['fill']} on {t['background']}, {t['ratio']}:1" for t in svg if t["ratio"] < 4.5]
                    if low:
                        failures.append(f"{theme} theme, {state}: SVG text under 4.5:1 contrast:\n" + "\n".join(low))
                page.screenshot(path=os.path.join(artifacts, f"axe-{lesson_name(lesson)}-{state}-dark.png"), full_page=True)
                set_theme(page, THEMES["light"])
            # The audit sees the outputs' text: an unreadable line in one is reported.
            page.evaluate(CANARY)
            canary = page.evaluate(RUN_AXE)
            assert any(v["id"] == "color-contrast" and any("axe-canary" in " ".join(n["target"]) for n in v["nodes"])
                       for v in canary["violations"]), "axe did not see a low-contrast line put into an output"
            browser.close()
    finally:
        lab.stop()
    assert not failures, "axe-core violations in the lesson's outputs:\n" + "\n\n".join(failures)
