"""Root conftest: keep plain `pytest` runs inside tests/ and regression/.

The securecli-eval plugin itself is registered through the package's `pytest11` entry point
(`pip install -e .`), so it works the same for users who keep their own regression folder.
"""

collect_ignore = ["benchmarks", "data", "configs", "config", "docs", "train", "results", "outputs"]
