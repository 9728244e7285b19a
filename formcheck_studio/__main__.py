"""``python -m formcheck_studio``."""

import sys

from formcheck_studio.cli import main

sys.exit(main())
