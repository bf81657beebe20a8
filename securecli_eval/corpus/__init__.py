"""Training and evaluation data: build train/val/test from public corpora and check them for overlap.

The pipeline (``build.run_build``) loads NL2Bash and tldr-pages, normalises, validates,
instantiates tldr placeholders, removes duplicates, risky and unparsable commands, splits
by group so near-duplicates never straddle splits, and documents every count in a data card.
"""
