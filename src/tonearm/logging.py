"""Log configuration for `tonearm serve` and `tonearm worker`: text or one JSON object per line.

TONEARM_LOG_FORMAT=json writes `{"time", "level", "logger", "message", "request_id"?, ...}` per
line on stderr; request_id is the request's `api_request_id` when the line is logged while a
request is handled (also in job threads started by it, never across processes).

Every line, in either format, passes a redaction filter first: API keys (`tnm_…`), bearer
tokens, Authorization / Cookie header values and URL signatures (`verify=`, `key=`, `token=`, …)
are replaced by `[redacted]`, in the message, its arguments and any traceback.
"""

from __future__ import annotations

import datetime as dt
import json
import logging
import logging.config
import re
import traceback

from tonearm.wire import request_id_var

REDACTED = "[redacted]"
_PATTERNS = [
    (re.compile(r"\btnm_[A-Za-z0-9_\-]{4,}"), "tnm_" + REDACTED),
    (re.compile(r"(?i)\b(bearer|basic)\s+[A-Za-z0-9._~+/=\-]+"), r"\1 " + REDACTED),
    (re.compile(r"(?i)((?:authorization|cookie|x-api-key)['\"]?\s*[:=,]\s*\(?['\"]?)[^'\"\s,)]+"), r"\1" + REDACTED),
    (re.compile(r"(?i)([?&](?:verify|key|api_key|token|signature|sig|secret|X-Amz-Signature|X-Amz-Credential)=)[^&\s'\"]+"),
     r"\1" + REDACTED),
]
# Attributes every LogRecord has; anything else a caller passed with `extra=` goes into the JSON.
_STANDARD = set(vars(logging.LogRecord("", 0, "", 0, "", (), None))) | {"message", "asctime", "taskName",
                                                                        "color_message"}


def redact(text: str) -> str:
    for pattern, replacement in _PATTERNS:
        text = pattern.sub(replacement, text)
    return text


class RedactFilter(logging.Filter):
    """Render the message once, redacted; keep the record's exception as redacted text."""

    def filter(self, record: logging.LogRecord) -> bool:
        try:
            message = record.getMessage()
        except Exception:  # a bad format string: keep the raw text
            message = str(record.msg)
        record.msg, record.args = redact(message), None
        if record.exc_info and record.exc_info[0] is not None:
            record.exc_text = redact("".join(traceback.format_exception(*record.exc_info)).rstrip())
            record.exc_info = None
        elif record.exc_text:
            record.exc_text = redact(record.exc_text)
        for name, value in list(vars(record).items()):
            if name not in _STANDARD and isinstance(value, str):
                setattr(record, name, redact(value))
        return True


class JsonFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        out = {
            "time": dt.datetime.fromtimestamp(record.created, dt.UTC).isoformat(timespec="milliseconds")
            .replace("+00:00", "Z"),
            "level": record.levelname.lower(),
            "logger": record.name,
            "message": record.getMessage(),
        }
        rid = request_id_var.get()
        if rid:
            out["request_id"] = rid
        for name, value in vars(record).items():
            if name not in _STANDARD and name not in out and not name.startswith("_"):
                out[name] = value if isinstance(value, (str, int, float, bool, type(None))) else str(value)
        if record.exc_info and record.exc_info[0] is not None:
            out["exception"] = redact(self.formatException(record.exc_info))
        elif record.exc_text:
            out["exception"] = record.exc_text
        return json.dumps(out, ensure_ascii=False, default=str)


class HideClientAddress(logging.Filter):
    """uvicorn's access line starts with the client's address: listeners' addresses are never
    written anywhere (docs/analytics.md), so it becomes "-"."""

    def filter(self, record: logging.LogRecord) -> bool:
        if isinstance(record.args, tuple) and record.args:
            record.args = ("-", *record.args[1:])
        return True


class TextFormatter(logging.Formatter):
    def __init__(self) -> None:
        super().__init__("%(asctime)s %(levelname)s %(name)s: %(message)s")


def config(log_format: str = "text", level: str = "info") -> dict:
    """A logging dictConfig for this process; also passed to uvicorn (its workers apply it too)."""
    level = level.upper()
    json_lines = log_format.lower() == "json"
    handler = {
        "class": "logging.StreamHandler",
        "stream": "ext://sys.stderr",
        "formatter": "json" if json_lines else "text",
        "filters": ["redact"],
    }
    return {
        "version": 1,
        "disable_existing_loggers": False,
        "filters": {"redact": {"()": "tonearm.logging.RedactFilter"},
                    "no_address": {"()": "tonearm.logging.HideClientAddress"}},
        "formatters": {"json": {"()": "tonearm.logging.JsonFormatter"}, "text": {"()": "tonearm.logging.TextFormatter"}},
        "handlers": {"default": handler},
        "loggers": {
            "uvicorn": {"handlers": ["default"], "level": level, "propagate": False},
            "uvicorn.error": {"level": level},
            # JSON mode logs requests itself (tonearm.access, with the request id and route);
            # uvicorn's access line would repeat it without them.
            "uvicorn.access": {"handlers": ["default"], "propagate": False, "filters": ["no_address"],
                               "level": "WARNING" if json_lines else level},
            "huey": {"level": "WARNING" if level == "INFO" else level},
            "alembic": {"level": "WARNING" if level == "INFO" else level},
        },
        "root": {"handlers": ["default"], "level": level},
    }


def configure(log_format: str = "text", level: str = "info") -> None:
    logging.config.dictConfig(config(log_format, level))


def access_logging_enabled() -> bool:
    """tonearm.access lines are written in JSON mode (see `config`)."""
    return logging.getLogger("tonearm.access").isEnabledFor(logging.INFO) and _json_configured()


def _json_configured() -> bool:
    return any(isinstance(h.formatter, JsonFormatter) for h in logging.getLogger().handlers)
