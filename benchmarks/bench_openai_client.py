"""The OpenAI-compatible client must not be the bottleneck: requests/s against a server that answers at once.

The server (securecli_eval.testing.loopback ``instant``) runs in its own process, so it does not
share the client's interpreter lock; the client runs as a regression run uses it (``ChatClient.stream``
with the default ``server.concurrency``). Usage: python benchmarks/bench_openai_client.py [--requests 5000]
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import time

GOAL = 500.0  # requests/s with the default concurrency


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--requests", type=int, default=5000)
    args = parser.parse_args()

    from securecli_eval.generate.openai import ChatClient, Endpoint
    from securecli_eval.inputs.config import ServerSettings
    from securecli_eval.inputs.prompts import chat_messages

    server = subprocess.Popen(
        [sys.executable, "-m", "securecli_eval.testing.loopback", "instant", "--model", "served"],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        port = int(server.stdout.readline())
        chats = [chat_messages(f"request number {i}") for i in range(args.requests)]
        default = ServerSettings().concurrency
        rates = {}
        for concurrency in (default, 1):
            client = ChatClient(Endpoint(f"http://127.0.0.1:{port}/v1", concurrency=concurrency))
            list(client.stream("served", chats[:200], 16))  # warm up connections
            count = args.requests if concurrency > 1 else args.requests // 10
            start = time.perf_counter()
            done = sum(1 for _ in client.stream("served", chats[:count], 16))
            rates[concurrency] = done / (time.perf_counter() - start)
    finally:
        server.stdin.close()
        server.wait(10)
    verdict = "met" if rates[default] >= GOAL else "NOT met"
    print(f"{args.requests} chat completions against an instant loopback server (its own process)")
    print(f"default concurrency {default}: {rates[default]:.0f} requests/s (goal >= {GOAL:.0f}: {verdict})")
    print(f"one at a time: {rates[1]:.0f} requests/s; concurrency speed-up {rates[default] / rates[1]:.1f}x")


if __name__ == "__main__":
    main()
