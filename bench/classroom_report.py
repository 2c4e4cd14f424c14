"""The "class on one server" section of BENCHMARKS.md, from bench/classroom.py's results:
the figures, a sizing rule for a school's server, and the comparison with The Littlest
JupyterHub's published rule. bench/report.py keeps the section when `make bench` rewrites
the file."""
import os
import statistics

BEGIN = "<!-- class on one server: written by bench/classroom.py (make bench-classroom) -->"
END = "<!-- end of class on one server -->"
TARGET_S = 3.0
TLJH = "https://tljh.jupyter.org/en/latest/howto/admin/resource-estimation.html"


def s(v, digits=1):
    return "–" if v is None else f"{v:.{digits}f} s"


def mb(v):
    return "–" if v is None else f"{v:,.0f} MB"


def model_first_token(res):
    """The model's own time to its first content token: straight from the provider, at rest."""
    return statistics.median(d for d, _ in res["relay_probes_rest"])


def relay_added_ms(probes):
    return None if not probes else statistics.median((r - d) * 1000 for d, r in probes)


def by_mode(res, mode):
    return [st for st in res["storms"] if st["mode"] == mode]


def merged(storms):
    """The storms of one mode taken together: first tokens of every student of every storm."""
    firsts = [p["first_token_s"] for st in storms for p in st["per_student"].values() if p["first_token_s"] is not None]
    v = sorted(firsts)

    def pct(p):
        return v[max(0, min(len(v) - 1, -(-p * len(v) // 100) - 1))] if v else None

    cpu = {}
    for st in storms:
        for k, x in st["cpu_s"].items():
            cpu[k] = cpu.get(k, 0.0) + x / len(storms)
    return {
        "n": len(storms), "p50": statistics.median(v) if v else None, "p95": pct(95), "max": v[-1] if v else None,
        "lost": sum(st["tokens_lost"] for st in storms),
        "whole": sum(st["students_with_whole_answer"] for st in storms),
        "answers": sum(len(st["per_student"]) for st in storms),
        "end_p50": statistics.median(st["end_s"]["p50"] for st in storms if st["end_s"]["p50"] is not None),
        "cpu": cpu,
        "children": statistics.mean(st["kernel_children_cpu_s"] for st in storms),
        "peak_build": max(st["peak_build_mb"]["max"] or 0 for st in storms),
        "peak_class": max(st["peak_class_rss_mb"] for st in storms),
        "relay_ms": relay_added_ms([p for st in storms for p in st.get("relay_probes_during", [])]),
        "errors": [e for st in storms for e in st["errors"]],
    }


def per_student(res):
    """(server + kernel PSS at rest, the hub side's PSS) in MB."""
    m = res["memory_at_rest"]
    return m["server"]["pss_mb_median"] + m["kernel"]["pss_mb_median"], sum(m["hub_side_pss_mb"].values())


def table(res, modes):
    n = res["students"]
    model = model_first_token(res)
    cols = {mode: merged(by_mode(res, mode)) for mode in modes}
    head = [f"{mode} ({cols[mode]['n']} storm{'s' if cols[mode]['n'] != 1 else ''})" for mode in modes]
    L = ["| | " + " | ".join(head) + " |", "|---|" + "---:|" * len(modes)]

    def row(label, f):
        L.append(f"| {label} | " + " | ".join(f(cols[m]) for m in modes) + " |")

    row(f"Run → first token, p50 / p95 / max ({n} students at once)",
        lambda c: f"{s(c['p50'])} / **{s(c['p95'])}** / {s(c['max'])}")
    row(f"… the server's part (minus the model's own {model:.2f} s)",
        lambda c: " / ".join(s(None if c[k] is None else c[k] - model) for k in ("p50", "p95", "max")))
    row("whole answers; tokens lost", lambda c: f"{c['whole']}/{c['answers']}; **{c['lost']}**")
    row("the answer's end, p50 (it streams at 40 tokens/s)", lambda c: s(c["end_p50"]))
    row("relay's added latency to the first token, during the storm",
        lambda c: "–" if c["relay_ms"] is None else f"{c['relay_ms']:+.0f} ms")
    row("CPU in the storm: hub / proxy / relay", lambda c: " / ".join(
        f"{c['cpu'].get(k, 0):.1f} s" for k in ("hub", "proxy", "relay")))
    row("CPU: students' cell builds (goimports, go, compile, link) / cell programs",
        lambda c: f"{c['cpu'].get('student build', 0):.1f} s / {c['cpu'].get('student cell', 0):.1f} s")
    row("CPU: students' Jupyter servers / GoNB kernels",
        lambda c: f"{c['cpu'].get('student server', 0):.1f} s / {c['cpu'].get('student kernel', 0):.1f} s")
    row("CPU of the kernels' children (builds + programs, exact), per student",
        lambda c: f"{c['children'] / n:.2f} s")
    row("memory: the most one cell build used (RSS)", lambda c: mb(c["peak_build"]))
    row("memory: all students' processes at the storm's peak (RSS)", lambda c: mb(c["peak_class"]))
    return L, cols


def facts(res):
    n, m = res["students"], res["memory_at_rest"]
    student, base = per_student(res)
    rest = [
        f"- **Spawn of the class from nothing**: {n} students created through the hub's API, all their servers "
        f"asked for at once (the hub makes their Unix users and copies each a warm build cache): all ready "
        f"**{s(res['class_spawn_s'])}** after the first request (one server: p50 {s(res['server_ready_s']['p50'])}, "
        f"first {s(res['server_ready_s']['min'])}); {n} GoNB kernels opened at once through the proxy in "
        f"{s(res['kernels_open_s'])}.",
        f"- **The lesson's setup cells** (connect, model, messages) in every kernel at once: {s(res['setup_s'])} "
        f"for all; the first cell p50 {s(res['setup_cells']['connect']['p50'])}, max "
        f"{s(res['setup_cells']['connect']['max'])}. It added {res['first_cell_cache_files_added']:.0f} files to "
        f"a student's build cache (the cell's own package and link: the warm cache was used, go-openai was not "
        f"compiled).",
        f"- **Memory at rest, per student** (PSS, shared pages divided among their users): Jupyter server "
        f"{mb(m['server']['pss_mb_median'])} (RSS {mb(m['server']['rss_mb_median'])}), GoNB kernel "
        f"{mb(m['kernel']['pss_mb_median'])} (RSS {mb(m['kernel']['rss_mb_median'])}): **{mb(student)}**. "
        f"The hub's side: hub {mb(m['hub_side_pss_mb']['hub'])}, proxy {mb(m['hub_side_pss_mb']['proxy'])}, "
        f"relay {mb(m['hub_side_pss_mb']['relay'])}: **{mb(base)}**.",
        f"- **One student alone** (before the storms): first token {s(res['alone']['first_token_s'], 2)}, of "
        f"which the model's own {model_first_token(res):.2f} s; the answer's end {s(res['alone']['end_s'])}. "
        f"Disk: a student's home holds {mb(res['home_mb'])} after the setup cells (their copy of the warm build "
        f"cache, mostly).",
        f"- **The relay's added latency** at rest: first content token "
        f"{relay_added_ms(res['relay_probes_rest']):+.0f} ms through the relay against straight from the "
        f"provider (median of {len(res['relay_probes_rest'])} pairs; the model's own first token "
        f"{model_first_token(res):.2f} s: 600 ms of thinking, then its reasoning at 40 tokens/s before the answer).",
    ]
    if res.get("respawned"):
        rest.append(
            f"- **A spawn race**: {len(res['respawned'])} of the {n} servers started at once, reported ready by the "
            "hub, answered 404 to their own student's first request: the proxy's route led to another student's "
            "Jupyter server (its log shows the other student's path). The likely cause, not confirmed: JupyterHub's "
            "local-process spawner draws each server's port at random (bind to port 0, close) before the server "
            "binds it, so two servers started together can draw the same one. The bench restarted those servers; a "
            "student would stop and start their server again (hub control panel).")
    web = by_mode(res, "browser")
    if web and "first_token_s" in web[0].get("browser", {}):
        b, st = web[0]["browser"], web[0]
        rest.append(
            f"- **The browser sample** (one more student in headless Chromium on the same server, after logging in at "
            f"the hub's login page: lesson open in {s(res.get('browser_login_to_lesson_s'))}): in a storm of its own "
            f"without build slots, Shift+Enter → the answer's first text on the page {s(b['first_token_s'], 2)}, "
            f"its end {s(b['end_s'])}; the {n} kernel clients of the same storm p50 {s(st['first_token_s']['p50'], 2)}, "
            f"max {s(st['first_token_s']['max'], 2)} at the websocket.")
    elif web:
        rest.append(f"- The browser sample failed: {web[0].get('browser', {}).get('error', 'no result')}.")
    return rest


def machine(res):
    """(cores, GiB, CPU name) of the machine the run was on."""
    m = res.get("machine", {})
    return m.get("cores", 2), m.get("mem_gib", 23.5), m.get("cpu", "?")


def sizing(res, cols):
    n = res["students"]
    cores, mem_gib, _ = machine(res)
    student, base = per_student(res)
    main = cols.get("no slots") or cols.get("slots")  # the hub's default: no build slots
    build_cpu = (main["children"] - main["cpu"].get("student cell", 0)) / n
    per_student_cpu = sum(v for k, v in main["cpu"].items() if k.startswith("student")) / n
    model = model_first_token(res)
    peak_build = main["peak_build"]
    budget = TARGET_S - model
    storm_gb = (30 * (student + peak_build) + base) / 1024
    pre = cols.get("pre-built")
    L = ["### Sizing rule for a school's server", ""]
    L.append(f"- **Memory** ≈ N × ({student:,.0f} MB at rest + {peak_build:,.0f} MB for the cell build while the "
             f"class presses Run) + {base:,.0f} MB for the hub, proxy and relay. For 30 students: "
             f"{storm_gb:.1f} GB at the moment of a Run storm ({(30 * student + base) / 1024:.1f} GB at rest); add the "
             f"system's own and 20-40% headroom, as TLJH advises. Measured here: all {n} students' processes "
             f"used {mb(main['peak_class'])} (RSS) at the storm's peak.")
    L.append(f"- **CPU for a Run storm**: each student's Run costs about {build_cpu:.2f} CPU-s of building "
             f"(goimports, go, compiler, linker) before their first token, and {per_student_cpu:.2f} CPU-s in all "
             f"while their answer streams (build, program, kernel, Jupyter server). N students who press Run "
             f"together get their first tokens after about N × {build_cpu:.2f} s ÷ cores of building, plus the "
             f"model's own time. To keep the building within T seconds: **cores ≥ N × {build_cpu:.2f} ÷ T**; for 30 "
             f"students within 3 s: {30 * build_cpu / 3:.0f} cores, within 10 s: {30 * build_cpu / 10:.0f}. This "
             f"{cores}-core machine keeps it within 3 s for about {cores * 3 / build_cpu:.0f} students pressing Run "
             f"together.")
    if pre and pre["p95"] is not None:
        L.append(f"- **When the cell is the lesson's own** (\"pre-built\": the install's cell cache, "
                 f"tools/fill_cell_cache.py), nothing is built: first token p50 {s(pre['p50'])}, p95 {s(pre['p95'])}, "
                 f"max {s(pre['max'])} for {n} students together (the model's own {model:.2f} s included), "
                 f"with {pre['children'] / n:.2f} CPU-s per student for the kernels' children "
                 f"(the copy, the program). That is what a class pressing Run on the lesson gets; the rule above is "
                 f"for a cell that every student has changed, the worst case.")
    L.append(f"- **Disk**: {res['home_mb']:,.0f} MB a student (their copy of the warm build cache) plus their "
             f"work, for every student of the school, not only those working at once.")
    def verdict(p95):
        return "met" if p95 is not None and p95 <= TARGET_S else "**missed**"

    if pre and pre["p95"] is not None:
        server = pre["p95"] - model
        L.append(f"- **The target** (first token p95 ≤ 3 s for {n} students pressing Run together), for the "
                 f"lesson's own cell (pre-built), is {verdict(pre['p95'])} on this {cores}-core machine: p95 "
                 f"{s(pre['p95'])}, of which the model's own {model:.2f} s and the server's {s(server)}"
                 + (f". The server's part is within the target; the model's pace alone takes most of it (one "
                    f"student alone: {s(res['alone']['first_token_s'], 2)}, a changed cell)" if server <= TARGET_S
                    else "")
                 + f". For a cell every student changed it is {verdict(main['p95'])}: p95 {s(main['p95'])}, for "
                 f"the reasons below.")
    L.append(f"- **The target for a changed cell** (first token p95 ≤ 3 s for {n} students pressing Run together) is {verdict(main['p95'])} on "
             f"this {cores}-core machine: p95 {s(main['p95'])}. "
             + (f"The model alone takes {model:.2f} s to its first answer token at the offline provider's "
                f"realistic pace (a reasoning model thinks before it answers), which leaves {budget:.2f} s for the "
                f"server: even one student alone misses it ({s(res['alone']['first_token_s'], 2)}). "
                if res["alone"]["first_token_s"] > TARGET_S else "")
             + f"What limits it beyond that is the **compile storm**: {n} × {build_cpu:.2f} CPU-s of building ÷ {cores} "
             f"cores = {n * build_cpu / cores:.1f} s before the last student's program can send its request. Memory "
             f"is not the limit (the peak stayed far below the machine's {mem_gib:.1f} GiB), nor are the hub, proxy and relay "
             f"(together {sum(main['cpu'].get(k, 0) for k in ('hub', 'proxy', 'relay')):.1f} CPU-s in a storm), nor "
             f"is the relay's queue (no class-wide limit was set; it added {relay_added_ms(res['relay_probes_rest']):+.0f} ms).")
    return L


def slots_note(res, cols):
    a, b, k = cols["slots"], cols["no slots"], res["build_slots"]
    better_p95 = a["p95"] is not None and b["p95"] is not None and a["p95"] < b["p95"]
    return [f"**The build slots** (opt-in: `CLASSROOM_BUILD_SLOTS`, tools/gonb-go/go, docs/admins/classroom.md \"The key and the "
            f"limits\"), here at most {k} cell builds at once, waiting at most {res['build_wait']:g} s: first token "
            f"p50 {s(a['p50'])} with them against {s(b['p50'])} without, p95 {s(a['p95'])} against {s(b['p95'])}; "
            f"the most memory all students' processes used at once {mb(a['peak_class'])} against "
            f"{mb(b['peak_class'])}; CPU of the kernels' children {a['children'] / res['students']:.2f} against "
            f"{b['children'] / res['students']:.2f} s per student. "
            + ("They help the p95 too." if better_p95 else
               "They let the first students start sooner and save memory, but the last students wait longer: "
               "while builds take turns, the class's other work (each kernel's goimports, the answers already "
               "streaming, the Jupyter servers, and here other people's tests) takes CPU the waiting builds could "
               "have used, and builds still waiting when the wait ends then run all at once. So they are off by "
               "default, for a server short of memory only.")]


def tljh(res):
    student, base = per_student(res)
    build = max(st["peak_build_mb"]["max"] or 0 for st in res["storms"])
    return [
        "### Against The Littlest JupyterHub's rule",
        "",
        f"TLJH's guide ([Estimate Memory / CPU / Disk needed]({TLJH})) gives *Recommended Memory = (Max concurrent "
        "users × Max mem per user) + 128MB*, the 128 MB being \"overhead for TLJH and related services\", where the "
        "memory per user is the most a typical session used plus 20-40% headroom (the guide suggests measuring "
        "it with jupyter-resource-usage), and the concurrent users \"between 40-60% of your total class size to start "
        "with\"; *Recommended CPU = (Max concurrent users × Max CPU usage per user) + 20%*, 20% of one CPU being "
        "the overhead; *Recommended Disk Size = (Total users × Max disk usage per user) + 2GB*. It calls CPU "
        "estimation \"more forgiving\": too little CPU makes computation slow, but does not stop it.",
        "",
        f"The memory rule has the same form here, with measured terms: {student:,.0f} MB a user at rest (a Jupyter "
        f"server and a GoNB kernel; with 40% headroom {student * 1.4:,.0f} MB) plus {build:,.0f} MB for each cell "
        f"build running at the moment, and {base:,.0f} MB of overhead (JupyterHub, the proxy and the class relay) "
        "instead of TLJH's 128 MB. In a lesson every student of the class is working at once, not 40-60%. CPU is "
        "where GoNB differs: every cell is compiled and linked before it runs, so a class pressing Run together "
        "needs about one core per student at that moment, and TLJH's rule with the peak per user (one CPU) "
        "would ask for 30 cores + 20% for 30 students. The rule above sizes for a first token within a few "
        "seconds instead (cores ≥ N × build CPU-s ÷ seconds), and adds to the memory the builds that run at that "
        "moment, which a per-user average measured in a quiet session does not show.",
    ]


def section(runs):
    res = runs[-1]
    modes = [m for m in ("pre-built", "no slots", "slots") if by_mode(res, m)]
    tab, cols = table(res, modes)
    slots = res["build_slots"]
    L = [BEGIN, "## A class on one server: how many students it holds", "",
         "```sh",
         "make bench-classroom                              # as root: 30 students, about 6 minutes",
         "make bench-classroom BENCH_ARGS='--students 5'    # quicker",
         "```", "",
         "`make bench-classroom` (bench/classroom.py) starts the real classroom hub (classroom/start.sh: "
         "JupyterHub, configurable-http-proxy, the class relay) with the relay in front of the offline provider at "
         "its default pace (the lesson's model: 600 ms of thinking, then reasoning and answer at 40 tokens/s), "
         "creates N students through the hub's API, starts all their servers at once, opens a GoNB kernel per "
         "student through the proxy's websocket and runs the lesson's setup cells. Then every student's kernel "
         "gets the lesson's streaming cell (tag stream-loop) at the same moment: first as the lesson has it "
         "(\"pre-built\": its program is copied from the cell cache the install made, tools/fill_cell_cache.py), "
         "then changed by a comment, so that every kernel compiles and links it, as after a student's edit, "
         + (f"in turn without build slots (the hub's default) and with them (at most {slots} cell builds at "
            f"once, waiting at most {res['build_wait']:g} s for one), " if slots else "")
         + "and each answer is compared with the provider's prepared one; in one more storm, a student in "
         "headless Chromium presses Run with them. /proc is sampled every 0.2 s for the "
         "CPU and memory of each process (bench/procwatch.py). First tokens are the first output of the answer "
         "at the kernel's websocket, as a browser would get it.", ""]
    L += tab
    L.append("")
    L += facts(res)
    cores, mem_gib, cpu = machine(res)
    L.append(f"- Run {res['started']} on this {cores}-core machine ({cpu}, {mem_gib:.1f} GiB), commit {res['commit']}; "
             f"load average {res['loadavg_start']} at the start, {res['loadavg_end']} at the end "
             "(other people's tests ran on the same cores, so the times are likely higher than on a machine of "
             "the class's own).")
    L.append("")
    L += sizing(res, cols)
    L.append("")
    if "slots" in cols and "no slots" in cols:
        L += slots_note(res, cols)
        L.append("")
    L += tljh(res)
    L += ["", END]
    return L


def splice(runs, md_path):
    """Puts the section into md_path: in place of the last one, else before "## How it is measured"."""
    text = open(md_path, encoding="utf-8").read()
    block = "\n".join(section(runs)) + "\n"
    text = put(text, block)
    with open(md_path, "w", encoding="utf-8") as f:
        f.write(text)


def put(text, block):
    """text with block in place of its class section, else before "## How it is measured"."""
    if BEGIN in text and END in text:
        head, rest = text.split(BEGIN, 1)
        return head + block + "\n" + rest.split(END, 1)[1].lstrip("\n")
    if "\n## How it is measured" in text:
        head, tail = text.split("\n## How it is measured", 1)
        return head.rstrip("\n") + "\n\n" + block + "\n## How it is measured" + tail
    return text.rstrip("\n") + "\n\n" + block


def kept(md_path):
    """The class section of md_path as it is, or None (bench/report.py keeps it)."""
    if not os.path.exists(md_path):
        return None
    text = open(md_path, encoding="utf-8").read()
    if BEGIN in text and END in text:
        return BEGIN + text.split(BEGIN, 1)[1].split(END, 1)[0] + END + "\n"
    return None
