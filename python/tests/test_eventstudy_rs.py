"""eventstudy_rs against the CLI: the same numbers (to 1e-12), the same tables and folders,
the same errors; a batch in parts on a Dask cluster equal to one batch.

The CLI binary is $EVENTSTUDY_BIN (scripts/test-python, which tests/python.rs runs, sets it
to the one `cargo test` built)."""

import math
import os
import pickle
import subprocess
import threading
import time
from pathlib import Path

import pandas as pd
import polars as pl
import pytest
from polars.testing import assert_frame_equal

import eventstudy_rs as es

ROOT = Path(__file__).resolve().parents[2]
PRICES = ROOT / "examples" / "prices"
SHARES = ROOT / "examples" / "shares_outstanding.csv"
EVENTS9 = ROOT / "examples" / "deepseek9.csv"
BIN = os.environ.get("EVENTSTUDY_BIN") or str(
    Path(os.environ.get("CARGO_TARGET_DIR", ROOT / "target")) / "debug" / "eventstudy"
)


@pytest.fixture(autouse=True)
def _at_root(monkeypatch):
    # The examples' relative paths, as the README runs them.
    monkeypatch.chdir(ROOT)


def cli(*args, out):
    done = subprocess.run(
        [BIN, *args, "--format", "json", "-q", "--out", str(out)],
        capture_output=True,
        text=True,
        check=True,
    )
    import json

    return json.loads(done.stdout)


def assert_close(a, b, at="summary", rel=1e-12):
    """Every number equal to `rel` relative (1e-300 absolute near zero), every other value
    equal, the same keys."""
    if isinstance(a, dict):
        assert isinstance(b, dict) and a.keys() == b.keys(), f"{at}: keys {set(a) ^ set(b)}"
        for k in a:
            assert_close(a[k], b[k], f"{at}.{k}", rel)
    elif isinstance(a, list):
        assert isinstance(b, list) and len(a) == len(b), f"{at}: lengths"
        for i, (x, y) in enumerate(zip(a, b)):
            assert_close(x, y, f"{at}[{i}]", rel)
    elif isinstance(a, float) and isinstance(b, (int, float)):
        assert math.isclose(a, b, rel_tol=rel, abs_tol=1e-300), f"{at}: {a} != {b}"
    else:
        assert a == b, f"{at}: {a!r} != {b!r}"


def long_prices(pandas=True):
    """The example prices as one long table: symbol, date, adj_close, close, volume."""
    frames = []
    for path in sorted(PRICES.glob("*.csv")):
        frame = pd.read_csv(path, parse_dates=["date"])
        frame.insert(0, "symbol", path.stem)
        frames.append(frame[["symbol", "date", "adj_close", "close", "volume"]])
    table = pd.concat(frames, ignore_index=True).sort_values(["date", "symbol"], kind="stable")
    return table if pandas else pl.from_pandas(table)


NINE = dict(shares_file=str(SHARES), no_charts=True)


def test_run_equals_the_cli_json(tmp_path):
    flags = ["--source", f"csv:{PRICES}", "--shares-file", str(SHARES), "--no-charts"]
    expected = cli("run", "--ticker", "NVDA", "--date", "2025-01-27", *flags, out=tmp_path)
    r = es.run("NVDA", "2025-01-27", source=f"csv:{PRICES}", **NINE)
    assert_close(expected, r.summary)
    day0 = r.summary["events"][0]["car"][0]
    # The DeepSeek shock: NVDA's day-0 abnormal return and the dollars it cost.
    assert day0["window"] == "0:0" and -0.14 < day0["car"] < -0.12
    assert day0["abnormal_market_value_change"] < -4e11


def test_run_writes_nothing_until_saved(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    es.run("NVDA", "2025-01-27", source=f"csv:{PRICES}", **NINE)
    assert list(tmp_path.iterdir()) == []


def test_batch_with_pandas_prices_equals_the_cli_batch_on_the_files(tmp_path):
    expected = cli(
        "batch", "--events", str(EVENTS9), "--source", f"csv:{PRICES}",
        "--shares-file", str(SHARES), "--no-charts", out=tmp_path,
    )
    r = es.batch(str(EVENTS9), prices=long_prices(pandas=True), **NINE)
    got = r.summary
    # The source names where prices came from: the files, or a table in memory.
    assert expected.pop("source").startswith("csv:") and got.pop("source")
    assert_close(expected, got)
    assert len(got["events"]) == 9 and got["aggregate"]["days"]


def test_tables_are_polars_frames_equal_to_the_cli_parquet(tmp_path):
    cli(
        "batch", "--events", str(EVENTS9), "--source", f"csv:{PRICES}",
        "--shares-file", str(SHARES), "--no-charts", out=tmp_path,
    )
    r = es.batch(str(EVENTS9), source=f"csv:{PRICES}", **NINE)
    assert {"events", "days", "cars", "aggregate_days", "aggregate_cars"} <= set(r.tables)
    days = r.table("days")
    assert isinstance(days, pl.DataFrame)
    assert days.height == 9 * 11
    for name in ["events", "days", "cars", "aggregate_days", "aggregate_cars"]:
        written = pl.read_parquet(tmp_path / "portfolio_deepseek9" / "tables" / f"{name}.parquet")
        assert_frame_equal(r.table(name), written)
    assert isinstance(r.table("cars").to_pandas(), pd.DataFrame)
    with pytest.raises(KeyError, match="no table 'bhar'"):
        r.table("bhar")


def test_prices_in_memory_stay_off_the_network():
    # As a CSV folder: no share count asked of SEC EDGAR (a Yahoo-sourced run would).
    r = es.run("NVDA", "2025-01-27", prices=long_prices(pandas=False), no_charts=True, quiet=True)
    assert r.summary["events"][0]["notes"] == [
        "no share count (--shares or --shares-file): market value is null"
    ]
    assert r.summary["source"] == "a prices table in memory (12 symbols, 5496 rows)"


def test_events_as_a_frame_and_prices_as_a_dict_of_frames():
    events = pl.read_csv(EVENTS9, try_parse_dates=True)
    # As yfinance hands them over: a Date index, "Adj Close", "Close", "Volume".
    per_symbol = {
        path.stem: pd.read_csv(path, parse_dates=["date"])
        .rename(columns={"date": "Date", "adj_close": "Adj Close", "close": "Close",
                         "volume": "Volume", "open": "Open", "high": "High", "low": "Low"})
        .set_index("Date")
        for path in PRICES.glob("*.csv")
    }
    from_frames = es.batch(events, prices=per_symbol, **NINE)
    from_file = es.batch(str(EVENTS9), source=f"csv:{PRICES}", **NINE)
    a, b = from_frames.summary, from_file.summary
    a.pop("source"), b.pop("source")
    assert_close(a, b)
    # An events frame is named events.csv: its run folder is portfolio_events.
    assert from_frames._native.run_name() == "portfolio_events"


def test_an_instant_in_an_events_frame_keeps_its_offset(tmp_path):
    # Alibaba's Qwen 2.5-Max, 01:00 in Hangzhou on 2025-01-29: the 28th in New York.
    import datetime as dt

    at = dt.datetime(2025, 1, 29, 1, 0)
    frame = pl.DataFrame({"ticker": ["BABA"], "date": [at]}).with_columns(
        pl.col("date").dt.replace_time_zone("Asia/Shanghai")
    )
    file = tmp_path / "events.csv"
    file.write_text("ticker,date\nBABA,2025-01-29T01:00:00+08:00\n")
    a = es.batch(frame, source=f"csv:{PRICES}", no_charts=True, quiet=True).summary
    b = es.batch(str(file), source=f"csv:{PRICES}", no_charts=True, quiet=True).summary
    assert a["events"][0]["day0"] == "2025-01-28"
    assert_close(a, b)
    naive = pl.DataFrame({"ticker": ["BABA"], "date": [at]})
    with pytest.raises(es.EventStudyError, match="no event ran"):
        es.batch(naive, source=f"csv:{PRICES}", no_charts=True, quiet=True)


def test_an_intraday_batch_equals_the_cli(tmp_path):
    subprocess.run(
        [BIN, "synthetic", "--interval", "5m", "--firms", "2", "--days", "30", "--events", "4",
         "--seed", "3", "--out", str(tmp_path / "intraday")],
        check=True, capture_output=True,
    )
    events, prices = tmp_path / "intraday" / "events.csv", tmp_path / "intraday" / "prices"
    flags = ["--interval", "5m", "--source", f"csv:{prices}", "--shares", "1e8", "--no-charts"]
    expected = cli("batch", "--events", str(events), *flags, out=tmp_path / "cli")
    r = es.batch(str(events), interval="5m", source=f"csv:{prices}", shares=1e8, no_charts=True,
                 quiet=True)
    assert_close(expected, r.summary)
    assert r.summary["conventions"]["interval"] == "5m"
    for name in ["events", "bars", "cars", "aggregate_days", "aggregate_cars"]:
        file = {"cars": "car.csv", "aggregate_days": "aar.csv", "aggregate_cars": "caar.csv"}
        written = pl.read_csv(tmp_path / "cli" / "portfolio_events" / file.get(name, f"{name}.csv"),
                              infer_schema_length=None)
        assert r.table(name).shape == written.shape, name
        assert r.table(name).columns == written.columns, name
    assert_frame_equal(r.table("bars"), pl.read_csv(
        tmp_path / "cli" / "portfolio_events" / "bars.csv", infer_schema_length=None))
    saved = r.save(tmp_path / "py")
    import json

    assert_close(json.loads((saved / "summary.json").read_text()), expected)
    with pytest.raises(es.EventStudyError, match="reads its bars from source="):
        es.batch(str(events), interval="5m", prices=long_prices())
    with pytest.raises(es.EventStudyError, match="a batch in parts is daily"):
        es.partial(str(events), interval="5m", source=f"csv:{prices}")


def test_save_writes_the_cli_folders(tmp_path):
    flags = ["--source", f"csv:{PRICES}", "--shares-file", str(SHARES), "--no-charts"]
    cli("batch", "--events", str(EVENTS9), *flags, out=tmp_path / "cli")
    r = es.batch(str(EVENTS9), source=f"csv:{PRICES}", **NINE)
    run_folder = r.save(tmp_path / "py")
    assert run_folder == tmp_path / "py" / "portfolio_deepseek9"

    def files(root):
        return sorted(str(p.relative_to(root)) for p in root.rglob("*") if p.is_file())

    assert files(tmp_path / "cli") == files(tmp_path / "py")
    import json

    saved = json.loads((run_folder / "summary.json").read_text())
    written = json.loads((tmp_path / "cli" / "portfolio_deepseek9" / "summary.json").read_text())
    assert_close(written, saved)
    # A save that fails (the folder is a file) leaves the result whole: saved again, the same.
    (tmp_path / "blocked").write_text("a file")
    with pytest.raises(es.EventStudyError, match="is a file, not a folder") as e:
        r.save(tmp_path / "blocked")
    assert e.value.exit_code == 2
    again = json.loads((r.save(tmp_path / "again") / "summary.json").read_text())
    assert_close(written, again)


def test_errors_are_one_line_exceptions_with_the_cli_exit_code():
    with pytest.raises(es.EventStudyError, match=r"^--date: date '2025-13-27' is not") as e:
        es.run("NVDA", "2025-13-27", source=f"csv:{PRICES}")
    assert e.value.exit_code == 2
    with pytest.raises(es.EventStudyError, match=r"unexpected keyword argument bogus_flag=") as e:
        es.run("NVDA", "2025-01-27", source=f"csv:{PRICES}", bogus_flag=1)
    assert e.value.exit_code == 2
    with pytest.raises(es.EventStudyError, match="has no 'adj_close' column"):
        es.batch(str(EVENTS9), prices=long_prices(pandas=False).drop("adj_close"))
    with pytest.raises(es.EventStudyError, match="prices= or source=, not both"):
        es.batch(str(EVENTS9), prices=long_prices(), source=f"csv:{PRICES}")
    # No event ran: the CLI's error and its data exit code.
    with pytest.raises(es.EventStudyError, match=r"^no event ran \(1 excluded: ZZZZ") as e:
        es.run("ZZZZ", "2025-01-27", source=f"csv:{PRICES}")
    assert e.value.exit_code == 3
    for error in [str(e.value)]:
        assert "\n" not in error


def test_repr_html_is_a_compact_table():
    r = es.batch(str(EVENTS9), source=f"csv:{PRICES}", **NINE)
    html = r._repr_html_()
    assert html.startswith("<p><b>eventstudy</b>: 9 events") and "<table" in html
    # Compact: the CAAR windows with the main tests' p-values, not all 34 columns.
    assert "<th>kp_bmp_t_p</th>" in html and "<th>patell_z</th>" not in html
    assert "shape: (4, 9)" in html
    assert "CAAR" in str(r) or "caar" in str(r).lower()
    assert repr(r) == "<eventstudy_rs.Result: 9 events, 0 excluded>"


def parts_of_nine():
    events = pl.read_csv(EVENTS9, try_parse_dates=True)
    return events, es.partition(events, 3)


def test_partition_keeps_firms_together_and_counts_first_ids():
    events, parts = parts_of_nine()
    assert [first for first, _ in parts] == [1, 4, 7]
    assert sum(f.height for _, f in parts) == 9
    tickers = [set(f["ticker"]) for _, f in parts]
    assert not (tickers[0] & tickers[1]) and not (tickers[1] & tickers[2])


def test_partials_pickle_and_combine_into_the_batch():
    events, parts = parts_of_nine()
    union = pl.concat([f for _, f in parts])
    whole = es.batch(union, source=f"csv:{PRICES}", bhar="0:5", group_by="sector", **NINE)
    partials = [
        pickle.loads(pickle.dumps(es.partial(f, source=f"csv:{PRICES}", first_id=first,
                                             bhar="0:5", group_by="sector", **NINE)))
        for first, f in parts
    ]
    assert [p.events for p in partials] == [3, 3, 3]
    combined = es.combine(partials)
    assert_close(whole.summary, combined.summary)
    with pytest.raises(es.EventStudyError, match="different settings"):
        es.combine([partials[0], es.partial(parts[1][1], source=f"csv:{PRICES}", first_id=4)])
    # The calendar-time portfolios too: the parts' holdings, their firms renumbered into one
    # set, form the portfolios in combine.
    flags = dict(calendar_time="0:5,0:20", calendar_weights="value", **NINE)
    whole = es.batch(union, source=f"csv:{PRICES}", **flags)
    combined = es.combine(
        reversed([es.partial(f, source=f"csv:{PRICES}", first_id=first, **flags) for first, f in parts])
    )
    assert len(combined.summary["aggregate"]["calendar_time"]) == 2
    assert_close(whole.summary, combined.summary)
    assert_frame_equal(whole.table("calendar_time_days"), combined.table("calendar_time_days"))


def test_three_partials_on_a_dask_cluster_equal_one_batch():
    distributed = pytest.importorskip("distributed")
    events, parts = parts_of_nine()
    prices = long_prices(pandas=False)
    flags = dict(bhar="0:5", **NINE)
    whole = es.batch(pl.concat([f for _, f in parts]), prices=prices, **flags)

    def study(first_id, frame, prices):
        import os

        import eventstudy_rs

        part = eventstudy_rs.partial(frame, prices=prices, first_id=first_id, **flags)
        return part, os.getpid()

    with distributed.LocalCluster(
        n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None
    ) as cluster, distributed.Client(cluster) as client:
        workers = sorted(client.scheduler_info()["workers"])
        assert len(workers) == 2
        # Each part gets only its firms' prices and the benchmark's; the parts go to both
        # workers in turn.
        futures = [
            client.submit(
                study, first, frame,
                prices.filter(pl.col("symbol").is_in(frame["ticker"].to_list() + ["^GSPC"])),
                workers=[workers[i % 2]],
            )
            for i, (first, frame) in enumerate(parts)
        ]
        done = client.gather(futures)
    partials = [part for part, _ in done]
    pids = {pid for _, pid in done}
    # Studied in two worker processes, neither of them this one; sent back pickled.
    assert len(pids) == 2 and os.getpid() not in pids
    assert [p.events for p in partials] == [3, 3, 3]
    combined = es.combine(partials)
    # Every aggregate statistic, Kolari-Pynnönen and the rank test included, to 1e-12.
    a, b = whole.summary["aggregate"], combined.summary["aggregate"]
    assert_close(a, b, "aggregate")
    day0 = next(d for d in b["days"] if d["rel"] == 0)
    assert isinstance(day0["kp_bmp_t"]["stat"], float)
    assert isinstance(day0["corrado_rank_z"]["stat"], float)
    # The rest too, but the source: each part had only its own firms' prices.
    w, c = dict(whole.summary), dict(combined.summary)
    assert w.pop("source").startswith("a prices table in memory (12 symbols")
    assert c.pop("source").startswith("a prices table in memory (4 symbols")
    assert_close(w, c)


def test_the_gil_is_released_while_the_engine_runs():
    ticks = []
    stop = threading.Event()

    def tick():
        while not stop.is_set():
            ticks.append(time.perf_counter())
            time.sleep(0.001)

    prices = long_prices(pandas=False)
    # GARCH's eleven likelihood searches per event: a call long enough to tell (0.1 s and
    # more in a release build), whatever the machine.
    events = pl.concat([pl.read_csv(EVENTS9, try_parse_dates=True)] * 5)
    thread = threading.Thread(target=tick)
    thread.start()
    try:
        time.sleep(0.01)
        start = time.perf_counter()
        es.batch(events, prices=prices, model="garch", no_charts=True, no_event_files=True,
                 quiet=True)
        end = time.perf_counter()
    finally:
        stop.set()
        thread.join()
    during = [t for t in ticks if start < t < end]
    # Held for the whole call, the GIL would let the other thread tick only at its edges.
    assert end - start > 0.05, "the batch was too quick to tell"
    assert len(during) >= 10, f"{len(during)} ticks in {end - start:.3f} s"


def test_the_dask_example_equals_one_batch():
    pytest.importorskip("distributed")
    import importlib.util

    spec = importlib.util.spec_from_file_location(
        "dask_batch", ROOT / "python" / "examples" / "dask_batch.py"
    )
    example = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(example)
    combined = example.main(EVENTS9, PRICES, parts=3, workers=2, **NINE)
    events = pl.concat([f for _, f in es.partition(pl.read_csv(EVENTS9, try_parse_dates=True), 3)])
    whole = es.batch(events, source=f"csv:{PRICES}", **NINE)
    a, b = dict(whole.summary), dict(combined.summary)
    a.pop("source"), b.pop("source")
    assert_close(a, b)
