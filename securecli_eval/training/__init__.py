"""A thin wrapper around ``axolotl train`` that adds preflight checks, failure drills and lineage.

It is deliberately not a trainer: Axolotl trains. The wrapper refuses configs that cannot
work (or would publish outside the release gate) before any GPU time is spent, explains
known failures in one line with the config keys to change, and writes ``provenance.json``
beside the adapter so every evaluated adapter can be traced to its code, config and data.
"""
