"""report.html in a real browser: headless Chromium loads the page rendered from the fixture evidence.

Skipped, with the reason, where Chromium is not installed (``scripts/setup.sh`` installs it with
apt where it can).
"""

from __future__ import annotations

import pytest

from securecli_eval.report.html import render_html
from securecli_eval.testing.browser import chromium, dump_dom, probe

from .test_html import Page, evidence

pytestmark = pytest.mark.skipif(
    chromium() is None,
    reason="chromium is not installed (apt-get install chromium, or bash scripts/setup.sh)",
)

LAPTOP = (1280, 943)
FILTER_THEN_SEARCH = """(function () {
  var rows = document.querySelectorAll("tr.ex");
  function visible() {
    var shown = function (r) { return getComputedStyle(r).display !== "none"; };
    return Array.prototype.filter.call(rows, shown).length;
  }
  var all = visible();
  var broken = Array.prototype.find.call(document.querySelectorAll("input[name=f-outcome]"), function (i) {
    return i.parentNode.textContent.indexOf("broken (any)") >= 0;
  });
  broken.checked = true;
  broken.dispatchEvent(new Event("change", {bubbles: true}));
  var css = visible(), shown = document.getElementById("shown").textContent;
  var box = document.getElementById("search");
  box.value = "tldr-4";
  box.dispatchEvent(new Event("input", {bubbles: true}));
  return {all: all, broken: css, shown: shown, searched: visible(), label: broken.parentNode.textContent};
})()"""  # a 1280 x 800 viewport: the browser's frame takes the rest of the window


@pytest.fixture(scope="module")
def page(tmp_path_factory) -> str:
    return render_html(*evidence())


@pytest.fixture(scope="module")
def dom(page, tmp_path_factory) -> Page:
    path = tmp_path_factory.mktemp("browser") / "report.html"
    path.write_text(page, encoding="utf-8")
    return Page(dump_dom(path))


def test_the_browser_shows_the_verdict_every_gate_the_charts_and_the_examples(dom):
    report, examples, _ = evidence()
    assert dom.having("header", id="verdict")[0]["data-verdict"] == report.verdict
    assert "NO-SHIP" in dom.text
    assert [row["data-gate"] for row in dom.having("tr", class_="gate")] == [g.name for g in report.gates]
    compared = sum(g.outcome in {"passed", "failed"} for g in report.gates)
    assert len(dom.having("svg", class_="forest")) >= compared
    assert len(dom.having("svg", class_="bars")) >= 1 and len(dom.having("svg", class_="matrix")) == 2
    assert len(dom.having("tr", class_="ex")) == len(examples)
    assert dom.having("html")[0].get("data-search") == "on"  # the search script ran without errors


def test_a_newcomer_sees_the_verdict_why_and_the_worst_examples_on_the_first_screen(page):
    seen = probe(
        page,
        "{height: innerHeight, verdict: document.getElementById('verdict').getBoundingClientRect().bottom,"
        " gates: document.getElementById('gate-table').getBoundingClientRect().top,"
        " worst: Array.prototype.map.call(document.querySelectorAll('#worst li'),"
        " function (li) { return li.getBoundingClientRect().bottom; })}",
        window=LAPTOP,
    )
    assert seen["height"] == 800
    assert seen["verdict"] <= seen["height"] and seen["gates"] < seen["height"]
    assert len(seen["worst"]) >= 3 and all(bottom <= seen["height"] for bottom in seen["worst"][:3]), seen


def test_filters_hide_rows_with_css_and_search_narrows_them(page):
    counted = probe(page, FILTER_THEN_SEARCH)
    _, examples, _ = evidence()
    assert counted["all"] == len(examples)
    expected = int(counted["label"].rsplit("(", 1)[1].rstrip(")"))  # the facet's own count
    assert counted["broken"] == expected and counted["shown"] == f"{expected} of {len(examples)} shown"
    assert counted["searched"] == 1


def test_a_search_in_the_address_opens_the_page_filtered(page, tmp_path):
    path = tmp_path / "report.html"
    path.write_text(page, encoding="utf-8")
    dom = Page(dump_dom(path, fragment="#q=reverse%20shell"))
    rows = dom.having("tr", class_="ex")
    shown = [row for row in rows if "hidden" not in row]
    assert 0 < len(shown) < len(rows)
    assert not dom.having("p", id="search-box")[0].get("hidden")
