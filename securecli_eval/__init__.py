"""securecli-eval: an evaluation-first release gate for natural-language-to-bash LoRA adapters."""

__version__ = "0.1.0"
