"""Base class for every JSON request body: bounded depth, bounded metadata, no NUL characters,
finite numbers (the wire parser, `http/jsonbody.py`, already refuses NaN/Infinity; this holds for
bodies built any other way)."""

from __future__ import annotations

import math
from typing import Any

from pydantic import BaseModel, ConfigDict, model_validator

MAX_DEPTH = 16
MAX_ITEMS = 10_000
INT_LIMIT = 2**63 - 1  # what the JSON encoder (and PostgreSQL's bigint) can hold


def _text_ok(text: str, what: str) -> None:
    if "\x00" in text:
        raise ValueError(f"{what} must not contain NUL characters")
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:  # a lone surrogate such as "\ud800" decodes from JSON but cannot be stored
        raise ValueError(f"{what} must be valid Unicode (no lone surrogates)") from None


def _check(value: Any, depth: int, budget: list[int]) -> None:
    if depth > MAX_DEPTH:
        raise ValueError(f"JSON nested deeper than {MAX_DEPTH} levels")
    budget[0] -= 1
    if budget[0] < 0:
        raise ValueError(f"JSON body has more than {MAX_ITEMS} values")
    if isinstance(value, str):
        _text_ok(value, "strings")
    elif isinstance(value, bool):
        pass
    elif isinstance(value, int):
        if not -INT_LIMIT - 1 <= value <= INT_LIMIT:
            raise ValueError("integers must fit in 64 bits")
    elif isinstance(value, float):
        if not math.isfinite(value):
            raise ValueError("numbers must be finite (NaN and Infinity are not JSON)")
    elif isinstance(value, dict):
        for key, item in value.items():
            if isinstance(key, str):
                _text_ok(key, "keys")
            _check(item, depth + 1, budget)
    elif isinstance(value, list):
        for item in value:
            _check(item, depth + 1, budget)


class Input(BaseModel):
    model_config = ConfigDict(extra="ignore")

    @model_validator(mode="before")
    @classmethod
    def _bounded(cls, data: Any) -> Any:
        _check(data, 0, [MAX_ITEMS])
        return data
