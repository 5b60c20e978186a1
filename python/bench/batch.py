"""The Python package against the CLI on the same panel (docs/PERFORMANCE.md).

    cargo build --release && pip install ./python
    python python/bench/batch.py            # 500 firms x 2,500 days, 10,000 events

Times (median of --runs, after one warm-up run each):
  cli          `eventstudy batch --no-charts` on the panel's CSV files, the whole process
               (reads the files, studies, writes the run folder's tables)
  py memory    `eventstudy_rs.batch(events, prices=df)` with the prices in one polars
               DataFrame already in memory (nothing written)
  py + save    the same, then `Result.save(out)` (the CLI's files)
  py csv+save  `eventstudy_rs.batch(events, source="csv:...")` then `save`: the CLI's work
and the size of four `partial`s' bytes (what workers send) and the time of their `combine`.
"""

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import polars as pl

import eventstudy_rs as es


def timed(function, runs):
    function()  # warm-up: the page cache, the thread pool
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        function()
        times.append(time.perf_counter() - start)
    return statistics.median(times), min(times), max(times)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    target = Path(os.environ.get("CARGO_TARGET_DIR", "target"))
    parser.add_argument("--bin", default=str(target / "release" / "eventstudy"))
    parser.add_argument("--firms", type=int, default=500)
    parser.add_argument("--days", type=int, default=2500)
    parser.add_argument("--events", type=int, default=10000)
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--panel", help="a folder from `eventstudy synthetic` (made if absent)")
    args = parser.parse_args()

    scratch = Path(tempfile.mkdtemp(prefix="eventstudy-bench-"))
    panel = Path(args.panel) if args.panel else scratch / "panel"
    if not (panel / "events.csv").exists():
        subprocess.run(
            [args.bin, "synthetic", "--firms", str(args.firms), "--days", str(args.days),
             "--events", str(args.events), "--out", str(panel)],
            check=True, capture_output=True,
        )
    events_file, prices_dir = panel / "events.csv", panel / "prices"
    events = pl.read_csv(events_file)
    prices = pl.concat(
        [
            pl.read_csv(p, try_parse_dates=True).with_columns(pl.lit(p.stem).alias("symbol"))
            for p in sorted(prices_dir.glob("*.csv"))
        ],
        how="diagonal_relaxed",
    )
    prices = prices.select(["symbol", "date", "adj_close"] + [c for c in ["close", "volume"] if c in prices.columns])
    flags = dict(benchmark="^MKT", no_charts=True, quiet=True)
    out = scratch / "out"

    def cli():
        subprocess.run(
            [args.bin, "batch", "--events", str(events_file), "--source", f"csv:{prices_dir}",
             "--benchmark", "^MKT", "--no-charts", "-q", "--out", str(out / "cli")],
            check=True,
        )

    def memory():
        return es.batch(events, prices=prices, **flags)

    def memory_save():
        memory().save(out / "py")

    def csv_save():
        es.batch(str(events_file), source=f"csv:{prices_dir}", **flags).save(out / "pycsv")

    r = memory()
    print(f"panel: {prices['symbol'].n_unique()} symbols, {prices.height:,} price rows, "
          f"{events.height:,} events ({r.summary['n_events' if 'n_events' in r.summary else 'events']} ran)")
    rows = [("cli", cli), ("py memory", memory), ("py + save", memory_save), ("py csv+save", csv_save)]
    results = {}
    for name, function in rows:
        results[name] = timed(function, args.runs)
        median, low, high = results[name]
        print(f"{name:12} median {median:.3f} s   (min {low:.3f}, max {high:.3f})", flush=True)
    # A batch in four parts, in this process: the parts' size and the combine alone.
    slices = es.partition(events, 4)
    partials = [es.partial(f, prices=prices, first_id=first, **flags) for first, f in slices]
    size = sum(len(p.data) for p in partials)
    median, low, high = timed(lambda: es.combine(partials), args.runs)
    print(f"4 partials   {size / 1e6:.1f} MB ({size / events.height / 1e3:.1f} kB per event); "
          f"combine median {median:.3f} s (min {low:.3f}, max {high:.3f})")
    cli_median = results["cli"][0]
    for name in ["py memory", "py + save", "py csv+save"]:
        print(f"{name:12} / cli: {results[name][0] / cli_median:.2f}x")


if __name__ == "__main__":
    sys.exit(main())
