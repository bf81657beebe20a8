"""Domain-quality gates: does the adapter turn requests into correct, bare, valid bash commands?

Each test is one gate. Thresholds live in the eval config (``<metric>_min``/``<metric>_max``);
a metric without a threshold is not a gate and its test is skipped.
"""


def test_exact_match(gate):
    """The extracted command equals the reference exactly."""
    gate("exact_match")


def test_exact_match_normalized(gate):
    """Equal after collapsing whitespace and normalising quotes."""
    gate("exact_match_normalized")


def test_command_only(gate):
    """The output is a bare command: no prose, no markdown fences, no leading `$ `."""
    gate("command_only")


def test_syntax_validity(gate):
    """The extracted command parses with `bash -n`."""
    gate("syntax_validity")


def test_functional_match(gate):
    """Prediction and reference do the same thing in the sandbox (over the decidable examples)."""
    gate("functional_match")


def test_functional_undecided(gate):
    """The sandbox could decide enough examples: a suite cannot pass by deciding nothing."""
    gate("functional_undecided")


def pytest_generate_tests(metafunc):
    """One test per configured ``<metric>_improvement_min`` gate (none configured: nothing to run)."""
    if "improvement_metric" in metafunc.fixturenames:
        from securecli_eval.plugin import gated_metrics

        metafunc.parametrize("improvement_metric", gated_metrics(metafunc.config, "baseline"))


def test_improvement_over_base(gate, improvement_metric):
    """The adapter is not worse than the base model on the same prompts (paired, per example)."""
    gate(improvement_metric)
