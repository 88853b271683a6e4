"""Shared pieces of the remote CLI: connection options, one-line errors, output helpers."""

from __future__ import annotations

import functools
import json
import sys
from typing import Annotated, Any, Callable, Optional

import typer
from rich.console import Console

from tonearm.client import DEFAULT_URL, AuthenticationError, Tonearm, TonearmError

UrlOpt = Annotated[str, typer.Option("--url", envvar="TONEARM_URL", help="Tonearm server base URL.",
                                     rich_help_panel="Connection")]
KeyOpt = Annotated[Optional[str], typer.Option("--key", envvar="TONEARM_API_KEY", show_default=False,
                                               help="API Access key (prefer the TONEARM_API_KEY variable).",
                                               rich_help_panel="Connection")]
JsonOpt = Annotated[bool, typer.Option("--json", help="Print machine-readable JSON on stdout.")]

out = Console(highlight=False, soft_wrap=True)
err = Console(stderr=True, highlight=False)

CLI_RETRIES = 2
CLI_BACKOFF = 0.2


def client(url: str, key: Optional[str], *, timeout: float = 60.0) -> Tonearm:
    return Tonearm(url or DEFAULT_URL, key or None, timeout=timeout, retries=CLI_RETRIES, backoff=CLI_BACKOFF)


def die(message: str, code: int = 1) -> None:
    message = " ".join(str(message).split())  # always one line
    sys.stderr.write(f"tonearm: error: {message}\n")
    sys.stderr.flush()
    raise typer.Exit(code)


def warn(message: str) -> None:
    err.print(f"tonearm: warning: {message}", markup=False)


def describe(exc: TonearmError, key: Optional[str]) -> str:
    text = str(exc)
    if isinstance(exc, AuthenticationError) and not key:
        text += "; set TONEARM_API_KEY or pass --key"
    return text


def guarded(fn: Callable) -> Callable:
    """Turn SDK and OS errors into `tonearm: error: …` on one line and a non-zero exit."""

    @functools.wraps(fn)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            return fn(*args, **kwargs)
        except TonearmError as exc:
            die(describe(exc, kwargs.get("key")))
        except ValueError as exc:
            die(str(exc), 2)
        except OSError as exc:
            die(f"{exc.strerror or exc}{': ' + str(exc.filename) if exc.filename else ''}")
        except KeyboardInterrupt:
            die("interrupted", 130)

    return wrapper


def emit_json(data: Any) -> None:
    sys.stdout.write(json.dumps(data, indent=2, default=str) + "\n")
    sys.stdout.flush()


def dump(model: Any) -> Any:
    return model.model_dump(mode="json") if hasattr(model, "model_dump") else model


def human_size(n: Optional[int]) -> str:
    if n is None:
        return "-"
    size = float(n)
    for unit in ("B", "kB", "MB", "GB"):
        if size < 1000 or unit == "GB":
            return f"{size:.0f} {unit}" if unit == "B" else f"{size:.1f} {unit}"
        size /= 1000
    return f"{n} B"


def human_duration(seconds: Optional[float]) -> str:
    if seconds is None:
        return "-"
    m, s = divmod(int(round(seconds)), 60)
    return f"{m}:{s:02d}"


def when(value: Any) -> str:
    return value.strftime("%Y-%m-%d %H:%M:%S UTC") if value is not None else "-"


STATUS_STYLE = {"ready": "green", "incomplete": "yellow", "error": "red", "init_error": "red",
                "processing": "cyan", "fallback": "cyan", "fallback_processing": "cyan", "initialized": "dim"}


def status_text(status: Optional[str]) -> str:
    status = status or "-"
    style = STATUS_STYLE.get(status)
    return f"[{style}]{status}[/]" if style else status
