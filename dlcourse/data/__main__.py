"""``python -m dlcourse.data``: see ``dlcourse.data.cli``."""

import sys

from .cli import main

sys.exit(main())
