"""Typed errors of the package.

Every error a user can cause is one of these; its message is one line that says what
is wrong, where, and what to do. The pytest plugin and the CLI turn them into a usage
error (exit code 4 in pytest, 2 in the CLI) instead of a traceback.
"""

from __future__ import annotations


class SecureCliError(Exception):
    """Base of every user-facing error: str(error) is the whole one-line message."""


class ConfigError(SecureCliError):
    """A configuration file (the eval config, the risk rules) is missing, malformed, or has a wrong key."""


class DataError(SecureCliError):
    """A dataset file is missing or a line of it is malformed (the message names file:line)."""


class AdapterError(SecureCliError):
    """The adapter folder is missing, incomplete, corrupt, or does not fit its base model."""


class ModelError(SecureCliError):
    """The base model cannot be found or loaded."""


class SandboxUnavailable(SecureCliError):
    """Linux namespaces cannot be used here, so nothing can be executed safely."""


class PublishRefused(SecureCliError):
    """Publishing was refused because the evidence does not prove a green suite for this adapter."""
