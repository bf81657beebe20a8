"""General capability: the adapter keeps what the base model could do (lm-eval, extra `[general]`)."""


def test_general_degradation(gate):
    """No lm-eval task score drops more than `general_degradation_max` against the base model."""
    gate("general_degradation")
