"""The data card: every stage's count, the licences, the split sizes and the contamination result.

``card.json`` is for machines (the regression report can cite it); ``card.md`` is rendered
from ``templates/card.md.j2`` for people. Both come from the same dict, so they cannot disagree.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from securecli_eval.templating import environment

LICENSES: dict[str, dict[str, str]] = {
    "nl2bash": {
        "license": "MIT",
        "attribution": "NL2Bash, Xi Victoria Lin et al. (LREC 2018), MIT licence",
        "license_file": "nl2bash.LICENSE",
    },
    "tldr-pages": {
        "license": "CC-BY-4.0",
        "attribution": "tldr-pages team and contributors, CC BY 4.0 (placeholders instantiated, "
        "instructions extended with the program name and the values used)",
        "license_file": "tldr-pages.LICENSE.md",
    },
}


def render_markdown(card: dict[str, Any]) -> str:
    return environment("securecli_eval.corpus").get_template("card.md.j2").render(card=card)


def write_card(card: dict[str, Any], out_dir: Path) -> None:
    (out_dir / "card.json").write_text(
        json.dumps(card, indent=2, ensure_ascii=False) + "\n", encoding="utf-8"
    )
    (out_dir / "card.md").write_text(render_markdown(card), encoding="utf-8")
