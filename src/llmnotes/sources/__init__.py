"""Metadata sources for `llmnotes add` / `enrich`: one module per service, each turning an identifier
into a frozen `Metadata` or a typed `LookupFailure`, so the commands never see a service's format."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Metadata:
    """What a lookup gives a resource: the fields a hand-written note would carry."""

    title: str
    authors: tuple[str, ...]
    year: int | None
    kind: str
    url: str


@dataclass(frozen=True)
class LookupFailure:
    """Why a lookup gave nothing, worded for the author (`what` could not be got, and why)."""

    what: str
    reason: str

    def message(self) -> str:
        return f"could not get {self.what}: {self.reason}"
