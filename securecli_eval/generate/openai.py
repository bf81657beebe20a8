"""Serving engines (vLLM, SGLang, TGI, ``transformers serve``) as a generation backend.

Any OpenAI-compatible server answers the same chats the in-process path renders (the system
prompt and the request, ``inputs/prompts.chat_messages``), greedily (``temperature`` 0,
``max_tokens`` from the config), through a bounded pool of concurrent requests that retries
429 and 5xx answers and timeouts with exponential backoff. Completions are handed back as
each one finishes, so a caller can store them before the next arrives.

The served model's identity is taken from the server, not from its name: ``/v1/models``
reports where each model's weights came from (vLLM: a LoRA module's ``root`` path and its
``parent`` base). A reported path or base that is not the adapter and base being gated is
an error; a server that reports nothing (``transformers serve``, SGLang, TGI) leaves the
run unverified, which metrics.json records and publish refuses.

The API key is read from the environment when the client is built and only ever sent as
the ``Authorization`` header: it is never logged, printed, put in an error or written.
"""

from __future__ import annotations

import asyncio
import json
import math
import os
import queue
import random
import threading
import time
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit, urlunsplit

from securecli_eval.errors import AdapterError, ConfigError, ModelError
from securecli_eval.inputs.adapter import AdapterInfo, adapter_sha256
from securecli_eval.inputs.base_model import base_fingerprint
from securecli_eval.inputs.config import GenerationSettings
from securecli_eval.inputs.prompts import chat_messages

RETRY_STATUS = frozenset({408, 409, 425, 429, 500, 502, 503, 504})
BATCH_SIZE = 64  # completions handed to the cache at once, at most
BATCH_SECONDS = 1.0  # and at least this often while completions arrive
BACKOFF_BASE_S, BACKOFF_CAP_S, RETRY_AFTER_CAP_S = 0.5, 30.0, 60.0
REPORTED_FIELDS = ("id", "root", "parent", "owned_by", "object", "max_model_len")
LOOPBACK = {"127.0.0.1", "localhost", "::1"}


def shown_url(url: str) -> str:
    """The endpoint as it may be printed and recorded: without user:password@, query or fragment."""
    parts = urlsplit(url)
    host = parts.hostname or ""
    netloc = f"[{host}]" if ":" in host else host
    if parts.port:
        netloc += f":{parts.port}"
    return urlunsplit((parts.scheme, netloc, parts.path.rstrip("/"), "", ""))


@dataclass(frozen=True)
class Endpoint:
    """Where the server is and how to talk to it; the key itself is read only by ``ChatClient``."""

    url: str
    api_key_env: str = "OPENAI_API_KEY"
    key_required: bool = False  # --api-key-env NAME given: NAME must be set
    concurrency: int = 128  # the defaults of the eval config's server: section
    timeout_s: float = 300.0
    max_retries: int = 5

    @property
    def shown(self) -> str:
        return shown_url(self.url)


@dataclass(frozen=True)
class Completion:
    text: str
    completion_tokens: int | None = None


def _one_line(text: str, limit: int = 200) -> str:
    line = " ".join(text.split())
    return line if len(line) <= limit else line[: limit - 3] + "..."


def backoff_s(attempt: int, retry_after: str | None, jitter: float) -> float:
    """Seconds before retry ``attempt`` (0-based): the server's Retry-After, else capped exponential."""
    if retry_after is not None:
        try:
            seconds = float(retry_after)
        except ValueError:
            seconds = math.nan  # an HTTP date: fall back to our own schedule
        if math.isfinite(seconds):  # "nan" and "inf" parse as floats but are no delay
            return min(max(seconds, 0.0), RETRY_AFTER_CAP_S)
    return min(BACKOFF_CAP_S, BACKOFF_BASE_S * 2**attempt) * (0.5 + jitter / 2)


class ChatClient:
    """Chat completions against one endpoint: retries, timeouts, and at most ``concurrency`` in flight.

    Requests run on one asyncio event loop in a background thread (hundreds in flight cost no
    threads); ``stream`` hands each completion to the caller's thread as it arrives.
    """

    def __init__(self, endpoint: Endpoint):
        key = os.environ.get(endpoint.api_key_env) or None
        if endpoint.key_required and key is None:
            raise ConfigError(
                f"--api-key-env {endpoint.api_key_env}: that environment variable is not set; "
                f"export it or leave the option out"
            )
        self.endpoint = endpoint
        self._headers = {"authorization": f"Bearer {key}"} if key else {}

    def __repr__(self) -> str:
        return f"ChatClient({self.endpoint.shown})"

    def _session(self) -> Any:
        import aiohttp

        endpoint = self.endpoint
        return aiohttp.ClientSession(
            headers=self._headers,
            timeout=aiohttp.ClientTimeout(
                total=endpoint.timeout_s, sock_connect=min(10.0, endpoint.timeout_s)
            ),
            connector=aiohttp.TCPConnector(limit=endpoint.concurrency),
            trust_env=urlsplit(endpoint.url).hostname not in LOOPBACK,  # no proxy in front of loopback
        )

    def _url(self, path: str) -> str:
        return self.endpoint.url.rstrip("/") + path

    def _refused(self, status: int, detail: str, what: str) -> ModelError:
        where = f"endpoint {self.endpoint.shown}"
        if status in (401, 403):
            return ModelError(
                f"{where} refused the credentials (HTTP {status}) for {what}; "
                f"set {self.endpoint.api_key_env} or pass --api-key-env NAME"
            )
        if status == 404:
            return ModelError(
                f"{where}: {what} not found (HTTP 404: {detail}); check --endpoint (it ends in /v1) "
                f"and --served-model against the server's GET /v1/models"
            )
        return ModelError(f"{where} rejected {what} (HTTP {status}: {detail}); check the server's log")

    def models(self) -> list[dict[str, Any]]:
        """GET /models once: an endpoint that is down fails now, in one line, without retries."""
        import aiohttp

        async def get() -> tuple[int, str]:
            async with self._session() as session, session.get(self._url("/models")) as answer:
                return answer.status, await answer.text()

        where = f"endpoint {self.endpoint.shown}"
        try:
            status, text = asyncio.run(get())
        except (aiohttp.ClientError, asyncio.TimeoutError) as error:
            raise ModelError(
                f"{where} is not reachable ({type(error).__name__}: {_one_line(str(error), 120)}); "
                f"start the server or fix --endpoint"
            ) from None
        if status != 200:
            raise self._refused(status, _one_line(text), "GET /models")
        try:
            data = json.loads(text)["data"]
            if not isinstance(data, list) or not all(isinstance(d, dict) for d in data):
                raise TypeError
        except (ValueError, KeyError, TypeError):
            raise ModelError(
                f"{where}: GET /models did not answer an OpenAI model list; "
                f"is this an OpenAI-compatible server?"
            ) from None
        return data

    async def _complete(
        self, session: Any, model: str, messages: list[dict[str, str]], max_tokens: int
    ) -> Completion:
        """One greedy chat completion, retried on 429, 5xx, timeouts and dropped connections."""
        import aiohttp

        body = {
            "model": model,
            "messages": messages,
            "max_tokens": max_tokens,
            "temperature": 0.0,
            "top_p": 1.0,
        }
        url = self._url("/chat/completions")
        attempts = self.endpoint.max_retries + 1
        for attempt in range(attempts):
            retry_after = None
            try:
                async with session.post(url, json=body) as answer:
                    status, text = answer.status, await answer.text()
                    retry_after = answer.headers.get("retry-after")
            except asyncio.TimeoutError:
                problem = f"no answer within {self.endpoint.timeout_s:g} s"
            except aiohttp.ClientError as error:
                problem = f"{type(error).__name__}: {_one_line(str(error), 120)}"
            else:
                if status == 200:
                    return self._parse(text)
                problem = f"HTTP {status}: {_one_line(text)}"
                if status not in RETRY_STATUS:
                    raise self._refused(status, _one_line(text), f"model '{model}'")
            if attempt + 1 < attempts:
                await asyncio.sleep(backoff_s(attempt, retry_after, random.random()))
        raise ModelError(
            f"endpoint {self.endpoint.shown}: a completion of '{model}' failed {attempts} times "
            f"(last: {problem}); check the server, or raise server.max_retries / server.timeout_s "
            f"in the eval config"
        )

    def _parse(self, text: str) -> Completion:
        try:
            data = json.loads(text)
            message = data["choices"][0]["message"]
            tokens = (data.get("usage") or {}).get("completion_tokens")
            return Completion(message.get("content") or "", tokens if isinstance(tokens, int) else None)
        except (ValueError, KeyError, IndexError, TypeError, AttributeError):
            raise ModelError(
                f"endpoint {self.endpoint.shown} answered something that is not a chat completion "
                f"({_one_line(text, 120)})"
            ) from None

    def stream(
        self, model: str, chats: Sequence[list[dict[str, str]]], max_tokens: int
    ) -> Iterator[tuple[int, Completion]]:
        """(index, completion) for every chat, in the order they finish.

        On the first error (or when the caller stops iterating) everything still in flight or
        not yet sent is cancelled, and the error is raised.
        """
        if not chats:
            return
        done: queue.Queue[tuple[int, Completion | BaseException]] = queue.Queue()

        async def run_all() -> None:
            limit = asyncio.Semaphore(self.endpoint.concurrency)
            async with self._session() as session:

                async def one(index: int, chat: list[dict[str, str]]) -> None:
                    async with limit:
                        try:
                            done.put((index, await self._complete(session, model, chat, max_tokens)))
                        except Exception as error:
                            done.put((index, error))

                await asyncio.gather(*(one(i, chat) for i, chat in enumerate(chats)))

        loop = asyncio.new_event_loop()
        main = loop.create_task(run_all())

        def run() -> None:
            try:
                loop.run_until_complete(main)
            except asyncio.CancelledError:
                pass
            except BaseException as error:  # the client itself failed: wake the consumer
                done.put((-1, error))

        thread = threading.Thread(target=run, name="openai-client", daemon=True)
        thread.start()
        try:
            for _ in range(len(chats)):
                index, result = done.get()
                if isinstance(result, BaseException):
                    raise result
                yield index, result
        finally:
            loop.call_soon_threadsafe(main.cancel)
            thread.join()
            loop.close()

    def complete(self, model: str, messages: list[dict[str, str]], max_tokens: int) -> Completion:
        [(_, completion)] = self.stream(model, [messages], max_tokens)
        return completion


def render_chats(instructions: Sequence[str], system_prompt: str) -> list[str]:
    """What is sent for each instruction, as canonical JSON: the text the cache key covers."""
    return [
        json.dumps(chat_messages(instruction, system_prompt), sort_keys=True, ensure_ascii=False)
        for instruction in instructions
    ]


class OpenAIBackend:
    """The ``Backend`` protocol over a served model: prompts are chats from ``render_chats``."""

    def __init__(self, endpoint: Endpoint, model: str, settings: GenerationSettings):
        self.endpoint, self.model, self.settings = endpoint, model, settings
        self.generated_tokens = 0

    def batches(self, prompts: Sequence[str]) -> Iterator[tuple[list[int], list[str]]]:
        """``(positions, outputs)`` of the completions that arrived since the last batch.

        Completions arrive one by one and out of order; they are handed back at most every
        ``BATCH_SECONDS`` (or ``BATCH_SIZE`` completions), so the cache commits often without
        one write per request. Outputs are stripped like the hf backend's.
        """
        chats = [json.loads(prompt) for prompt in prompts]
        client = ChatClient(self.endpoint)
        positions: list[int] = []
        outputs: list[str] = []
        last = time.monotonic()
        for index, completion in client.stream(self.model, chats, self.settings.max_new_tokens):
            self.generated_tokens += completion.completion_tokens or 0
            positions.append(index)
            outputs.append(completion.text.strip())
            if len(positions) >= BATCH_SIZE or time.monotonic() - last >= BATCH_SECONDS:
                yield positions, outputs
                positions, outputs, last = [], [], time.monotonic()
        if positions:
            yield positions, outputs

    def generate(self, prompts: Sequence[str]) -> list[str]:
        outputs = [""] * len(prompts)
        for positions, texts in self.batches(prompts):
            for position, text in zip(positions, texts, strict=True):
                outputs[position] = text
        return outputs


# ---------------------------------------------------------------- identity


@dataclass(frozen=True)
class ServedModel:
    """One model name on the server and what its /v1/models entry reported (None: not listed)."""

    endpoint: Endpoint
    name: str
    reported: Mapping[str, Any] | None

    def cache_identity(self) -> dict[str, Any]:
        """What names this model in cache keys: never mixed with hf outputs or another server's."""
        reported = self.reported or {}
        return {
            "name": "openai",
            "endpoint": self.endpoint.shown,
            "model": self.name,
            "root": reported.get("root"),
            "parent": reported.get("parent"),
        }


@dataclass(frozen=True)
class ServedIdentity:
    """The outcome of comparing the server's report with the adapter and base being gated."""

    adapter: ServedModel
    base: ServedModel | None  # the baseline's model on the server; None without a baseline
    passed: bool
    detail: str


def _reported(entry: Mapping[str, Any] | None) -> dict[str, Any] | None:
    if entry is None:
        return None
    return {k: entry[k] for k in REPORTED_FIELDS if isinstance(entry.get(k), str | int | float | bool)}


def _text(value: object) -> str | None:
    return value if isinstance(value, str) and value.strip() else None


def _same_path(reported: str, local: Path) -> bool:
    try:
        return Path(reported).expanduser().resolve() == local.resolve()
    except (OSError, RuntimeError, ValueError):
        return False


@dataclass(frozen=True)
class _Local:
    """The adapter and base given on this machine, to recognise them in what the server reports."""

    adapter: AdapterInfo
    base_name: str
    base_dir: Path
    base_fingerprint: str

    def is_adapter(self, root: str) -> bool:
        if _same_path(root, self.adapter.path):
            return True
        folder = Path(root).expanduser()
        return (folder / "adapter_config.json").is_file() and adapter_sha256(folder) == self.adapter.sha256

    def is_other_adapter(self, root: str) -> bool:
        return (Path(root).expanduser() / "adapter_config.json").is_file()

    def is_base(self, value: str) -> bool:
        if value == self.base_name or _same_path(value, self.base_dir):
            return True
        folder = Path(value).expanduser()
        return (folder / "config.json").is_file() and base_fingerprint(folder) == self.base_fingerprint


def check_identity(
    models: Sequence[Mapping[str, Any]],
    endpoint: Endpoint,
    served_model: str,
    served_base: str | None,
    local: _Local,
    baseline: bool,
) -> ServedIdentity:
    """Compare /v1/models with the adapter and base; ``AdapterError`` (one line) on a mismatch."""
    listed = {str(m.get("id")): m for m in models}
    where = f"endpoint {endpoint.shown}"
    adapter_label = f"the adapter {local.adapter.path} (sha256 {local.adapter.sha256[:12]})"
    notes: list[str] = []
    entry = listed.get(served_model)
    root = _text(entry.get("root")) if entry else None
    parent = _text(entry.get("parent")) if entry else None
    adapter_ok = base_ok = False
    if entry is None:
        notes.append(f"the server does not list '{served_model}' in /v1/models")
    elif root is None:
        notes.append(f"the server reports no path for '{served_model}'")
    elif local.is_adapter(root):
        adapter_ok = True
    elif local.is_base(root):
        raise AdapterError(
            f"{where} serves '{served_model}' from {root}, the base model itself, not {adapter_label}; "
            f"pass the LoRA module's name as --served-model"
        )
    elif parent is not None or local.is_other_adapter(root):
        raise AdapterError(
            f"{where} serves '{served_model}' from {root}, not {adapter_label}; "
            f"serve this adapter (--lora-modules NAME={local.adapter.path}) or gate the adapter it serves"
        )
    else:
        notes.append(
            f"'{served_model}' is a full model at {root}; whether it holds this adapter cannot be checked"
        )
    if parent is not None:
        parent_root = _text((listed.get(parent) or {}).get("root"))
        if not any(local.is_base(value) for value in (parent, parent_root) if value):
            shown_parent = f"'{parent}'" + (
                f" ({parent_root})" if parent_root and parent_root != parent else ""
            )
            raise AdapterError(
                f"{where} serves '{served_model}' on the base {shown_parent}, not on {local.base_name}; "
                f"pass --base-model {parent_root or parent} or serve the adapter on {local.base_name}"
            )
        base_ok = True
    elif entry is not None:
        notes.append(f"the server reports no base for '{served_model}'")

    base = None
    if baseline:
        base_name = served_base or parent or local.base_name
        base_entry = listed.get(base_name)
        base_root = _text(base_entry.get("root")) if base_entry else None
        if base_root is not None and not local.is_base(base_root):
            raise AdapterError(
                f"{where} serves '{base_name}' (the baseline) from {base_root}, "
                f"not the base {local.base_name}; "
                f"pass the base model's served name as --served-base, or --no-baseline"
            )
        if base_root is None:
            notes.append(f"the server reports no path for the baseline's model '{base_name}'")
        base = ServedModel(endpoint, base_name, _reported(base_entry))
    passed = adapter_ok and base_ok and not notes
    detail = (
        "; ".join(notes)
        if notes
        else f"the server reported the adapter's path ({root}) on the base '{parent}', as given"
    )
    return ServedIdentity(ServedModel(endpoint, served_model, _reported(entry)), base, passed, detail)


def connect(
    endpoint: Endpoint,
    served_model: str,
    served_base: str | None,
    adapter: AdapterInfo,
    base_name: str,
    base_dir: Path,
    baseline: bool,
) -> ServedIdentity:
    """Ask the server what it serves and check it against the adapter and base (one GET, no retries)."""
    models = ChatClient(endpoint).models()
    local = _Local(adapter, base_name, base_dir, base_fingerprint(base_dir))
    return check_identity(models, endpoint, served_model, served_base, local, baseline)
