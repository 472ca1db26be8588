"""'Assign all waiting' at scale: 500 submitted applications over 60 assessors, the optimal plan against greedy.

Usage: .venv/bin/python bench/matching.py [RUNS]   (make bench-matching)
No database: the pool and the applications are generated (seeded, so every run sees the same data) as
assessment.matching reads them from the database, with conflicts, expertise, languages, capacities, open
assignments and absences in proportions an office might see. Prints the machine and date, the time to solve
(median and p95 of RUNS runs, 5 by default), the load spread (open assignments per assessor once the plan is
confirmed: min, max, standard deviation, and the same for load over capacity) and how many applications are left
without a pair, for the optimal plan (matching.propose_all, SciPy milp) and the greedy baseline; appends the
table to bench/RESULTS.md.
"""
import datetime
import os
import platform
import random
import statistics
import subprocess
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "accreditation.settings")

import django  # noqa: E402

django.setup()

import scipy  # noqa: E402

from assessment import matching  # noqa: E402
from benchdb import load_average, percentile  # noqa: E402

APPLICATIONS, ASSESSORS = 500, 60
ABLATION, EMBOLISATION, PHYSICIST, PHYSICIAN = 1, 2, 3, 4
IO, SRS = 1, 2
COUNTRIES = {"DE": "de", "AT": "de", "CH": "de", "FR": "fr", "BE": "fr", "GB": "en", "IE": "en", "IT": "it",
             "ES": "es", "NL": "nl", "SE": "sv", "PL": "pl"}
INSTITUTIONS = [f"university hospital {n}" for n in range(240)]
REQUIRED = {
    IO: (matching.Required(ABLATION, "Tumour ablation", "ablation"), matching.Required(EMBOLISATION, "Embolisation", "embolisation")),
    SRS: (matching.Required(PHYSICIST, "SRS physicist", "site visit"), matching.Required(PHYSICIAN, "SRS physician", "remote review")),
}


# Free places in all against the 1,000 a full plan takes: enough for every application, or fewer than that.
SCENARIOS = [("ample capacity", (15, 30)), ("scarce capacity", (12, 24))]


def generate(capacities, seed=2026):
    rng = random.Random(seed)
    countries = list(COUNTRIES)
    pool = []
    for i in range(1, ASSESSORS + 1):
        country = rng.choice(countries)
        srs = i <= 15
        if srs:
            expertise = {PHYSICIST} if i <= 7 else {PHYSICIAN}
            if rng.random() < 0.15:
                expertise = {PHYSICIST, PHYSICIAN}
        else:
            expertise = {e for e in (ABLATION, EMBOLISATION) if rng.random() < 0.65} or {rng.choice((ABLATION, EMBOLISATION))}
        capacity = rng.randint(*capacities)
        today = datetime.date.today()
        pool.append(matching.Assessor(
            id=i, name=f"Assessor {i}", country=country, institution=rng.choice(INSTITUTIONS),
            expertise=frozenset(expertise), languages=frozenset({COUNTRIES[country]} | ({"en"} if rng.random() < 0.8 else set())),
            programmes=frozenset({SRS} if srs else ({IO, SRS} if rng.random() < 0.1 else {IO})),
            conflict_facilities=frozenset(rng.sample(range(1, APPLICATIONS + 1), rng.randint(0, 2))),
            conflict_institutions=frozenset(rng.sample(INSTITUTIONS, rng.randint(0, 3))),
            conflict_countries=frozenset({rng.choice(countries)} if rng.random() < 0.1 else set()),
            capacity=capacity, load=rng.randint(0, 4),
            unavailable_until=today + datetime.timedelta(days=10) if rng.random() < 0.08 else None,
        ))
    cases = []
    for a in range(1, APPLICATIONS + 1):
        country = rng.choice(countries)
        programme = SRS if rng.random() < 0.2 else IO
        barred = {}
        if programme == IO and rng.random() < 0.2:  # a re-assessment: the last decision's assessors are barred
            barred = {pk: "last_decision" for pk in rng.sample(range(16, ASSESSORS + 1), 2)}
        cases.append(matching.Case(
            id=a, facility_id=a, facility_name=f"Centre {a}", institution=rng.choice(INSTITUTIONS), country=country,
            languages=frozenset({COUNTRIES[country]} | ({"en"} if rng.random() < 0.5 else set())),
            programme_id=programme, required=REQUIRED[programme], barred=barred,
        ))
    return cases, pool


def spread(plan, pool):
    available = [a for a in pool if not a.unavailable_until]
    loads = [plan.loads[a.id] for a in available]
    utilisation = [plan.loads[a.id] / a.capacity for a in available]
    return {"min": min(loads), "max": max(loads), "stddev": statistics.pstdev(loads),
            "util_min": min(utilisation), "util_max": max(utilisation), "util_stddev": statistics.pstdev(utilisation)}


def timed(solve, cases, pool, runs):
    """The last run's plan; median and p95 wall seconds; median CPU seconds of this process (HiGHS runs in it)."""
    times, cpu_times, plan = [], [], None
    for _ in range(runs):
        started, cpu_started = time.perf_counter(), time.process_time()
        plan = solve(cases, pool)
        times.append(time.perf_counter() - started)
        cpu_times.append(time.process_time() - cpu_started)
    return plan, statistics.median(times), percentile(times, 0.95), statistics.median(cpu_times)


def main():
    runs = int(sys.argv[1]) if len(sys.argv) > 1 else 5
    cpu = next((line.split(":", 1)[1].strip() for line in Path("/proc/cpuinfo").read_text().splitlines()
                if line.startswith("model name")), platform.processor())
    cores = subprocess.run(["nproc"], capture_output=True, text=True).stdout.strip()
    commit = subprocess.run(["git", "rev-parse", "--short", "HEAD"], capture_output=True, text=True).stdout.strip()
    started_load = load_average()
    rows = []
    for scenario, capacities in SCENARIOS:
        cases, pool = generate(capacities)
        free = sum(max(a.capacity - a.load, 0) for a in pool if not a.unavailable_until)
        for label, solve in (("optimal (SciPy milp)", matching.propose_all), ("greedy baseline", matching.propose_greedily)):
            plan, median, p95, cpu_seconds = timed(solve, cases, pool, runs)
            s = spread(plan, pool)
            rows.append(f"| {scenario}, {free} free places | {label} | {median * 1000:.0f} | {p95 * 1000:.0f} | {cpu_seconds * 1000:.0f} | {plan.assigned} | "
                        f"{len(plan.unassignable)} | {s['min']} / {s['max']} / {s['stddev']:.2f} | {s['util_min']:.2f} / "
                        f"{s['util_max']:.2f} / {s['util_stddev']:.3f} | {plan.cost:.1f} |")
            print(rows[-1], flush=True)
    now = datetime.datetime.now(datetime.UTC)
    report = "\n".join([
        f"### Assessor matching, {now:%Y-%m-%d %H:%M} UTC, commit {commit}",
        "",
        f"{APPLICATIONS} submitted applications (80 % IO, 20 % SRS) over {ASSESSORS} assessors (generated, seed 2026; "
        f"{sum(1 for a in pool if a.unavailable_until)} away today); {cores} cores ({cpu}), "
        f"CPython {platform.python_version()}, SciPy {scipy.__version__}; {runs} runs each.",
        f"Load average (1, 5, 15 min) at the start {started_load}, at the end {load_average()}: the machine is shared.",
        "Load is open assignments per available assessor once the plan is confirmed (including those they had);",
        "utilisation is load over capacity. Cost is the plan's objective (language mismatches plus load² / capacity).",
        "CPU ms is this process's CPU time (median): on a shared machine the wall time also holds the waits for a core.",
        "",
        "| pool | plan | median ms | p95 ms | CPU ms | assigned | left without a pair | load min / max / stddev | utilisation min / max / stddev | cost |",
        "| --- | --- | ---: | ---: | ---: | ---: | ---: | --- | --- | ---: |",
        *rows,
        "",
    ])
    print(report)
    with open(Path(__file__).resolve().parent / "RESULTS.md", "a", encoding="utf-8") as results:
        results.write("\n" + report)


if __name__ == "__main__":
    main()
