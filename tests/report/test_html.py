"""report.html and the comparison page, rendered from a fixed metrics.json and examples.jsonl."""

from __future__ import annotations

import json
import re
import shutil
from html.parser import HTMLParser
from pathlib import Path

import pytest

from securecli_eval.cli import main
from securecli_eval.inputs.previous import read_metrics
from securecli_eval.jsonl import dumps_lines, read_objects
from securecli_eval.records import GateResult, MetricValue
from securecli_eval.report import breakdown
from securecli_eval.report.html import Run, render_compare, render_html
from securecli_eval.report.render import render_markdown
from securecli_eval.report.writer import rerender

FIXTURES = Path(__file__).parent / "fixtures"


def evidence(folder: Path = FIXTURES):
    return (
        read_metrics(folder / "metrics.json", "fixture"),
        read_objects(folder / "examples.jsonl"),
        read_objects(folder / "base_examples.jsonl"),
    )


class Page(HTMLParser):
    """The parts of a page the tests look at: elements with their attributes, and the text."""

    def __init__(self, html: str):
        super().__init__()
        self.elements: list[tuple[str, dict[str, str]]] = []
        self.scripts: list[str] = []
        self.text: list[str] = []
        self._in_script = False
        self.feed(html)

    def handle_starttag(self, tag, attrs):
        self.elements.append((tag, {k: v or "" for k, v in attrs}))
        self._in_script = tag == "script"

    def handle_endtag(self, tag):
        self._in_script = False

    def handle_data(self, data):
        (self.scripts if self._in_script else self.text).append(data)

    def having(self, tag: str, **attrs: str) -> list[dict[str, str]]:
        return [
            a
            for t, a in self.elements
            if t == tag
            and all(re.search(rf"(^|\s){v}(\s|$)", a.get(k.rstrip("_"), "")) for k, v in attrs.items())
        ]


@pytest.fixture(scope="module")
def page() -> str:
    return render_html(*evidence())


def test_the_page_has_the_verdict_every_gate_and_every_example(page):
    report, examples, _ = evidence()
    parsed = Page(page)
    assert parsed.having("header", id="verdict")[0]["data-verdict"] == report.verdict
    assert [row["data-gate"] for row in parsed.having("tr", class_="gate")] == [g.name for g in report.gates]
    assert len(parsed.having("tr", class_="ex")) == len(examples)
    assert len(parsed.having("svg", class_="forest")) >= sum(
        g.outcome in {"passed", "failed"} for g in report.gates
    )
    assert parsed.having("svg", class_="bars") and parsed.having("svg", class_="matrix")


def test_the_page_is_self_contained(page):
    parsed = Page(page)
    assert not [
        a
        for t, a in parsed.elements
        if t in {"script", "img", "link", "iframe"} and (a.get("src") or a.get("href"))
    ]
    assert "http://" not in page and "https://" not in page


def test_model_text_is_escaped_and_tokens_redacted(page):
    _, examples, _ = evidence()
    assert any("<script>alert" in e["output"] for e in examples)  # the fixture carries markup...
    assert "<script>alert" not in page and "&lt;script&gt;alert" in page  # ...shown as text
    token = next(w for e in examples for w in e["output"].split() if w.startswith("hf_"))
    assert token not in page and "[REDACTED]" in page


def test_rendering_is_a_pure_function_of_the_evidence(page):
    assert render_html(*evidence()) == page


def test_examples_the_adapter_broke_come_first_then_those_against_failing_gates(page):
    _, examples, base = evidence()
    outcomes = breakdown.outcomes_of(evidence()[0].metrics)
    broken = {key for key, change in breakdown.changes(base, examples, outcomes).items() if change.broken}
    order = [row["id"] for row in Page(page).having("tr", class_="ex")]
    by_index = {f"ex-{i}": breakdown.key_of(e) for i, e in enumerate(examples)}
    keys = [by_index[row_id] for row_id in order]
    assert broken and set(keys[: len(broken)]) == broken
    worst = Page(page.split('id="worst"', 1)[1].split("</section>", 1)[0]).having("a")
    assert [by_index[a["href"][1:]] for a in worst if a["href"].startswith("#ex-")][:3] == keys[:3]


def test_inconclusive_gates_say_how_many_examples_would_resolve_them(page):
    assert "inconclusive: about 21 examples (now 14) would resolve it" in page
    assert "the estimate sits on the threshold, so no number of examples resolves it" in page


def test_filters_cover_datasets_categories_and_outcomes(page):
    parsed = Page(page)
    labels = " ".join(parsed.text)
    for facet in (
        "nl2bash_test",
        "adversarial",
        "reverse_shell",
        "broken (any)",
        "failed exact_match",
        "dangerous",
        "refused",
    ):
        assert facet in labels, facet
    radios = parsed.having("input", type="radio")
    rules = re.findall(r"#examples:has\(#f-(\w+):checked\) tr\.ex:not\(\.(\w+)\)", page)
    assert {r.get("id", "")[2:] for r in radios if r.get("id")} == {css for css, _ in rules}


def test_per_category_bars_name_the_attack_ids(page):
    assert "T1059.004" in page.split('id="adversarial"', 1)[1].split("</section>", 1)[0]


def test_a_metric_the_catalogue_does_not_know_is_rendered_from_its_description():
    report, examples, base = evidence()
    future = MetricValue(
        name="future_rate", kind="rate", value=0.5, n=2, successes=1, outcome="future", good_when=True
    )
    gate = GateResult(
        name="future_rate_min", metric="future_rate", op=">=", threshold=0.9, gate_on="point",
        value=0.5, compared=0.5, passed=False, outcome="failed", message="future_rate 0.5 violates >= 0.9",
    )  # fmt: skip
    changed = report.model_copy(
        update={"metrics": {**report.metrics, "future_rate": future}, "gates": [gate]}
    )
    rows = [{**e, "outcomes": {**e["outcomes"], "future": i % 2 == 0}} for i, e in enumerate(examples)]
    page = render_html(changed, rows, base)
    assert 'data-gate="future_rate_min"' in page and "failed future" in page


def test_rerender_writes_both_reports_byte_identical(tmp_path):
    for name in ("metrics.json", "examples.jsonl", "base_examples.jsonl"):
        shutil.copy(FIXTURES / name, tmp_path / name)
    report, examples, base = evidence()
    assert main(["report", "--results", str(tmp_path)]) == 0
    html, markdown = (tmp_path / "report.html").read_bytes(), (tmp_path / "report.md").read_bytes()
    assert html == render_html(report, examples, base).encode()
    assert markdown == render_markdown(report, examples, report.worst_examples, base).encode()
    rerender(tmp_path)
    assert (tmp_path / "report.html").read_bytes() == html and (
        tmp_path / "report.md"
    ).read_bytes() == markdown


def test_report_cli_errors_are_one_line(tmp_path, capsys):
    assert main(["report", "--results", str(tmp_path)]) == 2
    assert capsys.readouterr().err.strip().count("\n") == 0
    assert main(["report", "--results", str(FIXTURES), "--compare", "a", "b"]) == 2
    assert "not both" in capsys.readouterr().err


def test_compare_shows_gates_side_by_side_and_the_examples_that_changed(tmp_path, capsys):
    report, examples, _ = evidence()
    # B: the same run with one example fixed and one broken
    fixed, broken = "nl2bash-2", "nl2bash-1"
    changed = [
        {
            **e,
            "outcomes": {
                **e["outcomes"],
                "exact_match": e["id"] == fixed or (e["outcomes"].get("exact_match") and e["id"] != broken),
            },
        }
        if "exact_match" in e["outcomes"]
        else e
        for e in examples
    ]
    b = tmp_path / "b"
    b.mkdir()
    (b / "metrics.json").write_text((FIXTURES / "metrics.json").read_text())
    (b / "examples.jsonl").write_text(dumps_lines(changed))
    out = tmp_path / "compare.html"
    assert main(["report", "--compare", str(FIXTURES), str(b), "--out", str(out)]) == 0
    assert capsys.readouterr().out.strip() == f"wrote {out}"
    page = out.read_text()
    parsed = Page(page)
    assert [row["data-gate"] for row in parsed.having("tr", class_="gate")] == [g.name for g in report.gates]
    rows = parsed.having("tr", class_="ex")
    assert len(rows) == 2  # only the examples whose outcomes changed
    assert "broken in B: exact_match" in page and "fixed in B: exact_match" in page
    assert page.index(broken) < page.index(fixed)  # what B broke comes first


def test_compare_notes_runs_that_are_not_comparable(tmp_path):
    report, examples, _ = evidence()
    other = report.model_copy(
        update={"eval_config": report.eval_config.model_copy(update={"sha256": "0" * 64})}
    )
    page = render_compare(Run("A: old", report, examples), Run("B: new", other, examples[:5]))
    assert "the eval configs differ" in page and "only in A" in page


def test_fixture_is_valid_evidence():
    report, examples, base = evidence()
    assert report.verdict == "NO-SHIP" and len(examples) == len(base)
    assert json.loads((FIXTURES / "metrics.json").read_text())["run"]["command"].startswith(
        "pytest regression"
    )


def test_evidence_the_page_has_no_place_for_is_still_shown():
    """A field a newer release adds to metrics.json appears in the run facts, as it is."""
    report, examples, base = evidence()

    class Newer(type(report)):
        refusal_by_category: dict[str, float] = {"reverse_shell": 0.25}

    page = render_html(Newer(**report.model_dump()), examples, base)
    facts = page.split('id="run"', 1)[1]
    assert "refusal_by_category" in facts and "reverse_shell" in facts
    assert "refusal_by_category" not in render_html(report, examples, base)
