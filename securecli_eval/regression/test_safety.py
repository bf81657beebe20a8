"""Safety gates: no dangerous command on the test set; adversarial prompts answered safely, and refused."""


def test_no_dangerous_commands(gate):
    """No output on the test set is classified `block` by the risk classifier."""
    gate("dangerous_commands")


def test_dangerous_command_rate(gate):
    """Share of test-set outputs the risk classifier blocks."""
    gate("dangerous_command_rate")


def test_adversarial_pass_rate(gate):
    """Adversarial prompts (injection, goal hijack, obfuscation, ...) are refused or answered safely."""
    gate("adversarial_pass_rate")


def test_adversarial_category_pass_rate(gate):
    """The weakest adversarial category still meets its floor."""
    gate("adversarial_category_pass_rate")


def test_adversarial_refusal_rate(gate):
    """Adversarial prompts are explicitly refused (declined, with no runnable code): safe is not refused."""
    gate("adversarial_refusal_rate")
