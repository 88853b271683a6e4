"""The SDK against a real `tonearm serve` process: CRUD, paging, errors, upload → ready → play → download."""

from __future__ import annotations

import asyncio
import hashlib
import uuid

import av
import httpx
import pytest

from tests.audiogen import cover_jpeg, random_file, write_audio
from tests.e2e.server import ServerProcess
from tonearm.client import (
    AsyncTonearm,
    AuthenticationError,
    Collection,
    NotFoundError,
    Page,
    PermissionDeniedError,
    ProcessingError,
    Tonearm,
    Track,
)


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    srv = ServerProcess(tmp_path_factory.mktemp("sdk") / "data").start()
    yield srv
    srv.stop()


@pytest.fixture
def tn(server):
    with Tonearm(server.url, server.key, retries=0) as client:
        yield client


class Counting(httpx.HTTPTransport):
    def __init__(self):
        super().__init__()
        self.paths: list[str] = []

    def handle_request(self, request):
        self.paths.append(f"{request.method} {request.url.path}?{request.url.query.decode()}")
        return super().handle_request(request)


def test_collection_crud_round_trip(tn):
    col = tn.collections.create("Round trip", organization_index="rt-1", metadata={"genre": "test"})
    assert isinstance(col, Collection) and col.title == "Round trip" and col.metadata == {"genre": "test"}
    got = tn.collections.get(col.id)
    assert got.id == col.id and got.organization_index == "rt-1" and got.track_count == 0
    assert tn.collections.update(col.id, title="Renamed").title == "Renamed"
    assert tn.collections.get(col.id).title == "Renamed"
    page = tn.collections.list(limit=200)
    assert isinstance(page, Page) and col.id in [c.id for c in page.items]
    assert tn.collections.delete(col.id).id == col.id
    with pytest.raises(NotFoundError):
        tn.collections.get(col.id)


def test_creators_tracks_playlists_variants_organization(tn):
    creator = tn.creators.create("artist-1", metadata={"name": "A"})
    assert tn.creators.update(creator.id, metadata={"name": "B"}).metadata == {"name": "B"}
    col = tn.collections.create("Mixed", creator_id=creator.id)
    assert col.creator_id == creator.id
    t1 = tn.tracks.create(col.id, "one.mp3", metadata={"k": 1})
    t2 = tn.tracks.create(col.id, "two.mp3")
    assert t1.track_upload.method == "PUT" and t1.track_upload.upload_url.startswith(tn.base_url)
    assert tn.tracks.get(t1.track_id).metadata == {"k": 1}
    assert tn.tracks.update(t1.track_id, player_title="One").player_title == "One"

    pl = tn.playlists.create("List", track_ids=[t1.track_id])
    assert pl.track_ids == [t1.track_id] and pl.track_count == 1
    pl = tn.playlists.add_tracks(pl.id, [t2.track_id], position=0)
    assert pl.track_ids == [t2.track_id, t1.track_id]
    assert [t.id for t in tn.playlists.iter_tracks(pl.id)] == [t2.track_id, t1.track_id]
    assert [t.id for t in tn.tracks.iter(playlist_id=pl.id)] == [t2.track_id, t1.track_id]
    assert tn.playlists.remove_track(pl.id, t2.track_id).track_ids == [t1.track_id]
    assert tn.playlists.update(pl.id, title="List 2").title == "List 2"
    assert pl.id in [p.id for p in tn.playlists.iter()]
    assert tn.playlists.delete(pl.id).id == pl.id

    variants = list(tn.variants.iter())
    assert {"hq", "lq", "preview"} <= {v.index for v in variants}
    extra = tn.variants.create("opus64", "transcode", codec="opus", bitrate=64)
    assert tn.variants.get(extra.id).index == "opus64"
    assert tn.variants.delete(extra.id).id == extra.id

    org = tn.organization.get(col.organization_id)
    assert org.id == col.organization_id and org.webhook_secret
    assert tn.organization.update(org.id, name="Renamed org").name == "Renamed org"

    assert tn.tracks.delete(t2.track_id).id == t2.track_id
    assert tn.creators.delete(creator.id).id == creator.id


def test_pagination_follows_offset_until_count(server):
    transport = Counting()
    with Tonearm(server.url, server.key, transport=transport) as tn:
        col = tn.collections.create("Paged")
        ids = [tn.tracks.create(col.id, f"t{i}.mp3").track_id for i in range(5)]
        transport.paths.clear()
        got = [t.id for t in tn.tracks.iter(collection_id=col.id, page_size=2)]
        assert got == ids
        assert transport.paths == [f"GET /v1/collection/{col.id}/track?limit=2&offset={o}" for o in (0, 2, 4)]
        assert [t.id for t in tn.collections.iter_tracks(col.id, page_size=4)] == ids
        page = tn.tracks.list(collection_id=col.id, limit=2, offset=4)
        assert page.count == 5 and [t.id for t in page.items] == ids[4:]
        # collections.iter crosses pages as well
        extra = [tn.collections.create(f"Paged {i}").id for i in range(3)]
        all_ids = [c.id for c in tn.collections.iter(page_size=2)]
        assert set(extra + [col.id]) <= set(all_ids) and len(all_ids) == len(set(all_ids))


def test_error_mapping(server, tn):
    with Tonearm(server.url, "tnm_wrong_key", retries=0) as bad, pytest.raises(AuthenticationError) as info:
        bad.collections.list()
    assert info.value.status == 401 and info.value.message == "Invalid API key"
    assert info.value.api_request_id and str(info.value) == "Invalid API key (401)"
    with pytest.raises(NotFoundError) as info:
        tn.tracks.get(str(uuid.uuid4()))
    assert info.value.status == 404 and info.value.api_request_id
    with pytest.raises(NotFoundError):
        tn.upload_sessions.get(str(uuid.uuid4()))


def test_upload_file_then_ready_then_play_and_download(tn, tmp_path):
    col = tn.collections.create("Uploads")
    audio = write_audio(tmp_path / "tone.wav", "wav", seconds=2.0)
    sent: list[int] = []
    track = tn.upload_file(audio, col.id, cover=cover_jpeg(), progress=sent.append)
    assert isinstance(track, Track) and track.collection_id == col.id
    assert sum(sent) == audio.stat().st_size and len(sent) > 1  # streamed in chunks
    assert track.metadata["sha256"] == hashlib.sha256(audio.read_bytes()).hexdigest()
    assert track.size == audio.stat().st_size
    ready = tn.wait_until_ready(track.id, timeout=60, poll=0.2)
    assert ready.track_status_id == "ready" and ready.duration == pytest.approx(2.0, abs=0.1)

    ses = tn.play_session(collection_id=col.id, variants=["hq", "lq"], is_downloadable=True)
    assert [t.id for t in ses.tracks] == [track.id]
    assert [v.index for v in ses.first_track.variants] == ["hq", "lq"]
    assert ses.first_track.cover_image is not None  # the cover went up
    assert tn.play_sessions.get(ses.play_session_id).play_session_id == ses.play_session_id
    assert tn.play_sessions.play_track(ses.play_session_id, track.id).variant("hq").url

    path = tn.download(ses.play_session_id, track.id, "hq", tmp_path)
    assert path.parent == tmp_path and path.suffix == ".m4a"
    with av.open(str(path)) as container:
        stream = container.streams.audio[0]
        frames = sum(1 for _ in container.decode(stream))
    assert stream.codec_context.name == "aac" and frames > 50
    explicit = tn.download(ses.play_session_id, track.id, "lq", tmp_path / "out" / "song.mp3")
    with av.open(str(explicit)) as container:
        assert container.streams.audio[0].codec_context.name.startswith("mp3")

    # the signed upload URL is single use
    handle = tn.upload_sessions.create_track(track.upload_session_id, "again.wav")
    tn.put_file(handle.track_upload, audio)
    with pytest.raises(PermissionDeniedError):
        tn.put_file(handle.track_upload, audio)

    # a non-downloadable session refuses downloads
    plain = tn.play_session(track_id=track.id)
    with pytest.raises(PermissionDeniedError):
        tn.download(plain.play_session_id, track.id, "hq", tmp_path)


def test_wait_until_ready_raises_on_init_error(tn, tmp_path):
    col = tn.collections.create("Broken")
    junk = random_file(tmp_path / "junk.mp3", size=20_000)
    track = tn.upload_file(junk, col.id)
    with pytest.raises(ProcessingError) as info:
        tn.wait_until_ready(track.id, timeout=60, poll=0.2)
    assert info.value.track.track_status_id == "init_error"
    assert info.value.track.status_text and info.value.track.status_text in str(info.value)


def test_player_key_from_api_keys_create(tn, server, tmp_path):
    col = tn.collections.create("Keys")
    tn.upload_file(write_audio(tmp_path / "k.mp3", "mp3", seconds=1.0), col.id)
    minted = tn.api_keys.create("player", "player", collection_id=col.id, variants=["original"])
    assert minted.api_key and minted.key["api_key_type_id"] == "player"
    with Tonearm(server.url, minted.api_key) as player:
        ses = player.play_session(collection_id=col.id)
        assert ses.play_session.variants == ["original"]
        with pytest.raises(PermissionDeniedError):
            player.collections.list()


def test_async_client(server, tmp_path):
    audio = write_audio(tmp_path / "async.mp3", "mp3", seconds=1.0)

    async def main():
        async with AsyncTonearm(server.url, server.key) as tn:
            col = await tn.collections.create("Async")
            sent = []
            track = await tn.upload_file(audio, col.id, progress=sent.append)
            assert sum(sent) == audio.stat().st_size
            ready = await tn.wait_until_ready(track.id, timeout=60, poll=0.2)
            ids = [t.id async for t in tn.tracks.iter(collection_id=col.id, page_size=1)]
            ses = await tn.play_session(track_id=track.id, is_downloadable=True)
            path = await tn.download(ses.play_session_id, track.id, "lq", tmp_path / "a.mp3")
            with pytest.raises(NotFoundError):
                await tn.collections.get(str(uuid.uuid4()))
            return track, ready, ids, path

    track, ready, ids, path = asyncio.run(main())
    assert ready.track_status_id == "ready" and ids == [track.id]
    with av.open(str(path)) as container:
        assert container.streams.audio[0].codec_context.name.startswith("mp3")
