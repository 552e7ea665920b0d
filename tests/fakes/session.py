"""What every object of the fake Resolve shares: the session state, the quirks it plays, and the API marker.

Rules from ``shared/resolve/API-NOTES.md`` that hold on every object live here:

- section 1: ``hasattr(obj, anything)`` is True and an unknown attribute reads as None, so a misspelt call fails
  with ``'NoneType' object is not callable``; ``dir(obj)`` lists the calls this version really has. On the
  free edition from 19.1, reading ``fusion.UIManager`` opens a "buy Studio" window, and while it is open every
  call answers False (or None) until the user closes it (``FakeResolve.fake_close_upsell``).
- section 2: a refused call returns False (or None) silently; the fake also records why, for the tests.
- sections 3-5: calls that arrived in a later version read as None on older ones; Color-page calls are refused
  on other pages; Studio-only calls are refused on the free edition.

Everything a test may call that Resolve does not have starts with ``fake_``; a misspelt ``fake_`` name raises
AttributeError instead of reading as None, so the tests' own mistakes stay loud.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

PAGES = ("media", "cut", "edit", "fusion", "color", "fairlight", "deliver")  # API-NOTES section 3
COLOR_PAGE = "color"
STARTING_PAGE = "edit"  # Resolve reopens the last page used; anything but Color makes scripts switch
MIN_VERSION = (16, 2)  # node indices are 1-based from 16.2 (API-NOTES section 2); 0-based ones are not modelled
FAKE_PREFIX = "fake_"

# Calls refused off the Color page. API-NOTES section 4 (the still) and section 5 ("many colour calls need the
# Color page") leave the exact list open, so the fake takes the strict reading: every call that changes a grade
# or grabs a picture. Reading calls (GetLUT, GetNumNodes, versions lists) work on any page. Names are
# "Class.Method" or a bare "Method" (any class).
DEFAULT_COLOR_PAGE_CALLS = frozenset(
    {
        "Project.ExportCurrentFrameAsStill",
        "Timeline.GrabStill",
        "Timeline.GrabAllStills",
        "GalleryStillAlbum.ExportStills",
        "SetLUT",
        "SetCDL",
        "SetNodeEnabled",
        "ApplyGradeFromDRX",
        "ResetAllGrades",
        "CopyGrades",
        "AddVersion",
        "LoadVersionByName",
    }
)


class FakeLimitation(NotImplementedError):
    """Something Resolve does that this fake does not model (a DPX still, a DCTL render, a real DRX file).

    Raised, never returned as a refusal: a test that reaches it would be checking the fake, not the product.
    """


class MenuScriptNotListed(RuntimeError):
    """The Scripts menu would not show this script (free edition from 21.1 lists no ``.py``: API-NOTES section 1)."""


@dataclass(frozen=True)
class Quirks:
    """The behaviours where live reports disagree or leave a choice; defaults take the reading that is harder on
    the scripts, so code passing against the defaults is robust on either.

    Attributes
    ----------
    color_page_calls
        Calls refused unless the current page is Color (see ``DEFAULT_COLOR_PAGE_CALLS``).
    studio_only_calls
        Calls refused on the free edition ("Class.Method" or "Method"). API-NOTES names no such call besides
        external scripting, UIManager and DCTL, which are modelled separately, so the default is empty.
    cdl_list_renders_red
        ``SetCDL`` with a Python list as a value: True returns True and renders the node solid red (observed,
        API-NOTES section 6); False refuses it (the reading of section 10).
    add_version_switches
        ``AddVersion`` makes the new version current. The README does not say; False forces scripts to call
        ``LoadVersionByName``, which works either way.
    add_version_copies_grade
        The new version starts as a copy of the current grade (True) or as the clip's nodes with no corrections.
    add_version_default_grade
        The new version starts as Resolve's default grade, one unlabelled node with no corrections, whatever the
        current grade (API-NOTES section 6 leaves open what AddVersion copies); True overrides
        ``add_version_copies_grade``.
    timecode_lag_polls
        ``GetCurrentTimecode`` keeps reporting the old position for this many polls after a successful
        ``SetCurrentTimecode`` (observed, API-NOTES section 4).
    viewer_lag_exports, viewer_lag_s
        After the playhead moves or the clip under it loads another version, the viewer keeps showing the picture
        it showed before for this many ``ExportCurrentFrameAsStill`` calls, and for this many seconds (stale while
        either lasts), although ``GetCurrentTimecode`` already reports the new position (observed, API-NOTES
        section 4: "an immediate export can write the previous picture"). The default is no lag: the observed
        lag comes and goes, and the tests that need it say so.
    """

    color_page_calls: frozenset[str] = DEFAULT_COLOR_PAGE_CALLS
    studio_only_calls: frozenset[str] = frozenset()
    cdl_list_renders_red: bool = True
    add_version_switches: bool = False
    add_version_copies_grade: bool = True
    add_version_default_grade: bool = False
    timecode_lag_polls: int = 1
    viewer_lag_exports: int = 0
    viewer_lag_s: float = 0.0


@dataclass(frozen=True)
class Refusal:
    """One call Resolve answered with a silent False or None, and why the fake refused it."""

    call: str  # "Graph.SetLUT"
    reason: str
    args: tuple[Any, ...]


@dataclass
class Session:
    """The state one running fake Resolve shares across its objects."""

    version: tuple[int, int, int, int, str]  # [major, minor, patch, build, suffix], as GetVersion() lists it
    studio: bool
    quirks: Quirks
    page: str = STARTING_PAGE
    gallery_open: bool = False  # the Gallery panel on the Color page (GrabStill, ExportStills need it)
    external_scripting: bool = True  # Preferences > General > External scripting
    refusals: list[Refusal] = field(default_factory=list)
    drx_templates: dict[Path, tuple[str, ...]] = field(default_factory=dict)  # DRX file -> node labels
    upsell_open: bool = False  # the "buy Studio" window reading fusion.UIManager opens on free 19.1+
    upsell_windows: int = 0  # how many times it opened
    _calls: list[tuple[str, tuple[Any, ...]]] = field(default_factory=list)  # API calls under way, innermost last
    _ids: Any = field(default_factory=lambda: itertools.count(1))

    def at_least(self, since: tuple[int, ...]) -> bool:
        return tuple(self.version[: len(since)]) >= tuple(since)

    def new_id(self) -> str:
        """A unique id in the shape Resolve's GetUniqueId() returns (a UUID)."""
        return f"fa4e0000-0000-4000-8000-{next(self._ids):012x}"

    def open_upsell(self) -> None:
        """The "buy Studio" window comes up (free 19.1+ on reading fusion.UIManager) and stays until closed."""
        self.upsell_open = True
        self.upsell_windows += 1

    def refuse(self, reason: str, result: Any = False) -> Any:
        """Record the refusal of the API call under way and return what Resolve returns: False or None."""
        call, args = self._calls[-1] if self._calls else ("<no call>", ())
        self.refusals.append(Refusal(call, reason, args))
        return result

    def gate(self, qualified: str, method: str) -> str:
        """Why the page or the edition refuses this call now; "" when they allow it."""
        if self.upsell_open:  # observed: while it is open, unrelated calls answer False (API-NOTES section 1)
            return 'the "buy Studio" window is open (reading fusion.UIManager on the free edition opened it)'
        names = {qualified, method}
        if names & self.quirks.color_page_calls and self.page != COLOR_PAGE:
            return f"needs the Color page, the current page is {self.page!r}"
        if names & self.quirks.studio_only_calls and not self.studio:
            return "Studio only: this is the free edition"
        return ""


class api:
    """Marks a method as a Resolve scripting call.

    ``since``: the first version that has it; on older versions the attribute reads as None, as an unknown one
    does, and ``dir()`` leaves it out. ``refused``: what the call returns when the page or edition refuses it
    (False, or None for calls that return an object).
    """

    def __init__(self, since: tuple[int, ...] | None = None, *, refused: Any = False) -> None:
        self.since = since
        self.refused = refused
        self.func: Callable[..., Any] | None = None
        self.method = ""

    def __call__(self, func: Callable[..., Any]) -> api:
        self.func = func
        self.__doc__ = func.__doc__
        return self

    def __set_name__(self, owner: type, name: str) -> None:
        self.method = name

    def available(self, session: Session) -> bool:
        return self.since is None or session.at_least(self.since)

    def __get__(self, obj: ResolveObject | None, objtype: type | None = None) -> Any:
        if obj is None:
            return self
        session = obj._session
        if not self.available(session):
            return None
        qualified = f"{obj.api_class}.{self.method}"
        func, refused, method = self.func, self.refused, self.method

        def call(*args: Any, **kwargs: Any) -> Any:
            session._calls.append((qualified, args + tuple(kwargs.values())))
            try:
                reason = session.gate(qualified, method)
                if reason:
                    return session.refuse(reason, refused)
                return func(obj, *args, **kwargs)
            finally:
                session._calls.pop()

        call.__name__ = method
        call.__qualname__ = qualified
        call.__doc__ = func.__doc__
        return call


class ResolveObject:
    """Base of every fake Resolve object: unknown attributes read as None, ``dir()`` lists the real calls."""

    api_class = "Object"  # the class name Resolve's README uses, for refusal records

    def __init__(self, session: Session) -> None:
        self._session = session

    def __getattr__(self, name: str) -> Any:
        # Only reached when normal lookup fails. Private and fake_ names stay errors (Python internals and the
        # tests' own helpers); any other name is what Resolve answers for a call it does not have: None.
        if name.startswith(("_", FAKE_PREFIX)):
            raise AttributeError(f"fake {self.api_class} has no attribute {name!r}")
        return None

    def __dir__(self) -> list[str]:
        names = set()
        for klass in type(self).__mro__:
            for name, value in vars(klass).items():
                if isinstance(value, api) and value.available(self._session):
                    names.add(name)
                elif name.isupper() and not name.startswith("_"):
                    names.add(name)  # enum constants
        return sorted(names)

    def __repr__(self) -> str:
        return f"<fake Resolve {self.api_class}>"

    def _refuse(self, reason: str, result: Any = False) -> Any:
        return self._session.refuse(reason, result)
