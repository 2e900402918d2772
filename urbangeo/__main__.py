"""``python -m urbangeo``: the command line, where the ``urbangeo`` script is not on PATH (e.g. QGIS)."""

import sys

from .cli import main

sys.exit(main())
