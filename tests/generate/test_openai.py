"""The OpenAI-compatible client and the served model's identity check, against loopback servers."""

from __future__ import annotations

import json
import shutil
import socket
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from securecli_eval.errors import AdapterError, ConfigError, ModelError
from securecli_eval.generate.cache import cache_key
from securecli_eval.generate.openai import (
    BACKOFF_CAP_S,
    RETRY_AFTER_CAP_S,
    ChatClient,
    Endpoint,
    OpenAIBackend,
    ServedModel,
    _Local,
    backoff_s,
    check_identity,
    render_chats,
    shown_url,
)
from securecli_eval.inputs.adapter import inspect_adapter
from securecli_eval.inputs.base_model import base_fingerprint
from securecli_eval.inputs.config import GenerationSettings
from securecli_eval.inputs.prompts import chat_messages
from securecli_eval.testing.loopback import Faults, LoopbackServer, faulty, instant

CHAT = [{"role": "user", "content": "list files"}]


def closed_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


# ---------------------------------------------------------------- small pure parts


@given(st.integers(0, 50), st.floats(0, 1))
def test_backoff_grows_but_stays_capped(attempt, jitter):
    delay = backoff_s(attempt, None, jitter)
    assert 0 < delay <= BACKOFF_CAP_S
    assert delay <= backoff_s(attempt + 1, None, 1.0) or delay == BACKOFF_CAP_S


@given(st.one_of(st.floats(-1e9, 1e9, allow_nan=False).map(str), st.text(max_size=20)))
def test_retry_after_is_honoured_within_bounds(header):
    assert 0 <= backoff_s(3, header, 0.5) <= max(RETRY_AFTER_CAP_S, BACKOFF_CAP_S)


def test_retry_after_seconds_are_used_as_given():
    assert backoff_s(0, "2", 0.0) == 2.0
    assert backoff_s(0, "86400", 0.0) == RETRY_AFTER_CAP_S


def test_shown_url_drops_credentials_query_and_fragment():
    assert shown_url("https://user:s3cret@gpu-box:8000/v1/?token=abc#x") == "https://gpu-box:8000/v1"
    assert shown_url("http://[::1]:9/v1") == "http://[::1]:9/v1"


def test_chats_carry_the_same_system_prompt_and_messages_as_the_hf_path():
    settings = GenerationSettings()
    (chat,) = render_chats(["show disk usage"], settings.system_prompt)
    assert json.loads(chat) == chat_messages("show disk usage", settings.system_prompt)


def test_cache_keys_never_mix_backends_or_servers():
    settings = GenerationSettings()
    endpoint = Endpoint("http://127.0.0.1:8000/v1")
    vllm = ServedModel(endpoint, "lora", {"id": "lora", "root": "/a", "parent": "base"})
    keys = {
        cache_key("fp", "sha", "p", settings),
        cache_key("fp", "sha", "p", settings, vllm.cache_identity()),
        cache_key("fp", "sha", "p", settings, ServedModel(endpoint, "other", None).cache_identity()),
        cache_key(
            "fp", "sha", "p", settings, ServedModel(Endpoint("http://h:1/v1"), "lora", None).cache_identity()
        ),
        cache_key("fp", "sha", "p", settings, ServedModel(endpoint, "lora", {"root": "/b"}).cache_identity()),
    }
    assert len(keys) == 5


# ---------------------------------------------------------------- the client on loopback


def test_stream_returns_every_completion_once_and_sends_greedy_requests():
    log: list = []
    with LoopbackServer(instant([{"id": "m"}], reply="  ls -la \n", log=log)) as server:
        backend = OpenAIBackend(
            Endpoint(server.url, concurrency=4), "m", GenerationSettings(max_new_tokens=7)
        )
        prompts = render_chats([f"request {i}" for i in range(25)], "system")
        outputs = backend.generate(prompts)
    assert outputs == ["ls -la"] * 25
    assert backend.generated_tokens == 75
    bodies = [json.loads(body) for path, _, body in log if path.endswith("/chat/completions")]
    assert len(bodies) == 25
    assert {b["messages"][1]["content"] for b in bodies} == {f"request {i}" for i in range(25)}
    assert all(b["temperature"] == 0 and b["max_tokens"] == 7 and b["model"] == "m" for b in bodies)


def test_api_key_is_sent_as_a_header_and_never_shown(monkeypatch):
    monkeypatch.setenv("MY_SERVER_KEY", "sk-very-secret")
    log: list = []
    with LoopbackServer(instant([{"id": "m"}], log=log)) as server:
        client = ChatClient(Endpoint(server.url, api_key_env="MY_SERVER_KEY", key_required=True))
        client.complete("m", CHAT, 4)
        assert "sk-very-secret" not in repr(client)
    assert log[-1][1]["authorization"] == "Bearer sk-very-secret"


def test_a_named_key_variable_that_is_unset_is_a_one_line_error(monkeypatch):
    monkeypatch.delenv("MISSING_KEY", raising=False)
    with pytest.raises(ConfigError, match="MISSING_KEY: that environment variable is not set"):
        ChatClient(Endpoint("http://127.0.0.1:1/v1", api_key_env="MISSING_KEY", key_required=True))


def test_an_endpoint_that_is_down_fails_at_once_in_one_line():
    client = ChatClient(Endpoint(f"http://127.0.0.1:{closed_port()}/v1"))
    with pytest.raises(ModelError, match="is not reachable") as error:
        client.models()
    assert "\n" not in str(error.value)


def test_rate_limits_errors_and_timeouts_are_retried_until_the_answer_comes():
    faults = Faults(rate_limited=2, errors=2, slow=1, delay=1.5, retry_after="0")
    with (
        LoopbackServer(instant([{"id": "m"}], reply="echo ok")) as upstream,
        LoopbackServer(faulty(upstream.url, faults)) as proxy,
    ):
        client = ChatClient(Endpoint(proxy.url, concurrency=1, timeout_s=0.5, max_retries=6))
        results = list(client.stream("m", [CHAT] * 3, 4))
    assert sorted(i for i, _ in results) == [0, 1, 2]
    assert {c.text for _, c in results} == {"echo ok"}
    assert (faults.seen["429"], faults.seen["500"], faults.seen["slow"]) == (2, 2, 1)


def test_retries_give_up_with_one_line_that_says_what_happened():
    faults = Faults(errors=100)
    with (
        LoopbackServer(instant([{"id": "m"}])) as upstream,
        LoopbackServer(faulty(upstream.url, faults)) as proxy,
    ):
        client = ChatClient(Endpoint(proxy.url, max_retries=2))
        with pytest.raises(ModelError, match=r"failed 3 times \(last: HTTP 500") as error:
            client.complete("m", CHAT, 4)
    assert "\n" not in str(error.value)
    assert faults.seen["500"] == 3


def test_a_client_error_is_not_retried_and_stops_the_rest():
    log: list = []
    with LoopbackServer(instant([{"id": "m"}], log=log)) as server:
        client = ChatClient(Endpoint(server.url, concurrency=2))
        with pytest.raises(ModelError, match="model 'unknown' not found \\(HTTP 404"):
            list(client.stream("unknown", [CHAT] * 200, 4))
    assert len(log) < 200  # cancelled, not sent


# ---------------------------------------------------------------- identity


@pytest.fixture(scope="module")
def local(tiny_base: Path, tiny_adapter: Path) -> _Local:
    return _Local(inspect_adapter(tiny_adapter), str(tiny_base), tiny_base, base_fingerprint(tiny_base))


def vllm_listing(base: str, lora_root: str, lora_parent: str | None = None) -> list[dict]:
    """What vLLM's GET /v1/models answers for `vllm serve BASE --lora-modules tiny=ROOT`."""
    return [
        {"id": base, "object": "model", "root": base, "parent": None, "max_model_len": 1024},
        {"id": "tiny", "object": "model", "root": lora_root, "parent": lora_parent or base},
    ]


ENDPOINT = Endpoint("http://127.0.0.1:8000/v1")


def test_identity_passes_when_the_server_reports_this_adapter_on_this_base(local):
    models = vllm_listing(str(local.base_dir), str(local.adapter.path))
    identity = check_identity(models, ENDPOINT, "tiny", None, local, baseline=True)
    assert identity.passed, identity.detail
    assert identity.adapter.reported["root"] == str(local.adapter.path)
    assert identity.base is not None and identity.base.name == str(local.base_dir)


def test_identity_passes_for_a_copy_of_the_adapter_with_the_same_files(local, tmp_path):
    copy = shutil.copytree(local.adapter.path, tmp_path / "copy")
    identity = check_identity(vllm_listing(local.base_name, str(copy)), ENDPOINT, "tiny", None, local, True)
    assert identity.passed


def test_a_different_adapter_is_refused(local, tmp_path):
    other = shutil.copytree(local.adapter.path, tmp_path / "other")
    (other / "adapter_config.json").write_text(
        (other / "adapter_config.json").read_text().replace('"r": 8', '"r": 9')
    )
    with pytest.raises(AdapterError, match="serves 'tiny' from .*other, not the adapter"):
        check_identity(vllm_listing(local.base_name, str(other)), ENDPOINT, "tiny", None, local, True)
    with pytest.raises(AdapterError, match="not the adapter"):
        check_identity(
            vllm_listing(local.base_name, "/remote/elsewhere"), ENDPOINT, "tiny", None, local, True
        )


def test_the_adapter_on_another_base_is_refused(local):
    models = vllm_listing("Qwen/Qwen2.5-Coder-7B-Instruct", str(local.adapter.path))
    with pytest.raises(AdapterError, match="on the base 'Qwen/Qwen2.5-Coder-7B-Instruct', not on"):
        check_identity(models, ENDPOINT, "tiny", None, local, False)


def test_serving_the_base_under_the_adapters_name_is_refused(local):
    models = [{"id": "tiny", "root": str(local.base_dir)}]
    with pytest.raises(AdapterError, match="the base model itself"):
        check_identity(models, ENDPOINT, "tiny", None, local, False)


def test_a_baseline_model_that_is_not_the_base_is_refused(local, tmp_path):
    models = vllm_listing(local.base_name, str(local.adapter.path)) + [{"id": "b2", "root": "/other/base"}]
    with pytest.raises(AdapterError, match="'b2' \\(the baseline\\) from /other/base"):
        check_identity(models, ENDPOINT, "tiny", "b2", local, True)


def test_a_server_that_reports_nothing_leaves_the_run_unverified(local):
    unlisted = check_identity([], ENDPOINT, "tiny", None, local, True)
    assert not unlisted.passed and "does not list 'tiny'" in unlisted.detail
    bare = check_identity([{"id": "tiny", "object": "model"}], ENDPOINT, "tiny", None, local, False)
    assert not bare.passed and "reports no path" in bare.detail
    merged = check_identity([{"id": "tiny", "root": "/srv/merged"}], ENDPOINT, "tiny", None, local, False)
    assert not merged.passed and "full model" in merged.detail
