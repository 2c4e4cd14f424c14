"""The parts of make bench-classroom that need no hub: counting lost tokens, telling the
class's processes apart, and putting its section into BENCHMARKS.md (bench/classroom.py,
bench/procwatch.py, bench/classroom_report.py). The bench itself runs as root with a
real hub: make bench-classroom."""
import importlib.util
import json
import os
import subprocess
import sys

from conftest import ROOT

sys.path.insert(0, os.path.join(ROOT, "bench"))

import classroom_report  # noqa: E402
import procwatch  # noqa: E402

# bench/classroom.py by its path: "classroom" alone could be the project's classroom/ folder.
_spec = importlib.util.spec_from_file_location("bench_classroom", os.path.join(ROOT, "bench", "classroom.py"))
classroom = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(classroom)


def test_tokens_lost_counts_missing_word_pieces():
    answer = "Feed your Bankhar twice a day: meat, rice and fresh water."
    assert classroom.tokens_lost(answer, "…" + answer + "\n") == 0
    assert classroom.tokens_lost(answer, answer.replace(" twice a day", "")) == 6  # 3 words, 3 spaces
    assert classroom.tokens_lost(answer, "") == len(classroom.WORD.findall(answer))


def test_percentile_is_nearest_rank():
    v = list(range(1, 21))  # 1..20
    assert classroom.pct(v, 50) == 10 and classroom.pct(v, 95) == 19 and classroom.pct(v, 100) == 20
    assert classroom.pct([], 95) is None


def test_processes_are_told_apart(tmp_path):
    """A build's go command and linker are builds; a cell's program (named gonb_…) is not."""
    uid = os.getuid()
    who = procwatch.Class(hub_pid=1, proxy_pid=2, relay_pid=3, students={uid: "ada"})
    stats = {10: {"comm": "gonb", "ppid": 1}, 11: {"comm": "go", "ppid": 10}, 12: {"comm": "link", "ppid": 11},
             13: {"comm": "gonb_1a2b3c", "ppid": 10}, 14: {"comm": "jupyterhub-sing", "ppid": 1}}
    got = {pid: who.classify(pid, st, stats, uid) for pid, st in stats.items()}
    assert got == {10: ("ada", "kernel"), 11: ("ada", "build"), 12: ("ada", "build"), 13: ("ada", "cell"),
                   14: ("ada", "server")}
    assert who.classify(2, stats[14], stats, 0) == ("", "proxy")
    assert who.classify(99, stats[14], stats, uid + 1) is None  # not the class's


def test_sampler_counts_a_child_started_in_the_window():
    """The CPU of a process started while the sampler runs counts whole, and lands in its group."""
    uid = os.getuid()
    me = procwatch.read_stat(os.getpid())
    who = procwatch.Class(hub_pid=-1, proxy_pid=-1, relay_pid=-1, students={uid: "me"})
    with procwatch.Sampler(who, interval=0.05) as s:
        subprocess.run([sys.executable, "-c", "import time\nt = time.process_time()\nwhile time.process_time() - t < 0.5: pass"])
    assert me is not None and s.samples >= 3
    other = s.cpu().get(("me", "other"), 0) + s.cpu().get(("me", "server"), 0)
    assert other >= 0.3, s.cpu()


def fake_results():
    per = {f"s{i}": {"first_token_s": 3.0 + i, "end_s": 14.0 + i, "tokens_lost": 0, "error": None} for i in range(4)}
    storm = {"first_token_s": {}, "end_s": {"p50": 15.0}, "tokens_lost": 0, "students_with_whole_answer": 4,
             "errors": [], "cpu_s": {"hub": 0.1, "proxy": 0.2, "relay": 0.3, "student build": 2.0,
                                     "student cell": 0.4, "student server": 1.0, "student kernel": 0.2},
             "kernel_children_cpu_s": 2.8, "peak_build_mb": {"max": 220.0}, "peak_class_rss_mb": 1500.0,
             "relay_probes_during": [[2.8, 2.81]], "per_student": per}
    return {"students": 4, "build_slots": 0, "build_wait": 10, "started": "2026-12-01T14:00:00+00:00",
            "commit": "abc1234", "loadavg_start": "1 1 1", "loadavg_end": "2 2 2", "class_spawn_s": 20.0,
            "server_ready_s": {"p50": 18.0, "min": 15.0, "max": 20.0}, "kernels_open_s": 0.5, "setup_s": 5.0,
            "setup_cells": {"connect": {"p50": 1.5, "max": 2.0}}, "first_cell_cache_files_added": 5,
            "memory_at_rest": {"server": {"pss_mb_median": 110.0, "rss_mb_median": 140.0},
                               "kernel": {"pss_mb_median": 4.0, "rss_mb_median": 12.0},
                               "hub_side_pss_mb": {"hub": 115.0, "proxy": 40.0, "relay": 8.0}},
            "alone": {"first_token_s": 3.4, "end_s": 13.2}, "home_mb": 141.0,
            "relay_probes_rest": [[2.78, 2.781], [2.78, 2.779]], "storms": [dict(storm, mode="no slots")]}


def test_section_goes_between_its_markers_and_replaces_the_last(tmp_path):
    md = tmp_path / "BENCHMARKS.md"
    md.write_text("# Benchmarks\n\n## The class relay\n\ntext\n\n## How it is measured\n\n- x\n")
    classroom_report.splice([fake_results()], str(md))
    once = md.read_text()
    assert once.index(classroom_report.BEGIN) < once.index("## How it is measured")
    assert "| Run → first token, p50 / p95 / max (4 students at once) | 4.5 s / **6.0 s** / 6.0 s |" in once
    assert "N × (114 MB at rest + 220 MB" in once and "**missed**" in once
    classroom_report.splice([fake_results()], str(md))
    assert md.read_text() == once  # replaced, not added again
    assert classroom_report.kept(str(md)).startswith(classroom_report.BEGIN)
    json.dumps(fake_results())  # the results stay plain JSON
