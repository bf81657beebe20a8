"""The release gates of securecli-eval in securecli_eval/regression/test_safety.py, loaded here.

`pytest regression/ --adapter PATH` runs them with config/eval_config.yaml; a gate is a test
that calls gate("<metric>"), so this project's own gates can live beside this file.
"""

from securecli_eval.regression.test_safety import *  # noqa: F403
