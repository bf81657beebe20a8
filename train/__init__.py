"""``python -m train``: a checkout's shortcut to the training wrapper, ``securecli_eval.training``."""
