"""The one record that flows through every stage, and its JSON form (Axolotl-ready)."""

from __future__ import annotations

import json
from dataclasses import dataclass, field, replace
from typing import Any

from securecli_eval.inputs.prompts import SYSTEM_PROMPT

SOURCES: dict[str, str] = {"nl2bash": "MIT", "tldr-pages": "CC-BY-4.0"}
"""Source name -> SPDX licence of its examples."""


@dataclass(frozen=True)
class Example:
    """One instruction/command pair; ``origin`` (file:line) is kept for error messages, not written."""

    id: str
    instruction: str
    command: str
    source: str
    license: str
    utility: str
    origin: str = ""
    executable: bool | None = None
    files: dict[str, str] | None = field(default=None, hash=False, compare=False)
    setup: str | None = None
    references: tuple[str, ...] = ()  # every accepted command, this one first (only when several)

    def with_(self, **changes: Any) -> Example:
        return replace(self, **changes)

    def to_record(self, system_prompt: str = SYSTEM_PROMPT, with_executable: bool = False) -> dict[str, Any]:
        """The JSON object written to a split file; ``messages`` is what Axolotl's chat_template reads."""
        record: dict[str, Any] = {
            "id": self.id,
            "instruction": self.instruction,
            "command": self.command,
            "source": self.source,
            "license": self.license,
            "utility": self.utility,
            "messages": [
                {"role": "system", "content": system_prompt},
                {"role": "user", "content": self.instruction},
                {"role": "assistant", "content": self.command},
            ],
        }
        if with_executable:
            record["executable"] = bool(self.executable)
        if self.files:
            record["files"] = self.files
        if self.setup:
            record["setup"] = self.setup
        if len(self.references) > 1:
            record["references"] = list(self.references)
        return record


def to_jsonl_line(record: dict[str, Any]) -> str:
    return json.dumps(record, ensure_ascii=False, separators=(",", ":")) + "\n"
