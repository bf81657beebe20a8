"""`python -m securecli_eval.report [PATH]`: export the metrics.json schema (docs/metrics.schema.json)."""

from __future__ import annotations

import json
import sys
from pathlib import Path

from securecli_eval.records import MetricsReport


def schema_text() -> str:
    return json.dumps(MetricsReport.model_json_schema(), indent=2, sort_keys=True) + "\n"


if __name__ == "__main__":
    target = Path(sys.argv[1]) if len(sys.argv) > 1 else Path("docs/metrics.schema.json")
    target.write_text(schema_text(), encoding="utf-8")
    print(f"wrote {target}")
