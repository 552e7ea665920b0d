"""Progress of a long run: console lines everywhere, and a small window where Resolve has UIManager (Studio).

UIManager is None on the free edition from 19.1 (API-NOTES section 1), so the console lines always come; the
window only repeats them. UIManager is read only where that is harmless (``resolve_access.ui_manager``): on free
19.1+ the mere read opens a "buy Studio" window that makes later calls fail. The window is built with the calls Resolve's Fusion UIManager documents (AddWindow,
VGroup, Label, Button, GetItems, Show, RunLoop, ExitLoop); any refusal there drops back to the console alone.
"""

from resolve_scripts.console import say
from resolve_scripts.resolve_access import ui_manager

WINDOW_ID = "Pix2LUTProgress"
STATUS_ID = "Status"
DETAIL_ID = "Detail"
CLOSE_ID = "Close"
WINDOW_GEOMETRY = [200, 200, 560, 160]  # x, y, width, height


class ConsoleProgress:
    """One line per step in Resolve's console (Workspace > Console)."""

    def __init__(self, out=None):
        self.out = out

    def note(self, line):
        say(line, self.out)

    def step(self, done, total, line):
        say(f"[{done}/{total}] {line}", self.out)

    def finish(self, lines):
        for line in lines:
            say(line, self.out)

    def close(self):
        """End without a summary (the run failed: its one line is printed by the caller)."""


class WindowProgress(ConsoleProgress):
    """The console lines, and a window showing the latest one; at the end the summary, until the user closes it."""

    def __init__(self, ui, dispatcher, out=None):
        super().__init__(out)
        self.ui = ui
        self.dispatcher = dispatcher
        self.window = dispatcher.AddWindow(
            {"ID": WINDOW_ID, "WindowTitle": "Pix2LUT", "Geometry": WINDOW_GEOMETRY},
            ui.VGroup(
                [
                    ui.Label({"ID": STATUS_ID, "Text": "Starting", "WordWrap": True}),
                    ui.Label({"ID": DETAIL_ID, "Text": "", "WordWrap": True}),
                    ui.Button({"ID": CLOSE_ID, "Text": "Close", "Enabled": False}),
                ]
            ),
        )
        self.items = self.window.GetItems()
        self.window.Show()

    def note(self, line):
        super().note(line)
        self.items[DETAIL_ID].Text = line

    def step(self, done, total, line):
        super().step(done, total, line)
        self.items[STATUS_ID].Text = f"{done} of {total}"
        self.items[DETAIL_ID].Text = line

    def finish(self, lines):
        super().finish(lines)
        self.items[STATUS_ID].Text = lines[0] if lines else "Done"
        self.items[DETAIL_ID].Text = "\n".join(lines[1:])
        self.items[CLOSE_ID].Enabled = True
        getattr(self.window.On, CLOSE_ID).Clicked = self._close  # win.On.<ID>.<Event>, as UIManager scripts do
        getattr(self.window.On, WINDOW_ID).Close = self._close
        self.dispatcher.RunLoop()  # until the user closes the summary
        self.window.Hide()

    def close(self):
        self.window.Hide()

    def _close(self, _event):
        self.dispatcher.ExitLoop()


def open_progress(script_globals, out=None, resolve=None):
    """A WindowProgress where UIManager and a dispatcher exist (Studio), else ConsoleProgress.

    ``resolve``: tells whether UIManager may be read (``resolve_access.ui_manager``); None: console only.
    """
    bmd = (script_globals or {}).get("bmd")
    ui = ui_manager(resolve, script_globals) if resolve is not None else None
    if ui is None or bmd is None or "UIDispatcher" not in dir(bmd):
        return ConsoleProgress(out)
    dispatcher = bmd.UIDispatcher(ui)
    if dispatcher is None:
        return ConsoleProgress(out)
    return WindowProgress(ui, dispatcher, out)
