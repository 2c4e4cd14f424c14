"""Writes BENCHMARKS.md and its SVG plot from a results.json of bench/run.py.

    .venv/bin/python bench/report.py build/bench/results.json BENCHMARKS.md

run.py calls write() at the end of a full run (make bench). The plot is drawn
as SVG by hand: no plotting library is needed.
"""
import html
import json
import math
import os
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
from measure import answer_bytes, median  # noqa: E402
from notebooks import WAYS  # noqa: E402

COLORS = {"a": "#1f6fd1", "b": "#2a9d3a", "c": "#e07b00"}
SHORT = {"a": "(a) Go Markdown display", "b": "(b) Go mirror loop", "c": "(c) Python original"}
LAG_TARGET_MS = 100
MSGS_TARGET = 20
BYTES_FACTOR_TARGET = 3
FIRST_TOKEN_TARGET_MS = 1000
# The helpers' largest live block: MaxBlockBytes (16 KiB of Markdown), grown to half a second of the answer
# for one that arrives fast, at most MaxFastBlockBytes (64 KiB; answers under 1 MiB); twice for escaping,
# plus the envelope.
UPDATE_BOUND_BYTES = 2 * (64 << 10) + 1024


# --- aggregation -----------------------------------------------------------------

def cells(results, way, rate, tokens):
    return [c for c in results["cells"] if c["way"] == way and c["rate"] == rate and c["tokens"] == tokens]


def agg(results, way, rate, tokens, get):
    """Median over runs of get(cell); None when no cell has a value."""
    vals = []
    for c in cells(results, way, rate, tokens):
        try:
            v = get(c)
        except (KeyError, TypeError):
            v = None
        if v is not None:
            vals.append(v)
    return median(vals)


def worst(results, way, rate, tokens, get):
    vals = [get(c) for c in cells(results, way, rate, tokens)]
    vals = [v for v in vals if v is not None]
    return max(vals) if vals else None


METRICS = {
    "p50": lambda c: c["lag_ms"]["p50"],
    "p99": lambda c: c["lag_ms"]["p99"],
    "lost": lambda c: c["lost"],
    "msgs": lambda c: c["iopub"]["output_msgs"],
    "peak": lambda c: c["iopub"]["peak_msgs_per_s"],
    "bytes": lambda c: c["iopub"]["output_bytes"],
    "maxmsg": lambda c: c["iopub"]["max_output_msg_bytes"],
    "cpu": lambda c: c["cpu_s"]["kernel_total"],
    "build": lambda c: c["cpu_s"].get("build"),
    "program": lambda c: c["cpu_s"].get("program"),
    "server": lambda c: c["cpu_s"]["server"],
    "browser": lambda c: c["cpu_s"]["browser"],
    "first": lambda c: c["run_to_first_visible_ms"],
    "first_sent": lambda c: c["run_to_first_sent_ms"],
    "tripped": lambda c: 1 if c["rate_limit_tripped"] else 0,
    "trimmed": lambda c: c["trimmed_outputs"],
    "outputs": lambda c: c["outputs"],
}


def table_rows(results):
    cfg = results["config"]
    rows = []
    for n in cfg["tokens"]:
        for rate in cfg["rates"]:
            ref = {k: agg(results, "c", rate, n, f) for k, f in METRICS.items()}
            for way in cfg["ways"]:
                m = {k: agg(results, way, rate, n, f) for k, f in METRICS.items()}
                m["lost_worst"] = worst(results, way, rate, n, METRICS["lost"])
                m["peak_worst"] = worst(results, way, rate, n, METRICS["peak"])
                m["p99_worst"] = worst(results, way, rate, n, METRICS["p99"])
                m["runs"] = len(cells(results, way, rate, n))
                rows.append((n, rate, way, m, ref))
    return rows


# --- formatting --------------------------------------------------------------------

def num(v, digits=0):
    if v is None:
        return "–"
    if digits == 0:
        return f"{v:,.0f}"
    return f"{v:,.{digits}f}"


def ratio(v, ref):
    if v is None or ref is None or ref == 0:
        return ""
    r = v / ref
    return f" ({r:.2g}×)" if r < 10 else f" ({r:.0f}×)"


def kib(v):
    return "–" if v is None else f"{v / 1024:,.1f}"


def met(ok):
    """"met" or "missed"; ok may be (unit, {value: met}) for targets met in part."""
    if isinstance(ok, tuple):
        unit, parts = ok
        if all(parts.values()):
            return "**met**"
        if not any(parts.values()):
            return "**missed**"
        return (f"**missed** at {', '.join(str(k) for k, v in parts.items() if not v)} {unit}, met at "
                + ", ".join(str(k) for k, v in parts.items() if v))
    return "**met**" if ok else "**missed**"


# --- the plot ------------------------------------------------------------------------

def svg_plot(results):
    """Two panels: p99 display lag and peak output messages per second, by rate."""
    cfg = results["config"]
    rates = cfg["rates"]
    W, H = 940, 400
    panels = [
        ("p99 display lag (ms, log scale)", "p99", LAG_TARGET_MS, "target ≤ 100 ms"),
        ("output messages to the browser, peak per second (log)", "peak", MSGS_TARGET, "target ≤ 20/s"),
    ]
    out = [f'<svg xmlns="http://www.w3.org/2000/svg" width="{W}" height="{H}" viewBox="0 0 {W} {H}" '
           'font-family="DejaVu Sans, Arial, sans-serif" font-size="12">',
           f'<rect width="{W}" height="{H}" fill="white"/>']
    pw, ph, top, left0 = 360, 250, 50, 70
    for p, (title, key, target, tlabel) in enumerate(panels):
        x0 = left0 + p * (pw + 110)
        vals = [agg(results, w, r, n, METRICS[key]) for w in cfg["ways"] for r in rates for n in cfg["tokens"]]
        vals = [v for v in vals if v]
        lo = 10 ** math.floor(math.log10(max(min(vals + [target]), 1e-3) * 0.8))
        hi = 10 ** math.ceil(math.log10(max(vals + [target]) * 1.2))

        def y(v):
            v = max(v, lo)
            return top + ph - (math.log10(v) - math.log10(lo)) / (math.log10(hi) - math.log10(lo)) * ph

        def x(i):
            return x0 + 30 + i * (pw - 60) / max(len(rates) - 1, 1)

        out.append(f'<text x="{x0 + pw / 2}" y="{top - 18}" text-anchor="middle" font-weight="bold">'
                   f'{html.escape(title)}</text>')
        out.append(f'<rect x="{x0}" y="{top}" width="{pw}" height="{ph}" fill="none" stroke="#999"/>')
        d = lo
        while d <= hi * 1.0001:
            yy = y(d)
            out.append(f'<line x1="{x0}" x2="{x0 + pw}" y1="{yy:.1f}" y2="{yy:.1f}" stroke="#eee"/>')
            out.append(f'<text x="{x0 - 6}" y="{yy + 4:.1f}" text-anchor="end" fill="#555">{d:g}</text>')
            d *= 10
        for i, r in enumerate(rates):
            out.append(f'<text x="{x(i):.1f}" y="{top + ph + 18}" text-anchor="middle" fill="#555">{r}</text>')
        out.append(f'<text x="{x0 + pw / 2}" y="{top + ph + 36}" text-anchor="middle" fill="#333">'
                   'tokens per second</text>')
        ty = y(target)
        out.append(f'<line x1="{x0}" x2="{x0 + pw}" y1="{ty:.1f}" y2="{ty:.1f}" stroke="#d00" '
                   'stroke-dasharray="2,3"/>')
        out.append(f'<text x="{x0 + pw - 4}" y="{ty - 4:.1f}" text-anchor="end" fill="#d00">{tlabel}</text>')
        for way in cfg["ways"]:
            for j, n in enumerate(cfg["tokens"]):
                pts = [(x(i), agg(results, way, r, n, METRICS[key])) for i, r in enumerate(rates)]
                pts = [(px, y(v)) for px, v in pts if v is not None]
                if not pts:
                    continue
                dash = '' if j == 0 else ' stroke-dasharray="6,4"'
                path = " ".join(f"{px:.1f},{py:.1f}" for px, py in pts)
                out.append(f'<polyline points="{path}" fill="none" stroke="{COLORS[way]}" stroke-width="2"{dash}/>')
                for px, py in pts:
                    shape = (f'<circle cx="{px:.1f}" cy="{py:.1f}" r="3.5" fill="{COLORS[way]}"/>' if j == 0 else
                             f'<rect x="{px - 3.5:.1f}" y="{py - 3.5:.1f}" width="7" height="7" fill="white" '
                             f'stroke="{COLORS[way]}" stroke-width="1.5"/>')
                    out.append(shape)
    # Legend.
    ly = top + ph + 62
    lx = left0
    for way in cfg["ways"]:
        out.append(f'<line x1="{lx}" x2="{lx + 26}" y1="{ly}" y2="{ly}" stroke="{COLORS[way]}" stroke-width="2"/>')
        out.append(f'<text x="{lx + 32}" y="{ly + 4}">{html.escape(SHORT[way])}</text>')
        lx += 230
    ly += 22
    lx = left0
    for j, n in enumerate(cfg["tokens"]):
        dash = '' if j == 0 else ' stroke-dasharray="6,4"'
        out.append(f'<line x1="{lx}" x2="{lx + 26}" y1="{ly}" y2="{ly}" stroke="#333" stroke-width="2"{dash}/>')
        out.append(f'<text x="{lx + 32}" y="{ly + 4}">{n}-token answer</text>')
        lx += 230
    out.append(f'<text x="{W - 10}" y="{ly + 4}" text-anchor="end" fill="#777">medians of '
               f'{cfg["runs"]} runs</text>')
    out.append("</svg>")
    return "\n".join(out) + "\n"


# --- the report -------------------------------------------------------------------------

def targets(results, rows):
    """[(target, way, figure, ok)] for the targets of the benchmark issue."""
    cfg = results["config"]
    by = {(n, r, w): m for n, r, w, m, _ in rows}
    out = []
    gw = [w for w in ("a", "b") if w in cfg["ways"]]
    for w in gw:
        figs, oks = [], {}
        for n in cfg["tokens"]:
            p99s = [(by[(n, r, w)]["p99"], r) for r in cfg["rates"] if by[(n, r, w)]["p99"] is not None]
            if p99s:
                v, r = max(p99s)
                figs.append(f"{n} tokens: worst {num(v)} ms ({r} tok/s)")
                oks[n] = v <= LAG_TARGET_MS
        if figs:
            out.append(("p99 lag ≤ 100 ms at every rate", w, "; ".join(figs), ("tokens", oks)))
    if "c" in cfg["ways"] and 50 in cfg["rates"]:
        for w in gw:
            figs, ok = [], {}
            for n in cfg["tokens"]:
                m, c = by[(n, 50, w)], by[(n, 50, "c")]
                if m["p99"] is None or c["p99"] is None:
                    continue
                ok[n] = m["p99"] <= c["p99"]
                figs.append(f"{n} tokens: p99 {num(m['p99'])} vs {num(c['p99'])} ms, "
                            f"p50 {num(m['p50'])} vs {num(c['p50'])} ms")
            out.append(("at 50 tok/s no worse than the Python original (p99)", w, "; ".join(figs), ("tokens", ok)))
    top = max(cfg["rates"])
    for w in gw + (["c"] if "c" in cfg["ways"] else []):
        lost = [by[(n, top, w)]["lost_worst"] for n in cfg["tokens"]]
        lost = [v for v in lost if v is not None]
        fig = ", ".join(f"{by[(n, top, w)]['lost_worst']} of {n}" for n in cfg["tokens"])
        if w == "c":
            out.append((f"(shown for comparison) tokens lost at {top} tok/s", w, f"worst run: {fig}", None))
        else:
            out.append((f"zero tokens lost at {top} tok/s", w, f"worst run: {fig}", lost and max(lost) == 0))
    for w in gw:
        peaks = [(by[(n, r, w)]["peak_worst"], r, n) for n in cfg["tokens"] for r in cfg["rates"]]
        peaks = [t for t in peaks if t[0] is not None]
        if peaks:
            v, r, n = max(peaks)
            med = max(by[(n2, r2, w)]["peak"] or 0 for n2 in cfg["tokens"] for r2 in cfg["rates"])
            out.append(("≤ 20 output messages per second", w,
                        f"worst run: {v} in one second ({r} tok/s, {n} tokens); worst median over runs: {num(med)}",
                        v <= MSGS_TARGET))
    if "b" in cfg["ways"]:
        facs = [(by[(n, r, "b")]["bytes"] / answer_bytes(n), r, n) for n in cfg["tokens"] for r in cfg["rates"]
                if by[(n, r, "b")]["bytes"] is not None]
        if facs:
            by_rate = {r: max(f for f, r2, _ in facs if r2 == r) for r in cfg["rates"]}
            fig = "; ".join(f"{r} tok/s: {f:.2f}×" for r, f in by_rate.items())
            out.append(("bytes sent ≤ 3 × the answer", "b", f"worst answer length: {fig}",
                        ("tok/s", {r: f <= BYTES_FACTOR_TARGET for r, f in by_rate.items()})))
    if "a" in cfg["ways"]:
        mx = [(by[(n, r, "a")]["maxmsg"], r, n) for n in cfg["tokens"] for r in cfg["rates"]
              if by[(n, r, "a")]["maxmsg"] is not None]
        if mx:
            v, r, n = max(mx)
            per_len = ", ".join(
                f"{n2} tokens: {kib(max(by[(n2, r2, 'a')]['maxmsg'] or 0 for r2 in cfg['rates']))} KiB"
                for n2 in cfg["tokens"])
            out.append(("bytes bounded per update (≤ 129 KiB: 2 × the largest block, 16 KiB or half a second of a fast answer up to 64 KiB, + envelope)", "a",
                        f"largest message {per_len}", v <= UPDATE_BOUND_BYTES))
    for w in gw:
        firsts = [c["run_to_first_visible_ms"] for c in results["cells"]
                  if c["way"] == w and c["run_to_first_visible_ms"] is not None]
        ref = [c["run_to_first_visible_ms"] for c in results["cells"]
               if c["way"] == "c" and c["run_to_first_visible_ms"] is not None]
        if firsts:
            v = median(firsts)
            fig = f"median {num(v)} ms"
            if ref:
                fig += f", {v / median(ref):.1f}× the Python original ({num(median(ref))} ms)"
            floor = {fw: median([f["run_to_first_visible_ms"] for f in results.get("floors", [])
                                 if f["way"] == fw and f["run_to_first_visible_ms"] is not None])
                     for fw in ("b", "c")}
            if floor["b"] is not None:
                fig += (f"; floor, a cell that only prints a line: GoNB {num(floor['b'])} ms, "
                        f"ipykernel {num(floor['c'])} ms")
            out.append(("Run to first visible token ≤ 1.0 s (warm build cache)", w, fig,
                        v <= FIRST_TOKEN_TARGET_MS))
    return out


# --- the cell cost (bench/cells.py) ----------------------------------------------------

CELL_COST_BEGIN = "<!-- cell cost: written by bench/cells.py and bench/report.py (make bench-cells, make bench) -->"
CELL_COST_END = "<!-- end of cell cost -->"
RENDER_BEGIN = "<!-- render: written by hand from internal/streamview's TestPathologicalReport -->"
RENDER_END = "<!-- end of render -->"


def kept_section(md_path, begin, end):
    """The section of md_path between begin and end, markers included, or None."""
    if not os.path.exists(md_path):
        return None
    text = open(md_path, encoding="utf-8").read()
    if begin in text and end in text:
        return begin + text.split(begin, 1)[1].split(end, 1)[0] + end + "\n"
    return None


CELL_TARGETS_MS = {"lesson": 450, "first_token": 800, "lesson_prebuilt": 450, "first_token_prebuilt": 800}
CELL_ROWS = [
    ("plain", "round_trip_ms", "GoNB: a cell that only uses fmt"),
    ("lesson", "round_trip_ms", "GoNB: a lesson cell (the lesson's first cell: go-openai + helpers)"),
    ("first_token", "first_output_ms", "GoNB: Run → first token (the lesson's print loop, offline provider)"),
    ("first_token", "round_trip_ms", "GoNB: the same print-loop cell, to its end"),
]
# The lesson's cells as the lesson has them, in a new kernel, their programs copied from the
# cell cache make setup fills (bench/cells.py measure_prebuilt): only the kernel "now".
PREBUILT_ROWS = [
    ("lesson_prebuilt", "round_trip_ms", "GoNB: the lesson's first cell as the lesson has it (pre-built by make setup)"),
    ("first_token_prebuilt", "first_output_ms", "GoNB: Run → first token, the print loop as the lesson has it (pre-built)"),
]
CHANGE_COLUMNS = ["plain cell", "lesson cell", "Run → first token"]
VARIANT_NAMES = {"before": "before", "lazy-get": "+ go get only when needed", "ldflags": "+ `-ldflags=-s`",
                 "gogc": "+ GOGC=off", "now": "+ CGO_ENABLED=0 (now)"}


def cell_values(cc, variant, cell, key="round_trip_ms"):
    return [s[key] for s in cc["samples"] if s["variant"] == variant and s["cell"] == cell
            and s.get(key) is not None and "error" not in s]


def cell_median(cc, variant, cell, key="round_trip_ms"):
    return median(cell_values(cc, variant, cell, key))


def cell_cost_section(cc):
    """The "Cell cost" section (Markdown lines) from the results of bench/cells.py."""
    variants = [v["id"] for v in cc["variants"]]
    last = variants[-1]
    ipy = cell_median(cc, "ipykernel", "ipykernel")
    warm = {0: "", 1: "once", 2: "twice"}.get(cc.get("warmups", 2), f"{cc.get('warmups')} times")
    L = [CELL_COST_BEGIN, "## Cell cost\n"]
    L.append("```sh\nmake bench-cells                          # this section only (about 3 minutes); "
             "make bench writes it too\n"
             "make bench-cells BENCH_ARGS='--runs 3'    # quicker\n```\n")
    L.append("`make bench-cells` rewrites only this section; the other sections come from the last full "
             "`make bench`, on the machine and versions under \"Machine\" above (which may be older).\n")
    L.append("How long a cell takes on the GoNB kernel, with the changes that made it faster one after the "
             "other, against an ipykernel cell. Measured by `make bench-cells` (bench/cells.py; `make bench` "
             "runs it too) as the round trip of an execute request through jupyter_client, without a browser: "
             "from sending the request to the kernel's \"idle\". Run → first token: to the first stdout "
             "message of the answer, from the offline provider the lesson starts itself, without its "
             "simulated model time (no thinking pause; its tokens, the reasoning first, sent without pauses). "
             + (f"Warm: each kernel ran every cell {warm} before; " if warm else
                "**Not warm** (a check that it runs, no warm-up); ")
             + "every measured cell differs from the one before by a comment, so it is compiled and linked "
             "anew, as a new cell is. "
             f"Each change is a kernel of its own, all in the same run. **Medians of {cc['runs']} "
             f"run{'s' if cc['runs'] != 1 else ''}** "
             "(the range of the last column in brackets), each run going through the kernels in a rotating "
             "order.\n")
    L.append(f"| Cell | {' | '.join(VARIANT_NAMES.get(v, v) for v in variants)} | now ÷ ipykernel | target |")
    L.append("|---|" + "---:|" * len(variants) + "---:|---|")
    rows = CELL_ROWS + [r for r in PREBUILT_ROWS if cell_values(cc, last, r[0], r[1])]
    for cell, key, label in rows:
        figs = []
        for v in variants:
            m = cell_median(cc, v, cell, key)
            figs.append(f"{num(m)} ms" if m is not None else "–")
        now = cell_median(cc, last, cell, key)
        vals = cell_values(cc, last, cell, key)
        if vals:
            figs[-1] += f" ({num(min(vals))}–{num(max(vals))})"
        target = ""
        if cell in CELL_TARGETS_MS and key == ("first_output_ms" if cell.startswith("first_token") else "round_trip_ms"):
            t = CELL_TARGETS_MS[cell]
            target = f"≤ {t} ms: {met(now is not None and now <= t)}"
        r = ratio(now, ipy).strip(" ()") or "–"
        L.append(f"| {label} | {' | '.join(figs)} | {r} | {target} |")
    vals = cell_values(cc, "ipykernel", "ipykernel")
    ipy_fig = f"{num(ipy, 1)} ms" + (f" ({num(min(vals), 1)}–{num(max(vals), 1)})" if vals else "")
    L.append("| ipykernel: a cell that prints | " + " | ".join([""] * (len(variants) - 1) + [ipy_fig]) + " | 1× | |")
    if any(x.get("cpu_ms") is not None for x in cc["samples"]):
        L.append("")
        L.append("CPU time the kernel and its children (goimports, go, the compiler and linker, the cell's "
                 "program) spent on each cell, from /proc (10-ms ticks), medians: unlike the times above, "
                 "other load on the machine does not inflate it, but it leaves out waiting (for the module "
                 "proxy, say).\n")
        L.append(f"| Cell (CPU) | {' | '.join(VARIANT_NAMES.get(v, v) for v in variants)} |")
        L.append("|---|" + "---:|" * len(variants))
        for cell, _, label in CELL_ROWS[:3:]:
            if cell == "first_token" and label.startswith("GoNB: Run"):
                label = "GoNB: the lesson's print loop (whole cell)"
            figs = [cell_median(cc, v, cell, "cpu_ms") for v in variants]
            L.append(f"| {label} | {' | '.join('–' if f is None else f'{num(f)} ms' for f in figs)} |")
    L.append("")
    L.append("Each change, measured in the same run (median before → after, and the difference):\n")
    L.append("| Change | " + " | ".join(CHANGE_COLUMNS) + " | lesson cell, CPU |")
    L.append("|---|" + "---:|" * (len(CHANGE_COLUMNS) + 1))
    for a, b in zip(variants, variants[1:]):
        change = next(v["change"] for v in cc["variants"] if v["id"] == b)
        figs = []
        for cell, key in [(c, k) for c, k, _ in CELL_ROWS[:3]] + [("lesson", "cpu_ms")]:
            x, y = cell_median(cc, a, cell, key), cell_median(cc, b, cell, key)
            figs.append("–" if x is None or y is None else f"{num(x)} → {num(y)} ms ({y - x:+,.0f})")
        L.append(f"| {change} | {' | '.join(figs)} |")
    L.append("")
    L.append(f"- Run {cc.get('started', '?')}, {num(cc.get('elapsed_s'))} s; GoNB {cc.get('gonb', '?')}; load "
             f"average {cc.get('loadavg_start', '?')} at the start, {cc.get('loadavg_end', '?')} at the end "
             f"(2 cores).")
    src = cc.get("source")
    if src:
        L.append(f"- The project's Go source at {src.get('commit', '?')} (hash {src.get('sha256', '?')}), copied at "
                 "the start: the kernels build against that copy, so edits during the run do not mix in.")
    if cc.get("busy"):
        L.append("- **Other load was present**: other people's processes ran on the same 2 cores during the "
                 "measurement (" + "; ".join(f"`{b.strip()[:60]}`" for b in cc["busy"][:4]) + "), so the "
                 "figures are noisier, and likely higher, than on an idle machine.")
    if cc.get("errors"):
        L.append(f"- {len(cc['errors'])} cells failed and are left out: " + "; ".join(cc["errors"][:3]))
    notes = os.path.join(HERE, "cells_notes.md")
    if os.path.exists(notes):
        with open(notes, encoding="utf-8") as f:
            L.append("")
            L.append(f.read().strip())
    L.append("")
    L.append(CELL_COST_END)
    return L


def splice_cell_cost(cc, md_path):
    """Puts the cell-cost section into md_path: in place of the last one, else before "## Display lag"."""
    section = "\n".join(cell_cost_section(cc)) + "\n"
    with open(md_path, encoding="utf-8") as f:
        text = f.read()
    if CELL_COST_BEGIN in text and CELL_COST_END in text:
        head, rest = text.split(CELL_COST_BEGIN, 1)
        tail = rest.split(CELL_COST_END, 1)[1].lstrip("\n")
        text = head + section + "\n" + tail
    elif "\n## Display lag" in text:
        head, tail = text.split("\n## Display lag", 1)
        text = head.rstrip("\n") + "\n\n" + section + "\n## Display lag" + tail
    else:
        text = text.rstrip("\n") + "\n\n" + section
    with open(md_path, "w", encoding="utf-8") as f:
        f.write(text)


def write(results, md_path, svg_path=None):
    """Writes the report to md_path and its plot to svg_path: by default
    bench/streaming.svg for the project's BENCHMARKS.md, else beside md_path."""
    if svg_path is None:
        md_dir = os.path.dirname(os.path.abspath(md_path))
        svg_path = os.path.join(HERE if md_dir == os.path.dirname(HERE) else md_dir, "streaming.svg")
    with open(svg_path, "w", encoding="utf-8") as f:
        f.write(svg_plot(results))
    rows = table_rows(results)
    cfg = results["config"]
    mach = results.get("machine", {})
    rel_svg = os.path.relpath(svg_path, os.path.dirname(os.path.abspath(md_path)))
    L = []
    L.append("# Benchmarks: the streamed answer as a student sees it\n")
    L.append("This file is written by `make bench` (bench/run.py, bench/report.py and the hand-written bench/notes.md); edit those, not this file.\n")
    L.append("Three ways of showing the same streamed answer run in one real JupyterLab, driven by headless "
             "Chromium, against the same local provider:\n")
    for w in cfg["ways"]:
        L.append(f"- **({w})** {html.escape(WAYS[w])}")
    L.append("")
    L.append(f"Rates {', '.join(map(str, cfg['rates']))} tokens/s; answers of "
             f"{' and '.join(map(str, cfg['tokens']))} tokens; {cfg['runs']} runs of every cell, interleaved "
             "(each configuration runs the three ways one after the other, in an order that rotates). "
             "Figures are **medians over the runs**; ratios in brackets are to the Python original (c) "
             "measured in the same `make bench`.\n")
    L.append("## Reproduce\n")
    took = results.get("elapsed_s")
    took = f"{took / 60:.0f} minutes here" if took else "about 25 minutes on 2 cores"
    L.append(f"```sh\nmake bench        # {took}; writes build/bench/results.json, this file and "
             f"bench/{os.path.basename(svg_path)}\n"
             "make bench BENCH_ARGS='--runs 2'                       # fewer runs, quicker\n"
             "make bench BENCH_ARGS='--rates 50,3000 --tokens 500'   # a subset\n"
             "make bench-cells  # only the cell cost (about 3 minutes): rewrites its section of this file\n"
             "make bench-tiny   # a 2-minute check that the benchmark runs (no timing is checked)\n"
             "```\n")
    L.append("Raw figures of every cell and run: build/bench/results.json; the generated notebooks: "
             "build/bench/notebooks/.\n")
    L.append("## Machine\n")
    L.append(f"- {mach.get('cores', '?')} cores, {mach.get('cpu_model', '?')}, {mach.get('memory_gib', '?')} GiB, "
             f"Linux {mach.get('kernel', '?')}")
    L.append(f"- {mach.get('go', '?')}; Python {mach.get('python', '?')}; Chromium {mach.get('chromium', '?')} "
             f"(headless, Playwright {mach.get('playwright', '?')})")
    L.append(f"- JupyterLab {mach.get('jupyterlab', '?')}, jupyter_server {mach.get('jupyter_server', '?')}, "
             f"GoNB {mach.get('gonb', '?')}, ipykernel {mach.get('ipykernel', '?')}, "
             f"openai (PyPI) {mach.get('openai', '?')}")
    hv = results.get("helpers", {})
    changed = results.get("helpers_changed")
    L.append(f"- helpers/ at {hv.get('commit', '?')} (source hash {hv.get('sha256', '?')})"
             + (f"; **it changed during the run** (after run {changed[0]['after_run']}), so runs mix versions"
                if changed else "; unchanged during the run"))
    L.append(f"- run started {results.get('started', '?')}, took {num(results.get('elapsed_s'))} s; "
             f"load average at start {results.get('loadavg', '?')} (the benchmark's own processes load both cores "
             "while it runs)")
    for c in results.get("cells", []):
        if c.get("timed_out"):
            L.append(f"- **run {c.get('run')} of ({c.get('way')}) at {c.get('rate')} tok/s, {c.get('tokens')} "
                     f"tokens did not finish**: its kernel was interrupted"
                     + (" and, still busy a minute later, restarted" if c.get("kernel_restarted") else "")
                     + f"; the run counts what the page showed by then ({c.get('lost')} tokens lost)")
    L.append("")

    L.append("## Targets (issue 5)\n")
    L.append("| Target | Way | Measured (medians of runs unless said) | |")
    L.append("|---|---|---|---|")
    for t, w, fig, ok in targets(results, rows):
        L.append(f"| {t} | ({w}) | {fig} | {'' if ok is None else met(ok)} |")
    L.append("")

    if results.get("cell_cost"):
        L.extend(cell_cost_section(results["cell_cost"]))
        L.append("")
    L.append("## Display lag and lost tokens\n")
    L.append("Display lag: when a token first appears in the page's DOM (MutationObserver) minus when the "
             "provider sent it (both clocks are this machine's). Lost: tokens missing from the cell's output "
             "at the end. Run → first token: from the Shift+Enter key press to the first token in the DOM "
             "(warm build cache; for GoNB it includes compiling the cell).\n")
    L.append(f"![p99 display lag and messages per second by rate]({rel_svg})\n")
    L.append("| Answer | Rate (tok/s) | Way | Lag p50 (ms) | Lag p99 (ms) | Lost tokens (worst run) | "
             "Run → first token (ms) |")
    L.append("|---:|---:|---|---:|---:|---:|---:|")
    for n, rate, w, m, ref in rows:
        r = (lambda k: ratio(m[k], ref[k]) if w != "c" else "")
        L.append(f"| {n} | {rate} | ({w}) | {num(m['p50'])}{r('p50')} | {num(m['p99'])}{r('p99')} | "
                 f"{num(m['lost_worst'])}{' ⚠ IOPub limit' if m['tripped'] else ''}"
                 f"{' ⚠ hidden: over 50 outputs' if m['trimmed'] else ''} | "
                 f"{num(m['first'])}{r('first')} |")
    L.append("")

    L.append("## Messages, bytes and CPU\n")
    L.append("Messages and bytes: output messages (stream, display_data, update_display_data) of the cell's "
             "kernel counted at the browser's websocket; peak is the most in any one second. Kernel CPU: the "
             "kernel process and its children (for GoNB: `go build` and goimports compiling the cell, then "
             "the cell's program; the program's share is in brackets), from /proc. Server: the Jupyter "
             "server process; browser: all Chromium processes of the run.\n")
    L.append("| Answer | Rate | Way | Messages | Peak /s | KiB sent (× answer) | Largest msg (KiB) | "
             "Kernel CPU s (program) | Server CPU s | Browser CPU s |")
    L.append("|---:|---:|---|---:|---:|---:|---:|---:|---:|---:|")
    for n, rate, w, m, ref in rows:
        r = (lambda k: ratio(m[k], ref[k]) if w != "c" else "")
        prog = f" ({m['program']:.2f})" if m.get("program") is not None else ""
        size = answer_bytes(n)
        L.append(f"| {n} | {rate} | ({w}) | {num(m['msgs'])}{r('msgs')} | {num(m['peak'])} | "
                 f"{kib(m['bytes'])} ({(m['bytes'] or 0) / size:.2f}×) | {kib(m['maxmsg'])} | "
                 f"{num(m['cpu'], 2)}{prog}{r('cpu')} | {num(m['server'], 2)}{r('server')} | "
                 f"{num(m['browser'], 2)}{r('browser')} |")
    L.append("")

    L.append("## Go micro-benchmarks (helpers' hot path)\n")
    gb = results.get("gobench", {})
    L.append(f"`{gb.get('command', 'go test -run ^$ -bench . -benchmem ./helpers/')}`\n")
    if gb.get("results"):
        L.append("| Benchmark | ns/op | B/op | allocs/op | other |")
        L.append("|---|---:|---:|---:|---|")
        for b in gb["results"]:
            mt = dict(b["metrics"])
            other = ", ".join(f"{v:g} {k}" for k, v in mt.items() if k not in ("ns/op", "B/op", "allocs/op"))
            L.append(f"| {b['name']} | {num(mt.get('ns/op'), 1)} | {num(mt.get('B/op'))} | "
                     f"{num(mt.get('allocs/op'))} | {other} |")
    elif gb.get("status") == "none":
        L.append("No `testing.B` benchmarks exist in helpers/ yet (parse chunk, append token, build update "
                 "are still to be written); the driver runs them as soon as they do.")
    else:
        L.append(f"Not run ({gb.get('status', 'skipped')}); see build/bench/gobench.txt.")
    L.append("")

    notes = os.path.join(HERE, "notes.md")
    if os.path.exists(notes):
        with open(notes, encoding="utf-8") as f:
            L.append(f.read().strip() + "\n")
    # The class section (make bench-classroom, bench/classroom.py) is kept as it was.
    import classroom_report
    class_section = classroom_report.kept(md_path)
    if class_section:
        L.append(class_section)
    # The render section (hand-run Go test, internal/streamview) is kept as it was.
    render_section = kept_section(md_path, RENDER_BEGIN, RENDER_END)
    if render_section:
        L.append(render_section)
    L.append("## How it is measured\n")
    L.append("- **Provider**: `offline-provider -bench -think 0 -rate R -tokens N`, one process per "
             "configuration. Each token is ` ⟦seq|unix µs⟧` (a blank line every 40 tokens), stamped when sent.")
    L.append("- **Notebooks** (generated under build/bench/notebooks/): a warm-up cell runs first in each "
             "kernel; each measured cell is the same code, only the provider's address changes. (a) and (b) "
             "use the lesson's client code (`helpers.Connect`, `OPENAI_BASE_URL`); (c) is the seed's cell "
             "verbatim except `base_url` and `api_key`.")
    L.append("- **In the page** (bench/observer.js, injected with Playwright's `add_init_script`): a "
             "MutationObserver on the document scans text added inside output areas and records "
             "`performance.timeOrigin + performance.now()` for each sequence number the first time it is seen; "
             "a capture-phase keydown listener records the Shift+Enter.")
    L.append("- **At the websocket**: the kernel websocket's frames as Chromium receives them (the DevTools "
             "protocol's `Network.webSocketFrameReceived`, the events behind Playwright's `page.on(\"websocket\")`, "
             "used directly for their browser-side timestamps); frames are decoded (Jupyter's v1 binary protocol "
             "or JSON) to count iopub output messages and their bytes.")
    shares = [c["observer_ms"] / 1000 / c["cpu_s"]["browser"] for c in results["cells"]
              if c.get("observer_ms") is not None and c["cpu_s"]["browser"] > 0]
    L.append("- **Cost of measuring**: the observer times itself: at most "
             f"{num(max((c.get('observer_ms') or 0) for c in results['cells']))} ms in any cell, "
             f"{100 * median(shares):.1f}% of the browser's CPU time in the median cell "
             f"(at most {100 * max(shares):.1f}%)." if shares else "")
    L.append("- **CPU**: /proc/<pid>/stat (utime+stime, plus cutime+cstime of reaped children) of the kernel "
             "before and after each cell; GoNB's children are sampled every 50 ms to split the build from "
             "the cell's program (the program's last 50 ms may be missed).")
    L.append("")
    with open(md_path, "w", encoding="utf-8") as f:
        f.write("\n".join(L))


def main():
    if len(sys.argv) != 3:
        sys.exit("usage: report.py RESULTS_JSON BENCHMARKS_MD")
    with open(sys.argv[1], encoding="utf-8") as f:
        results = json.load(f)
    write(results, sys.argv[2])


if __name__ == "__main__":
    main()
