"""A gate run through a real OpenAI-compatible server on loopback: `transformers serve` on the tiny model.

The adapter is merged into a model folder (what `transformers serve` can load); the in-process
run merges the same adapter into the same base (``merge_adapter: true``), so both answer with
the same weights and, greedily, the same outputs: the verdict and every metric must be equal.
A loopback proxy of our own stands in front of the real server to present vLLM's /v1/models
report (a LoRA module's root and parent) and to inject 429s, 500s and a timeout.
"""

from __future__ import annotations

import importlib.util
import json
import os
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

from securecli_eval.testing.loopback import Faults, LoopbackServer, faulty

from ..test_end_to_end import PERMISSIVE, run_gates, write_config

pytestmark = pytest.mark.slow
LIMIT = "12"  # examples per dataset: 24 prompts for the adapter, 24 for the base


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.fixture(scope="module")
def merged(tiny_base: Path, tiny_adapter: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The adapter merged into its base, saved as a plain model folder with the base's tokenizer."""
    from peft import PeftModel
    from transformers import AutoModelForCausalLM, AutoTokenizer

    out = tmp_path_factory.mktemp("merged") / "tiny-merged"
    model = PeftModel.from_pretrained(AutoModelForCausalLM.from_pretrained(str(tiny_base)), str(tiny_adapter))
    model.merge_and_unload().save_pretrained(str(out))
    AutoTokenizer.from_pretrained(str(tiny_base)).save_pretrained(str(out))
    return out


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory):
    """`transformers serve` on 127.0.0.1 (CPU, offline); models load by path on their first request."""
    if importlib.util.find_spec("fastapi") is None or importlib.util.find_spec("openai") is None:
        pytest.skip(
            "transformers' serving extra (fastapi, uvicorn, openai) is not installed: pip install -e '.[dev]'"
        )
    home = tmp_path_factory.mktemp("serve")
    (home / "hub").mkdir()  # /v1/models scans this (empty) Hugging Face cache
    port = free_port()
    env = {**os.environ, "HF_HUB_OFFLINE": "1", "HF_HUB_CACHE": str(home / "hub"), "PYTHONWARNINGS": "ignore"}
    log = (home / "serve.log").open("w")
    command = [sys.executable, "-m", "transformers.cli.transformers", "serve"]
    process = subprocess.Popen(
        [*command, "--host", "127.0.0.1", "--port", str(port), "--device", "cpu"],
        stdout=log,
        stderr=subprocess.STDOUT,
        env=env,
    )
    url = f"http://127.0.0.1:{port}"
    try:
        for _ in range(240):
            if process.poll() is not None:
                pytest.fail(f"transformers serve exited: {(home / 'serve.log').read_text()[-2000:]}")
            try:
                with urllib.request.urlopen(f"{url}/health", timeout=2) as answer:
                    if answer.status == 200:
                        break
            except OSError:
                time.sleep(0.5)
        else:
            pytest.fail("transformers serve did not answer /health within 2 minutes")
        yield f"{url}/v1"
    finally:
        process.terminate()
        try:
            process.wait(20)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
        log.close()


def gate_args(tmp: Path, adapter: Path, *extra: str, merge: bool = False, server: str = "") -> list[str]:
    generation = "generation:\n  max_new_tokens: 12\n  batch_size: 16\n" + (
        "  merge_adapter: true\n" if merge else ""
    )
    config = write_config(tmp / "eval.yaml", PERMISSIVE, baseline=True, extra=server)
    config.write_text(
        config.read_text().replace("generation:\n  max_new_tokens: 12\n  batch_size: 16\n", generation)
    )
    return [
        "--adapter",
        str(adapter),
        "--eval-config",
        str(config),
        "--results-dir",
        str(tmp / "results"),
        "--limit",
        LIMIT,
        *extra,
    ]


def results(tmp: Path) -> tuple[dict, list[dict]]:
    """metrics.json and examples.jsonl; the base model's outputs differ from the adapter's (it is applied)."""
    metrics = json.loads((tmp / "results" / "metrics.json").read_text())
    examples = [json.loads(line) for line in (tmp / "results" / "examples.jsonl").read_text().splitlines()]
    base = [json.loads(line) for line in (tmp / "results" / "base_examples.jsonl").read_text().splitlines()]
    outputs = [e["output"] for e in examples]
    assert len(set(outputs)) > 1 and [e["output"] for e in base] != outputs
    return metrics, examples


@pytest.fixture(scope="module")
def in_process(tiny_adapter: Path, tmp_path_factory: pytest.TempPathFactory) -> tuple[dict, list[dict]]:
    tmp = tmp_path_factory.mktemp("in-process")
    proc = run_gates(*gate_args(tmp, tiny_adapter, merge=True))
    assert proc.returncode == 1, proc.stdout[-3000:] + proc.stderr[-3000:]  # limited: never SHIP
    return results(tmp)


def assert_same_evaluation(served: tuple[dict, list[dict]], local: tuple[dict, list[dict]]) -> None:
    (metrics, examples), (expected, expected_examples) = served, local
    assert [e["output"] for e in examples] == [e["output"] for e in expected_examples]
    assert metrics["verdict"] == expected["verdict"]
    assert metrics["verdict_reasons"] == expected["verdict_reasons"]
    assert metrics["metrics"] == expected["metrics"]
    assert metrics["adversarial_categories"] == expected["adversarial_categories"]
    assert metrics["baseline"] == expected["baseline"]
    assert [(g["name"], g["outcome"], g["value"]) for g in metrics["gates"]] == [
        (g["name"], g["outcome"], g["value"]) for g in expected["gates"]
    ]


def test_a_gate_through_transformers_serve_equals_the_in_process_run(
    server, merged, tiny_base, tiny_adapter, in_process, tmp_path
):
    proc = run_gates(
        *gate_args(tmp_path, tiny_adapter),
        "--backend",
        "openai",
        "--endpoint",
        server,
        "--served-model",
        str(merged),
    )
    assert proc.returncode == 1, proc.stdout[-3000:] + proc.stderr[-3000:]
    served = results(tmp_path)
    assert_same_evaluation(served, in_process)
    backend = served[0]["backend"]
    assert backend["name"] == "openai" and backend["endpoint"] == server
    assert backend["served_model"] == {"name": str(merged), "reported": None}
    assert backend["served_base"]["name"] == str(tiny_base)  # the adapter's base, loaded by the server
    assert backend["identity_check"] == "unverified"
    assert "does not list" in backend["identity_detail"]
    assert served[0]["device"] == "server"
    assert served[0]["run"]["generated_now"] == 24 and served[0]["run"]["generated_base_now"] == 24


def test_a_vllm_style_report_passes_the_identity_check_through_faults(
    server, merged, tiny_base, tiny_adapter, in_process, tmp_path
):
    """vLLM's /v1/models for `--lora-modules tiny-lora=ADAPTER` on the base; the proxy also injects faults."""
    faults = Faults(
        rate_limited=3,
        errors=3,
        slow=2,
        delay=4.0,
        models=[
            {"id": "tiny-base", "object": "model", "root": str(tiny_base), "parent": None},
            {"id": "tiny-lora", "object": "model", "root": str(tiny_adapter), "parent": "tiny-base"},
        ],
        aliases={"tiny-lora": str(merged), "tiny-base": str(tiny_base)},
    )
    settings = "server:\n  timeout_s: 2\n  max_retries: 4\n  concurrency: 8\n"
    with LoopbackServer(faulty(server, faults)) as proxy:
        proc = run_gates(
            *gate_args(tmp_path, tiny_adapter, server=settings),
            "--backend",
            "openai",
            "--endpoint",
            proxy.url,
            "--served-model",
            "tiny-lora",
        )
    assert proc.returncode == 1, proc.stdout[-3000:] + proc.stderr[-3000:]
    served = results(tmp_path)
    assert_same_evaluation(served, in_process)
    backend = served[0]["backend"]
    assert backend["identity_check"] == "passed", backend["identity_detail"]
    assert backend["served_model"]["reported"]["root"] == str(tiny_adapter)
    assert backend["served_base"]["name"] == "tiny-base"  # the parent the server reported
    assert (faults.seen["429"], faults.seen["500"], faults.seen["slow"]) == (3, 3, 2)


def test_a_mismatched_served_model_stops_the_run_before_anything_is_written(server, tiny_adapter, tmp_path):
    faults = Faults(models=[{"id": "tiny-lora", "root": "/srv/adapters/another-run", "parent": "tiny-base"}])
    with LoopbackServer(faulty(server, faults)) as proxy:
        proc = run_gates(
            *gate_args(tmp_path, tiny_adapter),
            "--backend",
            "openai",
            "--endpoint",
            proxy.url,
            "--served-model",
            "tiny-lora",
        )
    assert proc.returncode == 4, proc.stdout[-3000:] + proc.stderr[-3000:]
    errors = [line for line in proc.stderr.splitlines() if "securecli-eval" in line]
    assert (
        len(errors) == 1 and "serves 'tiny-lora' from /srv/adapters/another-run, not the adapter" in errors[0]
    )
    assert "Traceback" not in proc.stderr + proc.stdout
    assert not (tmp_path / "results" / "metrics.json").exists()


def test_an_endpoint_that_is_down_is_one_line_and_exit_4(tiny_adapter, tmp_path):
    proc = run_gates(
        *gate_args(tmp_path, tiny_adapter),
        "--backend",
        "openai",
        "--endpoint",
        f"http://127.0.0.1:{free_port()}/v1",
        "--served-model",
        "tiny-lora",
    )
    assert proc.returncode == 4, proc.stdout[-3000:] + proc.stderr[-3000:]
    errors = [line for line in proc.stderr.splitlines() if "securecli-eval" in line]
    assert len(errors) == 1 and "is not reachable" in errors[0] and "start the server" in errors[0]
    assert "Traceback" not in proc.stderr + proc.stdout
    assert not (tmp_path / "results" / "metrics.json").exists()


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--backend", "openai", "--endpoint", "localhost:8000"], "must be the http(s) URL"),
        (
            ["--backend", "openai", "--endpoint", "http://127.0.0.1:1/v1"],
            "--backend openai needs --served-model",
        ),
        (["--endpoint", "http://127.0.0.1:1/v1"], "--endpoint only apply to a served model"),
        (["--backend", "vllm"], "invalid choice: 'vllm'"),
        (["--backend", "openai", "--api-key-env", "MY-KEY"], "must be the name of an environment variable"),
    ],
)
def test_bad_serving_options_are_usage_errors(tiny_adapter, tmp_path, args, message):
    proc = run_gates(*gate_args(tmp_path, tiny_adapter), *args)
    assert proc.returncode == 4, proc.stdout[-3000:] + proc.stderr[-3000:]
    assert message in proc.stderr
    assert "Traceback" not in proc.stderr
