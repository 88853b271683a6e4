"""`tonearm show set`, `tonearm episode set`, `tonearm subscriber add|list|revoke`: podcasts over the SDK."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated, Optional

import typer

from tonearm.cli.remote_common import DEFAULT_URL, JsonOpt, KeyOpt, UrlOpt, client, die, emit_json, guarded, out

show_app = typer.Typer(help="Podcast shows (a collection's podcast fields).", no_args_is_help=True)
episode_app = typer.Typer(help="Podcast episodes (a track's episode fields).", no_args_is_help=True)
subscriber_app = typer.Typer(help="Subscribers of private podcast feeds.", no_args_is_help=True)
Opt = Optional


def _category(text: str) -> dict:
    category, _, sub = text.partition("/")
    return {"category": category.strip(), **({"subcategory": sub.strip()} if sub.strip() else {})}


@show_app.command("set")
@guarded
def show_set(  # long: one option per show field
    collection_id: str,
    title: Annotated[Opt[str], typer.Option()] = None,
    description: Annotated[Opt[str], typer.Option()] = None,
    author: Annotated[Opt[str], typer.Option()] = None,
    owner_name: Annotated[Opt[str], typer.Option()] = None,
    owner_email: Annotated[Opt[str], typer.Option()] = None,
    language: Annotated[Opt[str], typer.Option(help="BCP 47, e.g. en or pt-BR")] = None,
    category: Annotated[Opt[list[str]], typer.Option(help='Apple category, "Arts/Books"; repeat for more')] = None,
    explicit: Annotated[Opt[bool], typer.Option("--explicit/--clean")] = None,
    show_type: Annotated[Opt[str], typer.Option("--type", help="episodic or serial")] = None,
    link: Annotated[Opt[str], typer.Option()] = None,
    slug: Annotated[Opt[str], typer.Option()] = None,
    private: Annotated[Opt[bool], typer.Option("--private/--public")] = None,
    url: UrlOpt = DEFAULT_URL, key: KeyOpt = None, as_json: JsonOpt = False,
):
    """Make COLLECTION_ID a podcast show or change its fields; prints the feed URL."""
    fields = {"title": title, "description": description, "author": author, "owner_name": owner_name,
              "owner_email": owner_email, "language": language, "explicit": explicit, "type": show_type,
              "link": link, "slug": slug, "private": private,
              "categories": [_category(c) for c in category] if category else None}
    with client(url, key) as tn:
        show = tn.podcasts.set_show(collection_id, **{k: v for k, v in fields.items() if v is not None})
    if as_json:
        return emit_json(show)
    out.print(show["feed_url"])
    for warning in show.get("warnings") or []:
        out.print(f"warning: {warning}", style="yellow")


@episode_app.command("set")
@guarded
def episode_set(
    track_id: str,
    title: Annotated[Opt[str], typer.Option()] = None,
    description: Annotated[Opt[str], typer.Option(help="show notes (HTML allowed, sanitised)")] = None,
    pub_date: Annotated[Opt[str], typer.Option(help="ISO 8601; a future date keeps it out of the feed")] = None,
    number: Annotated[Opt[int], typer.Option("--episode")] = None,
    season: Annotated[Opt[int], typer.Option()] = None,
    episode_type: Annotated[Opt[str], typer.Option("--type", help="full, trailer or bonus")] = None,
    chapters: Annotated[Opt[Path], typer.Option(help="JSON chapters file", exists=True, dir_okay=False)] = None,
    transcript: Annotated[Opt[list[Path]], typer.Option(help="LANG.vtt or LANG.srt; repeat for more",
                                                        exists=True, dir_okay=False)] = None,
    url: UrlOpt = DEFAULT_URL, key: KeyOpt = None, as_json: JsonOpt = False,
):
    """Set TRACK_ID's episode fields, chapters and transcripts (the file's stem is its language)."""
    fields = {"title": title, "description": description, "pub_date": pub_date, "episode_number": number,
              "season_number": season, "episode_type": episode_type}
    if chapters is not None:
        try:
            fields["chapters"] = json.loads(chapters.read_text(encoding="utf-8"))
        except (ValueError, UnicodeDecodeError) as exc:
            die(f"{chapters}: not a JSON file ({exc})")
    with client(url, key) as tn:
        episode = tn.podcasts.set_episode(track_id, **{k: v for k, v in fields.items() if v is not None})
        for path in transcript or []:
            episode = tn.podcasts.set_transcript(track_id, path.stem, path.read_bytes())
    if as_json:
        return emit_json(episode)
    out.print(f"{episode['title'] or track_id}: guid {episode['guid']}, "
              f"{len(episode['transcripts'])} transcript(s), chapters: {'yes' if episode['has_chapters'] else 'no'}")


@subscriber_app.command("add")
@guarded
def subscriber_add(
    collection_id: str,
    email: Annotated[Opt[str], typer.Option()] = None,
    title: Annotated[Opt[str], typer.Option()] = None,
    external_id: Annotated[Opt[str], typer.Option()] = None,
    expires_at: Annotated[Opt[str], typer.Option(help="ISO 8601")] = None,
    url: UrlOpt = DEFAULT_URL, key: KeyOpt = None, as_json: JsonOpt = False,
):
    """Add a subscriber to a private show; prints its private feed URL (shown only now)."""
    fields = {"email": email, "title": title, "external_id": external_id, "expires_at": expires_at}
    with client(url, key) as tn:
        sub = tn.podcasts.add_subscriber(collection_id, **{k: v for k, v in fields.items() if v is not None})
    if as_json:
        return emit_json(sub)
    out.print(sub["feed_url"], soft_wrap=True)


@subscriber_app.command("list")
@guarded
def subscriber_list(collection_id: str, url: UrlOpt = DEFAULT_URL, key: KeyOpt = None, as_json: JsonOpt = False):
    """List a show's first 200 subscribers (without tokens)."""
    with client(url, key) as tn:
        rows = tn.podcasts.list_subscribers(collection_id, limit=200)
    if as_json:
        return emit_json(rows)
    for s in rows:
        state = "revoked" if s["revoked_at"] else "active"
        out.print(f"{s['id']}  {s['email'] or '-'}  {s['title'] or '-'}  {state}")


@subscriber_app.command("revoke")
@guarded
def subscriber_revoke(collection_id: str, subscriber_id: str, url: UrlOpt = DEFAULT_URL, key: KeyOpt = None):
    """Revoke a subscriber: its feed and enclosure URLs answer 403 from now on."""
    with client(url, key) as tn:
        tn.podcasts.revoke_subscriber(collection_id, subscriber_id)
    out.print(f"revoked {subscriber_id}")


def register(app: typer.Typer) -> None:
    app.add_typer(show_app, name="show")
    app.add_typer(episode_app, name="episode")
    app.add_typer(subscriber_app, name="subscriber")
