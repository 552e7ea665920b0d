"""A fake DaVinci Resolve for the tests of ``resolve_scripts/``, built to ``shared/resolve/API-NOTES.md``.

Build one with :meth:`FakeResolve.create`; it is the ``resolve`` object a script gets::

    resolve = FakeResolve.create(tmp_path, clips=six_clip_timeline(nodes=("Neutralize", "Look")))
    project = resolve.GetProjectManager().GetCurrentProject()
    timeline = project.GetCurrentTimeline()

Then read back what the script did with the ``fake_`` calls, which Resolve does not have::

    item = resolve.fake_timeline().fake_item("Shot 01")
    item.fake_nodes()[0].lut        # "Pix2LUT/<hash>.cube", as GetLUT answers
    item.fake_render(0)             # the graded frame, float32
    resolve.fake_refusals()         # every call answered with a silent False/None, and why

Module map: ``session`` (quirks, refusal log, the API marker), ``timecode``, ``media`` (clips with pixels,
the six-shot timeline), ``luts`` (LUT folders and discovery), ``rendering`` (nodes to pixels, still files),
``grading`` (Graph, SetCDL), ``color_objects`` (colour groups, Gallery), ``timeline_objects``,
``project_objects``, and this module: the Resolve object, Fusion and ``bmd``, the script entry points.
"""

from __future__ import annotations

import os
import runpy
import types
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from tests.fakes.luts import LutLibrary
from tests.fakes.media import FakeClip, FakeTimeline, FrameSource
from tests.fakes.project_objects import PROJECT_SETTING_DEFAULTS, Project, ProjectManager
from tests.fakes.session import (
    MIN_VERSION,
    PAGES,
    MenuScriptNotListed,
    Quirks,
    Refusal,
    ResolveObject,
    Session,
    api,
)
from tests.fakes.timeline_objects import (
    EXPORT_LUT_17PTCUBE,
    EXPORT_LUT_33PTCUBE,
    EXPORT_LUT_65PTCUBE,
    EXPORT_LUT_PANASONICVLUT,
    Timeline,
)
from tests.fakes.ui import FakeUI

STUDIO, FREE = "studio", "free"
PRODUCT_NAMES = {STUDIO: "DaVinci Resolve Studio", FREE: "DaVinci Resolve"}
DEFAULT_VERSION = (19, 1, 4)
DEFAULT_BUILD = 1
# Observed: fusion.UIManager is None on free from 19.1, and reading it there opens a "buy Studio" window that makes
# unrelated calls answer False while it is open (API-NOTES section 1).
UI_MANAGER_STUDIO_ONLY_SINCE = (19, 1)
FREE_LISTS_NO_PY_SINCE = (21, 1)  # observed: free 21.1 lists no .py scripts in the Scripts menu (section 1)
PYTHON_SUFFIX = ".py"
DEFAULT_PROJECT_NAME = "Pix2LUT Test"
DEFAULT_TIMELINE_NAME = "Timeline 1"
DEFAULT_QUIRKS = Quirks()
MASTER_LUT_FOLDER = Path("resolve-master") / "LUT"  # under tmp_path, standing in for /opt/resolve/LUT
USER_LUT_FOLDER = Path("resolve-user") / "LUT"  # standing in for the per-user LUT folder


class Fusion(ResolveObject):
    """The ``fusion``/``fu``/``app`` global of a menu script: only what the product touches."""

    api_class = "Fusion"

    def __init__(self, session: Session, resolve: FakeResolve, ui_manager: object | None) -> None:
        super().__init__(session)
        self._resolve = resolve
        self._ui_manager = ui_manager if ui_manager is not None else FakeUI()

    @property
    def UIManager(self) -> object | None:
        if not self._session.studio and self._session.at_least(UI_MANAGER_STUDIO_ONLY_SINCE):
            self._session.open_upsell()  # merely reading it: the "buy Studio" window, until the user closes it
            return None
        return self._ui_manager

    def __dir__(self) -> list[str]:
        return sorted([*super().__dir__(), "UIManager"])

    @api()
    def GetResolve(self) -> FakeResolve:
        return self._resolve


class Bmd(ResolveObject):
    """The ``bmd`` global: ``bmd.scriptapp("Resolve")`` inside Resolve."""

    api_class = "bmd"

    def __init__(self, session: Session, resolve: FakeResolve) -> None:
        super().__init__(session)
        self._resolve = resolve

    @api(refused=None)
    def scriptapp(self, name: str) -> object | None:
        apps = {"Resolve": self._resolve, "Fusion": self._resolve._fusion}
        return apps.get(name) or self._refuse(f"no application {name!r}", None)

    @api(refused=None)
    def UIDispatcher(self, ui: object) -> object | None:
        """The dispatcher of a UIManager's windows (only a :class:`tests.fakes.ui.FakeUI` makes one)."""
        make = getattr(ui, "fake_dispatcher", None)
        return make() if make is not None else self._refuse("no UIManager to dispatch for", None)


class FakeResolve(ResolveObject):
    """The ``resolve`` object: pages, version, edition, and the way in to the project. Build with :meth:`create`."""

    api_class = "Resolve"

    # Enum constants live on the resolve object (API-NOTES section 2); they are floats, as in Resolve.
    EXPORT_LUT_17PTCUBE = EXPORT_LUT_17PTCUBE
    EXPORT_LUT_33PTCUBE = EXPORT_LUT_33PTCUBE
    EXPORT_LUT_65PTCUBE = EXPORT_LUT_65PTCUBE
    EXPORT_LUT_PANASONICVLUT = EXPORT_LUT_PANASONICVLUT
    CACHE_AUTO_ENABLED = 2001.0
    CACHE_DISABLED = 2002.0
    CACHE_ENABLED = 2003.0

    def __init__(self, session: Session, project: Project, luts: LutLibrary, ui_manager: object | None = None) -> None:
        super().__init__(session)
        self._project = project
        self._luts = luts
        self._project_manager = ProjectManager(session, project)
        self._fusion = Fusion(session, self, ui_manager)
        self._bmd = Bmd(session, self)
        self._running = True

    @classmethod
    def create(
        cls,
        tmp_path: str | os.PathLike[str],
        *,
        edition: str = STUDIO,
        version: Sequence[int | str] = DEFAULT_VERSION,
        clips: Sequence[FakeClip] | None = None,
        timelines: Sequence[FakeTimeline] | None = None,
        lut_root: str | os.PathLike[str] | None = None,
        user_lut_root: str | os.PathLike[str] | None = None,
        project_name: str = DEFAULT_PROJECT_NAME,
        project_settings: dict[str, str] | None = None,
        start_timecode: str = "01:00:00:00",
        quirks: Quirks = DEFAULT_QUIRKS,
        ui_manager: object | None = None,
        external_scripting: bool = True,
    ) -> FakeResolve:
        """A running fake Resolve with one open project.

        Parameters
        ----------
        tmp_path
            Where the LUT folders go unless given (``resolve-master/LUT`` and ``resolve-user/LUT``).
        edition
            "studio" or "free".
        version
            (major, minor, patch[, build[, suffix]]), as ``GetVersion()`` lists it; from 16.2.
        clips, timelines
            One timeline "Timeline 1" of ``clips`` starting at ``start_timecode``, or several ``FakeTimeline``;
            neither gives a project without timelines.
        lut_root, user_lut_root
            The master LUT folder (where LUTs work) and the per-user one (where they fail); created if missing.
        project_settings
            Overrides of ``PROJECT_SETTING_DEFAULTS``. The timeline resolution defaults to the first clip's
            frame size and the frame rate to its fps.
        quirks
            The behaviours live reports disagree on (see :class:`Quirks`).
        ui_manager
            What ``fusion.UIManager`` gives where it exists (Studio, or free before 19.1); by default a
            :class:`tests.fakes.ui.FakeUI` whose user clicks "Close".
        external_scripting
            Preferences > General > External scripting (``DaVinciResolveScript.scriptapp`` needs it and Studio).
        """
        if edition not in PRODUCT_NAMES:
            raise ValueError(f"edition must be {STUDIO!r} or {FREE!r}, found {edition!r}")
        if clips is not None and timelines is not None:
            raise ValueError("give clips (one timeline) or timelines, not both")
        full_version = _full_version(version)
        session = Session(full_version, studio=edition == STUDIO, quirks=quirks, external_scripting=external_scripting)

        tmp = Path(tmp_path)
        luts = LutLibrary(_folder(lut_root, tmp / MASTER_LUT_FOLDER), _folder(user_lut_root, tmp / USER_LUT_FOLDER))
        luts.refresh()  # what Resolve found at start-up; files written later need RefreshLUTList
        if clips is not None:
            timelines = [FakeTimeline(DEFAULT_TIMELINE_NAME, list(clips), start_timecode)]
        timelines = list(timelines or [])
        settings = {**PROJECT_SETTING_DEFAULTS, **_format_settings(timelines), **(project_settings or {})}
        project = Project(session, project_name, luts, timelines, settings)
        return cls(session, project, luts, ui_manager)

    # -- the API ---------------------------------------------------------------------------------------------

    @api()
    def GetProjectManager(self) -> ProjectManager:
        return self._project_manager

    @api()
    def GetProductName(self) -> str:
        return PRODUCT_NAMES[STUDIO if self._session.studio else FREE]

    @api()
    def GetVersion(self) -> list[int | str]:
        return list(self._session.version)

    @api()
    def GetVersionString(self) -> str:
        major, minor, patch, build, suffix = self._session.version
        return f"{major}.{minor}.{patch}{suffix}.{build}"  # major.minor.patch[suffix].build

    @api()
    def OpenPage(self, pageName: str) -> bool:
        if pageName not in PAGES:
            return self._refuse(f"unknown page {pageName!r}: one of {', '.join(PAGES)}")
        self._session.page = pageName
        return True

    @api(refused=None)
    def GetCurrentPage(self) -> str:
        return self._session.page

    @api()
    def Fusion(self) -> Fusion:
        return self._fusion

    # -- how scripts reach it --------------------------------------------------------------------------------

    def fake_script_globals(self) -> dict[str, Any]:
        """The globals Resolve gives a script run from Workspace > Scripts."""
        return {"resolve": self, "bmd": self._bmd, "fusion": self._fusion, "fu": self._fusion, "app": self._fusion}

    def fake_scripting_module(self) -> types.ModuleType:
        """A stand-in for ``DaVinciResolveScript`` (external scripting): put it in ``sys.modules``.

        Its ``scriptapp("Resolve")`` is None, as Resolve's is, on the free edition, with external scripting off
        in the preferences, or once Resolve has quit (``fake_quit``).
        """
        module = types.ModuleType("DaVinciResolveScript")

        def scriptapp(name: str) -> object | None:
            reachable = self._session.studio and self._session.external_scripting and self._running
            return self if reachable and name == "Resolve" else None

        module.scriptapp = scriptapp  # type: ignore[attr-defined]
        return module

    def fake_menu_lists_python_scripts(self) -> bool:
        """Whether the Scripts menu shows ``.py`` scripts (not on free from 21.1)."""
        return self._session.studio or not self._session.at_least(FREE_LISTS_NO_PY_SINCE)

    def fake_run_menu_script(self, path: str | os.PathLike[str]) -> dict[str, Any]:
        """Run a script as Resolve's Scripts menu does, with its globals; returns the script's globals.

        Raises MenuScriptNotListed where the menu would not show the script at all.
        """
        if Path(path).suffix.lower() == PYTHON_SUFFIX and not self.fake_menu_lists_python_scripts():
            raise MenuScriptNotListed(f"{self.GetProductName()} {self.GetVersionString()} lists no .py scripts")
        return runpy.run_path(os.fspath(path), init_globals=self.fake_script_globals(), run_name="__main__")

    # -- introspection and set-up for tests ------------------------------------------------------------------

    @property
    def fake_master_lut_root(self) -> Path:
        return self._luts.master_root

    @property
    def fake_user_lut_root(self) -> Path:
        return self._luts.user_root

    def fake_lut_discovered(self, relpath: str) -> bool:
        return self._luts.is_discovered(relpath)

    def fake_project(self) -> Project:
        return self._project

    def fake_timeline(self) -> Timeline:
        """The current timeline (fails loudly when there is none)."""
        timeline = self._project._current_timeline
        if timeline is None:
            raise LookupError("the fake project has no timeline")
        return timeline

    def fake_refusals(self) -> list[Refusal]:
        """Every call answered with a silent False/None so far, oldest first."""
        return list(self._session.refusals)

    def fake_clear_refusals(self) -> None:
        self._session.refusals.clear()

    def fake_set_gallery_open(self, is_open: bool = True) -> None:
        """Open or close the Gallery panel of the Color page (GrabStill and ExportStills need it open)."""
        self._session.gallery_open = is_open

    def fake_upsell_windows(self) -> int:
        """How many times the "buy Studio" window opened (free 19.1+, on reading ``fusion.UIManager``)."""
        return self._session.upsell_windows

    def fake_upsell_open(self) -> bool:
        return self._session.upsell_open

    def fake_close_upsell(self) -> None:
        """The user closes the "buy Studio" window: calls work again."""
        self._session.upsell_open = False

    def fake_set_external_scripting(self, enabled: bool) -> None:
        self._session.external_scripting = enabled

    def fake_quit(self) -> None:
        """Resolve is no longer running: external ``scriptapp`` answers None."""
        self._running = False

    def fake_register_drx(self, path: str | os.PathLike[str], node_labels: Sequence[str]) -> None:
        """Declare the serial nodes ``ApplyGradeFromDRX(path, ...)`` builds (the fake parses no DRX files)."""
        self._session.drx_templates[Path(path).resolve()] = tuple(node_labels)


def _full_version(version: Sequence[int | str]) -> tuple[int, int, int, int, str]:
    parts = list(version)
    if not 3 <= len(parts) <= 5 or not all(isinstance(p, int) for p in parts[:4]):
        raise ValueError(f"version must be (major, minor, patch[, build[, suffix]]), found {version!r}")
    if tuple(parts[:2]) < MIN_VERSION:
        raise ValueError(
            f"the fake models Resolve {MIN_VERSION[0]}.{MIN_VERSION[1]}+ (1-based nodes), found {version!r}"
        )
    major, minor, patch = parts[:3]
    build = parts[3] if len(parts) > 3 else DEFAULT_BUILD
    suffix = str(parts[4]) if len(parts) > 4 else ""
    return (int(major), int(minor), int(patch), int(build), suffix)


def _folder(given: str | os.PathLike[str] | None, default: Path) -> Path:
    folder = Path(given) if given is not None else default
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def _format_settings(timelines: Sequence[FakeTimeline]) -> dict[str, str]:
    """Frame rate and resolution of the first timeline, from its first clip, as project settings."""
    if not timelines or not timelines[0].clips:
        return {}
    first = timelines[0]
    fps = first.fps if first.fps is not None else first.clips[0].fps
    width, height = FrameSource(first.clips[0]).size()
    return {
        "timelineFrameRate": f"{fps:g}",
        "timelinePlaybackFrameRate": f"{fps:g}",
        "timelineDropFrameTimecode": "1" if first.drop_frame else "0",
        "timelineResolutionWidth": str(width),
        "timelineResolutionHeight": str(height),
    }
