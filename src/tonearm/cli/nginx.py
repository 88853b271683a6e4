"""`tonearm nginx-secrets` and `tonearm nginx-config`: what nginx needs to check Tonearm's
delivery URLs itself (njs; tonearm.delivery.nginx, docs/deploy.md "nginx verifies")."""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

import typer

from tonearm.settings import get_settings


def nginx_secrets(out: Path = typer.Option(..., "--out", help="The nginx include to write (mode 0600)")):
    """Write the delivery URL subkeys as an nginx include (mode 0600).

    The current subkey, and the previous one during a rotation; nothing else of the keyring.
    Re-run after rotating TONEARM_SECRET_KEY, then `nginx -s reload`."""
    from tonearm.delivery.nginx import secrets_include
    from tonearm.keyring import Keyring, Purpose

    settings = get_settings()
    text = secrets_include(Keyring.of(settings).keys(Purpose.DELIVERY_URL))
    out = out.resolve()
    out.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=out.parent, prefix=f".{out.name}.")  # 0600 from the start
    try:
        with os.fdopen(fd, "w") as fh:
            fh.write(text)
        os.chmod(tmp, 0o600)
        os.replace(tmp, out)  # nginx never reads half a file, even while reloading
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    typer.echo(f"tonearm: wrote {out} (delivery URL subkeys; mode 0600)", err=True)


def nginx_config(
    secrets: Path = typer.Option(..., "--secrets", help="Where `tonearm nginx-secrets --out` wrote the include"),
    upstream: str = typer.Option("tonearm", "--upstream", help="The nginx upstream (or host:port) of the API processes"),
    objects: Path = typer.Option(None, "--objects", help="The storage folder (default: TONEARM_STORAGE_URL's)"),
):
    """Print the nginx lines that let nginx check delivery URLs itself (with TONEARM_DELIVERY=accel)."""
    from tonearm.delivery.nginx import config_snippet
    from tonearm.storage import open_storage

    settings = get_settings()
    if objects is None:
        root = getattr(open_storage(settings.storage_url, settings), "root", None)
        if root is None:
            typer.echo("tonearm: nginx can only send files from local storage (TONEARM_STORAGE_URL=file://…)", err=True)
            raise typer.Exit(2)
        objects = Path(root)
    typer.echo(config_snippet(objects_root=objects.resolve(), secrets_file=secrets.resolve(), upstream=upstream,
                              accel_prefix=settings.accel_prefix))


def register(app: typer.Typer) -> None:
    app.command("nginx-secrets")(nginx_secrets)
    app.command("nginx-config")(nginx_config)
