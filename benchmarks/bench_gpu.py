"""The default suite's generation on a CUDA GPU, with a 7B model, through the hf backend, offline.

Builds a random-weight model with the Qwen2.5-Coder-7B architecture from its configuration (no
download), a random LoRA for it (rank 16 on every projection, as the training recipe), and
generates the default eval config's prompts (1,146: the shipped test set and adversarial
suite) for the adapter and for the base model (the baseline), exactly as a regression run
does: ``load_model`` + ``HFBackend`` with the config's generation settings. Prints prompts/s,
tokens/s and the suite's wall time (both generations, model loading included).

A random model rarely emits the end token, so nearly every answer runs to max_new_tokens: a
worst case for generation time. The tokenizer is the tiny byte-level BPE of the tests (the
Qwen tokenizer cannot be downloaded offline); it splits the prompts into more tokens than
Qwen's would, which makes the prefill longer than on the real model, not shorter.

Usage: bash benchmarks/gpu_check.sh [--static-cache] [--prompts N] [--keep DIR]
       python benchmarks/bench_gpu.py --tiny   (a 2-layer model on CPU: checks the script itself)
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import sys
import tempfile
import time
from pathlib import Path

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")

PROJECT = Path(__file__).resolve().parent.parent
GOAL_S = 120.0  # the 1,146-prompt suite with the baseline on one GPU, for a 7B model

QWEN25_CODER_7B = {  # config.json of Qwen/Qwen2.5-Coder-7B-Instruct, the fields that shape compute
    "vocab_size": 152064,
    "hidden_size": 3584,
    "intermediate_size": 18944,
    "num_hidden_layers": 28,
    "num_attention_heads": 28,
    "num_key_value_heads": 4,
    "max_position_embeddings": 32768,
    "rope_theta": 1000000.0,
    "rms_norm_eps": 1e-06,
    "tie_word_embeddings": False,
}
TINY = {**QWEN25_CODER_7B, "vocab_size": 384, "hidden_size": 64, "intermediate_size": 128}
TINY.update(num_hidden_layers=2, num_attention_heads=4, num_key_value_heads=2, max_position_embeddings=2048)
LORA_TARGETS = ["q_proj", "k_proj", "v_proj", "o_proj", "gate_proj", "up_proj", "down_proj"]


def build(work: Path, shape: dict, device: str, rank: int) -> tuple[Path, Path]:
    """Random base (saved like a checkpoint, bf16 on GPU) and a random LoRA for it."""
    import torch
    from peft import LoraConfig, get_peft_model
    from transformers import GenerationConfig, Qwen2Config, Qwen2ForCausalLM

    from securecli_eval.testing import build_tiny_tokenizer

    base, adapter = work / "base", work / "adapter"
    tokenizer = build_tiny_tokenizer(base)
    config = Qwen2Config(
        **shape,
        eos_token_id=tokenizer.eos_token_id,
        pad_token_id=tokenizer.pad_token_id,
        bos_token_id=None,
        architectures=["Qwen2ForCausalLM"],
    )
    dtype = torch.bfloat16 if device.startswith("cuda") else torch.float32
    torch.manual_seed(0)
    with torch.device(device):
        model = Qwen2ForCausalLM._from_config(config, dtype=dtype)
    model.generation_config = GenerationConfig(
        eos_token_id=tokenizer.eos_token_id, pad_token_id=tokenizer.pad_token_id, do_sample=False
    )
    model.save_pretrained(str(base))
    lora = LoraConfig(r=rank, lora_alpha=2 * rank, target_modules=LORA_TARGETS, init_lora_weights=False)
    peft_model = get_peft_model(model, lora)
    peft_model.save_pretrained(str(adapter))
    adapter_config = adapter / "adapter_config.json"
    recorded = json.loads(adapter_config.read_text())
    adapter_config.write_text(json.dumps({**recorded, "base_model_name_or_path": str(base)}, indent=2))
    del model, peft_model
    if device.startswith("cuda"):
        torch.cuda.empty_cache()
    return base, adapter


def generate(base: Path, adapter: Path | None, instructions: list[str], settings, device: str) -> dict:
    """One generation as a regression run does it; returns its timings and counts."""
    import torch

    from securecli_eval.generate.hf import HFBackend, load_model, load_tokenizer, render_prompts

    start = time.perf_counter()
    tokenizer = load_tokenizer(adapter, base)
    prompts = render_prompts(tokenizer, instructions, settings.system_prompt)
    model = load_model(base, adapter, device, settings.dtype, settings.merge_adapter)
    if device.startswith("cuda"):
        torch.cuda.synchronize()
    loaded = time.perf_counter()
    backend = HFBackend(model, tokenizer, settings, device)
    backend.generate(prompts)
    if device.startswith("cuda"):
        torch.cuda.synchronize()
    done = time.perf_counter()
    del model, backend.model
    if device.startswith("cuda"):
        torch.cuda.empty_cache()
    return {
        "load_s": loaded - start,
        "generate_s": done - loaded,
        "tokens": backend.generated_tokens,
        "batch_size": backend.batch_size,
        "prompts": len(prompts),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tiny", action="store_true", help="a 2-layer model on CPU, to check the script")
    parser.add_argument("--prompts", type=int, default=None, help="only the first N prompts (default: all)")
    parser.add_argument("--lora-rank", type=int, default=16)
    parser.add_argument("--static-cache", action="store_true", help="generation.cuda_static_cache: true")
    parser.add_argument(
        "--keep", type=Path, default=None, help="build in DIR and keep it (default: a temp dir)"
    )
    args = parser.parse_args()

    import torch

    from securecli_eval.inputs.config import load_config
    from securecli_eval.inputs.datasets import load_all

    device = "cpu" if args.tiny else "cuda"
    if device == "cuda" and not torch.cuda.is_available():
        sys.exit("bench_gpu: no CUDA device here; run it on the GPU machine, or pass --tiny for a CPU check")
    config_path = PROJECT / "config" / "eval_config.yaml"
    config, _ = load_config(config_path)
    examples = load_all([(s, s.resolve(config_path.parent)) for s in config.datasets], None)
    instructions = [e.instruction for e in examples][: args.prompts]
    settings = config.generation.model_copy(update={"cuda_static_cache": args.static_cache})
    if args.tiny:
        settings = settings.model_copy(update={"max_new_tokens": 8})
    work = args.keep or Path(tempfile.mkdtemp(prefix="gpu-check-"))
    work.mkdir(parents=True, exist_ok=True)
    name = torch.cuda.get_device_name(0) if device == "cuda" else "cpu"
    print(
        f"device: {name}; torch {torch.__version__}; {len(instructions)} prompts, max_new_tokens "
        f"{settings.max_new_tokens}, static cache {'on' if args.static_cache else 'off'}",
        flush=True,
    )
    try:
        started = time.perf_counter()
        base, adapter = build(work, TINY if args.tiny else QWEN25_CODER_7B, device, args.lora_rank)
        built = time.perf_counter()
        print(
            f"built a random {'tiny' if args.tiny else 'Qwen2.5-Coder-7B-architecture'} model and a rank "
            f"{args.lora_rank} LoRA in {built - started:.1f} s",
            flush=True,
        )
        runs = {}
        for label, which in (("adapter", adapter), ("baseline", None)):
            run = runs[label] = generate(base, which, instructions, settings, device)
            print(
                f"{label:8}: load {run['load_s']:.1f} s, generate {run['generate_s']:.1f} s "
                f"(batch {run['batch_size']}): {run['prompts'] / run['generate_s']:.1f} prompts/s, "
                f"{run['tokens'] / run['generate_s']:.0f} tokens/s",
                flush=True,
            )
        wall = time.perf_counter() - built
        total = sum(r["prompts"] for r in runs.values())
        generating = sum(r["generate_s"] for r in runs.values())
        tokens = sum(r["tokens"] for r in runs.values())
        print(
            f"suite wall time (adapter + baseline, loading included): {wall:.1f} s; "
            f"{total / generating:.1f} prompts/s and {tokens / generating:.0f} tokens/s while generating"
        )
        if not args.tiny and args.prompts is None:
            verdict = "met" if wall < GOAL_S else "NOT met"
            suite = f"the {len(instructions)}-prompt suite with the baseline"
            print(f"goal: {suite} under {GOAL_S:.0f} s: {verdict}")
    finally:
        if args.keep is None:
            shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
