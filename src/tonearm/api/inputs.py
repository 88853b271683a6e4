"""Base class for every JSON request body: bounded depth, bounded metadata, no NUL characters."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict, model_validator

MAX_DEPTH = 16
MAX_ITEMS = 10_000


def _check(value: Any, depth: int, budget: list[int]) -> None:
    if depth > MAX_DEPTH:
        raise ValueError(f"JSON nested deeper than {MAX_DEPTH} levels")
    budget[0] -= 1
    if budget[0] < 0:
        raise ValueError(f"JSON body has more than {MAX_ITEMS} values")
    if isinstance(value, str):
        if "\x00" in value:
            raise ValueError("strings must not contain NUL characters")
    elif isinstance(value, dict):
        for key, item in value.items():
            if isinstance(key, str) and "\x00" in key:
                raise ValueError("keys must not contain NUL characters")
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
