"""A fake of Fusion's UIManager and UIDispatcher: the calls Pix2LUT's progress window makes, and a user.

Resolve's UIManager (Studio; None on free from 19.1, where merely reading it opens a "buy Studio" window that
makes other calls answer False until closed: see ``tests.fakes.resolve.Fusion``; API-NOTES section 1) builds
windows from element specs::

    ui = fusion.UIManager
    dispatcher = bmd.UIDispatcher(ui)
    window = dispatcher.AddWindow({"ID": "Win", "WindowTitle": "..."}, ui.VGroup([ui.Label({...}), ...]))
    items = window.GetItems(); items["Status"].Text = "..."
    window.On.Close.Clicked = handler      # win.On.<ID>.<Event>
    window.Show(); dispatcher.RunLoop()    # handlers run inside RunLoop; one calls dispatcher.ExitLoop()

This fake keeps every text an element showed (``fake_history``), and its RunLoop plays a user who clicks
``click`` (a button ID) once the loop starts. A RunLoop with no handler for that click would hang the real
Resolve: here it raises, so a test catches a window that cannot be closed.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any


class Element:
    """A Label or Button: its properties as attributes, every Text it showed kept in ``fake_history``."""

    def __init__(self, kind: str, properties: dict[str, Any]) -> None:
        object.__setattr__(self, "kind", kind)
        object.__setattr__(self, "fake_history", [])
        for name, value in properties.items():
            setattr(self, name, value)

    def __setattr__(self, name: str, value: Any) -> None:
        if name == "Text":
            self.fake_history.append(value)
        object.__setattr__(self, name, value)


class Group:
    def __init__(self, children: list[Any]) -> None:
        self.children = list(children)


class Handlers:
    """``window.On.<ID>`` -> an object whose attributes (events) take handlers."""

    def __init__(self) -> None:
        self._by_id: dict[str, Any] = {}

    def __getattr__(self, element_id: str) -> Any:
        if element_id.startswith("_"):
            raise AttributeError(element_id)
        return self._by_id.setdefault(element_id, type("Events", (), {})())


class Window:
    def __init__(self, properties: dict[str, Any], layout: Group) -> None:
        self.properties = dict(properties)
        self.On = Handlers()
        self.shown = False
        self._items: dict[str, Element] = {}
        self._collect(layout)

    def _collect(self, node: Any) -> None:
        if isinstance(node, Group):
            for child in node.children:
                self._collect(child)
        elif isinstance(node, Element) and "ID" in node.__dict__:
            self._items[node.ID] = node

    def GetItems(self) -> dict[str, Element]:
        return dict(self._items)

    def Show(self) -> None:
        self.shown = True

    def Hide(self) -> None:
        self.shown = False


class Dispatcher:
    def __init__(self, ui: FakeUI) -> None:
        self.ui = ui
        self.windows: list[Window] = []
        self._looping = False

    def AddWindow(self, properties: dict[str, Any], layout: Group) -> Window:
        window = Window(properties, layout)
        self.windows.append(window)
        return window

    def RunLoop(self) -> None:
        """Play the user: click ``ui.click`` on the newest window; its handler must call ExitLoop."""
        self._looping = True
        window = self.windows[-1]
        handler: Callable | None = getattr(window.On._by_id.get(self.ui.click), "Clicked", None)
        if handler is None:
            raise RuntimeError(f"RunLoop with no Clicked handler for {self.ui.click!r}: Resolve would wait forever")
        self.ui.fake_clicks.append(self.ui.click)
        handler({"who": self.ui.click})
        if self._looping:
            raise RuntimeError("the Clicked handler did not call ExitLoop: Resolve would wait forever")

    def ExitLoop(self) -> None:
        self._looping = False


class FakeUI:
    """``fusion.UIManager``: builds elements; ``click`` is the button the simulated user presses in RunLoop."""

    def __init__(self, click: str = "Close") -> None:
        self.click = click
        self.fake_clicks: list[str] = []
        self.dispatchers: list[Dispatcher] = []

    def VGroup(self, children: list[Any]) -> Group:
        return Group(children)

    def Label(self, properties: dict[str, Any]) -> Element:
        return Element("Label", properties)

    def Button(self, properties: dict[str, Any]) -> Element:
        return Element("Button", properties)

    def fake_dispatcher(self) -> Dispatcher:
        dispatcher = Dispatcher(self)
        self.dispatchers.append(dispatcher)
        return dispatcher

    def fake_window(self) -> Window:
        """The last window any dispatcher opened."""
        return self.dispatchers[-1].windows[-1]
