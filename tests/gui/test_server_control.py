"""Starting and stopping a real ``pix2lut serve`` subprocess from the panel, and what the panel shows of it."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest

from server.client import Client, ClientError
from server.gui.server_control import LocalServer, ServerInfo, ServerState, model_card
from server.gui.server_panel import ServerPanel, metrics_text
from server.gui.tasks import TaskRunner
from tests.server.conftest import free_port
from tests.server.model_factory import add_model

START_TIMEOUT_MS = 60_000  # a fresh interpreter imports onnxruntime and loads three models on a busy machine
STOP_TIMEOUT_MS = 15_000


@pytest.fixture
def panel(qtbot, tiny_models: Path) -> Iterator[ServerPanel]:
    tasks = TaskRunner()
    server = LocalServer(f"tcp://127.0.0.1:{free_port()}", tiny_models, tasks)
    shown = ServerPanel(server)
    qtbot.addWidget(shown)
    yield shown
    server.stop_now()
    tasks.wait()


def test_start_shows_provider_and_models_then_stop_ends_the_process(qtbot, panel):
    server = panel.server
    errors: list[str] = []
    server.failed.connect(errors.append)
    server.start()
    assert server.state == ServerState.STARTING and not panel.start_button.isEnabled()
    qtbot.waitUntil(lambda: server.state != ServerState.STARTING, timeout=START_TIMEOUT_MS)
    assert server.state == ServerState.RUNNING and server.owned, errors
    assert server.info.device == "CPU" and server.info.provider == "CPUExecutionProvider"
    assert "Provider: CPU (CPUExecutionProvider)" in panel.provider_label.text()
    assert panel.state_label.text() == "State: running (started here)"
    names = [panel.models_table.item(row, 0).text() for row in range(panel.models_table.rowCount())]
    assert names == ["grade-lut", "grade-pix", "neutralize-lut"]
    assert panel.models_table.item(0, 5).text() == "psnr_db 24"  # make_models' metrics for grade-lut
    assert "serving on" in panel.log.toPlainText()

    process = server.process
    server.stop()
    qtbot.waitUntil(lambda: server.state == ServerState.STOPPED, timeout=STOP_TIMEOUT_MS)
    assert process.exitCode() == 0, panel.log.toPlainText()  # it took the shutdown: no kill
    assert [panel.requests_table.item(row, 1).text() for row in range(2)] == ["shutdown", "ping+models"]
    assert panel.models_table.rowCount() == 0 and panel.start_button.isEnabled()
    with Client(server.address, timeout_ms=300, retries=1) as client, pytest.raises(ClientError):
        client.ping()
    assert errors == []


def test_a_server_that_cannot_start_says_why_in_one_sentence(qtbot, tmp_path):
    (tmp_path / "manifest.json").write_text(json.dumps({"manifest_version": 1, "models": [{"name": "x"}]}))
    tasks = TaskRunner()
    server = LocalServer(f"tcp://127.0.0.1:{free_port()}", tmp_path, tasks)
    with qtbot.waitSignal(server.failed, timeout=START_TIMEOUT_MS) as failed:
        server.start()
    qtbot.waitUntil(lambda: not server.busy, timeout=START_TIMEOUT_MS)
    tasks.wait()
    message = failed.args[0]
    assert message.startswith("the server exited (code 1): ") and "manifest.json" in message
    assert "\n" not in message
    assert server.state == ServerState.STOPPED


def test_the_card_of_a_model_comes_from_its_manifest_entry(tmp_path):
    add_model(tmp_path, "graded", "image2lut", "grade")
    manifest = json.loads((tmp_path / "manifest.json").read_text())
    manifest["models"][0]["card"] = "graded.md"
    (tmp_path / "manifest.json").write_text(json.dumps(manifest))
    (tmp_path / "graded.md").write_text("# graded\nTrained on FiveK pairs.\n")
    assert model_card(tmp_path, "graded") == "# graded\nTrained on FiveK pairs.\n"
    assert model_card(tmp_path, "other") == (f"No card: other is not in {tmp_path / 'manifest.json'} "
                                              "(the server serves another folder).")


def test_the_device_is_told_from_the_providers():
    def info(provider: str) -> ServerInfo:
        return ServerInfo("0.1.0", provider, 0.0, ())

    assert info("CPUExecutionProvider").device == "CPU"
    assert info("CUDAExecutionProvider").device == "GPU"
    assert info("CPUExecutionProvider, CUDAExecutionProvider").device == "GPU"
    assert info("none").device == "no model loaded"
    assert metrics_text({"psnr_db": 24.0, "delta_e": 1.25}) == "psnr_db 24, delta_e 1.25"
    assert metrics_text({}) == "-"
