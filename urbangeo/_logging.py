"""Logging for urbangeo: silent by default, one opt-in helper to show it.

Every module logs through ``logging.getLogger(__name__)``; the package logger has a
:class:`logging.NullHandler`, so nothing is printed unless the user asks:

>>> import urbangeo
>>> handler = urbangeo.show_logs("INFO")
>>> urbangeo.hide_logs(handler)
"""

from __future__ import annotations

import logging

__all__ = ["show_logs", "hide_logs"]

_ROOT = "urbangeo"
logging.getLogger(_ROOT).addHandler(logging.NullHandler())


def show_logs(level: int | str = "INFO", *, stream=None) -> logging.Handler:
    """Print urbangeo's log records (to stderr by default) at ``level`` and above.

    Returns the handler so it can be removed again with :func:`hide_logs`.
    """
    logger = logging.getLogger(_ROOT)
    handler = logging.StreamHandler(stream)
    handler.setFormatter(logging.Formatter("%(asctime)s %(name)s %(levelname)s: %(message)s"))
    logger.addHandler(handler)
    logger.setLevel(level if isinstance(level, int) else level.upper())
    return handler


def hide_logs(handler: logging.Handler | None = None) -> None:
    """Remove a handler added by :func:`show_logs` (all of them when ``None``)."""
    logger = logging.getLogger(_ROOT)
    for h in list(logger.handlers):
        if (handler is None and not isinstance(h, logging.NullHandler)) or h is handler:
            logger.removeHandler(h)
    logger.setLevel(logging.NOTSET)
