"""Data files shipped with the package: eval datasets with their licenses (``data/``) and lm-eval tasks."""
