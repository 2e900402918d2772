"""urbangeo demo: runs every demo step on data a fresh machine has, writes to ``out/``.

Each ``examples/demo_<step>.py`` exposes ``run(out_dir) -> list[str]``; this script
runs them in order (core first), prints their summaries and exits non-zero if any
step failed. Run it with ``make demo`` (or ``python examples/demo.py --out out``).
"""

from __future__ import annotations

import argparse
import importlib.util
import sys
import time
import traceback
import warnings
from pathlib import Path

import matplotlib

matplotlib.use("Agg")

HERE = Path(__file__).resolve().parent
ORDER = ["core", "accessibility", "lifecircle", "bureau", "subsidence", "landuse", "landuse_change"]


def _steps() -> list[Path]:
    found = {p.stem.removeprefix("demo_"): p for p in HERE.glob("demo_*.py")}
    ordered = [found.pop(k) for k in ORDER if k in found]
    return ordered + [found[k] for k in sorted(found)]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--out", default="out", help="output directory (default: out)")
    parser.add_argument("--only", nargs="*", help="run only these steps (e.g. core accessibility)")
    args = parser.parse_args(argv)
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    failed = []
    for path in _steps():
        name = path.stem.removeprefix("demo_")
        if args.only and name not in args.only:
            continue
        print(f"\n=== {name} ===", flush=True)
        t0 = time.perf_counter()
        try:
            spec = importlib.util.spec_from_file_location(f"urbangeo_demo_{name}", path)
            module = importlib.util.module_from_spec(spec)
            spec.loader.exec_module(module)
            with warnings.catch_warnings():
                warnings.simplefilter("default")
                lines = module.run(out)
        except Exception:
            traceback.print_exc()
            failed.append(name)
            continue
        for line in lines:
            print(f"  {line}")
        print(f"  ({time.perf_counter() - t0:.1f} s)")
    print(f"\nresults in {out.resolve()}:")
    for p in sorted(out.iterdir()):
        if p.is_file():
            print(f"  {p.name:<40} {p.stat().st_size / 1024:8.0f} kB")
    if failed:
        print(f"\nFAILED steps: {', '.join(failed)}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
