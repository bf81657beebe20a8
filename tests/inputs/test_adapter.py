"""The adapter's identity covers its allow-listed files only: logs and checkpoints are not the adapter."""

from __future__ import annotations

import shutil

from securecli_eval.inputs.adapter import adapter_files, adapter_sha256, ignored_files


def test_logs_and_checkpoints_do_not_change_the_hash_but_a_tokenizer_file_does(tmp_path, tiny_adapter):
    adapter = tmp_path / "adapter"
    shutil.copytree(tiny_adapter, adapter)
    before = adapter_sha256(adapter)
    (adapter / "debug.log").write_text("loading /home/me/private/train.jsonl\n")
    (adapter / "trainer_state.json").write_text("{}")
    (adapter / "checkpoint-50").mkdir()
    (adapter / "checkpoint-50" / "adapter_model.safetensors").write_bytes(b"x")
    (adapter / "provenance.json").write_text("{}")
    assert adapter_sha256(adapter) == before
    assert [p.name for p in adapter_files(adapter)] == ["adapter_config.json", "adapter_model.safetensors"]
    assert ignored_files(adapter) == ["checkpoint-50", "debug.log", "trainer_state.json"]

    (adapter / "tokenizer_config.json").write_text('{"model_max_length": 512}')  # changes what is generated
    assert adapter_sha256(adapter) != before
