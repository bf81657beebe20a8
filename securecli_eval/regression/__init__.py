"""The release gates, shipped with the package: one ordinary pytest test per gate.

Run them from any directory with ``pytest --pyargs securecli_eval.regression --adapter PATH``,
or through a project's ``regression/`` folder of thin loaders (``securecli-eval init`` writes
it), which keeps room for the project's own gate tests beside these.
"""
