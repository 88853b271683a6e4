"""Remote commands: talk to a Tonearm server over its HTTP API with the Python SDK.

`tonearm upload`, `collections`, `tracks`, `playlists`, `play`, `download`. Each takes `--url`
(TONEARM_URL), `--key` (TONEARM_API_KEY) and `--json`. Errors are one line on stderr and a
non-zero exit status."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Optional

import typer
from rich.table import Table

from tonearm.cli.remote_common import (
    DEFAULT_URL,
    JsonOpt,
    KeyOpt,
    UrlOpt,
    client,
    die,
    dump,
    emit_json,
    guarded,
    human_duration,
    human_size,
    out,
    status_text,
    when,
)
from tonearm.cli.remote_upload import upload

collections_app = typer.Typer(help="Collections on a Tonearm server.", no_args_is_help=True)
tracks_app = typer.Typer(help="Tracks on a Tonearm server.", no_args_is_help=True)
playlists_app = typer.Typer(help="Playlists on a Tonearm server.", no_args_is_help=True)

YesOpt = Annotated[bool, typer.Option("--yes", "-y", help="Do not ask for confirmation.")]
QuietOpt = Annotated[bool, typer.Option("--quiet", "-q", help="Print only the new id.")]


def _confirm(what: str, yes: bool) -> None:
    if not yes and not typer.confirm(f"Delete {what}?", default=False, err=True):
        die("not deleted (pass --yes to skip this question)")


def _track_table(tracks, *, title: str | None = None, position: bool = False) -> Table:
    table = Table(title=title, title_justify="left")
    if position:
        table.add_column("#", justify="right")
    for name in ("id", "file", "status", "duration", "size"):
        table.add_column(name, justify="right" if name in ("duration", "size") else "left", no_wrap=name == "id")
    for n, t in enumerate(tracks, 1):
        row = [t.id, t.file_name or "-", status_text(t.track_status_id), human_duration(t.duration), human_size(t.size)]
        table.add_row(*([str(n)] if position else []), *row)
    return table


# ---------------------------------------------------------------- collections


@collections_app.command("list")
@guarded
def collections_list(url: UrlOpt = DEFAULT_URL, key: KeyOpt = None, as_json: JsonOpt = False):
    """List every collection."""
    with client(url, key) as tn:
        rows = list(tn.collections.iter())
    if as_json:
        return emit_json([dump(c) for c in rows])
    table = Table()
    for name in ("id", "title", "created"):
        table.add_column(name, no_wrap=name in ("id", "created"))
    for c in rows:
        table.add_row(c.id, c.title or "-", when(c.created_at))
    out.print(table)
    out.print(f"{len(rows)} collection(s)", style="dim")


@collections_app.command("create")
@guarded
def collections_create(
    title: Annotated[str, typer.Argument(help="Collection title")],
    index: Annotated[Optional[str], typer.Option("--index", help="Your own id for it (organization_index).")] = None,
    quiet: QuietOpt = False,
    url: UrlOpt = DEFAULT_URL, key: KeyOpt = None, as_json: JsonOpt = False,
):
    """Create a collection and print its id."""
    with client(url, key) as tn:
        col = tn.collections.create(title, organization_index=index)
    if as_json:
        return emit_json(dump(col))
    if quiet:
        return out.print(col.id, markup=False)
    out.print(f"Created collection [bold]{col.id}[/] ({col.title})")


@collections_app.command("show")
@guarded
def collections_show(collection_id: Annotated[str, typer.Argument(metavar="ID")],
                     url: UrlOpt = DEFAULT_URL, key: KeyOpt = None, as_json: JsonOpt = False):
    """Show a collection and its tracks."""
    with client(url, key) as tn:
        col = tn.collections.get(collection_id)
        tracks = list(tn.collections.iter_tracks(collection_id))
    if as_json:
        return emit_json(dump(col) | {"tracks": [dump(t) for t in tracks]})
    out.print(f"[bold]{col.title}[/]  {col.id}\ncreated {when(col.created_at)}, {len(tracks)} track(s)")
    if tracks:
        out.print(_track_table(tracks))


@collections_app.command("delete")
@guarded
def collections_delete(collection_id: Annotated[str, typer.Argument(metavar="ID")], yes: YesOpt = False,
                       url: UrlOpt = DEFAULT_URL, key: KeyOpt = None, as_json: JsonOpt = False):
    """Delete a collection with its tracks and files."""
    _confirm(f"collection {collection_id} and all its tracks", yes)
    with client(url, key) as tn:
        col = tn.collections.delete(collection_id)
    if as_json:
        return emit_json({"deleted_collection": dump(col)})
    out.print(f"Deleted collection {col.id} ({col.title})")


# --------------------------------------------------------------------- tracks


@tracks_app.command("list")
@guarded
def tracks_list(
    collection: Annotated[Optional[str], typer.Option("--collection", "-c", help="Collection id")] = None,
    playlist: Annotated[Optional[str], typer.Option("--playlist", "-p", help="Playlist id (in playlist order)")] = None,
    url: UrlOpt = DEFAULT_URL, key: KeyOpt = None, as_json: JsonOpt = False,
):
    """List the tracks of a collection (or of a playlist)."""
    if (collection is None) == (playlist is None):
        die("give --collection ID or --playlist ID", 2)
    with client(url, key) as tn:
        rows = list(tn.tracks.iter(collection_id=collection, playlist_id=playlist))
    if as_json:
        return emit_json([dump(t) for t in rows])
    out.print(_track_table(rows, position=playlist is not None))
    out.print(f"{len(rows)} track(s)", style="dim")


@tracks_app.command("create")
@guarded
def tracks_create(
    file_name: Annotated[str, typer.Argument(help="Display file name, e.g. song.mp3")],
    collection: Annotated[str, typer.Option("--collection", "-c", help="Collection id")],
    title: Annotated[Optional[str], typer.Option("--title", help="Player title")] = None,
    quiet: QuietOpt = False,
    url: UrlOpt = DEFAULT_URL, key: KeyOpt = None, as_json: JsonOpt = False,
):
    """Create an empty track and print its signed upload URL (PUT the bytes there; see `tonearm upload`)."""
    with client(url, key) as tn:
        created = tn.tracks.create(collection, file_name, player_title=title)
    if as_json:
        return emit_json(dump(created))
    if quiet:
        return out.print(created.track_id, markup=False)
    out.print(f"Created track [bold]{created.track_id}[/] ({created.track.file_name})")
    out.print(f"upload with: curl -T {file_name} '{created.track_upload.upload_url}'", markup=False)


@tracks_app.command("show")
@guarded
def tracks_show(track_id: Annotated[str, typer.Argument(metavar="ID")],
                url: UrlOpt = DEFAULT_URL, key: KeyOpt = None, as_json: JsonOpt = False):
    """Show a track: status, duration, size, metadata."""
    with client(url, key) as tn:
        t = tn.tracks.get(track_id)
    if as_json:
        return emit_json(dump(t))
    table = Table(show_header=False, box=None)
    for label, value in (
        ("id", t.id), ("file", t.file_name or "-"), ("status", status_text(t.track_status_id)),
        ("status text", t.status_text or "-"), ("collection", t.collection_id or "-"),
        ("duration", human_duration(t.duration)), ("size", human_size(t.size)),
        ("base url", t.base_url or "-"), ("sha256", str(t.metadata.get("sha256", "-"))),
        ("created", when(t.created_at)), ("files completed", when(t.files_completed_at)),
    ):
        table.add_row(f"[dim]{label}[/]", value)
    out.print(table)


@tracks_app.command("delete")
@guarded
def tracks_delete(track_id: Annotated[str, typer.Argument(metavar="ID")], yes: YesOpt = False,
                  url: UrlOpt = DEFAULT_URL, key: KeyOpt = None, as_json: JsonOpt = False):
    """Delete a track and its files."""
    _confirm(f"track {track_id}", yes)
    with client(url, key) as tn:
        t = tn.tracks.delete(track_id)
    if as_json:
        return emit_json({"deleted_track": dump(t)})
    out.print(f"Deleted track {t.id} ({t.file_name})")


# ------------------------------------------------------------------ playlists


@playlists_app.command("list")
@guarded
def playlists_list(url: UrlOpt = DEFAULT_URL, key: KeyOpt = None, as_json: JsonOpt = False):
    """List every playlist."""
    with client(url, key) as tn:
        rows = list(tn.playlists.iter())
    if as_json:
        return emit_json([dump(p) for p in rows])
    table = Table()
    for name in ("id", "title", "tracks", "created"):
        table.add_column(name, no_wrap=name in ("id", "created"), justify="right" if name == "tracks" else "left")
    for p in rows:
        table.add_row(p.id, p.title or "-", str(p.track_count), when(p.created_at))
    out.print(table)
    out.print(f"{len(rows)} playlist(s)", style="dim")


@playlists_app.command("create")
@guarded
def playlists_create(
    title: Annotated[str, typer.Argument(help="Playlist title")],
    track: Annotated[Optional[list[str]], typer.Option("--track", "-t", help="Track id (repeatable, in order)")] = None,
    quiet: QuietOpt = False,
    url: UrlOpt = DEFAULT_URL, key: KeyOpt = None, as_json: JsonOpt = False,
):
    """Create a playlist, optionally with tracks (from any collection)."""
    with client(url, key) as tn:
        pl = tn.playlists.create(title, track_ids=track or None)
    if as_json:
        return emit_json(dump(pl))
    if quiet:
        return out.print(pl.id, markup=False)
    out.print(f"Created playlist [bold]{pl.id}[/] ({pl.title}, {pl.track_count} track(s))")


@playlists_app.command("show")
@guarded
def playlists_show(playlist_id: Annotated[str, typer.Argument(metavar="ID")],
                   url: UrlOpt = DEFAULT_URL, key: KeyOpt = None, as_json: JsonOpt = False):
    """Show a playlist and its tracks in order."""
    with client(url, key) as tn:
        pl = tn.playlists.get(playlist_id)
        tracks = list(tn.playlists.iter_tracks(playlist_id))
    if as_json:
        return emit_json(dump(pl) | {"tracks": [dump(t) for t in tracks]})
    out.print(f"[bold]{pl.title}[/]  {pl.id}\ncreated {when(pl.created_at)}, {pl.track_count} track(s)")
    if tracks:
        out.print(_track_table(tracks, position=True))


@playlists_app.command("add")
@guarded
def playlists_add(
    playlist_id: Annotated[str, typer.Argument(metavar="ID")],
    track_ids: Annotated[list[str], typer.Argument(metavar="TRACK_ID...")],
    position: Annotated[Optional[int], typer.Option("--position", help="Insert at (0-based); default: append")] = None,
    url: UrlOpt = DEFAULT_URL, key: KeyOpt = None, as_json: JsonOpt = False,
):
    """Add tracks to a playlist."""
    with client(url, key) as tn:
        pl = tn.playlists.add_tracks(playlist_id, track_ids, position=position)
    if as_json:
        return emit_json(dump(pl))
    out.print(f"Playlist {pl.id} now has {pl.track_count} track(s)")


@playlists_app.command("remove")
@guarded
def playlists_remove(
    playlist_id: Annotated[str, typer.Argument(metavar="ID")],
    track_id: Annotated[str, typer.Argument(metavar="TRACK_ID")],
    url: UrlOpt = DEFAULT_URL, key: KeyOpt = None, as_json: JsonOpt = False,
):
    """Remove a track from a playlist."""
    with client(url, key) as tn:
        pl = tn.playlists.remove_track(playlist_id, track_id)
    if as_json:
        return emit_json(dump(pl))
    out.print(f"Playlist {pl.id} now has {pl.track_count} track(s)")


@playlists_app.command("delete")
@guarded
def playlists_delete(playlist_id: Annotated[str, typer.Argument(metavar="ID")], yes: YesOpt = False,
                     url: UrlOpt = DEFAULT_URL, key: KeyOpt = None, as_json: JsonOpt = False):
    """Delete a playlist (its tracks stay)."""
    _confirm(f"playlist {playlist_id}", yes)
    with client(url, key) as tn:
        pl = tn.playlists.delete(playlist_id)
    if as_json:
        return emit_json({"deleted_playlist": dump(pl)})
    out.print(f"Deleted playlist {pl.id} ({pl.title})")


# ----------------------------------------------------------- play, download


def play(
    collection: Annotated[Optional[str], typer.Option("--collection", "-c", help="Play a collection")] = None,
    track: Annotated[Optional[str], typer.Option("--track", "-t", help="Play one track")] = None,
    playlist: Annotated[Optional[str], typer.Option("--playlist", "-p", help="Play a playlist")] = None,
    variant: Annotated[Optional[list[str]], typer.Option("--variant", help="Variant to offer (repeatable); "
                                                         "default: the key's, else hq, lq, preview")] = None,
    downloadable: Annotated[bool, typer.Option("--downloadable", help="Allow `tonearm download` on it")] = False,
    expires_in: Annotated[Optional[int], typer.Option("--expires-in", help="Seconds until it expires")] = None,
    url: UrlOpt = DEFAULT_URL, key: KeyOpt = None, as_json: JsonOpt = False,
):
    """Create a play session and print its id, expiry and an embed link.

    The link is {url}/embed/{play_session_id}: a player page for the session (also fit for an iframe)."""
    given = [v for v in (collection, track, playlist) if v]
    if len(given) != 1:
        die("give exactly one of --collection, --track or --playlist", 2)
    with client(url, key) as tn:
        ses = tn.play_session(collection_id=collection, track_id=track, playlist_id=playlist, variants=variant,
                              is_downloadable=downloadable or None, expires_in=expires_in)
    link = f"{url.rstrip('/')}/embed/{ses.play_session_id}"
    if as_json:
        return emit_json({
            "play_session_id": ses.play_session_id,
            "expires_at": dump(ses)["expires_at"],
            "link": link,
            "scope": ses.play_session.scope,
            "variants": ses.play_session.variants,
            "is_downloadable": ses.play_session.is_downloadable,
            "track_ids": [t.id for t in ses.tracks],
        })
    out.print(f"play session  {ses.play_session_id}", markup=False)
    out.print(f"expires       {when(ses.expires_at)}", markup=False)
    out.print(f"tracks        {len(ses.tracks)}", markup=False)
    out.print(f"link          {link}", markup=False)


def download(
    session: Annotated[str, typer.Option("--session", "-s", help="Play session id (created with --downloadable)")],
    track: Annotated[str, typer.Option("--track", "-t", help="Track id")],
    variant: Annotated[str, typer.Option("--variant", help="Variant index: hq, lq, preview, original…")] = "hq",
    output: Annotated[Optional[Path], typer.Option("--output", "-o", help="File or directory (default: here, "
                                                   "named by the server)")] = None,
    url: UrlOpt = DEFAULT_URL, key: KeyOpt = None, as_json: JsonOpt = False,
):
    """Download one variant of a track from a downloadable play session."""
    from rich.progress import (
        BarColumn,
        DownloadColumn,
        Progress,
        TextColumn,
        TransferSpeedColumn,
    )

    from tonearm.cli.remote_common import err

    with client(url, key) as tn, Progress(TextColumn("{task.description}"), BarColumn(), DownloadColumn(),
                                          TransferSpeedColumn(), console=err, transient=True,
                                          disable=not err.is_terminal) as bar:
        task = bar.add_task(f"{variant}", total=None)
        path = tn.download(session, track, variant, output or Path("."),
                           progress=lambda n: bar.advance(task, n))
    size = path.stat().st_size
    if as_json:
        return emit_json({"path": str(path), "size": size, "variant": variant, "track_id": track})
    out.print(f"Saved {path} ({human_size(size)})", markup=False)


def register(app: typer.Typer) -> None:
    """Add the remote commands to the `tonearm` app (called from tonearm.cli.main)."""
    app.command("upload")(upload)
    app.add_typer(collections_app, name="collections")
    app.add_typer(tracks_app, name="tracks")
    app.add_typer(playlists_app, name="playlists")
    app.command("play")(guarded(play))
    app.command("download")(guarded(download))
