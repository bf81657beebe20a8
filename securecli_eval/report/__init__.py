"""Reports of a run: building and writing metrics.json and the evidence, rendering report.md and HTML."""
