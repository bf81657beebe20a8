"""The pytest plugin: options, session state, the ``evaluation`` and ``gate`` fixtures, and report hooks.

Registered through the ``pytest11`` entry point, so ``pytest regression/ --adapter PATH`` (or
``pytest --pyargs securecli_eval.regression --adapter PATH``, the gates shipped in the package)
works in any project that installs securecli-eval. It stays inert unless ``--adapter`` is
given. Then it holds the results folder for the session (one run at a time), marks every gate
test ``gate``, and appends a last test case, ``verdict``, that fails on NO-SHIP: the summary
line and JUnit XML agree with the exit code. Hooks and option parsing only: the run is
``run.py``, the books and the verdict are ``gates.GateLedger``, the files are
``report/writer.py``. Heavy imports (torch, transformers, peft) happen inside the fixtures, so
``pytest --help`` stays fast.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import logging
import os
import shlex
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

import pytest

from securecli_eval.errors import SecureCliError

if TYPE_CHECKING:
    from securecli_eval.gates import GateLedger
    from securecli_eval.generate.progress import Progress
    from securecli_eval.records import MetricsReport
    from securecli_eval.release.tracking import TrackingSettings
    from securecli_eval.report.writer import ResultsLock
    from securecli_eval.run import Evaluation, Prepared, RunOptions

GATE_FIXTURES = {"gate", "evaluation"}
VERDICT_NODEID = "securecli-eval::verdict"
NO_GATES_HINT = (
    "no gate test was collected: run `securecli-eval init` (writes regression/), "
    "or `pytest --pyargs securecli_eval.regression --adapter PATH` for the gates shipped with securecli-eval"
)
LINE_IN_PROGRESS = -2  # pytest's own mark (TerminalReporter.currentfspath) for an unfinished line


@dataclass
class RunState:
    """Everything one regression session knows, kept under ``STATE`` in ``config.stash``."""

    options: RunOptions
    prepared: Prepared
    ledger: GateLedger
    started_at: str
    started: float
    run_id: str
    lock: ResultsLock
    progress: Progress | None = None
    evaluation: Evaluation | None = None
    report: MetricsReport | None = None
    written: list[Path] = field(default_factory=list)
    write_error: str | None = None
    evaluation_error: str | None = None
    tracking: TrackingSettings | None = None
    tracked: str | None = None  # the one line saying where W&B logged the run
    evaluated_in: str | None = None  # the test whose setup ran the evaluation (its output is not the gate's)
    interrupted: bool = False
    gate_tests: int = 0  # gate tests collected (before -k/-m selection)


STATE = pytest.StashKey[RunState]()


def _positive_int(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"must be a positive integer, given: {text!r}") from None
    if value < 1:
        raise argparse.ArgumentTypeError(f"must be a positive integer, given: {text!r}")
    return value


def _device(text: str) -> str:
    if text == "cpu" or text == "mps" or text == "cuda" or (text.startswith("cuda:") and text[5:].isdigit()):
        return text
    raise argparse.ArgumentTypeError(f"must be cpu, cuda, cuda:N or mps, given: {text!r}")


def _endpoint(text: str) -> str:
    from urllib.parse import urlsplit

    parts = urlsplit(text)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise argparse.ArgumentTypeError(
            f"must be the http(s) URL of an OpenAI-compatible API, e.g. http://localhost:8000/v1, "
            f"given: {text!r}"
        )
    return text


def _env_name(text: str) -> str:
    import re

    if not re.fullmatch(r"[A-Za-z_][A-Za-z0-9_]*", text):
        raise argparse.ArgumentTypeError(f"must be the name of an environment variable, given: {text!r}")
    return text


def _model_name(text: str) -> str:
    if not text.strip():
        raise argparse.ArgumentTypeError("must be a model name as the server lists it, given an empty string")
    return text


def pytest_addoption(parser: pytest.Parser) -> None:
    group = parser.getgroup("securecli-eval", "securecli-eval release gates")
    group.addoption(
        "--adapter",
        dest="securecli_adapter",
        metavar="PATH",
        default=None,
        help="LoRA adapter folder to gate (required for regression runs)",
    )
    group.addoption(
        "--base-model",
        dest="securecli_base_model",
        metavar="PATH_OR_ID",
        default=None,
        help="base model (default: base_model_name_or_path from the adapter's adapter_config.json)",
    )
    group.addoption(
        "--eval-config",
        dest="securecli_eval_config",
        metavar="FILE",
        default=None,
        help="eval config (default: config/eval_config.yaml where it exists, else securecli-eval's packaged "
        "default; the report says which)",
    )
    group.addoption(
        "--results-dir",
        dest="securecli_results_dir",
        metavar="DIR",
        default="results",
        help="where metrics.json, examples.jsonl and report.md go (default: results/)",
    )
    group.addoption(
        "--limit",
        dest="securecli_limit",
        metavar="N",
        type=_positive_int,
        default=None,
        help="evaluate only the first N examples of each dataset (recorded; never SHIP)",
    )
    group.addoption(
        "--device",
        dest="securecli_device",
        metavar="DEVICE",
        type=_device,
        default=None,
        help="cpu, cuda, cuda:N or mps (default: cuda if available, else cpu)",
    )
    group.addoption(
        "--backend",
        dest="securecli_backend",
        choices=["hf", "openai"],
        default=None,
        help="hf: transformers in-process; openai: an OpenAI-compatible server such as vLLM "
        "(default: generation.backend in the config)",
    )
    group.addoption(
        "--endpoint",
        dest="securecli_endpoint",
        metavar="URL",
        type=_endpoint,
        default=None,
        help="the server's OpenAI API root, e.g. http://localhost:8000/v1 (with --backend openai)",
    )
    group.addoption(
        "--served-model",
        dest="securecli_served_model",
        metavar="NAME",
        type=_model_name,
        default=None,
        help="the adapter's name on the server (vLLM: the NAME of --lora-modules NAME=ADAPTER_PATH)",
    )
    group.addoption(
        "--served-base",
        dest="securecli_served_base",
        metavar="NAME",
        type=_model_name,
        default=None,
        help="the base model's name on the server, for the baseline (default: the base it reports)",
    )
    group.addoption(
        "--api-key-env",
        dest="securecli_api_key_env",
        metavar="NAME",
        type=_env_name,
        default=None,
        help="environment variable holding the server's API key (default: OPENAI_API_KEY if set)",
    )
    group.addoption(
        "--baseline",
        dest="securecli_baseline",
        action=argparse.BooleanOptionalAction,
        default=None,
        help="compare with the base model on the same prompts (default: baseline.enabled in the config)",
    )
    group.addoption(
        "--compare-to",
        dest="securecli_compare_to",
        metavar="PATH",
        default=None,
        help="previous release's metrics.json: adds the drift gates of the config's drift: section",
    )
    group.addoption(
        "--wandb-project",
        dest="securecli_wandb_project",
        metavar="NAME",
        default=None,
        help="W&B project to log to (default: WANDB_PROJECT, else securecli-eval, when wandb is installed)",
    )
    group.addoption(
        "--wandb-run-name", dest="securecli_wandb_run_name", metavar="NAME", default=None, help="W&B run name"
    )
    group.addoption(
        "--no-wandb", dest="securecli_wandb", action="store_false", default=True, help="do not log to W&B"
    )
    group.addoption(
        "--no-progress",
        dest="securecli_progress",
        action="store_false",
        default=True,
        help="no progress lines while generating (default: a live line on a terminal, "
        "a line every 30 s in a log)",
    )


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line("markers", "gate: a securecli-eval release gate (added to every gate test)")
    adapter = config.getoption("securecli_adapter", default=None)
    if adapter is None:
        return
    from securecli_eval.gates import GateLedger, configured_gates
    from securecli_eval.inputs.config import choose_config
    from securecli_eval.report.writer import ResultsLock, new_run_id, utc_now
    from securecli_eval.run import RunOptions, prepare

    compare_to = config.getoption("securecli_compare_to")
    eval_config, source = choose_config(config.getoption("securecli_eval_config"))
    options = RunOptions(
        adapter=Path(adapter),
        eval_config=eval_config,
        results_dir=Path(config.getoption("securecli_results_dir")),
        base_model=config.getoption("securecli_base_model"),
        limit=config.getoption("securecli_limit"),
        device=config.getoption("securecli_device"),
        progress=config.getoption("securecli_progress"),
        baseline=config.getoption("securecli_baseline"),
        compare_to=Path(compare_to) if compare_to else None,
        backend=config.getoption("securecli_backend"),
        endpoint=config.getoption("securecli_endpoint"),
        served_model=config.getoption("securecli_served_model"),
        served_base=config.getoption("securecli_served_base"),
        api_key_env=config.getoption("securecli_api_key_env"),
        command=shlex.join(["pytest", *config.invocation_params.args]),
        eval_config_source=source,
    )
    started_at, started, run_id = utc_now(), time.perf_counter(), new_run_id()
    lock = ResultsLock(options.results_dir)
    try:
        _check_results_dir(options.results_dir)
        _check_html_path(config.getoption("htmlpath", default=None), options.results_dir)
        lock.acquire(run_id)
    except SecureCliError as error:
        raise pytest.UsageError(f"securecli-eval: {error}") from None
    try:
        tracking = _tracking_settings(config)
        prepared = prepare(options)
    except SecureCliError as error:
        lock.release()
        raise pytest.UsageError(f"securecli-eval: {error}") from None
    ledger = GateLedger(tuple(configured_gates(prepared.config, options.compare_to is not None)))
    config.stash[STATE] = RunState(
        options, prepared, ledger, started_at, started, run_id, lock, tracking=tracking
    )
    if config.pluginmanager.hasplugin("html"):
        config.pluginmanager.register(HtmlSummary(config), "securecli_eval_html")


def _progress(config: pytest.Config) -> Progress | None:
    """Generation progress through pytest's terminal reporter, so it shows under the default capture."""
    reporter = config.pluginmanager.get_plugin("terminalreporter")
    if not config.getoption("securecli_progress") or reporter is None:
        return None
    from securecli_eval.generate.progress import Progress

    lines = ProgressLines(reporter, config.pluginmanager.get_plugin("capturemanager"))
    config.pluginmanager.register(lines, "securecli_eval_progress")
    return Progress(lines.emit, lines.live)


class ProgressLines:
    """Writes progress lines on the terminal while a fixture runs under output capture.

    A live terminal gets one line rewritten in place; a log gets whole lines. pytest's line of
    results for the current test file is interrupted by them, so it is started again before
    the next result is written.
    """

    def __init__(self, reporter, capture):
        self.reporter, self.capture = reporter, capture
        self.live = bool(reporter.isatty())
        self.resume: Path | None = None  # the test file whose line of results was interrupted

    def emit(self, line: str, transient: bool) -> None:
        reporter = self.reporter
        suspended = self.capture.global_and_fixture_disabled() if self.capture else contextlib.nullcontext()
        with suspended:
            if isinstance(reporter.currentfspath, Path):
                self.resume = reporter.currentfspath
            if reporter.currentfspath != LINE_IN_PROGRESS:  # else our own line, rewritten in place
                reporter.ensure_newline()
            if not self.live:
                reporter.write_line(line)
                return
            reporter.rewrite(line, erase=True)
            if transient:
                reporter.currentfspath = LINE_IN_PROGRESS  # whatever pytest writes next starts a new line
            else:
                reporter.write("\n")
                reporter.currentfspath = None

    @pytest.hookimpl(tryfirst=True)
    def pytest_runtest_logreport(self, report: pytest.TestReport) -> None:
        reporter, location = self.reporter, self.resume
        if location is not None and reporter.currentfspath is None:
            reporter.write(f"{os.path.relpath(location, reporter.startpath)} ")
            reporter.currentfspath = location
        self.resume = None


def gated_metrics(config: pytest.Config, source: str) -> list[str]:
    """Gated metrics computed from ``source`` (``baseline``, ``drift``): parametrizes gate tests."""
    state = config.stash.get(STATE, None)
    return [] if state is None else state.ledger.metrics_from(source)


def _tracking_settings(config: pytest.Config) -> TrackingSettings | None:
    """W&B settings when this run is tracked (--wandb-project, or wandb installed and no --no-wandb)."""
    from securecli_eval.release.tracking import TrackingSettings, tracking_enabled

    project = config.getoption("securecli_wandb_project")
    if not tracking_enabled(project, no_wandb=not config.getoption("securecli_wandb")):
        return None
    return TrackingSettings(project=project, run_name=config.getoption("securecli_wandb_run_name"))


def _check_results_dir(path: Path) -> None:
    try:
        path.mkdir(parents=True, exist_ok=True)
        probe = path / ".write-test"
        probe.write_text("")
        probe.unlink()
    except OSError as error:
        raise SecureCliError(
            f"--results-dir {path}: not writable ({error.strerror}); pass a writable folder"
        ) from None


def _check_html_path(html: str | None, results_dir: Path) -> None:
    """pytest-html must not overwrite the report.html that every run writes into the results folder."""
    if html and Path(html).expanduser().resolve() == (results_dir / "report.html").resolve():
        raise SecureCliError(
            f"--html {html} is where securecli-eval writes its own report; give pytest-html another path "
            f"(e.g. --html={results_dir / 'pytest-report.html'})"
        )


def pytest_unconfigure(config: pytest.Config) -> None:
    state = config.stash.get(STATE, None)
    if state is not None:
        state.lock.release()
        del config.stash[STATE]


def _is_gate(item: pytest.Item) -> bool:
    return bool(GATE_FIXTURES & set(getattr(item, "fixturenames", ())))


@pytest.hookimpl(tryfirst=True)
def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Mark every gate test ``gate`` before ``-m`` selects, so ``-m gate`` means the gates."""
    gated = [item for item in items if _is_gate(item)]
    if STATE not in config.stash:
        if gated:
            raise pytest.UsageError(
                "securecli-eval: --adapter PATH is required to run the regression gates "
                f"({len(gated)} collected); e.g. pytest regression/ --adapter outputs/my-adapter"
            )
        return
    config.stash[STATE].gate_tests = len(gated)
    for item in gated:
        item.add_marker(pytest.mark.gate)


@pytest.hookimpl(specname="pytest_collection_modifyitems", trylast=True)
def pytest_collection_modifyitems_verdict(
    session: pytest.Session, config: pytest.Config, items: list[pytest.Item]
) -> None:
    """After every selection (``-k``, ``-m``): the verdict test case, last in the session."""
    if STATE in config.stash:
        items.append(VerdictItem.from_parent(session, name="verdict", nodeid=VERDICT_NODEID))


class VerdictItem(pytest.Item):
    """The session's verdict as a test case, run after every gate: passes on SHIP, fails on NO-SHIP
    naming each gate that did not pass, so the summary line and JUnit agree with the exit code."""

    def runtest(self) -> None:
        state = self.config.stash[STATE]
        verdict, reasons = state.ledger.verdict(state.prepared.limited)
        if verdict != "SHIP":
            if not state.gate_tests:
                reasons.append(NO_GATES_HINT)
            lines = "\n".join(f"  {reason}" for reason in reasons)
            pytest.fail(f"securecli-eval verdict: NO-SHIP\n{lines}", pytrace=False)

    def reportinfo(self):
        return self.path, None, "securecli-eval verdict"


@pytest.fixture(scope="session")
def evaluation(request: pytest.FixtureRequest) -> Evaluation:
    """The one evaluation of this session: generated once (cached on disk), shared by every gate."""
    state = request.config.stash.get(STATE, None)
    if state is None:
        raise pytest.UsageError("securecli-eval: --adapter PATH is required to run the regression gates")
    if state.evaluation is None:
        from securecli_eval.run import evaluate

        try:
            state.progress = _progress(request.config)  # the terminal reporter exists by now
            with _live_output(request.config):
                state.evaluation = evaluate(state.prepared, state.progress)
        except SecureCliError as error:
            state.evaluation_error = str(error)
            pytest.exit(f"securecli-eval: {error}", returncode=pytest.ExitCode.USAGE_ERROR)
    return state.evaluation


@contextlib.contextmanager
def _live_output(config: pytest.Config):
    """Progress bars and library warnings of the evaluation go to the terminal as they happen.

    Captured, they would land in the first gate test's failure text (terminal and pytest-html),
    where they hide why the gate failed.
    """
    capture = config.pluginmanager.getplugin("capturemanager")
    with capture.global_and_fixture_disabled() if capture else contextlib.nullcontext():
        sys.stderr.write("\n")  # off the line pytest is writing test outcomes on
        handler = logging.StreamHandler(sys.stderr)  # the terminal's stderr, now that capture is off
        handler.setLevel(logging.WARNING)
        handler.setFormatter(logging.Formatter("%(levelname)s %(name)s: %(message)s"))
        logging.getLogger().addHandler(handler)
        try:
            yield
        finally:
            logging.getLogger().removeHandler(handler)


class GateCheck:
    """Called by a gate test with a metric name: checks that metric's configured gates."""

    def __init__(self, state: RunState, evaluation: Evaluation, test: str):
        self.state, self.evaluation, self.test = state, evaluation, test

    def __call__(self, metric: str) -> None:
        from securecli_eval.gates import explain, failing_examples

        ledger = self.state.ledger
        if not ledger.gates_for(metric):
            pytest.skip(
                f"no threshold for {metric} in the eval config ({metric}_min / {metric}_max): not a gate"
            )
        value = self.evaluation.metrics.get(metric)
        missing = self.evaluation.unavailable_reason(metric) if value is None else ""
        results = ledger.check(self.test, metric, value, missing)
        if value is None:
            pytest.skip(missing)
        failed = [r for r in results if not r.passed]
        if failed:
            examples = failing_examples(self.evaluation, metric, self.state.prepared.config.worst_examples)
            pytest.fail(explain(failed, value, examples), pytrace=False)


@pytest.fixture
def gate(request: pytest.FixtureRequest, evaluation: Evaluation) -> GateCheck:
    """``gate("exact_match")`` checks the metric against its ``_min``/``_max`` thresholds."""
    return GateCheck(request.config.stash[STATE], evaluation, request.node.nodeid)


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo):
    """Record each gate's test outcome: only a passed call counts as a passed gate."""
    report = yield
    state = item.config.stash.get(STATE, None)
    if state is not None and state.evaluation is not None and state.evaluated_in is None:
        state.evaluated_in = report.nodeid  # the first report after the evaluation: its test's setup ran it
    if state is not None and report.nodeid == state.evaluated_in:
        # what the evaluation printed while this test was set up was shown live: not this gate's text
        report.sections = [(title, text) for title, text in report.sections if not title.endswith(" setup")]
    finished = report.when == "call" or report.outcome != "passed"
    if state is not None and finished and state.ledger.checks(report.nodeid):
        outcome = "error" if report.when != "call" and report.failed else report.outcome
        state.ledger.record_test(report.nodeid, outcome)
    return report


@pytest.hookimpl(tryfirst=True)
def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    """Write the evidence first, so pytest-html's summary and the exit code can use it.

    An interrupted session writes nothing: its verdict would be a guess, and the previous
    complete results stay as they were.
    """
    state = session.config.stash.get(STATE, None)
    if state is None:
        return
    if exitstatus == pytest.ExitCode.INTERRUPTED:
        state.interrupted = True
        return
    if state.evaluation is None:
        return
    from securecli_eval.report.writer import build_report, write_results

    report = build_report(
        state.evaluation,
        state.ledger.final(),
        state.started_at,
        state.started,
        time.perf_counter(),
        state.run_id,
    )
    try:
        state.report, state.written = write_results(
            report, state.evaluation, state.options.results_dir, state.prepared.config.worst_examples
        )
    except OSError as error:
        state.write_error = (
            f"could not write results to {state.options.results_dir} ({error.strerror or error}); "
            f"nothing of this run was kept there, the previous complete results are untouched"
        )
        session.exitstatus = pytest.ExitCode.INTERNAL_ERROR
        return
    if state.report.verdict != "SHIP" and session.exitstatus == pytest.ExitCode.OK:
        session.exitstatus = pytest.ExitCode.TESTS_FAILED


@pytest.hookimpl(specname="pytest_sessionfinish", wrapper=True, trylast=True)
def pytest_sessionfinish_track(session: pytest.Session, exitstatus: int):
    """Log to W&B once every plugin has finished the session (pytest-html's page is written by then).

    The innermost wrapper: it runs before the terminal summary, which prints where the run went.
    (A second implementation of a hook in one module needs ``specname``; pytest reads only
    functions whose name starts with ``pytest_``.)
    """
    result = yield
    state = session.config.stash.get(STATE, None)
    tracked = state is not None and state.tracking is not None and state.report is not None
    if tracked and not state.write_error:
        state.tracked = _track(state, session.config)
    return result


def _track(state: RunState, config: pytest.Config) -> str:
    from securecli_eval.release.tracking import log_evaluation

    assert state.report is not None and state.evaluation is not None and state.tracking is not None
    files = list(state.written)
    html = config.getoption("htmlpath", default=None)
    if html and Path(html).is_file():
        files.append(Path(html))
    examples = [r.model_dump(mode="json") for r in state.evaluation.results]
    try:
        return log_evaluation(state.report, examples, files, state.tracking, state.options.adapter).message
    except SecureCliError as error:
        return f"W&B: not tracked: {error}"


def pytest_terminal_summary(terminalreporter, exitstatus: int, config: pytest.Config) -> None:
    """The verdict, the gates that did not pass, inconclusive gates, and where the reports are."""
    state = config.stash.get(STATE, None)
    if state is None:
        return
    write = terminalreporter
    if state.write_error:
        write.write_sep("=", f"securecli-eval: ERROR {state.write_error}", red=True)
        return
    if state.evaluation_error:
        return  # already reported as the session's one-line exit message
    if state.interrupted:
        _interrupted_summary(write, state)
        return
    if state.report is None:
        write.write_sep("-", "securecli-eval: no evaluation ran (no gate was selected), nothing written")
        return
    from securecli_eval.gates import inconclusive

    report = state.report
    ship = report.verdict == "SHIP"
    write.write_sep("=", f"securecli-eval verdict: {report.verdict}", green=ship, red=not ship, bold=True)
    passed = [gate for gate in report.gates if gate.passed]
    write.write_line(f"  {len(passed)} of {len(report.gates)} gates passed")
    for gate in report.gates:
        if not gate.passed:
            write.write_line(f"  {gate.outcome.upper():8} {gate.name:38} {gate.message}")
    for gate in report.gates:
        unsure = inconclusive(gate, report.metrics.get(gate.metric))
        if unsure is not None:
            write.write_line(f"  NOTE     {gate.name}: {unsure.message}")
    for reason in report.verdict_reasons:
        if reason.startswith("limited") or reason.startswith("no gate"):
            write.write_line(f"  NOTE     {reason}")
    reports = sorted(
        (p for p in state.written if p.suffix in {".html", ".md"} or p.name == "metrics.json"),
        key=lambda p: [".html", ".md", ".json"].index(p.suffix),
    )
    write.write_line(f"  reports: {', '.join(str(p) for p in reports)} (run {state.run_id})")
    if report.eval_config.source == "packaged":
        write.write_line(
            f"  NOTE     no config/eval_config.yaml here: used the packaged default {report.eval_config.path}"
        )
    if state.tracked:
        write.write_line(f"  {state.tracked}")


def _interrupted_summary(write, state: RunState) -> None:
    """Say that nothing was written, what the results folder still holds, and how to resume."""
    results = state.options.results_dir
    try:
        kept = json.loads((results / "metrics.json").read_text(encoding="utf-8"))
        run = (kept.get("evidence") or {}).get("run_id") or "of an older version"
        adapter = str((kept.get("adapter") or {}).get("sha256", ""))[:12]
        verdict = kept.get("verdict")
        held = f"{results} still holds the previous complete run ({run}: {verdict}, adapter {adapter})"
    except (OSError, ValueError, AttributeError):
        held = f"{results} holds no earlier results"
    generated = state.progress.generated if state.progress is not None else None
    cached = (
        f"the {generated} outputs generated before the interruption are"
        if generated
        else "every output generated is"
    )
    write.write_sep("=", "securecli-eval: run interrupted, no verdict", red=True, bold=True)
    write.write_line(f"  nothing of this run was written; {held}")
    write.write_line(
        f"  {cached} cached: rerun the same command to resume (only the missing outputs are generated)"
    )


class HtmlSummary:
    """pytest-html extras, registered only when pytest-html is active: the verdict and gate table."""

    def __init__(self, config: pytest.Config):
        self.config = config

    def pytest_html_results_summary(self, prefix, summary, postfix, session) -> None:
        state = self.config.stash.get(STATE, None)
        if state is not None and state.report is not None:
            from securecli_eval.report.render import render_html_summary

            prefix.append(render_html_summary(state.report))
