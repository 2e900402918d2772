"""The plumbing every command shares: the group class, advice in flags, warnings, options.

Errors of the library become one line (``--debug``: the traceback) and its advice names the
command's flags, not the Python keywords of the library call: :func:`_cli_advice` turns
``pass on_invalid='fix'`` into ``pass --on-invalid fix``. Warnings print once each as
``warning: ...`` on stderr. The options that several commands take are defined once here.
"""

from __future__ import annotations

import ast
import contextlib
import re
import warnings
from collections.abc import Callable, Iterator, Sequence
from typing import Any

import click

from ..errors import UrbangeoError, UrbangeoWarning

CONTEXT = {"help_option_names": ["-h", "--help"], "max_content_width": 100}

_COMMAND = "urbangeo.command"
#: root options that set urbangeo.settings for every command (advice names them as flags)
SETTING_OPTIONS = ("snap_warn_m", "snap_component")


class Group(click.Group):
    """Groups list commands in the order they were added and turn library errors into one line."""

    def list_commands(self, ctx: click.Context) -> list[str]:
        return list(self.commands)

    def resolve_command(self, ctx: click.Context, args: list[str]) -> Any:
        name, cmd, rest = super().resolve_command(ctx, args)
        if cmd is not None and not isinstance(cmd, click.Group):
            ctx.meta[_COMMAND] = cmd  # meta is shared by every context of the call
        return name, cmd, rest

    def invoke(self, ctx: click.Context) -> Any:
        try:
            return super().invoke(ctx)
        except click.exceptions.ClickException:
            raise
        except Exception as exc:
            if _debug(ctx) or not _user_facing(exc):
                raise
            name = type(exc).__name__
            msg = exc.args[0] if isinstance(exc, KeyError) and exc.args else exc
            advice = _cli_advice(str(msg), ctx.meta.get(_COMMAND), root=ctx.find_root().command)
            raise click.ClickException(f"{name}: {advice}") from exc


#: ``keyword=value`` in library advice: a value is a literal dict/tuple/list/string or a bare token.
_KEYWORD_VALUE = re.compile(
    r"(?<![\w.\[])([A-Za-z_]\w*)=(\{[^{}]*\}|\([^()]*\)|\[[^\[\]]*\]|'[^']*'|\"[^\"]*\"|[^\s,;)\]}]*[^\s,;)\]}.])"
)
_BACKTICKED = re.compile(r"`([A-Za-z_]\w*)`")


def _command_names(
    command: click.Command | None, root: click.Command | None = None
) -> tuple[dict[str, str], dict[str, str]]:
    """Python keyword -> flag (``max_snap_m`` -> ``--max-snap-m``), argument name -> ``METAVAR``.

    ``root`` adds the settings every command takes (``--snap-warn-m``, ...).
    """
    flags: dict[str, str] = {}
    args: dict[str, str] = {}
    params = list(getattr(command, "params", [])) + [p for p in getattr(root, "params", []) if p.name in SETTING_OPTIONS]
    for param in params:
        if isinstance(param, click.Option):
            long = [o for o in param.opts if o.startswith("--")] or list(param.opts)
            flag = max(long, key=len)
            flags[flag.lstrip("-").replace("-", "_")] = flag
            if param.name:
                flags.setdefault(param.name, flag)
        elif isinstance(param, click.Argument) and param.name:
            args[param.name] = param.metavar or param.name.upper()
    return flags, args


def _flag_value(value: str) -> str | None:
    """A Python literal as the command line takes it: ``'fix'`` -> fix, ``(5, 10)`` -> 5,10,
    ``{'clinic': 15}`` -> clinic=15; None when it is code, not a literal."""
    try:
        v = ast.literal_eval(value)
    except (ValueError, SyntaxError):
        return None if any(ch in value for ch in "()[]{}'\"") else value

    def one(x: Any) -> str:
        return f"{x:g}" if isinstance(x, float) else str(x)

    if isinstance(v, dict):
        return ",".join(f"{one(k)}={one(x)}" for k, x in v.items())
    if isinstance(v, (tuple, list)):
        return ",".join(one(x) for x in v)
    if isinstance(v, bool) or v is None:
        return None
    return one(v)


def _cli_advice(message: str, command: click.Command | None, *, root: click.Command | None = None) -> str:
    """Library advice in the words of the command line, on one line.

    ``pass on_invalid='fix'`` becomes ``pass --on-invalid fix``, ```red_line``` becomes
    ```--red-line``` and ```after``` the argument ```AFTER``` -- only for the options and
    arguments the command (and the ``root`` group's settings) has; other Python advice is
    left as it is.
    """
    message = " ".join(str(message).split())
    flags, args = _command_names(command, root)
    if not flags and not args:
        return message

    def keyword(m: re.Match) -> str:
        flag = flags.get(m.group(1))
        value = _flag_value(m.group(2)) if flag else None
        return m.group(0) if value is None else f"{flag} {value}"

    def name(m: re.Match) -> str:
        word = m.group(1)
        return f"`{flags[word]}`" if word in flags else f"`{args[word]}`" if word in args else m.group(0)

    return _BACKTICKED.sub(name, _KEYWORD_VALUE.sub(keyword, message))


@contextlib.contextmanager
def warnings_to_stderr(ctx: click.Context) -> Iterator[None]:
    """Print every warning of the command once, as one line ``warning: ...`` on stderr."""
    seen: set[str] = set()

    def show(message: Any, category: type[Warning], *_: Any, **__: Any) -> None:
        text = _cli_advice(str(message), ctx.meta.get(_COMMAND), root=ctx.find_root().command)
        if not issubclass(category, UrbangeoWarning):
            text = f"{category.__name__}: {text}"
        if text not in seen:
            seen.add(text)
            click.echo(f"warning: {text}", err=True)

    with warnings.catch_warnings():
        warnings.simplefilter("always", UserWarning)  # a repeated warning of another row is still news
        warnings.showwarning = show
        yield


#: Errors about the user's input, files or database, printed as one line (--debug: traceback).
_USER_ERRORS = (UrbangeoError, OSError, KeyError, ValueError, TypeError, ImportError)
_USER_ERROR_MODULES = ("sqlalchemy", "psycopg", "pyogrio", "rasterio", "pyproj")


def _user_facing(exc: BaseException) -> bool:
    return isinstance(exc, _USER_ERRORS) or type(exc).__module__.split(".")[0] in _USER_ERROR_MODULES


def _debug(ctx: click.Context) -> bool:
    root = ctx.find_root()
    return bool(root.params.get("debug"))


def echo(msg: str) -> None:
    """Progress chatter on stderr (nothing with ``--quiet``)."""
    ctx = click.get_current_context(silent=True)
    if ctx is None or not ctx.find_root().params.get("quiet"):
        click.echo(msg, err=True)


# --------------------------------------------------------------------------- option values


def numbers(value: str | None, name: str) -> tuple[float, ...] | None:
    """'5,10,15' -> (5.0, 10.0, 15.0)."""
    if value is None:
        return None
    try:
        return tuple(float(v) for v in str(value).replace(" ", "").split(",") if v)
    except ValueError:
        raise click.BadParameter(f"{value!r}: give numbers separated by commas, e.g. 5,10,15", param_hint=name) from None


def _one_or_many(values: tuple[float, ...] | None) -> float | tuple[float, ...] | None:
    if values is None:
        return None
    return values[0] if len(values) == 1 else values


def thresholds(minutes: str | None, dist_m: str | None) -> dict[str, Any]:
    """``--minutes 5,10`` and ``--dist-m 300`` as the library's ``minutes=`` and ``dist_m=``."""
    return {
        "minutes": _one_or_many(numbers(minutes, "--minutes")),
        "dist_m": _one_or_many(numbers(dist_m, "--dist-m")),
    }


def key_values(pairs: Sequence[str]) -> dict[str, Any]:
    """('q=0.8', 'tan_beta=2') -> {'q': 0.8, 'tan_beta': 2.0}; non-numbers stay text."""
    out: dict[str, Any] = {}
    for pair in pairs:
        key, sep, value = pair.partition("=")
        if not sep or not key:
            raise click.BadParameter(f"{pair!r}: use KEY=VALUE, e.g. q=0.8", param_hint="--param")
        try:
            out[key.strip()] = float(value)
        except ValueError:
            out[key.strip()] = value.strip()
    return out


def given(**kwargs: Any) -> dict[str, Any]:
    """The keywords whose value is not None (the others keep the library's default)."""
    return {k: v for k, v in kwargs.items() if v is not None}


# --------------------------------------------------------------------------- help and options


def examples(*lines: str) -> str:
    """An epilog of examples that click prints as written."""
    return "\b\nExamples:\n" + "\n".join(f"  {line}" for line in lines)


def output_opt(default_hint: str) -> Callable:
    """``-o/--output PATH``: where the command writes its result."""
    return click.option(
        "-o",
        "--output",
        required=True,
        metavar="PATH",
        help=f"Where to write ({default_hint}); PATH#LAYER names the layer, postgresql://... writes to PostGIS.",
    )


mode_opt = click.option(
    "--mode", type=click.Choice(["walk", "bike", "drive"]), default="walk", show_default=True, help="Network type."
)
speed_opt = click.option("--speed-kmh", type=float, default=None, help="Travel speed (default: the settings' speed).")
snap_opt = click.option(
    "--max-snap-m", type=float, default=None, help="Points farther than this from a street get no value (NaN)."
)
minutes_opt = click.option("--minutes", default=None, metavar="N[,N...]", help="Time thresholds in minutes, e.g. 5,10,15.")
dist_opt = click.option("--dist-m", default=None, metavar="N[,N...]", help="Distance thresholds in metres instead.")
#: ``on_invalid`` defaults to "fix" everywhere (docs/conventions.md)
on_invalid_opt = click.option(
    "--on-invalid",
    type=click.Choice(["raise", "fix", "drop", "warn"]),
    default="fix",
    show_default=True,
    help="Invalid polygons: stop, repair with make_valid, leave out, or keep (each reported).",
)
