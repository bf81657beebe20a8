"""``python -m train CONFIG.yaml ...``: this repository's entry point over ``securecli-train``.

The training wrapper itself is ``securecli_eval.training`` (installed with the package);
this folder only keeps the familiar ``python -m train`` command working in a checkout.
"""

from securecli_eval.training.cli import main

if __name__ == "__main__":
    raise SystemExit(main())
