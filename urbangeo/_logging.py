"""Logging for urbangeo: silent by default, one opt-in helper to show it.

Every module logs through ``logging.getLogger(__name__)``; the package logger has a
:class:`logging.NullHandler`, so nothing is printed unless the user asks:

>>> import urbangeo
>>> handler = urbangeo.show_logs(level="INFO")
>>> urbangeo.hide_logs(handler=handler)
"""

from __future__ import annotations

import logging
from typing import TextIO

__all__ = ["show_logs", "hide_logs"]

_ROOT = "urbangeo"
logging.getLogger(_ROOT).addHandler(logging.NullHandler())


def show_logs(*, level: int | str = "INFO", stream: TextIO | None = None) -> logging.Handler:
    """Print urbangeo's log records (to stderr by default) at ``level`` and above.

    Parameters
    ----------
    level : int or str, default "INFO"
        The lowest level shown: a :mod:`logging` level (``logging.DEBUG``) or its name
        (``"debug"``, ``"INFO"``; case does not matter).
    stream : file-like, optional
        Where to print; default ``sys.stderr``.

    Returns
    -------
    logging.Handler
        The handler added to the ``urbangeo`` logger; pass it to :func:`hide_logs` to
        remove it again.
    """
    logger = logging.getLogger(_ROOT)
    handler = logging.StreamHandler(stream)
    handler.setFormatter(logging.Formatter("%(asctime)s %(name)s %(levelname)s: %(message)s"))
    logger.addHandler(handler)
    logger.setLevel(level if isinstance(level, int) else level.upper())
    return handler


def hide_logs(*, handler: logging.Handler | None = None) -> None:
    """Remove a handler added by :func:`show_logs`, and silence the library again.

    Parameters
    ----------
    handler : logging.Handler, optional
        The handler :func:`show_logs` returned; default: every handler on the
        ``urbangeo`` logger (its :class:`logging.NullHandler` stays).
    """
    logger = logging.getLogger(_ROOT)
    for h in list(logger.handlers):
        if (handler is None and not isinstance(h, logging.NullHandler)) or h is handler:
            logger.removeHandler(h)
    logger.setLevel(logging.NOTSET)
