"""What each pipeline stage reports, so the data card can show every count and why examples left."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field


@dataclass(frozen=True)
class StageReport:
    """Counts of one stage: in, out, removed by reason; ``skipped`` says why a stage did not run."""

    name: str
    description: str
    count_in: int
    count_out: int
    removed: Counter[str] = field(default_factory=Counter)
    skipped: str = ""
    notes: dict[str, object] = field(default_factory=dict)

    def as_dict(self) -> dict[str, object]:
        return {
            "name": self.name,
            "description": self.description,
            "in": self.count_in,
            "out": self.count_out,
            "removed": dict(sorted(self.removed.items(), key=lambda kv: (-kv[1], kv[0]))),
            "skipped": self.skipped,
            "notes": self.notes,
        }
