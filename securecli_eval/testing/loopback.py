"""Loopback HTTP servers for tests and benchmarks of the OpenAI-compatible backend.

Two small servers on 127.0.0.1, written on asyncio streams (HTTP/1.1 with keep-alive, no
framework, so they answer in microseconds): ``instant`` answers every chat completion at once
with a fixed reply and lists the models it is given (the client's benchmark), and ``faulty``
forwards to a real upstream server but injects what real servers do under load: 429 with
``Retry-After``, 500, and answers slower than the client's timeout. Each runs in a background
thread (``LoopbackServer``) or, for benchmarks that must not share the client's interpreter
lock, in its own process (``python -m securecli_eval.testing.loopback instant``).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import sys
import threading
from collections import Counter
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field

Reply = tuple[int, bytes, dict[str, str]]
Handler = Callable[[str, str, dict[str, str], bytes], Awaitable[Reply]]
REASONS = {200: "OK", 404: "Not Found", 429: "Too Many Requests", 500: "Internal Server Error"}


async def _serve_connection(handler: Handler, reader: asyncio.StreamReader, writer: asyncio.StreamWriter):
    try:
        while True:
            head = await reader.readuntil(b"\r\n\r\n")
            lines = head.decode("latin-1").split("\r\n")
            method, path, _ = lines[0].split(" ", 2)
            headers = {}
            for line in lines[1:]:
                if ":" in line:
                    name, value = line.split(":", 1)
                    headers[name.strip().lower()] = value.strip()
            body = await reader.readexactly(int(headers.get("content-length", "0")))
            status, payload, extra = await handler(method, path, headers, body)
            response_head = [
                f"HTTP/1.1 {status} {REASONS.get(status, 'Status')}",
                "content-type: application/json",
                f"content-length: {len(payload)}",
                *(f"{k}: {v}" for k, v in extra.items()),
            ]
            writer.write(("\r\n".join(response_head) + "\r\n\r\n").encode("latin-1") + payload)
            await writer.drain()
    except (asyncio.IncompleteReadError, ConnectionError, asyncio.LimitOverrunError, asyncio.CancelledError):
        pass
    finally:
        writer.close()


class LoopbackServer:
    """An asyncio handler served on 127.0.0.1 from a background thread; a context manager."""

    def __init__(self, handler: Handler, port: int = 0):
        self.handler, self.port = handler, port
        self._loop = asyncio.new_event_loop()
        self._ready = threading.Event()
        self._thread = threading.Thread(target=self._run, name="loopback-server", daemon=True)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}/v1"

    def _run(self) -> None:
        asyncio.set_event_loop(self._loop)

        async def start() -> asyncio.Server:
            return await asyncio.start_server(
                lambda r, w: _serve_connection(self.handler, r, w), "127.0.0.1", self.port
            )

        self._server = self._loop.run_until_complete(start())
        self.port = self._server.sockets[0].getsockname()[1]
        self._ready.set()
        self._loop.run_forever()

    def __enter__(self) -> LoopbackServer:
        self._thread.start()
        self._ready.wait(10)
        return self

    def __exit__(self, *exc: object) -> None:
        async def stop() -> None:
            self._server.close()
            current = asyncio.current_task()
            tasks = [t for t in asyncio.all_tasks() if t is not current]
            for task in tasks:
                task.cancel()
            await asyncio.gather(*tasks, return_exceptions=True)

        asyncio.run_coroutine_threadsafe(stop(), self._loop).result(10)
        self._loop.call_soon_threadsafe(self._loop.stop)
        self._thread.join(10)
        self._loop.close()


def _json(status: int, value: object, headers: dict[str, str] | None = None) -> Reply:
    return status, json.dumps(value).encode(), headers or {}


def instant(models: list[dict], reply: str = "ls -la", log: list | None = None) -> Handler:
    """A server that lists ``models`` and answers their chat completions with ``reply`` at once.

    ``log``, when given, receives (path, headers, body) of every request.
    """
    listing = json.dumps({"object": "list", "data": models}).encode()
    names = {m.get("id") for m in models}

    async def handle(method: str, path: str, headers: dict[str, str], body: bytes) -> Reply:
        if log is not None:
            log.append((path, headers, body))
        if path.endswith("/models"):
            return 200, listing, {}
        if path.endswith("/chat/completions"):
            request = json.loads(body)
            if request.get("model") not in names:
                return _json(404, {"error": f"The model '{request.get('model')}' does not exist."})
            return _json(
                200,
                {
                    "id": "x",
                    "object": "chat.completion",
                    "model": request.get("model"),
                    "choices": [
                        {
                            "index": 0,
                            "finish_reason": "stop",
                            "message": {"role": "assistant", "content": reply},
                        }
                    ],
                    "usage": {"prompt_tokens": 1, "completion_tokens": 3, "total_tokens": 4},
                },
            )
        return _json(404, {"error": f"no route {path}"})

    return handle


@dataclass
class Faults:
    """What ``faulty`` injects, in order, before it starts forwarding chat completions faithfully.

    ``rate_limited`` 429s (with ``Retry-After: retry_after``), then ``errors`` 500s, then ``slow``
    requests answered only after ``delay`` seconds. ``models`` replaces the upstream's
    /v1/models listing when given (to present what another engine would report).
    """

    rate_limited: int = 0
    errors: int = 0
    slow: int = 0
    delay: float = 0.0
    retry_after: str = "0"
    models: list[dict] | None = None
    aliases: dict[str, str] = field(default_factory=dict)
    seen: Counter = field(default_factory=Counter)


def faulty(upstream: str, faults: Faults) -> Handler:
    """A proxy in front of ``upstream`` (…/v1) that injects ``faults`` into chat completions."""
    import httpx

    client: httpx.AsyncClient | None = None
    lock = asyncio.Lock()

    async def handle(method: str, path: str, headers: dict[str, str], body: bytes) -> Reply:
        nonlocal client
        client = client or httpx.AsyncClient(timeout=600)
        if path.endswith("/models") and faults.models is not None:
            faults.seen["models"] += 1
            return _json(200, {"object": "list", "data": faults.models})
        if path.endswith("/chat/completions"):
            async with lock:
                faults.seen["chat"] += 1
                if faults.seen["429"] < faults.rate_limited:
                    faults.seen["429"] += 1
                    return _json(429, {"error": "rate limited"}, {"retry-after": faults.retry_after})
                if faults.seen["500"] < faults.errors:
                    faults.seen["500"] += 1
                    return _json(500, {"error": "injected"})
                slow = faults.seen["slow"] < faults.slow
                if slow:
                    faults.seen["slow"] += 1
            if slow:
                await asyncio.sleep(faults.delay)
            request = json.loads(body)
            request["model"] = faults.aliases.get(request.get("model"), request.get("model"))
            body = json.dumps(request).encode()
        target = upstream.rstrip("/") + path.removeprefix("/v1")
        forwarded = {k: v for k, v in headers.items() if k in {"content-type", "authorization"}}
        faults.seen["forwarded"] += 1
        answer = await client.request(method, target, content=body, headers=forwarded)
        return answer.status_code, answer.content, {}

    return handle


def main() -> None:
    """``instant`` in its own process: prints its port, serves until stdin closes."""
    parser = argparse.ArgumentParser(description=main.__doc__)
    parser.add_argument("kind", choices=["instant"])
    parser.add_argument("--model", default="served")
    args = parser.parse_args()
    with LoopbackServer(instant([{"id": args.model, "object": "model"}])) as server:
        print(server.port, flush=True)
        sys.stdin.read()


if __name__ == "__main__":
    main()
