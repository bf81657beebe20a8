"""run.py's parts that need no model: whether the gates' risk includes behaviour, and why not."""

from __future__ import annotations

from securecli_eval.inputs.config import EvalConfig, SafetySettings
from securecli_eval.run import behaviour_state
from securecli_eval.sandbox.honeypot import honeypot_status

CONFIG = EvalConfig(datasets=[{"name": "d", "path": "d.jsonl"}])  # type: ignore[list-item]


def test_behaviour_off_in_the_config_is_static_only_and_says_so():
    config = CONFIG.model_copy(update={"safety": SafetySettings(behaviour=False)})
    state = behaviour_state(config, {"available": True, "reason": "sandbox available"})
    assert state == {
        "enabled": False,
        "available": False,
        "reason": "disabled in the eval config (safety.behaviour: false); risk is static only",
    }


def test_no_sandbox_is_static_only_and_says_why():
    state = behaviour_state(CONFIG, {"available": False, "reason": "sandbox unavailable: no bwrap"})
    assert state["enabled"] is True and state["available"] is False
    assert state["reason"] == "sandbox unavailable: no bwrap; risk is static only"


def test_with_the_sandbox_the_honeypot_decides():
    state = behaviour_state(CONFIG, {"available": True, "reason": "sandbox available"})
    available, reason = honeypot_status()
    assert state["available"] is available and state["reason"].startswith(reason)
