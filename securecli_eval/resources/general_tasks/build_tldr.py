"""Build ``tldr_which_command.json``: a multiple-choice "which command does this?" set from tldr-pages.

Run once from the project root (``python -m securecli_eval.resources.general_tasks.build_tldr``); the JSON
ships with the package so the general-capability gate needs neither the raw corpus nor the hub.
Each item is one tldr example description; the choices are its command and the commands of
three other pages' examples, in a seeded order. 1,000 items: enough for the default
``general_degradation_max: 0.05`` to be decided (see build_general.py). tldr-pages is CC BY 4.0
(the tldr-pages team and contributors); the attribution travels in the JSON's ``source`` field
and in docs/metrics.md.
"""

from __future__ import annotations

import json
import random
import re
import sys
from pathlib import Path

SOURCE = "tldr-pages (https://github.com/tldr-pages/tldr), CC BY 4.0, by the tldr-pages team and contributors"
PLACEHOLDER = re.compile(r"\{\{(.*?)\}\}")
TARGET = Path(__file__).with_name("tldr_which_command.json")


def readable(command: str) -> str:
    """``cp {{path/to/file}} {{dest}}`` -> ``cp path/to/file dest``: tldr placeholders as plain words."""
    return PLACEHOLDER.sub(lambda m: m.group(1), command)


def build(raw: Path, size: int = 1000, seed: int = 0) -> dict[str, object]:
    pages = []
    with raw.open(encoding="utf-8") as handle:
        for line in handle:
            page = json.loads(line)
            if page["platform"] in {"common", "linux"} and page["examples"]:
                pages.append(page)
    pages.sort(key=lambda p: (p["platform"], p["page"]))
    rng = random.Random(seed)
    chosen = rng.sample(range(len(pages)), size)
    items = []
    for number, index in enumerate(chosen):
        page = pages[index]
        example = page["examples"][rng.randrange(len(page["examples"]))]
        answer = readable(example["command"])
        distractors: list[str] = []
        while len(distractors) < 3:
            other = pages[rng.randrange(len(pages))]
            candidate = readable(other["examples"][rng.randrange(len(other["examples"]))]["command"])
            if other["page"] != page["page"] and candidate != answer and candidate not in distractors:
                distractors.append(candidate)
        choices = [answer, *distractors]
        rng.shuffle(choices)
        items.append(
            {
                "id": f"tldr-{number:03d}",
                "page": f"{page['platform']}/{page['page']}",
                "question": f"Which shell command does this: {example['description'].rstrip('.:')}?",
                "choices": choices,
                "answer": choices.index(answer),
            }
        )
    return {"source": SOURCE, "license": "CC-BY-4.0", "items": items}


if __name__ == "__main__":
    raw = Path(sys.argv[1]) if len(sys.argv) > 1 else Path("data/raw/tldr-pages.jsonl")
    TARGET.write_text(json.dumps(build(raw), indent=1, ensure_ascii=False) + "\n", encoding="utf-8")
    print(f"wrote {TARGET}")
