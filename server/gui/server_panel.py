"""The server's side of the panel: its state and provider, start/stop, its models with their cards and metrics,
the requests this panel made, and the log of a server the panel started."""

from __future__ import annotations

from typing import Any

from PySide6.QtWidgets import (
    QAbstractItemView,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QPlainTextEdit,
    QPushButton,
    QTableWidget,
    QTableWidgetItem,
    QTextBrowser,
    QVBoxLayout,
    QWidget,
)

from server.gui.server_control import LocalServer, RequestRecord, ServerInfo, ServerState, model_card

MODEL_COLUMNS = ("Model", "Role", "Kind", "Provider", "Default", "Metrics")
REQUEST_COLUMNS = ("Time", "Op", "Model", "ms", "Outcome")
REQUESTS_KEPT = 50
LOG_BLOCKS_KEPT = 500  # lines of server log kept in the view
PANEL_MIN_WIDTH = 400  # the models table's name, role, kind and provider without scrolling
CARD_MIN_HEIGHT = 90


def metrics_text(metrics: dict[str, Any]) -> str:
    """``{"psnr_db": 24.0}`` -> ``psnr_db 24``; empty -> ``-``."""
    return ", ".join(f"{name} {value:g}" if isinstance(value, (int, float)) else f"{name} {value}"
                     for name, value in metrics.items()) or "-"


def _table(columns: tuple[str, ...]) -> QTableWidget:
    table = QTableWidget(0, len(columns))
    table.setHorizontalHeaderLabels(list(columns))
    table.verticalHeader().setVisible(False)
    table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
    table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
    table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
    table.horizontalHeader().setStretchLastSection(True)
    return table


class ServerPanel(QWidget):
    """Shows one :class:`LocalServer` and drives it with Start, Stop and Refresh."""

    def __init__(self, server: LocalServer, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.server = server
        self.setMinimumWidth(PANEL_MIN_WIDTH)
        self.state_label = QLabel()
        self.provider_label = QLabel()
        self.start_button = QPushButton("Start")
        self.stop_button = QPushButton("Stop")
        self.refresh_button = QPushButton("Refresh")
        self.start_button.setToolTip(f"Run pix2lut serve on {server.address} with the models in {server.models_dir}")
        self.start_button.clicked.connect(server.start)
        self.stop_button.clicked.connect(server.stop)
        self.refresh_button.clicked.connect(server.refresh)
        self.models_table = _table(MODEL_COLUMNS)
        self.models_table.itemSelectionChanged.connect(self._show_card)
        self.card = QTextBrowser()
        self.card.setMinimumHeight(CARD_MIN_HEIGHT)
        self.card.setOpenExternalLinks(True)
        self.requests_table = _table(REQUEST_COLUMNS)
        self.log = QPlainTextEdit()
        self.log.setReadOnly(True)
        self.log.setMaximumBlockCount(LOG_BLOCKS_KEPT)
        self.log.setPlaceholderText("The log of a server started here: every client's requests, Resolve's too.")

        buttons = QHBoxLayout()
        for button in (self.start_button, self.stop_button, self.refresh_button):
            buttons.addWidget(button)
        server_box = QGroupBox(f"Server  {server.address}")
        server_layout = QVBoxLayout(server_box)
        server_layout.addWidget(self.state_label)
        server_layout.addWidget(self.provider_label)
        server_layout.addLayout(buttons)
        models_box = QGroupBox("Models (select one for its card)")
        models_layout = QVBoxLayout(models_box)
        models_layout.addWidget(self.models_table, 2)
        models_layout.addWidget(self.card, 1)
        requests_box = QGroupBox("Recent requests from this panel")
        QVBoxLayout(requests_box).addWidget(self.requests_table)
        log_box = QGroupBox("Server log")
        QVBoxLayout(log_box).addWidget(self.log)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(server_box)
        layout.addWidget(models_box, 3)
        layout.addWidget(requests_box, 2)
        layout.addWidget(log_box, 2)

        server.state_changed.connect(lambda _state: self._show_state())
        server.info_changed.connect(self._show_info)
        server.request_done.connect(self.add_request)
        server.log_line.connect(self.log.appendPlainText)
        self._show_state()
        self._show_info(None)

    def add_request(self, record: RequestRecord) -> None:
        """Newest first; the oldest fall off after ``REQUESTS_KEPT``."""
        self.requests_table.insertRow(0)
        cells = (record.at, record.op, record.model, f"{record.ms:.0f}", record.outcome)
        for column, text in enumerate(cells):
            self.requests_table.setItem(0, column, QTableWidgetItem(text))
        while self.requests_table.rowCount() > REQUESTS_KEPT:
            self.requests_table.removeRow(self.requests_table.rowCount() - 1)

    def _show_state(self) -> None:
        state = self.server.state
        whose = " (started here)" if self.server.owned else " (found running)" if state == ServerState.RUNNING else ""
        self.state_label.setText(f"State: {state.value}{whose}")
        self.start_button.setEnabled(state == ServerState.STOPPED)
        self.stop_button.setEnabled(state in (ServerState.RUNNING, ServerState.STARTING))

    def _show_info(self, info: ServerInfo | None) -> None:
        if info is None:
            self.provider_label.setText("Provider: - (no server answering)")
            self.models_table.setRowCount(0)
            self.card.setPlainText("")
            return
        self.provider_label.setText(f"Provider: {info.device} ({info.provider}), pix2lut {info.version}")
        self.models_table.setRowCount(len(info.models))
        for row, model in enumerate(info.models):
            cells = (model.get("name", "?"), model.get("role", "?"), model.get("kind", "?"),
                     model.get("provider", "?"), "yes" if model.get("default") else "",
                     metrics_text(model.get("metrics") or {}))
            for column, text in enumerate(cells):
                self.models_table.setItem(row, column, QTableWidgetItem(str(text)))
        self.models_table.resizeColumnsToContents()
        if info.models:
            self.models_table.selectRow(0)
        else:
            self.card.setPlainText(f"The server has no models: put ONNX models and their manifest into "
                                   f"{self.server.models_dir} (python -m training export ...) and restart it.")

    def _show_card(self) -> None:
        rows = self.models_table.selectionModel().selectedRows()
        if not rows:
            return
        name = self.models_table.item(rows[0].row(), 0).text()
        self.card.setMarkdown(model_card(self.server.models_dir, name))
