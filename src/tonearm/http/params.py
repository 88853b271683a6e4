"""Shared query parameters: pagination (limit 1–200, default 50; offset ≥ 0)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated

from fastapi import Depends, Query

from tonearm.errors import Invalid


@dataclass(frozen=True)
class Page:
    limit: int
    offset: int


def _page(
    limit: Annotated[str | None, Query(description="1–200, default 50")] = None,
    offset: Annotated[str | None, Query(description="≥ 0, default 0")] = None,
) -> Page:
    def parse(name: str, raw: str | None, default: int, lo: int, hi: int) -> int:
        if raw is None or raw == "":
            return default
        try:
            value = int(raw)
        except ValueError:
            raise Invalid(f"{name} must be an integer") from None
        if not lo <= value <= hi:
            raise Invalid(f"{name} must be between {lo} and {hi}")
        return value

    return Page(limit=parse("limit", limit, 50, 1, 200), offset=parse("offset", offset, 0, 0, 10**9))


PageDep = Annotated[Page, Depends(_page)]
