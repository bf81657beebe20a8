import json

from hypothesis import given
from hypothesis import strategies as st

from securecli_eval.report.__main__ import schema_text
from securecli_eval.report.render import md_cell, md_code, redact

from .conftest import PROJECT


def test_schema_file_is_current():
    assert (PROJECT / "docs" / "metrics.schema.json").read_text() == schema_text(), (
        "run: python -m securecli_eval.report docs/metrics.schema.json"
    )


@given(st.text())
def test_cells_never_break_a_table_row(text):
    cell = md_cell(text)
    assert "\n" not in cell
    assert all(cell[i - 1] == "\\" for i, ch in enumerate(cell) if ch == "|")


@given(st.text())
def test_code_spans_hold_no_raw_pipe(text):
    code = md_code(text)
    assert "|" not in code and "\n" not in code


def test_tokens_are_redacted():
    token = "hf_" + "a1B2" * 8
    assert token not in redact(f"export HF_TOKEN={token}")
    assert json.dumps(redact("sha 3f2a")) == '"sha 3f2a"'
