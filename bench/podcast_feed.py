"""Build a 10 000-episode podcast feed and print the build time (wall and CPU seconds).

    .venv/bin/python bench/podcast_feed.py [--episodes 10000] [--postgres postgresql+psycopg://…/postgres]

SQLite in a temporary folder by default; with --postgres, a private database is created on that
server for the run and dropped afterwards.

Rows are inserted directly (no audio is processed); each episode has an MP3 and an AAC file, a
description, and every third one chapters and a transcript. The timed part is what a cache miss
costs a request: the fingerprint query, the three feed queries, the lxml build and the gzip, each
step's CPU seconds printed too. A second request with the same fingerprint is served from the
cache (printed too)."""

from __future__ import annotations

import argparse
import contextlib
import os
import datetime as dt
import resource
import tempfile
import time
import uuid

from sqlalchemy import create_engine, text

from tonearm.catalog.models import Collection, Track, TrackFile, Variant
from tonearm.catalog.service import create_organization
from tonearm.db.migrate import upgrade
from tonearm.db.session import get_engine, get_sessionmaker
from tonearm.podcasts import cache, feed, items
from tonearm.podcasts.models import Episode, Show, Transcript
from tonearm.podcasts.service import podcast_guid


def _cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def populate(db, n: int) -> tuple[Show, Collection]:
    org = create_organization(db, name="bench")
    col = Collection(id=uuid.uuid4(), organization_id=org.id, title="Bench show")
    db.add(col)
    db.flush()
    show = Show(collection_id=col.id, organization_id=org.id, title="Bench show", categories=[["Technology", None]],
                funding=[], guid=podcast_guid(f"http://bench/feeds/{col.id}.xml"), language="en")
    db.add(show)
    variants = {v.index: v for v in db.query(Variant).filter(Variant.organization_id == org.id)}
    start = dt.datetime(2020, 1, 1, tzinfo=dt.UTC)
    for i in range(n):
        tid = uuid.uuid4()
        db.add(Track(id=tid, index=f"{i:016x}", organization_id=org.id, collection_id=col.id, file_name=f"e{i}.wav",
                     track_status_id="ready", duration=1800.0 + i))
        db.add(Episode(track_id=tid, collection_id=col.id, title=f"Episode {i}", guid=str(tid),
                       description=f"<p>Notes for episode {i} with <a href='https://example.org/{i}'>a link</a>.</p>",
                       pub_date=start + dt.timedelta(hours=i), episode_number=i + 1, soundbites=[], persons=[],
                       has_chapters=i % 3 == 0, chapters={"version": "1.2.0", "chapters": []} if i % 3 == 0 else None))
        for index, ext, rate in (("lq", "mp3", 128), ("hq", "m4a", 256)):
            db.add(TrackFile(track_id=tid, variant_id=variants[index].id, variant_index=index,
                             path=f"/d/{i:016x}_{index}.{ext}", storage_key=f"tracks/{i:016x}/{index}.{ext}",
                             size=20_000_000 + i, props={"bitrate": rate, "sha256": "A" * 43 + "="}))
        if i % 3 == 0:
            db.add(Transcript(track_id=tid, language="en", format="vtt", body="WEBVTT\n"))
        if i % 1000 == 999:
            db.flush()
    db.commit()
    return show, col


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--episodes", type=int, default=10_000)
    ap.add_argument("--postgres", default="", help="server URL; a private database is made there")
    args = ap.parse_args()
    if args.postgres:
        with private_database(args.postgres) as url:
            run(url, args.episodes)
    else:
        run(f"sqlite:///{tempfile.mkdtemp()}/bench.db", args.episodes)


@contextlib.contextmanager
def private_database(server_url: str):
    name = f"tonearm_bench_{os.getpid()}"
    admin = create_engine(server_url, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    try:
        yield server_url.rsplit("/", 1)[0] + "/" + name
    finally:
        get_engine(server_url.rsplit("/", 1)[0] + "/" + name).dispose()
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


def run(url: str, episodes: int) -> None:
    print(f"goal: a 10 000-episode feed built in ≤ 1 s, then served from the cache; "
          f"load average at start {os.getloadavg()[0]:.1f}")
    upgrade(url)
    db = get_sessionmaker(url)()
    show, col = populate(db, episodes)
    db.expire_all()
    feeds = cache.FeedCache()
    for attempt in ("cache miss (build)", "cache hit"):
        wall, cpu = time.perf_counter(), _cpu()
        marks = [cpu]  # CPU clock after each step of a cache miss
        now = dt.datetime.now(dt.UTC)
        digest, _ = items.fingerprint(db, show, col, now)
        built = feeds.get((col.id, None), digest)
        if built is None:
            rows = items.items(db, show, col, now)
            marks.append(_cpu())
            body = feed.build(show, col, rows, feed.Links("http://bench", str(col.id)), has_cover=True, built=now)
            marks.append(_cpu())
            built = feeds.put((col.id, None), digest, body)
            marks.append(_cpu())
        steps = ", ".join(f"{name} {b - a:.3f}" for name, a, b in
                          zip(("fingerprint + queries", "lxml", "gzip"), marks, marks[1:]))
        print(f"{attempt}: {episodes} episodes, {len(built.body) / 1e6:.1f} MB "
              f"({len(built.gzipped) / 1e6:.2f} MB gzipped): {time.perf_counter() - wall:.3f} s wall, "
              f"{_cpu() - cpu:.3f} s CPU" + (f" ({steps})" if steps else ""))
    print(f"load average at end {os.getloadavg()[0]:.1f}")
    db.close()


if __name__ == "__main__":
    main()
