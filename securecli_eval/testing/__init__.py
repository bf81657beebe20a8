"""Tiny real models for tests, the demo and users' own CI: the loading code stays real, the model is small."""

from securecli_eval.testing.tiny import build_tiny_adapter, build_tiny_base, build_tiny_tokenizer

__all__ = ["build_tiny_adapter", "build_tiny_base", "build_tiny_tokenizer"]
