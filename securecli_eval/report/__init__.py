"""Reports of a run: the metrics.json schema, the writer, and rendering (report.md, HTML extras)."""
