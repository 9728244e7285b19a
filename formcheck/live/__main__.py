"""``python -m formcheck.live --exercise squat [--camera 0|PATH] ...``"""

import sys

from formcheck.live.app import main

sys.exit(main())
