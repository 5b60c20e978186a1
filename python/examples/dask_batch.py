"""A batch split by firm over a Dask cluster, then combined: equal to one batch.

    python python/examples/dask_batch.py --events examples/deepseek9.csv \
        --prices examples/prices --parts 3 --workers 2

Each part is studied on a worker (`eventstudy_rs.partial`, which returns a picklable
`Partial`: its events' reports and pooled sums); the parts come back to this process and
`eventstudy_rs.combine` computes what must see every event at once (the cross-sections of the
median, Wilcoxon, sign and cross-sectional tests; Kolari-Pynnönen and the rank test from the
merged pools). Each worker reads only its firms' prices (and the benchmark's) from the folder.
"""

import argparse
from pathlib import Path

import polars as pl

import eventstudy_rs as es


def study_part(first_id, events, prices_dir, benchmark, flags):
    """On a worker: the part's firms' prices, then the part studied."""
    import eventstudy_rs

    symbols = events["ticker"].unique().to_list() + [benchmark]
    prices = pl.concat(
        [
            pl.read_csv(Path(prices_dir) / f"{s}.csv", try_parse_dates=True)
            .select("date", "adj_close", "close", "volume")
            .with_columns(pl.lit(s).alias("symbol"))
            for s in symbols
            if (Path(prices_dir) / f"{s}.csv").exists()
        ]
    )
    return eventstudy_rs.partial(
        events, prices=prices, first_id=first_id, benchmark=benchmark, **flags
    )


def main(events_file, prices_dir, parts=3, workers=2, benchmark="^GSPC", **flags):
    from dask.distributed import Client, LocalCluster

    events = pl.read_csv(events_file, try_parse_dates=True)
    slices = es.partition(events, parts, by="ticker")
    with LocalCluster(n_workers=workers, threads_per_worker=1, dashboard_address=None) as cluster:
        with Client(cluster) as client:
            futures = [
                client.submit(study_part, first, frame, str(prices_dir), benchmark, flags)
                for first, frame in slices
            ]
            partials = client.gather(futures)
    return es.combine(partials)


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--events", required=True)
    parser.add_argument("--prices", required=True, help="a folder of <SYMBOL>.csv files")
    parser.add_argument("--parts", type=int, default=3)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--out", default="output")
    args = parser.parse_args()
    result = main(args.events, args.prices, args.parts, args.workers, no_charts=True)
    print(result)
    print("written:", result.save(args.out))
