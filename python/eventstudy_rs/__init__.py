"""eventstudy's engine in Python: abnormal returns, CARs, the test battery and the market-value
change, from a notebook or on a Dask cluster.

    >>> import eventstudy_rs as es
    >>> r = es.run("NVDA", "2025-01-27", source="csv:examples/prices",
    ...            shares_file="examples/shares_outstanding.csv")
    >>> r.summary["events"][0]["car"][0]["car"]       # the same JSON as --format json
    >>> r.table("days")                              # a polars DataFrame
    >>> r.save("output")                             # the CLI's folders and charts

Keyword arguments are the CLI's long flags with underscores (``shares_file=`` for
``--shares-file``, ``no_charts=True`` for ``--no-charts``); lists become comma-separated values.
They go through the CLI's own parser: the defaults, the checks and the error messages are the
CLI's (an error is an :class:`EventStudyError` with its one-line message and ``exit_code``).
The engine runs without the GIL.
"""

from __future__ import annotations

import datetime as _dt
import html as _html
import json as _json
import os as _os
import warnings as _warnings
from pathlib import Path as _Path
from typing import Any, Iterable, Mapping, Optional, Sequence, Union

import polars as pl

from . import _eventstudy_rs as _native
from ._eventstudy_rs import EventStudyError, __version__

__all__ = [
    "run",
    "batch",
    "partial",
    "combine",
    "partition",
    "Result",
    "Partial",
    "EventStudyError",
    "__version__",
]

#: The name an in-memory events table takes (its run folder is ``portfolio_events``).
EVENTS_NAME = "events.csv"


# ---------------------------------------------------------------------------------------------
# Keyword arguments to the CLI's arguments


def _flag_value(value: Any) -> str:
    if isinstance(value, (_dt.date, _dt.datetime)):
        return value.isoformat()
    if isinstance(value, _os.PathLike):
        return _os.fspath(value)
    if isinstance(value, (list, tuple)):
        return ",".join(_flag_value(v) for v in value)
    return str(value)


def _flags(flags: Mapping[str, Any]) -> list:
    """``shares_file="x"`` -> ``["--shares-file", "x"]``; ``True`` -> the bare flag; ``False``
    and ``None`` -> nothing (the CLI's default)."""
    argv = []
    for key, value in flags.items():
        flag = "--" + key.replace("_", "-")
        if value is None or value is False:
            continue
        if value is True:
            argv.append(flag)
        else:
            argv += [flag, _flag_value(value)]
    return argv


def _call(function: Any, argv: list, *args: Any) -> Any:
    """The native call, its unknown-flag error named as the keyword argument it came from."""
    try:
        return function(argv, *args)
    except EventStudyError as e:
        message = str(e)
        prefix = "unexpected argument '--"
        if message.startswith(prefix):
            flag = message[len(prefix) :].split("'")[0]
            raise _error(
                f"unexpected keyword argument {flag.replace('-', '_')}= (eventstudy {argv[0]} has no --{flag}; see `eventstudy {argv[0]} --help`)",
                e.exit_code,
            ) from None
        raise


def _error(message: str, exit_code: int) -> EventStudyError:
    e = EventStudyError(message)
    e.exit_code = exit_code
    return e


# ---------------------------------------------------------------------------------------------
# Tables in


def _polars(table: Any, what: str) -> pl.DataFrame:
    if isinstance(table, pl.DataFrame):
        return table
    if isinstance(table, pl.LazyFrame):
        return table.collect()
    module = type(table).__module__.split(".")[0]
    if module == "pandas":
        frame = table
        # A date index (as yfinance and many notebooks have it) is a column here.
        if frame.index.name is not None or not _is_range_index(frame.index):
            frame = frame.reset_index()
        return pl.from_pandas(frame)
    if hasattr(table, "__arrow_c_stream__"):
        return pl.DataFrame(table)
    raise TypeError(f"{what} must be a polars or pandas DataFrame (or an Arrow table), not {type(table).__name__}")


def _is_range_index(index: Any) -> bool:
    return type(index).__name__ == "RangeIndex"


_PRICE_COLUMNS = ("symbol", "date", "adj_close", "close", "volume")


def _price_names(frame: pl.DataFrame) -> pl.DataFrame:
    """yfinance's and spreadsheets' names (``Date``, ``Adj Close``, ``Volume``) as the table's
    (``date``, ``adj_close``, ``volume``), when the table has no column of that name already."""
    renames = {}
    for name in frame.columns:
        plain = name.strip().lower().replace(" ", "_")
        if plain in _PRICE_COLUMNS and plain != name and plain not in frame.columns:
            renames[name] = plain
    return frame.rename(renames) if renames else frame


def _prices_table(prices: Any) -> Optional[pl.DataFrame]:
    """A long ``symbol, date, adj_close[, close, volume]`` table, from one table or from a
    dict of per-symbol tables."""
    if prices is None:
        return None
    if isinstance(prices, Mapping):
        frames = []
        for symbol, frame in prices.items():
            frame = _price_names(_polars(frame, f"prices[{symbol!r}]"))
            frames.append(frame.with_columns(pl.lit(str(symbol)).alias("symbol")))
        if not frames:
            raise _error("prices is an empty dict: no symbol has prices", 2)
        return pl.concat(frames, how="diagonal_relaxed")
    return _price_names(_polars(prices, "prices"))


def _events_argv(events: Any) -> tuple:
    """``--events`` and, for a table, its CSV text (the rows go through the CLI's reader, so
    a bad row is excluded with its line number as from a file)."""
    if isinstance(events, (str, _os.PathLike)):
        return ["--events", _os.fspath(events)], None
    frame = _polars(events, "events")
    # An instant keeps its offset (2025-01-29T01:00:00+08:00), as the batch file writes it; a
    # datetime without a zone is written as it is, and its row refused for want of an offset.
    zoned = [
        pl.col(name).dt.strftime("%Y-%m-%dT%H:%M:%S%:z")
        for name, dtype in frame.schema.items()
        if isinstance(dtype, pl.Datetime) and dtype.time_zone is not None
    ]
    text = frame.with_columns(zoned).write_csv(date_format="%Y-%m-%d")
    return ["--events", EVENTS_NAME], text.encode()


def _check_source(prices: Any, flags: Mapping[str, Any]) -> None:
    if prices is not None and flags.get("source") is not None:
        raise _error("give prices= or source=, not both", 2)


# ---------------------------------------------------------------------------------------------
# Results


class _Stream:
    """A run's table as an Arrow C stream (what ``__arrow_c_stream__`` hands to polars)."""

    def __init__(self, capsule: Any) -> None:
        self._capsule = capsule

    def __arrow_c_stream__(self, requested_schema: Any = None) -> Any:
        capsule, self._capsule = self._capsule, None
        if capsule is None:
            raise RuntimeError("the stream was read already")
        return capsule


class Result:
    """A finished study: its summary, its tables and, on request, its folders."""

    def __init__(self, native: Any) -> None:
        self._native = native
        self._summary: Optional[dict] = None

    @property
    def summary(self) -> dict:
        """The run as ``--format json`` prints it (and ``summary.json`` holds it)."""
        if self._summary is None:
            self._summary = _json.loads(self._native.json())
        return self._summary

    @property
    def tables(self) -> list:
        """The names of the tables :meth:`table` gives (events, days, cars, aggregate_days,
        aggregate_cars, and bhar, cross_section, groups, ... when the run has them)."""
        return list(self._native.table_names())

    def table(self, name: str) -> pl.DataFrame:
        """One of the run's tables as a polars DataFrame (``.to_pandas()`` for pandas): the
        columns of ``tables/<name>.parquet``."""
        capsule = self._native.table(name)
        if capsule is None:
            raise KeyError(f"no table {name!r} in this run (it has: {', '.join(self.tables)})")
        return pl.DataFrame(_Stream(capsule))

    def save(self, out: Union[str, "_os.PathLike[str]"] = "output") -> _Path:
        """Writes the CLI's folders under ``out`` (the run folder with summary.json, report.md,
        report.tex, the tables and charts; for a small run each event's folder); returns the
        run folder. Written atomically, as the CLI writes them."""
        for warning in self._native.save(_os.fspath(out)):
            _warnings.warn(warning, stacklevel=2)
        return _Path(out) / self._native.run_name()

    @property
    def markdown(self) -> str:
        """The report as ``report.md`` has it."""
        return self._native.markdown()

    def __str__(self) -> str:
        return self._native.text()

    def __repr__(self) -> str:
        s = self.summary
        n = s.get("n_events", len(s.get("events", [])))
        return f"<eventstudy_rs.Result: {n} events, {len(s.get('excluded', []))} excluded>"

    def _repr_html_(self) -> str:
        s = self.summary
        n = s.get("n_events", len(s.get("events", [])))
        head = f"<p><b>eventstudy</b>: {n} event{'s' if n != 1 else ''}"
        if s.get("excluded"):
            head += f", {len(s['excluded'])} excluded"
        c = s.get("conventions", {})
        head += _html.escape(
            f"; model {c.get('model')}, estimation {c.get('estimation')}, window {c.get('window')}"
        ) + "</p>"
        if "aggregate_cars" in self.tables:
            frame, columns = self.table("aggregate_cars"), _PORTFOLIO_COLUMNS
        else:
            frame, columns = self.table("cars"), _EVENT_COLUMNS
        frame = frame.select([c for c in columns if c in frame.columns])
        return head + frame._repr_html_()


#: The columns of the compact tables a notebook shows: the CAR windows and their main tests.
_EVENT_COLUMNS = ["ticker", "event_date", "label", "window", "car", "t", "p",
                  "abnormal_market_value_change"]
_PORTFOLIO_COLUMNS = ["window", "n", "caar", "csect_t_p", "bmp_t_p", "kp_bmp_t_p",
                      "corrado_rank_z_p", "wilcoxon_z_p", "abnormal_market_value_change"]




# ---------------------------------------------------------------------------------------------
# Studies


def run(tickers: Union[str, Sequence[str]], date: Union[str, _dt.date], **flags: Any) -> Result:
    """``eventstudy run --ticker TICKERS --date DATE [flags]``, in memory.

    ``tickers`` is one ticker or a list; ``date`` a date, a ``YYYY-MM-DD`` string or an instant
    (``2025-01-27T09:30-05:00``). Prices come from ``prices=`` (see :func:`batch`) or from
    ``source=`` as on the CLI (``csv:DIR``, the store, Yahoo).
    """
    prices = flags.pop("prices", None)
    _check_source(prices, flags)
    argv = ["run", "--ticker", _flag_value(tickers), "--date", _flag_value(date)] + _flags(flags)
    return Result(_call(_native.study, argv, None, _prices_table(prices)))


def batch(events: Any, prices: Any = None, **flags: Any) -> Result:
    """``eventstudy batch --events EVENTS [flags]``, in memory.

    ``events`` is a path to a batch file or a DataFrame with its columns (``ticker, date``
    and optionally ``benchmark, label, estimation, window`` and characteristics). ``prices``
    is a long DataFrame ``symbol, date, adj_close[, close, volume]`` (polars, pandas or Arrow)
    or a dict of per-symbol DataFrames; without it prices come from ``source=``.
    """
    _check_source(prices, flags)
    events_argv, text = _events_argv(events)
    argv = ["batch"] + events_argv + _flags(flags)
    return Result(_call(_native.study, argv, text, _prices_table(prices)))


class Partial:
    """One part of a batch, studied (see :func:`partial`): every event's report and the pooled
    sums the aggregate merges. Picklable: send it from a worker to the process that combines."""

    def __init__(self, data: bytes, events: int, excluded: int, argv: list) -> None:
        self.data = data
        self.events = events
        self.excluded = excluded
        self._argv = argv

    def __repr__(self) -> str:
        return f"<eventstudy_rs.Partial: {self.events} events, {self.excluded} excluded, {len(self.data)} bytes>"


def partial(events: Any, prices: Any = None, first_id: int = 1, **flags: Any) -> Partial:
    """Studies one part of a batch, as :func:`batch` would study those events, for
    :func:`combine`. ``first_id`` is the id of the part's first event: one more than the events
    of the parts before it (see :func:`partition`)."""
    _check_source(prices, flags)
    events_argv, text = _events_argv(events)
    argv = ["batch"] + events_argv + _flags(flags)
    data, n, excluded = _call(_native.partial, argv, int(first_id), text, _prices_table(prices))
    return Partial(bytes(data), n, excluded, argv)


def combine(partials: Iterable[Partial]) -> Result:
    """The run over every part: equal to one :func:`batch` over the parts' events in the
    order of their ids (every test, Kolari-Pynnönen and the rank test included). The parts
    must have been studied with the same settings."""
    partials = list(partials)
    if not partials:
        raise _error("nothing to combine: no part was given", 2)
    settings = [p._argv[3:] for p in partials]
    if any(s != settings[0] for s in settings):
        raise _error("the parts were studied with different settings: combine parts of one study", 2)
    return Result(_native.combine(partials[0]._argv, [p.data for p in partials]))


def partition(events: Any, parts: int, by: str = "ticker") -> list:
    """Splits an events table into ``parts`` slices that keep each value of ``by`` (a firm)
    in one slice, with each slice's first id: ``[(first_id, frame), ...]``. The events are
    ordered by ``by`` first (stably), and :func:`combine` of the slices' partials equals
    :func:`batch` over ``pl.concat`` of the slices."""
    frame = _polars(events, "events")
    if by not in frame.columns:
        raise _error(f"the events table has no {by!r} column", 2)
    if parts < 1:
        raise _error("parts must be 1 or more", 2)
    frame = frame.sort(by, maintain_order=True)
    sizes = frame.group_by(by, maintain_order=True).len()
    target = frame.height / parts
    slices, start, taken = [], 0, 0
    for size in sizes["len"].to_list():
        taken += size
        if taken >= target * (len(slices) + 1) and len(slices) < parts - 1:
            slices.append((start, taken))
            start = taken
    if start < frame.height:
        slices.append((start, frame.height))
    return [(lo + 1, frame.slice(lo, hi - lo)) for lo, hi in slices]
