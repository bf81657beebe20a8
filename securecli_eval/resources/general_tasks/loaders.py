"""Dataset loaders for the shipped lm-eval tasks: read a JSON file that sits beside this module.

lm-eval calls ``custom_dataset(**metadata, **dataset_kwargs)``; the loaders ignore those and
return a ``DatasetDict`` with one ``test`` split, so tasks resolve from any working directory.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

HERE = Path(__file__).parent


def _load(name: str):
    import datasets

    items = json.loads((HERE / name).read_text(encoding="utf-8"))["items"]
    return datasets.DatasetDict({"test": datasets.Dataset.from_list(items)})


def tldr_which_command(**_: Any):
    return _load("tldr_which_command.json")


def general_knowledge(**_: Any):
    return _load("general_knowledge.json")
