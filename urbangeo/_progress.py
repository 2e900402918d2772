"""Shared opt-in progress bars (tqdm imported lazily, off by default)."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from typing import TypeVar

from .settings import settings

T = TypeVar("T")

__all__ = ["progress_bar"]


def progress_bar(
    iterable: Iterable[T], *, progress: bool | None = None, total: int | None = None, desc: str | None = None
) -> Iterator[T] | Iterable[T]:
    """Wrap ``iterable`` in a tqdm bar when ``progress`` is true.

    ``progress=None`` falls back to ``urbangeo.settings.progress`` (False by default,
    so a QGIS console stays quiet). tqdm is imported only when a bar is shown;
    ``tqdm.auto`` picks the notebook widget inside Jupyter.
    """
    if progress is None:
        progress = settings.progress
    if not progress:
        return iterable
    try:
        from tqdm.auto import tqdm
    except ImportError:  # pragma: no cover - tqdm is a core dependency
        return iterable
    return tqdm(iterable, total=total, desc=desc)
