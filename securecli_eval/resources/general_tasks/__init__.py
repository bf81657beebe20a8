"""lm-eval custom tasks shipped with securecli-eval: YAMLs over local JSON files, no hub access.

``TaskManager(include_path=<this folder>)`` finds the YAMLs; each names a loader in
``loaders.py`` (``custom_dataset: !function loaders.NAME``) that reads its JSON beside it.
"""

from __future__ import annotations

from pathlib import Path

TASKS_DIR = Path(__file__).parent
