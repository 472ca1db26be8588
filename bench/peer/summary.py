"""Turn bench/peer_pretalx.sh's wrk runs into one table; print it and append it to bench/RESULTS.md.

Usage: python summary.py RUNS_FILE  (one line a run: side connections round requests seconds p50 p95 p99
not_200 socket_errors). What the table is about comes from the environment the shell script sets.
"""
import datetime
import os
import platform
import statistics
import sys
from pathlib import Path

SIDES = ("ours", "pretalx")


def read_runs(path):
    runs = []
    for line in Path(path).read_text().splitlines():
        side, connections, round_, requests, seconds, p50, p95, p99, not_200, socket_errors = line.split()
        runs.append({"side": side, "connections": int(connections), "round": int(round_), "requests": int(requests),
                     "rps": int(requests) / float(seconds), "p50": float(p50), "p95": float(p95), "p99": float(p99),
                     "bad": int(not_200) + int(socket_errors)})
    return runs


def ratio(ours, theirs):
    """A run that completed no request within its time has no percentiles (wrk reports 0)."""
    return f"{ours / theirs:.2f}" if ours and theirs else "n/a"


def cpu():
    return next((line.split(":", 1)[1].strip() for line in Path("/proc/cpuinfo").read_text().splitlines()
                 if line.startswith("model name")), platform.processor())


def main(path):
    runs = read_runs(path)
    env = os.environ
    rows = []
    for connections in sorted({run["connections"] for run in runs}):
        figures = {}
        for side in SIDES:
            mine = [run for run in runs if run["side"] == side and run["connections"] == connections]
            # A run that completed no request has no percentiles: it counts in the requests, not the medians.
            done = [run for run in mine if run["requests"]] or mine
            figures[side] = {key: statistics.median(run[key] for run in done) for key in ("p50", "p95", "p99")}
            figures[side]["rps"] = statistics.median(run["rps"] for run in mine)
            figures[side]["requests"] = sum(run["requests"] for run in mine)
            figures[side]["bad"] = sum(run["bad"] for run in mine)
            figures[side]["rounds"] = len(mine)
        ours, theirs = figures["ours"], figures["pretalx"]
        rows.append(
            f"| {connections} | {ours['p50']:.1f} | {ours['p95']:.1f} | {ours['p99']:.1f} | {ours['rps']:.1f} "
            f"| {theirs['p50']:.1f} | {theirs['p95']:.1f} | {theirs['p99']:.1f} | {theirs['rps']:.1f} "
            f"| **{ratio(ours['p50'], theirs['p50'])}** | {ratio(ours['p95'], theirs['p95'])} "
            f"| {ratio(ours['rps'], theirs['rps'])} | {ours['requests']} / {theirs['requests']} | {ours['bad']} / {theirs['bad']} |"
        )
    rounds = max(run["round"] for run in runs)
    table = [
        f"### Assessor review page against pretalx's review page, {datetime.datetime.now(datetime.UTC):%Y-%m-%d %H:%M} UTC, "
        f"commit {env.get('BENCH_COMMIT', '?')}",
        "",
        f"{os.cpu_count()} cores ({cpu()}), Linux {platform.release()}; both served by gunicorn, "
        f"{env.get('BENCH_WORKERS')} sync workers each, DEBUG off, PostgreSQL and Redis on this machine; "
        f"wrk {env.get('BENCH_WRK_VERSION', '')}, {env.get('BENCH_SECONDS')} s a run, {rounds} rounds, ours and pretalx's "
        "runs interleaved (who goes first alternates each round).",
        "",
        f"- ours: `{env.get('BENCH_OURS_PATH')}` ({env.get('BENCH_OURS_KIB')} KiB, {env.get('BENCH_OURS_QUERIES')} SQL queries): "
        f"{env.get('BENCH_OURS_WHAT')}.",
        f"- pretalx {env.get('BENCH_PRETALX_VERSION')}: `{env.get('BENCH_PRETALX_PATH')}` ({env.get('BENCH_PRETALX_KIB')} KiB, "
        f"{env.get('BENCH_PRETALX_QUERIES')} SQL queries): "
        f"{env.get('BENCH_PRETALX_WHAT')}.",
        f"- Load average (1, 5, 15 min) at the start {env.get('BENCH_LOAD_BEFORE')}, at the end "
        f"{', '.join(f'{load:.1f}' for load in os.getloadavg())}. {env.get('BENCH_NOTE', '')}".rstrip(),
        "",
        "Milliseconds; each figure is the median over the rounds of that run's wrk percentile (p50 = median) or "
        "requests per second. Ratio = ours / pretalx (target: median ratio <= 0.2).",
        "",
        "| connections | ours p50 | ours p95 | ours p99 | ours req/s | pretalx p50 | pretalx p95 | pretalx p99 "
        "| pretalx req/s | ratio p50 | ratio p95 | ratio req/s | requests (ours / pretalx) | not 200 or errors |",
        "| ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |",
        *rows,
        "",
    ]
    print("\n".join(table))
    with open(Path(__file__).resolve().parents[1] / "RESULTS.md", "a") as results:
        results.write("\n".join(table) + "\n")


if __name__ == "__main__":
    main(sys.argv[1])
