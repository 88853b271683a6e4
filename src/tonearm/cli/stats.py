"""`tonearm stats`: listening statistics of a Tonearm server as a table (or `--json`)."""

from __future__ import annotations

from typing import Annotated, Optional

import typer
from rich.table import Table

from tonearm.cli.remote_common import DEFAULT_URL, JsonOpt, KeyOpt, UrlOpt, client, emit_json, guarded, out

IdOpt = Optional[str]


def _num(value) -> str:
    return "-" if value is None else str(value)


def _pct(value) -> str:
    return "-" if value is None else f"{value * 100:.0f} %"


def table(report: dict) -> Table:
    t = Table(title=f"{report['from'][:10]} → {report['to'][:10]} by {report['interval']} (UTC)", title_justify="left")
    for name in ("time", "plays", "listeners", "downloads", "hours", "completion", "startup p50", "startup p95"):
        t.add_column(name, justify="left" if name == "time" else "right", no_wrap=True)

    def row(label: str, s: dict, **style) -> None:
        t.add_row(label, str(s["plays"]), str(s["listeners"]), str(s["downloads"]),
                  f"{s['listened_seconds'] / 3600:.1f}", _pct(s["completion_rate"]),
                  _num(s["startup_ms_p50"]), _num(s["startup_ms_p95"]), **style)

    width = {"hour": 16, "day": 10, "month": 7}[report["interval"]]
    for s in report["series"]:
        row(s["time"][:width].replace("T", " "), s)
    row("total", report["totals"], style="bold", end_section=True)
    return t


@guarded
def stats(collection: Annotated[IdOpt, typer.Option("--collection", help="A collection id.")] = None,
          track: Annotated[IdOpt, typer.Option("--track", help="A track id.")] = None,
          creator: Annotated[IdOpt, typer.Option("--creator", help="A creator id.")] = None,
          start: Annotated[IdOpt, typer.Option("--from", help="Date or ISO time (UTC); default 30 days ago.")] = None,
          end: Annotated[IdOpt, typer.Option("--to", help="Date or ISO time (UTC), exclusive; default now.")] = None,
          interval: Annotated[str, typer.Option(help="hour, day or month.")] = "day",
          url: UrlOpt = DEFAULT_URL, key: KeyOpt = None, as_json: JsonOpt = False):
    """Plays, listeners, IAB downloads, hours listened, completion and startup time (docs/analytics.md)."""
    with client(url, key) as tn:
        report = tn.stats.get(collection_id=collection, track_id=track, creator_id=creator, start=start, end=end,
                              interval=interval)
    if as_json:
        return emit_json(report)
    out.print(table(report))
    top = report["top_tracks"][:5]
    if top:
        out.print("top: " + ", ".join(f"{t['title'] or t['track_id']} ({t['plays']} plays, {t['downloads']} downloads)"
                                      for t in top), style="dim")
