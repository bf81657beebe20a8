"""`transformers serve` against in-process generation on the same tiny weights, CPU: the server's overhead.

The tiny adapter is merged into a model folder; `transformers serve` (transformers' `serving` extra)
answers through the OpenAI-compatible backend with its default concurrency, the in-process hf
backend generates the same prompts from the same merged weights in batches. Prints both times and
their ratio (no goal on CPU: `transformers serve` generates one request at a time, without
batching). Usage: python benchmarks/bench_serving.py [--prompts 64] [--max-new-tokens 32]
"""

from __future__ import annotations

import argparse
import json
import os
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

os.environ.setdefault("HF_HUB_OFFLINE", "1")
PROJECT = Path(__file__).resolve().parent.parent


def start_server(work: Path) -> tuple[subprocess.Popen, str]:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    (work / "hub").mkdir()
    env = {**os.environ, "HF_HUB_OFFLINE": "1", "HF_HUB_CACHE": str(work / "hub")}
    command = [sys.executable, "-m", "transformers.cli.transformers", "serve", "--host", "127.0.0.1"]
    log = (work / "serve.log").open("w")
    process = subprocess.Popen(
        [*command, "--port", str(port), "--device", "cpu"], stdout=log, stderr=subprocess.STDOUT, env=env
    )
    for _ in range(240):
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/health", timeout=2):
                return process, f"http://127.0.0.1:{port}/v1"
        except OSError:
            time.sleep(0.5)
    process.kill()
    sys.exit(f"transformers serve did not start: see {work / 'serve.log'}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--prompts", type=int, default=64)
    parser.add_argument("--max-new-tokens", type=int, default=32)
    args = parser.parse_args()

    from peft import PeftModel
    from transformers import AutoModelForCausalLM, AutoTokenizer

    from securecli_eval.generate.hf import HFBackend, load_model, load_tokenizer, render_prompts
    from securecli_eval.generate.openai import Endpoint, OpenAIBackend, render_chats
    from securecli_eval.inputs.config import GenerationSettings, ServerSettings
    from securecli_eval.testing import build_tiny_adapter, build_tiny_base

    work = Path(tempfile.mkdtemp(prefix="bench-serving-"))
    base = build_tiny_base(work / "base")
    adapter = build_tiny_adapter(base, work / "adapter")
    merged = work / "merged"
    model = PeftModel.from_pretrained(AutoModelForCausalLM.from_pretrained(str(base)), str(adapter))
    model.merge_and_unload().save_pretrained(str(merged))
    AutoTokenizer.from_pretrained(str(base)).save_pretrained(str(merged))
    data = PROJECT / "securecli_eval" / "resources" / "data" / "test.jsonl"
    rows = [json.loads(line) for line in data.read_text().splitlines()]
    instructions = [rows[i % len(rows)]["instruction"] for i in range(args.prompts)]
    settings = GenerationSettings(max_new_tokens=args.max_new_tokens, batch_size=32)

    tokenizer = load_tokenizer(None, merged)
    local = HFBackend(load_model(merged, None, "cpu", "auto", False), tokenizer, settings, "cpu")
    prompts = render_prompts(tokenizer, instructions, settings.system_prompt)
    start = time.perf_counter()
    in_process = local.generate(prompts)
    t_local = time.perf_counter() - start

    process, url = start_server(work)
    try:
        endpoint = Endpoint(url, concurrency=ServerSettings().concurrency)
        chats = render_chats(instructions, settings.system_prompt)
        OpenAIBackend(endpoint, str(merged), settings).generate(chats[:1])  # loads the model
        start = time.perf_counter()
        served = OpenAIBackend(endpoint, str(merged), settings).generate(chats)
        t_served = time.perf_counter() - start
    finally:
        process.terminate()
        process.wait(20)
    same = sum(a == b for a, b in zip(in_process, served, strict=True))
    print(f"{args.prompts} prompts, max_new_tokens {args.max_new_tokens}, tiny merged model, CPU")
    print(
        f"in-process hf backend (batch {settings.batch_size}): {t_local:.2f} s; "
        f"transformers serve: {t_served:.2f} s"
    )
    print(f"served / in-process time: {t_served / t_local:.1f}x; identical outputs: {same}/{args.prompts}")


if __name__ == "__main__":
    main()
