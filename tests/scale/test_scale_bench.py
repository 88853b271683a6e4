"""bench/scale.py's building blocks, small and on the embedded settings: one `tonearm serve
--no-worker` and two `tonearm worker` processes on the same data dir; both workers take jobs from
one batch and every track ends ready. No time is asserted (the figures are the bench's)."""

from __future__ import annotations

from bench.scale import batch, deployment
from tests.audiogen import write_audio


def test_two_workers_share_one_batch(tmp_path):
    files = [write_audio(tmp_path / f"t{i}.mp3", "mp3", seconds=1.0, freq=200.0 + 40 * i) for i in range(4)]
    with deployment(tmp_path / "dep", postgres="", queue_url="") as dep:
        srv = dep.api("api")
        try:
            row = batch(dep, srv, files, workers=2, concurrency=1, timeout=240)
        finally:
            srv.stop()
    assert row["ready"] == row["tracks"] == 4, row
    made_ready = [tracks for tracks, _ in row["counts"]]
    assert len(made_ready) == 2 and all(n >= 1 for n in made_ready) and sum(made_ready) == 4, row["counts"]
    assert row["per_minute"] > 0 and row["cpu_per_track"] > 0
