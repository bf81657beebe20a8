"""Build a tiny Qwen2 base model, its tokenizer and LoRA adapters locally and deterministically.

No hub access: the tokenizer is a byte-level BPE trained here on a fixed corpus, the model
is ``Qwen2ForCausalLM`` with 2 layers and hidden size 64, initialised from a seed. The
result has the same files and loading path as a real checkpoint (config.json,
model.safetensors, tokenizer.json with a chat template), so everything downstream is
exercised for real, only faster.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from pathlib import Path

CHAT_TEMPLATE = (
    "{% for message in messages %}"
    "{{ '<|im_start|>' + message['role'] + '\n' + message['content'] + '<|im_end|>' + '\n' }}"
    "{% endfor %}"
    "{% if add_generation_prompt %}{{ '<|im_start|>assistant\n' }}{% endif %}"
)
SPECIAL_TOKENS = ["<|endoftext|>", "<|im_start|>", "<|im_end|>"]

_CORPUS = [
    "ls -la",
    "find . -name '*.txt' -type f",
    "grep -rn error logs/",
    "tar -czf backup.tar.gz docs/",
    "du -sh *",
    "wc -l data.csv",
    "sort names.txt | uniq -c",
    "cat file.txt | head -n 5",
    "chmod 644 notes.md",
    "mkdir -p build/output",
    "cp -r src dst",
    "echo hello world",
    "awk -F, '{print $2}' data.csv",
    "sed -i 's/foo/bar/g' config.ini",
    "ps aux | grep python",
    "List all files in the current directory including hidden ones.",
    "Count the lines of every text file and print the total.",
    "Show the disk usage of each folder in a human readable form.",
    "I can't help with that request because it could damage the system.",
]


def _corpus() -> Iterable[str]:
    for _ in range(20):
        yield from _CORPUS


def build_tiny_tokenizer(out_dir: str | Path, vocab_size: int = 384):
    """Train a byte-level BPE with a Qwen-style chat template and save it to ``out_dir``."""
    from tokenizers import Tokenizer, decoders, models, pre_tokenizers, trainers
    from transformers import PreTrainedTokenizerFast

    tokenizer = Tokenizer(models.BPE())
    tokenizer.pre_tokenizer = pre_tokenizers.ByteLevel(add_prefix_space=False)
    tokenizer.decoder = decoders.ByteLevel()
    trainer = trainers.BpeTrainer(
        vocab_size=vocab_size,
        special_tokens=SPECIAL_TOKENS,
        initial_alphabet=pre_tokenizers.ByteLevel.alphabet(),
        show_progress=False,
    )
    tokenizer.train_from_iterator(_corpus(), trainer=trainer)
    wrapped = PreTrainedTokenizerFast(
        tokenizer_object=tokenizer,
        eos_token="<|im_end|>",
        pad_token="<|endoftext|>",
        chat_template=CHAT_TEMPLATE,
    )
    wrapped.padding_side = "left"
    wrapped.save_pretrained(str(out_dir))
    return wrapped


def build_tiny_base(out_dir: str | Path, seed: int = 0, hidden_size: int = 64, layers: int = 2) -> Path:
    """Create a tiny ``Qwen2ForCausalLM`` with its tokenizer in ``out_dir`` and return the folder."""
    import torch
    from transformers import GenerationConfig, Qwen2Config, Qwen2ForCausalLM

    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    tokenizer = build_tiny_tokenizer(out)
    config = Qwen2Config(
        vocab_size=len(tokenizer),
        hidden_size=hidden_size,
        intermediate_size=hidden_size * 2,
        num_hidden_layers=layers,
        num_attention_heads=4,
        num_key_value_heads=2,
        max_position_embeddings=1024,
        tie_word_embeddings=True,
        eos_token_id=tokenizer.eos_token_id,
        pad_token_id=tokenizer.pad_token_id,
        bos_token_id=None,
    )
    torch.manual_seed(seed)
    model = Qwen2ForCausalLM(config)
    model.generation_config = GenerationConfig(
        eos_token_id=tokenizer.eos_token_id, pad_token_id=tokenizer.pad_token_id, do_sample=False
    )
    model.save_pretrained(str(out))
    return out


def build_tiny_adapter(
    base_dir: str | Path,
    out_dir: str | Path,
    seed: int = 1,
    rank: int = 8,
    target_modules: Sequence[str] = ("q_proj", "v_proj"),
    train_pairs: Sequence[tuple[str, str]] = (),
    train_steps: int = 0,
    system_prompt: str | None = None,
) -> Path:
    """Create a LoRA adapter for the tiny base with peft and save it to ``out_dir``.

    The LoRA weights start random (not the usual zero ``B``) so the adapter changes the
    model's outputs. With ``train_pairs`` and ``train_steps`` it is fitted for a few steps
    on (instruction, command) pairs through the chat template, so it emits command-like text.
    """
    import torch
    from peft import LoraConfig, get_peft_model
    from transformers import AutoModelForCausalLM, AutoTokenizer

    torch.manual_seed(seed)
    model = AutoModelForCausalLM.from_pretrained(str(base_dir))
    config = LoraConfig(
        r=rank,
        lora_alpha=rank * 2,
        target_modules=list(target_modules),
        lora_dropout=0.0,
        task_type="CAUSAL_LM",
        init_lora_weights=False,
    )
    peft_model = get_peft_model(model, config)
    if train_pairs and train_steps:
        tokenizer = AutoTokenizer.from_pretrained(str(base_dir))
        _fit(peft_model, tokenizer, train_pairs, train_steps, system_prompt)
    out = Path(out_dir)
    peft_model.save_pretrained(str(out))
    # peft records the base path as given; store it absolute so the adapter works from any cwd
    config_path = out / "adapter_config.json"
    data = json.loads(config_path.read_text())
    data["base_model_name_or_path"] = str(Path(base_dir).resolve())
    config_path.write_text(json.dumps(data, indent=2, sort_keys=True))
    return out


def _fit(model, tokenizer, pairs: Sequence[tuple[str, str]], steps: int, system_prompt: str | None) -> None:
    """A few steps of supervised fine-tuning on the assistant turn only (enough for a demo)."""
    import torch

    from securecli_eval.inputs.prompts import SYSTEM_PROMPT

    system = system_prompt or SYSTEM_PROMPT
    rows = []
    for instruction, command in pairs:
        messages = [{"role": "system", "content": system}, {"role": "user", "content": instruction}]
        prompt = tokenizer.apply_chat_template(messages, tokenize=False, add_generation_prompt=True)
        prompt_ids = tokenizer(prompt, add_special_tokens=False)["input_ids"]
        answer_ids = tokenizer(command + "<|im_end|>", add_special_tokens=False)["input_ids"]
        ids = (prompt_ids + answer_ids)[-256:]
        labels = ([-100] * len(prompt_ids) + answer_ids)[-256:]
        rows.append((ids, labels))
    optimizer = torch.optim.AdamW([p for p in model.parameters() if p.requires_grad], lr=5e-3)
    model.train()
    generator = torch.Generator().manual_seed(0)
    for _ in range(steps):
        batch = [rows[i] for i in torch.randint(len(rows), (8,), generator=generator).tolist()]
        width = max(len(ids) for ids, _ in batch)
        input_ids = torch.tensor([[tokenizer.pad_token_id] * (width - len(i)) + i for i, _ in batch])
        labels = torch.tensor([[-100] * (width - len(lab)) + lab for _, lab in batch])
        mask = torch.tensor([[0] * (width - len(i)) + [1] * len(i) for i, _ in batch])
        loss = model(input_ids=input_ids, attention_mask=mask, labels=labels).loss
        loss.backward()
        optimizer.step()
        optimizer.zero_grad()
    model.eval()
