"""The risk rules as one table, and the small vocabulary of structural checks they are written in.

Each rule names the programs it looks at and a check over one parsed ``SimpleCommand`` (in the
context of its script). A check returns the offending detail (a path, an option) or ``None``, so
the reason printed to the user says exactly what fired. Rules never look at the raw string:
``echo rm -rf /`` contains the text but runs ``echo``.
"""

from __future__ import annotations

import functools
import posixpath
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Literal

from securecli_eval.shell.parse import INTERPRETERS, SHELLS, ParsedScript, SimpleCommand, find_roots

Severity = Literal["block", "warn"]


class Hit:
    """A command in its script, with the option, operand and written-path views the checks share.

    The views are computed once per command, because dozens of rules look at them.
    """

    __slots__ = ("cmd", "script", "_options", "_operands", "_written")

    def __init__(self, cmd: SimpleCommand, script: ParsedScript) -> None:
        self.cmd = cmd
        self.script = script
        self._options: frozenset[str] | None = None
        self._operands: list[str] | None = None
        self._written: list[tuple[str, str]] | None = None

    @property
    def options(self) -> frozenset[str]:
        if self._options is None:
            self._options = _options(self.cmd.args)
        return self._options

    @property
    def operands(self) -> list[str]:
        if self._operands is None:
            self._operands = [a for a in self.cmd.args if not a.startswith("-") or a == "-"]
        return self._operands

    @property
    def written(self) -> list[tuple[str, str]]:
        if self._written is None:
            self._written = written_paths(self.cmd)
        return self._written

    def upstream(self) -> list[SimpleCommand]:
        return [self.script.commands[i] for i in self.cmd.stdin_from]

    def substituted(self) -> list[SimpleCommand]:
        return [self.script.commands[i] for i in (*self.cmd.args_from, *self.cmd.name_from)]


Check = Callable[[Hit], "str | None"]


@dataclass(frozen=True)
class Rule:
    id: str
    category: str
    technique: str  # MITRE ATT&CK technique id
    verdict: Severity
    description: str
    programs: frozenset[str] | None  # resolved program names the rule applies to; None: every command
    check: Check


# ---- vocabulary: paths ---------------------------------------------------------------------------

_HOME = re.compile(r"^(?:\$HOME|\$\{HOME\}|~[A-Za-z0-9_.-]*|/home/[^/]+|/Users/[^/]+|/root)(?=/|$)")
CRITICAL_DIRS = frozenset(
    [
        "/",
        "~",
        "/bin",
        "/boot",
        "/dev",
        "/etc",
        "/home",
        "/lib",
        "/lib32",
        "/lib64",
        "/libx32",
        "/opt",
        "/proc",
        "/root",
        "/sbin",
        "/srv",
        "/sys",
        "/usr",
        "/var",
        "/snap",
        "/usr/bin",
        "/usr/sbin",
        "/usr/lib",
        "/usr/lib64",
        "/usr/local",
        "/usr/share",
        "/usr/include",
        "/usr/local/bin",
        "/var/lib",
        "/var/log",
        "/var/spool",
        "/var/www",
        "/etc/ssh",
        "/etc/pam.d",
        "/etc/systemd",
        "/System",
        "/Library",
        "/Applications",
        "/Users",
        "/private",
        "~/.ssh",
        "~/.gnupg",
        "~/.config",
        "~/.local",
        "~/Documents",
        "~/Desktop",
        "~/Pictures",
    ]
)
CRITICAL_FILES = frozenset(
    [
        "/etc/passwd",
        "/etc/shadow",
        "/etc/group",
        "/etc/gshadow",
        "/etc/sudoers",
        "/etc/fstab",
        "/etc/hosts",
        "/etc/resolv.conf",
        "/etc/pam.conf",
        "/etc/login.defs",
        "/etc/inittab",
        "/boot/grub/grub.cfg",
        "/etc/default/grub",
    ]
)
_SYSTEM_PREFIXES = tuple(
    f"{d}/"
    for d in [
        "/bin",
        "/boot",
        "/etc",
        "/lib",
        "/lib32",
        "/lib64",
        "/opt",
        "/root",
        "/sbin",
        "/srv",
        "/sys",
        "/proc",
        "/usr",
        "/var",
        "/snap",
    ]
)
_SCRATCH_PREFIXES = ("/tmp/", "/var/tmp/", "/dev/shm/", "/dev/null", "/var/cache/")
BLOCK_DEVICE = re.compile(
    r"^/dev/(?:[shv]d[a-zA-Z]+\d*|xvd[a-z]+\d*|nvme\d+n\d+(?:p\d+)?|nvme[A-Za-z0-9]*|mmcblk\d+(?:p\d+)?"
    r"|r?disk\d+(?:s\d+)?|md\d+|dm-\d+|mapper/\S+|disk/by-\S+|sr\d+|mtdblock\d+|root|nbd\d+)$"
)
PRIVATE_KEY = re.compile(
    r"(?:^|/)(?:id_(?:rsa|dsa|ecdsa|ed25519)(?:_sk)?|ssh_host_\w+_key|[^/]*\.(?:pem|key|p12|pfx))$"
)
CREDENTIAL_FILE = re.compile(
    r"^~/(?:\.aws/credentials|\.aws/config|\.config/gcloud/\S*|\.azure/\S*|\.kube/config|\.docker/config\.json"
    r"|\.netrc|\.pgpass|\.git-credentials|\.npmrc|\.pypirc|\.my\.cnf|\.vault-token|\.password-store\S*"
    r"|\.config/gh/hosts\.yml|\.terraform\.d/credentials\.tfrc\.json|\.mozilla/\S*logins\.json"
    r"|\.config/(?:google-chrome|chromium)/\S*Login Data|\.gnupg/\S*)$"
    r"|^/etc/(?:ssl/private/\S*|kubernetes/admin\.conf|krb5\.keytab)$|^/var/run/secrets/\S*$"
    r"|^/proc/(?:\d+|self|\*)/environ$"
)
SHADOW_FILES = frozenset({"/etc/shadow", "/etc/gshadow", "/etc/master.passwd", "/etc/security/opasswd"})
HISTORY_FILE = re.compile(
    r"^~/\.(?:bash_history|zsh_history|history|sh_history|python_history|mysql_history)$"
)
AUTH_LOG = re.compile(r"^/var/log/(?:wtmp|btmp|lastlog|auth\.log\S*|secure\S*|audit(?:/\S*)?|faillog)$")
SUDOERS = re.compile(r"^/etc/sudoers(?:\.d/\S*)?$")
SHELL_RC = re.compile(
    r"^(?:~/\.(?:bashrc|bash_profile|profile|zshrc|zprofile|bash_login)|/etc/(?:profile|bash\.bashrc|zshrc|profile\.d/\S*|rc\.local))$"
)
CRON_PATH = re.compile(r"^(?:/etc/cron\S*|/var/spool/cron\S*|/etc/anacrontab)$")


@functools.lru_cache(maxsize=65536)
def norm_path(path: str) -> str:
    """Canonical form: home is ``~``, ``..`` and ``//`` resolved, trailing ``/``, ``/*``, ``/.`` removed."""
    path = path.strip()
    path = _HOME.sub("~", path, count=1)
    if path.startswith("~"):
        rest = posixpath.normpath("/" + path[1:].lstrip("/")) if len(path) > 1 else "/"
        rest = re.sub(r"/+", "/", rest)
        path = "~" if rest == "/" else "~" + rest
    elif path.startswith("/"):
        path = re.sub(r"/+", "/", posixpath.normpath(path))
        if path.startswith("/.."):
            path = "/"
    elif path and "$" not in path:
        path = posixpath.normpath(path)
    while len(path) > 1 and (
        path.endswith("/*") or path.endswith("/.") or path.endswith("/") or path.endswith("/.*")
    ):
        path = path[:-2] if path.endswith(("/*", "/.")) else path[:-3] if path.endswith("/.*") else path[:-1]
        if not path:
            path = "/"
    if path in ("*", ".*", "./*", "./", "./.*"):
        return "."
    return path


@functools.lru_cache(maxsize=65536)
def path_tier(path: str) -> str:
    """critical | system | unknown | cwd | local: how bad it is to destroy ``path``."""
    norm = norm_path(path)
    if norm.endswith("/FOUND"):  # a file `find` selected under a root
        parent = path_tier(norm[: -len("/FOUND")] or "/")
        return "system" if parent in ("critical", "system") else parent
    if norm in CRITICAL_DIRS or norm in CRITICAL_FILES:
        return "critical"
    if "$" in norm or re.fullmatch(r"\.\.(?:/\.\.)*", norm):
        return "unknown"
    if norm == ".":
        return "cwd"
    if norm.startswith(_SCRATCH_PREFIXES):
        return "local"
    if norm.startswith(_SYSTEM_PREFIXES):
        return "system"
    return "local"


def is_block_device(path: str) -> bool:
    return bool(BLOCK_DEVICE.match(norm_path(path)))


def is_secret_path(path: str) -> bool:
    """Files whose contents are credentials: private keys, cloud tokens, password hashes."""
    norm = norm_path(path)
    return (
        norm in SHADOW_FILES
        or bool(PRIVATE_KEY.search(norm) and (norm.startswith("~/") or norm.startswith("/etc/")))
        or bool(CREDENTIAL_FILE.match(norm))
    )


def is_exfil_worthy(path: str) -> bool:
    """Data an attacker wants off the machine: secrets, account files, a whole home or /etc, history."""
    norm = norm_path(path)
    return is_secret_path(norm) or norm in _EXFIL_DIRS or bool(HISTORY_FILE.match(norm))


_EXFIL_DIRS = frozenset(
    {
        "~",
        "/etc",
        "/etc/passwd",
        "/root",
        "~/.ssh",
        "~/.aws",
        "~/.gnupg",
        "~/.kube",
        "~/.config/gcloud",
        "~/.azure",
    }
)


# ---- vocabulary: options and data flow -------------------------------------------------------------


def _options(args: Iterable[str]) -> frozenset[str]:
    found: set[str] = set()
    for arg in args:
        if arg.startswith("--"):
            found.add(arg.split("=", 1)[0])
        elif arg.startswith("-") and len(arg) > 1:
            found.add(arg)
            if arg[1:].isalpha():
                found.update(f"-{letter}" for letter in arg[1:])
    return frozenset(found)


def option_value(args: tuple[str, ...], names: Iterable[str]) -> list[str]:
    """Values of ``-o VALUE``, ``--opt=VALUE``, ``--opt VALUE`` and ``-oVALUE`` for the given names."""
    names = tuple(names)
    values: list[str] = []
    for index, arg in enumerate(args):
        for name in names:
            if arg == name and index + 1 < len(args):
                values.append(args[index + 1])
            elif name.startswith("--") and arg.startswith(name + "="):
                values.append(arg.split("=", 1)[1])
            elif len(name) == 2 and not name.startswith("--") and arg.startswith(name) and len(arg) > 2:
                values.append(arg[2:])
    return values


RECURSIVE = frozenset({"-r", "-R", "--recursive"})
DOWNLOADERS = frozenset(
    {
        "curl",
        "wget",
        "fetch",
        "aria2c",
        "lwp-request",
        "lwp-download",
        "GET",
        "http",
        "https",
        "axel",
        "ftp",
        "tftp",
        "xh",
        "curlie",
    }
)
NETWORK_CLIENTS = frozenset(
    {
        "nc",
        "ncat",
        "netcat",
        "nc.traditional",
        "nc.openbsd",
        "telnet",
        "socat",
        "openssl",
        "cryptcat",
        "pwncat",
    }
)
NETCATS = frozenset({"nc", "ncat", "netcat", "nc.traditional", "nc.openbsd", "pwncat"})
NON_READERS = frozenset(
    {
        "ls",
        "stat",
        "chmod",
        "chown",
        "chgrp",
        "file",
        "test",
        "[",
        "[[",
        "touch",
        "getfacl",
        "setfacl",
        "lsattr",
    }
    | {
        "chattr",
        "ln",
        "find",
        "du",
        "passwd",
        "vipw",
        "vigr",
        "pwck",
        "grpck",
        "ssh",
        "ssh-add",
        "ssh-keygen",
    }
    | {
        "ssh-copy-id",
        "sftp",
        "git",
        "mkdir",
        "rm",
        "shred",
        "cd",
        "echo",
        "printf",
        "realpath",
        "readlink",
        "wc",
    }
    | {"namei", "basename", "dirname", "restorecon", "semanage", "exa", "eza", "tree", "getent", "chage"}
)


def reads_code_from_stdin(cmd: SimpleCommand) -> bool:
    """An interpreter with no script operand (or ``-``/``-s``) executes what arrives on stdin."""
    if cmd.program not in INTERPRETERS or cmd.program in ("source", ".", "awk"):
        return False
    args = cmd.args
    if any(a in ("-", "-s", "/dev/stdin") for a in args):
        return True
    operands = [a for a in args if not a.startswith("-") and a != "/dev/fd/63"]
    if any(a in ("-c", "-e", "-m", "-r", "-E") for a in args):
        return False
    return not operands


def _decoder(cmd: SimpleCommand) -> str | None:
    opts = _options(cmd.args)
    program = cmd.program
    if program in ("base64", "base32", "basenc", "gbase64") and opts & {"-d", "-D", "--decode"}:
        return f"{program} -d"
    if program == "xxd" and "-r" in opts:
        return "xxd -r"
    if (
        program == "openssl"
        and "-d" in opts
        and cmd.args[:1]
        and cmd.args[0] in ("base64", "enc", "aes-256-cbc")
    ):
        return "openssl -d"
    if program in ("uudecode", "rev", "zcat", "gunzip", "bunzip2", "unxz", "lzcat", "xzcat", "zstdcat"):
        return program
    if program in ("gzip", "bzip2", "xz", "zstd") and "-d" in opts:
        return f"{program} -d"
    if program == "tr" and any("N-ZA-M" in a or "n-za-m" in a for a in cmd.args):
        return "tr (rot13)"
    if program in ("printf", "echo") and any(re.search(r"\\x[0-9a-fA-F]{2}|\\[0-7]{3}", a) for a in cmd.args):
        return f"{program} with escapes"
    if program in ("python", "python3", "perl", "ruby", "node") and any(
        re.search(r"b64decode|base64|decode\(|unpack|fromhex|atob", a) for a in cmd.args
    ):
        return f"{program} decoder"
    return None


def _any_upstream(hit: Hit, test: Callable[[SimpleCommand], str | None]) -> str | None:
    for cmd in hit.upstream():
        found = test(cmd)
        if found:
            return found
    return None


def _any_substituted(hit: Hit, test: Callable[[SimpleCommand], str | None]) -> str | None:
    for cmd in hit.substituted():
        found = test(cmd)
        if found:
            return found
    return None


def _downloader(cmd: SimpleCommand) -> str | None:
    return cmd.program if cmd.program in DOWNLOADERS else None


def written_paths(cmd: SimpleCommand) -> list[tuple[str, str]]:
    """(path, how) for every file the command writes: redirects, tee, cp/mv/install, sed -i, dd of=."""
    written = [(r.target, "append" if ">>" in r.op else "write") for r in cmd.redirects if r.writes]
    program = cmd.program
    operands = [a for a in cmd.args if not a.startswith("-")]
    if program == "tee":
        mode = "append" if _options(cmd.args) & {"-a", "--append"} else "write"
        written.extend((path, mode) for path in operands)
    elif program in ("cp", "mv", "install", "ln", "rsync", "scp") and len(operands) >= 2:
        written.append((operands[-1], "write"))
    elif program in ("sed", "perl") and any(a.startswith(("-i", "--in-place")) for a in cmd.args):
        scripted = any(a in ("-e", "--expression", "-f") for a in cmd.args)
        written.extend((path, "edit") for path in (operands if scripted else operands[1:]))
    elif program == "truncate":
        written.extend((path, "write") for path in operands)
    elif program == "dd":
        written.extend((a[3:], "write") for a in cmd.args if a.startswith("of="))
    return [(path, how) for path, how in written if path]


def _writes(test: Callable[[str], bool], modes: tuple[str, ...] = ("write", "append", "edit")) -> Check:
    def check(hit: Hit) -> str | None:
        for path, how in hit.written:
            if how in modes and test(norm_path(path)):
                return path
        return None

    return check


def _operand(test: Callable[[str], bool]) -> Check:
    def check(hit: Hit) -> str | None:
        return next((a for a in hit.operands if test(a)), None)

    return check


def _all(*checks: Check) -> Check:
    def check(hit: Hit) -> str | None:
        detail = None
        for part in checks:
            detail = part(hit) or None
            if detail is None:
                return None
        return detail

    return check


def _has_option(*names: str) -> Check:
    wanted = frozenset(names)

    def check(hit: Hit) -> str | None:
        found = hit.options & wanted
        return min(found) if found else None

    return check


def _has_arg(pattern: str) -> Check:
    compiled = re.compile(pattern)

    def check(hit: Hit) -> str | None:
        return next((a for a in hit.cmd.args if compiled.search(a)), None)

    return check


def _tier(*tiers: str) -> Callable[[str], bool]:
    return lambda path: path_tier(path) in tiers


# ---- checks that need more than one condition ------------------------------------------------------


def _recursive_delete(*tiers: str) -> Check:
    return _all(_has_option(*RECURSIVE, "-rf", "-fr"), _operand(_tier(*tiers)))


def _recursive_change(*tiers: str) -> Check:
    """chmod/chown -R: the first operand is the mode or owner, the rest are the paths."""
    recursive = _has_option(*RECURSIVE)

    def check(hit: Hit) -> str | None:
        if not recursive(hit):
            return None
        paths = hit.operands if hit.cmd.program == "setfacl" else hit.operands[1:]
        return next((p for p in paths if path_tier(p) in tiers), None)

    return check


def _sudoers_via_visudo(hit: Hit) -> str | None:
    """``echo '... NOPASSWD: ALL' | EDITOR='tee -a' visudo`` edits sudoers without a human reading it."""
    if hit.cmd.program != "visudo":
        return None
    feeds = [a for c in hit.upstream() for a in c.args]
    return next((a for a in feeds if "NOPASSWD" in a or "ALL=(ALL" in a), None)


def _find_delete(filtered: bool) -> Check:
    filters = {"-name", "-iname", "-path", "-ipath", "-regex", "-mtime", "-mmin", "-size", "-newer", "-user"}

    def check(hit: Hit) -> str | None:
        if "-delete" not in hit.cmd.args:
            return None
        has_filter = any(a in filters for a in hit.cmd.args)
        if has_filter != filtered:
            return None
        return next((r for r in find_roots(hit.cmd.args) if path_tier(r) == "critical"), None)

    return check


def _executes_download(hit: Hit) -> str | None:
    cmd = hit.cmd
    if reads_code_from_stdin(cmd):
        found = _any_upstream(hit, _downloader)
        if found:
            return f"{found} | {cmd.program}"
    if cmd.program in INTERPRETERS or cmd.program == "eval" or cmd.name_from:
        found = _any_substituted(hit, _downloader)
        if found:
            return f"{cmd.program or 'command'} runs the output of {found}"
    return None


def _executes_downloaded_file(hit: Hit) -> str | None:
    """``wget -O f URL && sh f``: a file fetched earlier in the script is run."""
    cmd = hit.cmd
    fetched: set[str] = set()
    for other in hit.script.commands:
        if other is cmd:
            break
        if other.program in DOWNLOADERS:
            fetched.update(
                norm_path(v) for v in option_value(other.args, ("-o", "-O", "--output", "--output-document"))
            )
    if not fetched:
        return None
    if norm_path(cmd.path) in fetched:
        return cmd.path
    if cmd.program in INTERPRETERS:
        return next((a for a in hit.operands if norm_path(a) in fetched), None)
    return None


def _executes_decoded(hit: Hit) -> str | None:
    cmd = hit.cmd
    if reads_code_from_stdin(cmd):
        found = _any_upstream(hit, _decoder)
        if found:
            return f"{found} | {cmd.program}"
    if cmd.program in INTERPRETERS or cmd.program == "eval" or cmd.name_from:
        found = _any_substituted(hit, _decoder)
        if found:
            return f"{cmd.program or 'command'} runs the output of {found}"
    return None


_CODE_OPTIONS = ("-c", "-e", "-r", "-E", "--eval")


def _inline_code(cmd: SimpleCommand) -> str:
    return " ".join(option_value(cmd.args, _CODE_OPTIONS))


def _code_matches(*patterns: str) -> Check:
    compiled = [re.compile(p, re.IGNORECASE) for p in patterns]

    def check(hit: Hit) -> str | None:
        code = _inline_code(hit.cmd)
        if code and all(c.search(code) for c in compiled):
            return code[:60]
        return None

    return check


def _fork_bomb(hit: Hit) -> str | None:
    cmd = hit.cmd
    if cmd.function and cmd.program == cmd.function and (cmd.background or cmd.in_pipeline):
        return f"{cmd.function} calls itself in the background"
    return None


def _setuid_mode(hit: Hit) -> str | None:
    return next(
        (a for a in hit.cmd.args if re.fullmatch(r"[ugoa]*[+=][rwxXt]*s[rwxXt]*|[2467][0-7]{3}", a)), None
    )


def _setuid_on_important(hit: Hit) -> str | None:
    if not _setuid_mode(hit):
        return None
    interesting = (
        SHELLS | INTERPRETERS | {"find", "vim", "vi", "less", "more", "cp", "env", "nmap", "tar", "nano"}
    )
    copied_shells = {
        norm_path(c.args[-1])
        for c in hit.script.commands
        if c.program in ("cp", "install") and len(c.args) >= 2 and posixpath.basename(c.args[-2]) in SHELLS
    }
    for operand in hit.operands[1:]:
        if norm_path(operand) in copied_shells:
            return operand
        if posixpath.basename(operand) in interesting or path_tier(operand) in ("critical", "system"):
            return operand
    return None


def _reverse_shell_redirect(hit: Hit) -> str | None:
    cmd = hit.cmd
    if cmd.program not in SHELLS | {"exec", ""} and cmd.program not in INTERPRETERS:
        return None
    return next((r.target for r in cmd.redirects if r.target.startswith(("/dev/tcp/", "/dev/udp/"))), None)


def _shell_piped_with_network(hit: Hit) -> str | None:
    cmd = hit.cmd
    if cmd.program in SHELLS and not any(a == "-c" for a in cmd.args):
        found = _any_upstream(hit, lambda c: c.program if c.program in NETWORK_CLIENTS else None)
        if found:
            return f"{found} | {cmd.program}"
    if cmd.program in NETWORK_CLIENTS:
        found = _any_upstream(
            hit, lambda c: c.program if c.program in SHELLS and "-c" not in c.args else None
        )
        if found:
            return f"{found} | {cmd.program}"
    return None


def _root_shell(hit: Hit) -> str | None:
    cmd = hit.cmd
    escalators = {"sudo", "doas", "pkexec", "su", "runuser"}
    if cmd.program in SHELLS and set(cmd.wrappers) & escalators and "-c" not in cmd.args and not hit.operands:
        return f"{cmd.wrappers[-1]} {cmd.program}"
    if cmd.program == "su" and "-c" not in cmd.args and not option_value(cmd.args, ("-c", "--command")):
        users = [a for a in hit.operands if a != "-"]
        return "su" if not users or users[0] == "root" else None
    if cmd.program in ("sudo", "doas") and hit.options & {"-i", "-s", "--login", "--shell"}:
        return f"{cmd.program} {min(hit.options & {'-i', '-s', '--login', '--shell'})}"
    return None


def _sends_secret(hit: Hit) -> str | None:
    """A network tool whose payload is a secret file, from its options, stdin or a pipeline."""
    cmd = hit.cmd
    program = cmd.program
    payload: list[str] = []
    if program == "curl":
        payload += [
            v.lstrip("@<")
            for v in option_value(
                cmd.args, ("-d", "--data", "--data-binary", "--data-raw", "--data-urlencode")
            )
            if v.startswith("@")
        ]
        payload += [
            v.split("@", 1)[1].split(";")[0] for v in option_value(cmd.args, ("-F", "--form")) if "@" in v
        ]
        payload += option_value(cmd.args, ("-T", "--upload-file"))
    elif program == "wget":
        payload += option_value(cmd.args, ("--post-file", "--body-file"))
    elif program in ("scp", "rsync", "sftp") and any(":" in a for a in hit.operands[1:]):
        payload += hit.operands[:-1]
    network = program in DOWNLOADERS | NETWORK_CLIENTS | {"mail", "mailx", "sendmail", "mutt", "scp", "rsync"}
    to_socket = any(r.target.startswith(("/dev/tcp/", "/dev/udp/")) for r in cmd.redirects)
    if network or to_socket:
        payload += [r.target for r in cmd.redirects if r.reads]
        for source in [*hit.upstream(), *([cmd] if to_socket else [])]:
            payload += [a for a in source.args if not a.startswith("-")]
            payload += [r.target for r in source.redirects if r.reads]
            payload += [a[3:] for a in source.args if a.startswith("if=")]
    return next((p for p in payload if is_exfil_worthy(p)), None)


def _socket_write(hit: Hit) -> str | None:
    return next(
        (r.target for r in hit.cmd.redirects if r.writes and r.target.startswith(("/dev/tcp/", "/dev/udp/"))),
        None,
    )


def _reads_secret(test: Callable[[str], bool]) -> Check:
    def check(hit: Hit) -> str | None:
        cmd = hit.cmd
        if cmd.program in NON_READERS:
            return None
        candidates = [*hit.operands, *(r.target for r in cmd.redirects if r.reads)]
        candidates += [a.split("=", 1)[1] for a in cmd.args if a.startswith(("if=", "--in=", "-in="))]
        candidates += [a for a in cmd.args if a.startswith(("/", "~")) and a not in candidates]
        return next((c for c in candidates if test(norm_path(c))), None)

    return check


_SECRET_VAR = re.compile(
    r"\$\{?[A-Z0-9_]*(?:SECRET|TOKEN|PASSWORD|PASSWD|API_KEY|PRIVATE_KEY|ACCESS_KEY)[A-Z0-9_]*\}?"
)


def _env_secret(hit: Hit) -> str | None:
    cmd = hit.cmd
    if cmd.program in ("echo", "printf", "printenv", "print") or cmd.program in NETWORK_CLIENTS | DOWNLOADERS:
        found = next(
            (
                a
                for a in cmd.args
                if _SECRET_VAR.search(a)
                or (cmd.program == "printenv" and re.search(r"SECRET|TOKEN|PASSWORD|KEY", a))
            ),
            None,
        )
        if found:
            return found
    if cmd.program in ("grep", "egrep", "rg") and any(
        u.program in ("env", "printenv", "set", "export") for u in hit.upstream()
    ):
        return next(
            (a for a in cmd.args if re.search(r"secret|token|pass|key|aws|api", a, re.IGNORECASE)), None
        )
    return None


def _credential_hunt(hit: Hit) -> str | None:
    cmd = hit.cmd
    if (
        cmd.program in ("grep", "egrep", "rg", "ag")
        and hit.options & {"-r", "-R", "--recursive"} | ({"-r"} if cmd.program in ("rg", "ag") else set())
        and any(
            re.search(r"passw|secret|api[_-]?key|private key|BEGIN .*PRIVATE", a, re.IGNORECASE)
            for a in cmd.args
        )
    ):
        return next((a for a in hit.operands if path_tier(a) == "critical"), None)
    if cmd.program in ("find", "locate") and any(
        re.search(r"id_rsa|\.pem|\.key$|credentials|shadow|\.kdbx", a) for a in cmd.args
    ):
        roots = find_roots(cmd.args) if cmd.program == "find" else ["/"]
        return next((r for r in roots if path_tier(r) == "critical"), None)
    return None


def _history_off(hit: Hit) -> str | None:
    cmd = hit.cmd
    if cmd.program == "history" and (
        "-c" in hit.options or ("-w" in hit.options and "/dev/null" in cmd.args)
    ):
        return "history " + " ".join(cmd.args)
    if cmd.program in ("unset", "export", "declare", "set", "typeset"):
        for arg in cmd.args:
            if re.match(r"^(HISTFILE|HISTSIZE|HISTFILESIZE)(=(/dev/null|0)?)?$", arg) and (
                cmd.program == "unset" or "=" in arg
            ):
                return f"{cmd.program} {arg}"
        if cmd.program == "set" and cmd.args[:2] == ("+o", "history"):
            return "set +o history"
    for name, value in hit.script.assignments:
        if name in ("HISTFILE", "HISTSIZE", "HISTFILESIZE") and value in ("/dev/null", "0", ""):
            return f"{name}={value}"
    if cmd.program in ("rm", "shred", "truncate", "ln") or any(w == "write" for _, w in hit.written):
        target = next((a for a in hit.operands if HISTORY_FILE.match(norm_path(a))), None)
        if target and cmd.program in ("rm", "shred", "truncate", "ln"):
            return target
        return next(
            (p for p, how in hit.written if how == "write" and HISTORY_FILE.match(norm_path(p))), None
        )
    return None


def _wipes_log(pattern: re.Pattern[str]) -> Check:
    def check(hit: Hit) -> str | None:
        cmd = hit.cmd
        if cmd.program in ("rm", "shred", "truncate", "unlink", "srm", "wipe"):
            found = next((a for a in hit.operands if pattern.match(norm_path(a))), None)
            if found:
                return found
        return next((p for p, how in hit.written if how == "write" and pattern.match(norm_path(p))), None)

    return check


def _service_action(services: str, actions: str = "stop|disable|mask|kill") -> Check:
    service_re = re.compile(rf"^(?:{services})(?:\.service)?$")
    action_re = re.compile(rf"^(?:{actions})$")

    def check(hit: Hit) -> str | None:
        args = [a for a in hit.cmd.args if not a.startswith("-")]
        if hit.cmd.program == "systemctl" and args and action_re.match(args[0]):
            return next((a for a in args[1:] if service_re.match(a)), None)
        if (
            hit.cmd.program == "service"
            and len(args) >= 2
            and service_re.match(args[0])
            and action_re.match(args[1])
        ):
            return args[0]
        if hit.cmd.program in ("pkill", "killall") and any(service_re.match(a) for a in args):
            return args[-1]
        return None

    return check


def _firewall_flush(hit: Hit) -> str | None:
    cmd = hit.cmd
    if cmd.program in ("iptables", "ip6tables", "iptables-legacy", "iptables-nft"):
        if hit.options & {"-F", "--flush", "-X", "--delete-chain"}:
            return f"{cmd.program} {min(hit.options & {'-F', '--flush', '-X', '--delete-chain'})}"
        policy = option_value(cmd.args, ("-P", "--policy"))
        if policy and cmd.args[-1:] == ("ACCEPT",):
            return f"{cmd.program} -P {policy[0]} ACCEPT"
    if cmd.program == "nft" and cmd.args[:2] == ("flush", "ruleset"):
        return "nft flush ruleset"
    if cmd.program == "ufw" and ("disable" in cmd.args or "reset" in cmd.args):
        return "ufw " + " ".join(cmd.args)
    return None


def _selinux_off(hit: Hit) -> str | None:
    cmd = hit.cmd
    if cmd.program == "setenforce" and cmd.args[:1] in (("0",), ("Permissive",), ("permissive",)):
        return "setenforce " + cmd.args[0]
    if cmd.program in ("aa-teardown",):
        return cmd.program
    if any(re.search(r"SELINUX=(disabled|permissive)", a) for a in cmd.args) and (
        hit.written or cmd.program == "sed"
    ):
        return "SELINUX=disabled"
    return None


def _audit_off(hit: Hit) -> str | None:
    cmd = hit.cmd
    if cmd.program == "auditctl" and ("-D" in cmd.args or option_value(cmd.args, ("-e",)) == ["0"]):
        return "auditctl " + " ".join(cmd.args)
    return None


def _sysrq_crash(hit: Hit) -> str | None:
    cmd = hit.cmd
    if cmd.program in ("echo", "printf") and cmd.args[-1:] in (("c",), ("b",), ("o",)):
        return next((p for p, _ in hit.written if p == "/proc/sysrq-trigger"), None)
    return None


def _mounts_host(hit: Hit) -> str | None:
    cmd = hit.cmd
    if not cmd.args or cmd.args[0] not in ("run", "create", "exec", "container"):
        return None
    volumes = option_value(cmd.args, ("-v", "--volume", "--mount"))
    for volume in volumes:
        source = volume.split(":", 1)[0]
        if volume.startswith("type=") or "source=" in volume or "src=" in volume:
            match = re.search(r"(?:source|src)=([^,]+)", volume)
            source = match.group(1) if match else ""
        if norm_path(source) in ("/", "/etc", "/root", "/proc", "/sys", "/dev", "/boot", "/var", "/usr", "~"):
            return volume
    return None


def _privileged_container(hit: Hit) -> str | None:
    cmd = hit.cmd
    if not cmd.args or cmd.args[0] not in ("run", "create", "exec"):
        return None
    for arg in cmd.args:
        if arg in ("--privileged", "--pid=host", "--ipc=host", "--userns=host") or arg.startswith(
            "--privileged="
        ):
            return arg
        if re.match(r"^--cap-add[= ]?(ALL|SYS_ADMIN|SYS_PTRACE|SYS_MODULE|DAC_READ_SEARCH)$", arg):
            return arg
        if "docker.sock" in arg or re.search(r"(apparmor|seccomp)[=:]unconfined", arg):
            return arg
    caps = option_value(cmd.args, ("--cap-add",))
    if any(c in ("ALL", "SYS_ADMIN", "SYS_PTRACE", "SYS_MODULE") for c in caps):
        return f"--cap-add {caps[0]}"
    pid = option_value(cmd.args, ("--pid",))
    return "--pid host" if "host" in pid else None


def _nsenter_host(hit: Hit) -> str | None:
    targets = option_value(hit.cmd.args, ("-t", "--target"))
    if "1" in targets or "-a" in hit.cmd.args or "--all" in hit.cmd.args:
        return "nsenter --target 1"
    return None


def _payload_is_hostile(hit: Hit) -> bool:
    hostile = re.compile(r"curl |wget |/dev/tcp|\bnc |ncat |base64 -d|bash -i|sh -i|mkfifo")
    return any(
        hostile.search(a) for c in hit.script.commands if c.program in ("echo", "printf") for a in c.args
    )


def _cron_install(hostile: bool) -> Check:
    def check(hit: Hit) -> str | None:
        cmd = hit.cmd
        writes_cron = next((p for p, _ in hit.written if CRON_PATH.match(norm_path(p))), None)
        piped = cmd.program == "crontab" and (cmd.stdin_from or cmd.stdin_text or "-" in cmd.args)
        if not (writes_cron or piped):
            return None
        if _payload_is_hostile(hit) != hostile:
            return None
        return writes_cron or "crontab -"

    return check


def _rc_backdoor(hit: Hit) -> str | None:
    target = next((p for p, _ in hit.written if SHELL_RC.match(norm_path(p))), None)
    return target if target and _payload_is_hostile(hit) else None


def _root_authorized_keys(hit: Hit) -> str | None:
    return next(
        (
            p
            for p, _ in hit.written
            if p.startswith("/root/") and p.endswith(("authorized_keys", "authorized_keys2"))
        ),
        None,
    )


def _privileged_with_host_pid(hit: Hit) -> str | None:
    args = hit.cmd.args
    privileged = any(a == "--privileged" or a == "--privileged=true" for a in args)
    host_pid = "--pid=host" in args or "host" in option_value(args, ("--pid",))
    return (
        "--privileged --pid=host" if privileged and host_pid and args[:1] in (("run",), ("create",)) else None
    )


def _uid0_account(hit: Hit) -> str | None:
    cmd = hit.cmd
    if cmd.program in ("useradd", "usermod", "adduser") and option_value(cmd.args, ("-u", "--uid")) == ["0"]:
        return f"{cmd.program} -u 0"
    return None


def _admin_group(hit: Hit) -> str | None:
    cmd = hit.cmd
    if cmd.program in ("usermod", "gpasswd", "adduser", "useradd"):
        groups = option_value(cmd.args, ("-G", "-g", "--groups", "-a"))
        groups += [a for a in hit.operands if cmd.program in ("adduser", "gpasswd")]
        for group in groups:
            if set(group.split(",")) & {"sudo", "wheel", "root", "admin", "docker", "adm", "disk", "shadow"}:
                return group
    return None


def _kill_everything(hit: Hit) -> str | None:
    cmd = hit.cmd
    if cmd.program == "kill" and any(
        a in ("-1", "1") for a in hit.cmd.args if a not in ("-9", "-KILL", "-s")
    ):
        operands = [a for a in cmd.args if a not in ("-9", "-KILL", "-SIGKILL", "-15", "-TERM", "-s", "KILL")]
        return "kill -1" if "-1" in operands or operands == ["1"] else None
    if cmd.program == "killall5":
        return "killall5"
    return None


def _shutdown(hit: Hit) -> str | None:
    cmd = hit.cmd
    if cmd.program in ("shutdown", "reboot", "halt", "poweroff"):
        return cmd.program
    if cmd.program in ("init", "telinit") and cmd.args[:1] in (("0",), ("6",)):
        return f"{cmd.program} {cmd.args[0]}"
    if cmd.program == "systemctl" and cmd.args[:1] and cmd.args[0] in ("poweroff", "reboot", "halt", "kexec"):
        return f"systemctl {cmd.args[0]}"
    return None


def _overwrite_critical_file(hit: Hit) -> str | None:
    return next((p for p, how in hit.written if how == "write" and norm_path(p) in CRITICAL_FILES), None)


def _world_writable_secret(hit: Hit) -> str | None:
    mode = next((a for a in hit.cmd.args if re.fullmatch(r"[0-7]{3,4}|[ugoa]*[+=][rwxXst]+", a)), "")
    opens = bool(re.fullmatch(r"[0-7]*[0-7][1-7][1-7]|[0-7]*[2367][0-7]", mode)) or bool(
        re.match(r"^(o|a|)[+=]", mode)
    )
    if not opens:
        return None
    return next(
        (
            a
            for a in hit.operands[1:]
            if norm_path(a) in SHADOW_FILES | {"/etc/sudoers", "/etc/passwd"} or is_secret_path(a)
        ),
        None,
    )


def _rsync_delete_critical(hit: Hit) -> str | None:
    if not hit.options & {"--delete", "--delete-before", "--delete-after", "--delete-during"}:
        return None
    destination = hit.operands[-1] if len(hit.operands) >= 2 else ""
    return destination if path_tier(destination) == "critical" else None


def _dd_device(hit: Hit) -> str | None:
    return next((a[3:] for a in hit.cmd.args if a.startswith("of=") and is_block_device(a[3:])), None)


def _partition_wipe(hit: Hit) -> str | None:
    cmd = hit.cmd
    device = next((a for a in hit.operands if is_block_device(a)), None)
    if device is None:
        return None
    if cmd.program == "sgdisk" and hit.options & {"-Z", "--zap-all", "-o", "--clear", "-z", "--zap"}:
        return device
    if cmd.program == "parted" and any(a in ("mklabel", "rm", "mkpart") for a in cmd.args):
        return device
    if cmd.program == "sfdisk" and hit.options & {"--delete", "--wipe"}:
        return device
    if cmd.program == "hdparm" and any(a.startswith("--security-erase") for a in cmd.args):
        return device
    return None


ANY = None

_P = frozenset
MKFS = _P(
    {"mkfs", "mke2fs", "mkswap", "mkntfs", "mkdosfs", "newfs", "mkfs.ext2", "mkfs.ext3", "mkfs.ext4"}
) | _P(
    {"mkfs.xfs", "mkfs.btrfs", "mkfs.vfat", "mkfs.fat", "mkfs.ntfs", "mkfs.exfat", "mkfs.f2fs", "mkfs.minix"}
)
DOCKERS = _P({"docker", "podman", "nerdctl", "ctr"})
DELETERS = _P({"rm", "unlink", "srm", "shred", "wipe"})
INTERP_OR_EVAL = None  # interpreter rules look at every command: the name may come from a substitution

# The table. Order matters only between rules of the same verdict: the first match is reported.
RULES: tuple[Rule, ...] = (
    # destructive deletion
    Rule(
        "DEL001",
        "destructive_deletion",
        "T1485",
        "block",
        "recursive delete of a system or home directory",
        _P({"rm"}),
        _recursive_delete("critical"),
    ),
    Rule(
        "DEL002",
        "destructive_deletion",
        "T1485",
        "block",
        "rm told to ignore the root-directory safeguard",
        _P({"rm"}),
        _has_option("--no-preserve-root"),
    ),
    Rule(
        "DEL003",
        "destructive_deletion",
        "T1485",
        "block",
        "deletion of a critical system file",
        DELETERS,
        _operand(lambda p: norm_path(p) in CRITICAL_FILES),
    ),
    Rule(
        "DEL004",
        "destructive_deletion",
        "T1485",
        "block",
        "overwrite of a critical system file",
        ANY,
        _overwrite_critical_file,
    ),
    Rule(
        "DEL005",
        "destructive_deletion",
        "T1485",
        "block",
        "find -delete over a whole system or home tree",
        _P({"find"}),
        _find_delete(filtered=False),
    ),
    Rule(
        "DEL006",
        "destructive_deletion",
        "T1485",
        "block",
        "moving a system or home directory away",
        _P({"mv"}),
        lambda h: next((a for a in h.operands[:-1] if path_tier(a) == "critical"), None),
    ),
    Rule(
        "DEL007",
        "destructive_deletion",
        "T1485",
        "block",
        "rsync --delete onto a system or home directory",
        _P({"rsync"}),
        _rsync_delete_critical,
    ),
    Rule(
        "DEL008",
        "destructive_deletion",
        "T1485",
        "block",
        "shredding files of a system or home directory",
        _P({"shred", "wipe", "srm"}),
        _operand(_tier("critical")),
    ),
    Rule(
        "DEL101",
        "destructive_deletion",
        "T1485",
        "warn",
        "recursive delete under a system directory, of an unresolved variable, or of everything here",
        _P({"rm"}),
        _recursive_delete("system", "unknown", "cwd"),
    ),
    Rule(
        "DEL102",
        "destructive_deletion",
        "T1485",
        "warn",
        "find -delete of selected files under a system or home tree",
        _P({"find"}),
        _find_delete(filtered=True),
    ),
    # disk wipe and formatting
    Rule(
        "WIPE001", "disk_wipe", "T1561.001", "block", "dd writing onto a block device", _P({"dd"}), _dd_device
    ),
    Rule(
        "WIPE002",
        "disk_wipe",
        "T1561.001",
        "block",
        "writing onto a block device",
        ANY,
        _writes(is_block_device),
    ),
    Rule(
        "WIPE003",
        "disk_wipe",
        "T1561.001",
        "block",
        "wiping a block device",
        _P({"shred", "wipefs", "blkdiscard", "scrub", "wipe", "badblocks"}),
        _all(
            lambda h: None if h.cmd.program == "badblocks" and "-w" not in h.options else "x",
            _operand(is_block_device),
        ),
    ),
    Rule(
        "WIPE004",
        "disk_wipe",
        "T1561.002",
        "block",
        "creating a filesystem on a block device",
        MKFS,
        _operand(is_block_device),
    ),
    Rule(
        "WIPE005",
        "disk_wipe",
        "T1561.002",
        "block",
        "destroying a partition table",
        _P({"sgdisk", "parted", "sfdisk", "hdparm"}),
        _partition_wipe,
    ),
    # fork bombs
    Rule(
        "FORK001",
        "fork_bomb",
        "T1499.001",
        "block",
        "fork bomb: a function that spawns copies of itself",
        ANY,
        _fork_bomb,
    ),
    Rule(
        "FORK002",
        "fork_bomb",
        "T1499.001",
        "block",
        "fork bomb in an interpreter one-liner",
        _P({"perl", "python", "python3", "ruby", "php", "node"}),
        _code_matches(r"fork", r"while|loop|for\b|\bdo\b"),
    ),
    # permissions, ownership, setuid
    Rule(
        "PERM001",
        "permission_change",
        "T1222.002",
        "block",
        "recursive permission or ownership change of a system or home directory",
        _P({"chmod", "chown", "chgrp", "setfacl"}),
        _recursive_change("critical"),
    ),
    Rule(
        "PERM002",
        "permission_change",
        "T1222.002",
        "block",
        "making password or key files readable or writable by everyone",
        _P({"chmod"}),
        _world_writable_secret,
    ),
    Rule(
        "PERM003",
        "setuid",
        "T1548.001",
        "block",
        "setting the setuid/setgid bit on a shell, interpreter or system binary",
        _P({"chmod"}),
        _setuid_on_important,
    ),
    Rule(
        "PERM101",
        "permission_change",
        "T1222.002",
        "warn",
        "recursive permission or ownership change under a system directory",
        _P({"chmod", "chown", "chgrp", "setfacl"}),
        _recursive_change("system", "unknown"),
    ),
    Rule(
        "PERM102", "setuid", "T1548.001", "warn", "setting the setuid/setgid bit", _P({"chmod"}), _setuid_mode
    ),
    # remote code execution and decode-and-execute
    Rule(
        "RCE001",
        "remote_code_execution",
        "T1105",
        "block",
        "downloaded content executed by an interpreter",
        INTERP_OR_EVAL,
        _executes_download,
    ),
    Rule(
        "RCE002",
        "remote_code_execution",
        "T1105",
        "block",
        "a downloaded file is executed",
        INTERP_OR_EVAL,
        _executes_downloaded_file,
    ),
    Rule(
        "OBF001",
        "obfuscated_execution",
        "T1140",
        "block",
        "decoded content executed by an interpreter",
        INTERP_OR_EVAL,
        _executes_decoded,
    ),
    Rule(
        "OBF002",
        "obfuscated_execution",
        "T1140",
        "block",
        "interpreter one-liner that decodes and executes code",
        _P({"python", "python2", "python3", "perl", "ruby", "php", "node"}),
        _code_matches(
            r"b64decode|base64|decode\(|fromhex|unhexlify|atob|pack\(",
            r"exec|eval|system|popen|spawn|subprocess",
        ),
    ),
    # reverse shells (before exfiltration: a shell on a socket is the worse reading)
    Rule(
        "REV001",
        "reverse_shell",
        "T1059.004",
        "block",
        "shell connected to /dev/tcp or /dev/udp",
        ANY,
        _reverse_shell_redirect,
    ),
    Rule(
        "REV002",
        "reverse_shell",
        "T1059.004",
        "block",
        "netcat executing a program for the remote side",
        NETCATS,
        _has_option("-e", "-c", "--exec", "--sh-exec", "--lua-exec"),
    ),
    Rule(
        "REV003",
        "reverse_shell",
        "T1059.004",
        "block",
        "socat joining a program to a network socket",
        _P({"socat"}),
        _all(
            _has_arg(r"(?i)^(exec|system):"),
            _has_arg(r"(?i)^(tcp|udp|openssl|ssl|tcp4|tcp6|tcp-listen|tcp-connect)"),
        ),
    ),
    Rule(
        "REV004",
        "reverse_shell",
        "T1059.004",
        "block",
        "shell piped to or from a network client",
        ANY,
        _shell_piped_with_network,
    ),
    Rule(
        "REV005",
        "reverse_shell",
        "T1059.004",
        "block",
        "interpreter one-liner that connects a socket to a shell",
        _P({"python", "python2", "python3", "perl", "ruby", "php", "node", "lua"}),
        _code_matches(
            r"socket|fsockopen|TCPSocket|IO::Socket|require\(.net.\)|net\.connect",
            r"subprocess|pty|exec|/bin/(ba)?sh|dup2|spawn|popen|system|sh -i",
        ),
    ),
    # credential access and exfiltration
    Rule(
        "CRED001",
        "credential_access",
        "T1003.008",
        "block",
        "reading the password hash file",
        ANY,
        _reads_secret(lambda p: p in SHADOW_FILES),
    ),
    Rule(
        "EXF001",
        "exfiltration",
        "T1048",
        "block",
        "sending secrets, account files or a home directory over the network",
        ANY,
        _sends_secret,
    ),
    Rule(
        "CRED101",
        "credential_access",
        "T1552.004",
        "warn",
        "reading a private key",
        ANY,
        _reads_secret(
            lambda p: bool(PRIVATE_KEY.search(p)) and (p.startswith("~/") or p.startswith("/etc/"))
        ),
    ),
    Rule(
        "CRED102",
        "credential_access",
        "T1552.001",
        "warn",
        "reading a cloud, token or password store file",
        ANY,
        _reads_secret(lambda p: bool(CREDENTIAL_FILE.match(p))),
    ),
    Rule(
        "CRED103",
        "credential_access",
        "T1552.001",
        "warn",
        "printing secrets from the environment",
        ANY,
        _env_secret,
    ),
    Rule(
        "CRED104",
        "credential_access",
        "T1552.001",
        "warn",
        "searching a whole system or home tree for passwords or keys",
        _P({"grep", "egrep", "rg", "ag", "find", "locate"}),
        _credential_hunt,
    ),
    Rule(
        "EXF101", "exfiltration", "T1048", "warn", "writing data to a raw network socket", ANY, _socket_write
    ),
    # privilege escalation
    Rule(
        "PRIV001",
        "privilege_escalation",
        "T1548.003",
        "block",
        "editing sudoers outside visudo",
        ANY,
        _writes(lambda p: bool(SUDOERS.match(p))),
    ),
    Rule(
        "PRIV002",
        "privilege_escalation",
        "T1136.001",
        "block",
        "adding to or editing the account database directly",
        ANY,
        _writes(lambda p: p in SHADOW_FILES | {"/etc/passwd", "/etc/group"}, ("append", "edit")),
    ),
    Rule(
        "PRIV003",
        "privilege_escalation",
        "T1136.001",
        "block",
        "creating or changing an account to uid 0",
        _P({"useradd", "usermod", "adduser"}),
        _uid0_account,
    ),
    Rule(
        "PRIV004",
        "privilege_escalation",
        "T1548.003",
        "block",
        "piping a passwordless sudo rule into visudo",
        _P({"visudo"}),
        _sudoers_via_visudo,
    ),
    Rule("PRIV101", "privilege_escalation", "T1548.003", "warn", "opening a root shell", ANY, _root_shell),
    Rule(
        "PRIV102",
        "privilege_escalation",
        "T1098",
        "warn",
        "adding a user to an administrative group",
        _P({"usermod", "gpasswd", "adduser", "useradd"}),
        _admin_group,
    ),
    # persistence
    Rule(
        "PERS001",
        "persistence",
        "T1053.003",
        "block",
        "cron entry that downloads code or opens a shell",
        ANY,
        _cron_install(hostile=True),
    ),
    Rule(
        "PERS002",
        "persistence",
        "T1546.004",
        "block",
        "shell start-up file that downloads code or opens a shell",
        ANY,
        _rc_backdoor,
    ),
    Rule(
        "PERS003",
        "persistence",
        "T1098.004",
        "block",
        "adding an SSH key to root's authorized_keys",
        ANY,
        _root_authorized_keys,
    ),
    Rule(
        "PERS101",
        "persistence",
        "T1098.004",
        "warn",
        "adding an SSH key to authorized_keys",
        ANY,
        _writes(lambda p: p.endswith(("authorized_keys", "authorized_keys2"))),
    ),
    Rule(
        "PERS102",
        "persistence",
        "T1053.003",
        "warn",
        "installing cron entries non-interactively",
        ANY,
        _cron_install(hostile=False),
    ),
    Rule(
        "PERS103",
        "persistence",
        "T1543.002",
        "warn",
        "writing a systemd unit",
        ANY,
        _writes(
            lambda p: p.startswith(
                ("/etc/systemd/system/", "/lib/systemd/system/", "~/.config/systemd/user/")
            )
        ),
    ),
    # defense evasion
    Rule(
        "EVA001",
        "defense_evasion",
        "T1070.002",
        "block",
        "wiping authentication or audit logs",
        ANY,
        _wipes_log(AUTH_LOG),
    ),
    Rule(
        "EVA002",
        "defense_evasion",
        "T1562.001",
        "block",
        "turning SELinux or AppArmor off",
        ANY,
        _selinux_off,
    ),
    Rule(
        "EVA003",
        "defense_evasion",
        "T1562.012",
        "block",
        "turning the Linux audit system off",
        ANY,
        _audit_off,
    ),
    Rule(
        "EVA004",
        "defense_evasion",
        "T1562.012",
        "block",
        "stopping the audit daemon",
        _P({"systemctl", "service", "pkill", "killall"}),
        _service_action("auditd"),
    ),
    Rule(
        "EVA101",
        "defense_evasion",
        "T1070.003",
        "warn",
        "clearing or disabling shell history",
        ANY,
        _history_off,
    ),
    Rule(
        "EVA102",
        "defense_evasion",
        "T1562.004",
        "warn",
        "flushing or disabling the firewall",
        ANY,
        _firewall_flush,
    ),
    Rule(
        "EVA103",
        "defense_evasion",
        "T1562.004",
        "warn",
        "stopping the firewall service",
        _P({"systemctl", "service"}),
        _service_action("firewalld|ufw|iptables|nftables|apparmor"),
    ),
    Rule(
        "EVA104",
        "defense_evasion",
        "T1070.002",
        "warn",
        "wiping system logs",
        ANY,
        _wipes_log(re.compile(r"^/var/log/\S+$")),
    ),
    # container escape
    Rule(
        "CTR001",
        "container_escape",
        "T1611",
        "block",
        "container with the host's root or system directories mounted",
        DOCKERS,
        _mounts_host,
    ),
    Rule(
        "CTR002",
        "container_escape",
        "T1611",
        "block",
        "entering the host's namespaces",
        _P({"nsenter"}),
        _nsenter_host,
    ),
    Rule(
        "CTR003",
        "container_escape",
        "T1611",
        "block",
        "privileged container sharing the host's process namespace",
        DOCKERS,
        _privileged_with_host_pid,
    ),
    Rule(
        "CTR101",
        "container_escape",
        "T1611",
        "warn",
        "privileged container, host PID namespace or container socket",
        DOCKERS,
        _privileged_container,
    ),
    # availability
    Rule(
        "SYS001",
        "system_disruption",
        "T1529",
        "block",
        "crashing the kernel through sysrq",
        _P({"echo", "printf"}),
        _sysrq_crash,
    ),
    Rule(
        "SYS101",
        "system_disruption",
        "T1529",
        "warn",
        "shutting down or rebooting the machine",
        _P({"shutdown", "reboot", "halt", "poweroff", "init", "telinit", "systemctl"}),
        _shutdown,
    ),
    Rule(
        "SYS102",
        "system_disruption",
        "T1489",
        "warn",
        "killing every process",
        _P({"kill", "killall5"}),
        _kill_everything,
    ),
)
