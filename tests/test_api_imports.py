"""The API process stays light: building the app (what `tonearm serve` does) loads none of the
media libraries, which only processing uses. They are imported inside the job bodies and media
functions that need them (docs/performance.md, API memory during a 2 GB tus upload)."""

from __future__ import annotations

import json
import os
import subprocess
import sys

MEDIA_LIBRARIES = ["av", "numpy", "PIL"]

PROBE = """
import json, sys
from tonearm.api.app import create_app
from tonearm.settings import Settings
from tonearm.tasks import TASKS
create_app(Settings())
print(json.dumps({"loaded": sorted(m for m in %r if m in sys.modules), "jobs": sorted(TASKS.jobs)}))
""" % (MEDIA_LIBRARIES,)


def test_building_the_app_loads_no_media_library(tmp_path):
    # The defaults `tonearm serve` starts with (no settings other tests left in the environment).
    env = {k: v for k, v in os.environ.items() if not k.startswith(("TONEARM_", "AWS_"))}
    env["TONEARM_DATA_DIR"] = str(tmp_path)
    run = subprocess.run([sys.executable, "-c", PROBE], capture_output=True, text=True, env=env, timeout=600)
    assert run.returncode == 0, run.stderr
    out = json.loads(run.stdout.strip().splitlines()[-1])
    assert out["loaded"] == [], out
    assert "processing.track" in out["jobs"]  # the job bodies are registered all the same


def test_the_lazy_media_package_exports_what_it_lists():
    import tonearm.media as media

    for name in media.__all__:
        assert getattr(media, name) is not None, name
    assert media.preview_window.__name__ == "window"
