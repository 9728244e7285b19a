"""``python -m formcheck.studio``."""

import sys

from formcheck.studio.cli import main

sys.exit(main())
