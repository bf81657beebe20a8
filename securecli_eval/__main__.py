"""``python -m securecli_eval ...`` is ``securecli-eval ...``, for environments without the console script."""

import sys

from securecli_eval.cli import main

sys.exit(main())
