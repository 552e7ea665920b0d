"""Getting at Resolve from a script, with every None/False turned into a ResolveRefusal (API-NOTES sections 1-3, 7).

Resolve fails silently (API-NOTES section 2), and on its objects ``hasattr`` is always True while an unknown
attribute reads as None (section 1): capabilities are probed with ``name in dir(obj)``.
"""

import sys

from resolve_scripts.errors import ResolveRefusal

COLOR_PAGE = "color"
VIDEO = "video"  # the track type of GetTrackCount / GetItemListInTrack
MIN_VERSION = (18, 5)  # Project.ExportCurrentFrameAsStill arrived in 18.5 (API-NOTES section 3)
GRAPH_SINCE = (19, 0)  # TimelineItem.GetNodeGraph; before it the deprecated node calls live on the item
# Observed (API-NOTES section 1): on the free edition from 19.1 merely reading fusion.UIManager opens a "buy Studio"
# window, and while it is open unrelated calls answer False. Studio, or any edition before this, may read it.
FREE_UPSELL_SINCE = (19, 1)
STUDIO_WORD = "Studio"  # GetProductName(): "DaVinci Resolve Studio" or "DaVinci Resolve"
LOCAL_VERSION, REMOTE_VERSION = 0, 1  # versionType (API-NOTES section 2)
VERSION_TYPES = (LOCAL_VERSION, REMOTE_VERSION)


def is_version_type(value):
    """Whether ``value`` is a versionType Resolve uses (a bool is not one, though ``True == 1``)."""
    return not isinstance(value, bool) and value in VERSION_TYPES
# The colour settings the protocol carries (docs/protocol.md, "Colour settings"; API-NOTES section 7).
COLOUR_KEYS = (
    "colorScienceMode",
    "colorSpaceTimeline",
    "colorSpaceTimelineGamma",
    "colorSpaceOutput",
    "colorSpaceOutputGamma",
)
USE_CUSTOM_SETTINGS = "useCustomSettings"


def get_resolve(script_globals=None):
    """The ``resolve`` object, found the robust way (API-NOTES section 1).

    In order: the script's ``resolve`` global, ``app.GetResolve()``, ``bmd.scriptapp("Resolve")``, then
    ``DaVinciResolveScript.scriptapp("Resolve")`` (external scripting, Studio only).

    Raises
    ------
    ResolveRefusal
        When none of them gives one.
    """
    script_globals = script_globals if script_globals is not None else {}
    resolve = script_globals.get("resolve")
    if resolve is not None:
        return resolve
    app = script_globals.get("app") or script_globals.get("fusion") or script_globals.get("fu")
    if app is not None and "GetResolve" in dir(app):
        resolve = app.GetResolve()
        if resolve is not None:
            return resolve
    bmd = script_globals.get("bmd")
    if bmd is not None and "scriptapp" in dir(bmd):
        resolve = bmd.scriptapp("Resolve")
        if resolve is not None:
            return resolve
    module = sys.modules.get("DaVinciResolveScript")
    if module is None:
        try:
            import DaVinciResolveScript as module
        except ImportError:
            module = None
    if module is not None:
        resolve = module.scriptapp("Resolve")
        if resolve is not None:
            return resolve
    raise ResolveRefusal(
        "Cannot reach DaVinci Resolve: run this from Workspace > Scripts inside Resolve, or, from outside, "
        "use Resolve Studio with Preferences > General > External scripting set to Local."
    )


def ui_manager(resolve, script_globals):
    """``fusion.UIManager`` (dialogs) where reading it is harmless, else None; never read on free 19.1+.

    Only Studio, or an edition older than ``FREE_UPSELL_SINCE``, is asked: there, reading it opens a "buy Studio"
    window that makes the calls after it fail (API-NOTES section 1). A Resolve that reports no version is not asked.
    """
    script_globals = script_globals or {}
    fusion = script_globals.get("fusion") or script_globals.get("fu")
    if fusion is None or "UIManager" not in dir(fusion):
        return None
    studio = STUDIO_WORD in (resolve.GetProductName() or "")
    numbers = version_numbers(resolve)
    if not studio and (not numbers or numbers[:2] >= FREE_UPSELL_SINCE):
        return None
    return fusion.UIManager


def version_numbers(resolve):
    """``(major, minor, patch)`` from ``GetVersion()``; ``()`` when Resolve reports none."""
    return tuple(int(part) for part in list(resolve.GetVersion() or [])[:3])


def check_version(resolve):
    """``(product name, version tuple)``; ResolveRefusal when Resolve is older than ``MIN_VERSION``."""
    product = resolve.GetProductName() or "DaVinci Resolve"
    numbers = version_numbers(resolve)
    if not numbers:
        raise ResolveRefusal("Resolve did not report its version: restart Resolve and run the script again.")
    if numbers[:2] < MIN_VERSION:
        raise ResolveRefusal(
            "{} {} is too old: Pix2LUT needs {}.{} or newer (ExportCurrentFrameAsStill).".format(
                product, ".".join(str(n) for n in numbers), MIN_VERSION[0], MIN_VERSION[1]
            )
        )
    return product, numbers


def open_color_page(resolve):
    """Switch to the Color page where needed; returns the page to restore afterwards (None: nothing to restore)."""
    page = resolve.GetCurrentPage()
    if page == COLOR_PAGE:
        return None
    if not resolve.OpenPage(COLOR_PAGE) or resolve.GetCurrentPage() != COLOR_PAGE:
        raise ResolveRefusal(
            f"Resolve would not open the Color page (it is on {page!r}): open the Color page and run the script again."
        )
    return page


def restore_page(resolve, page):
    """Go back to ``page`` (from :func:`open_color_page`); a refusal here is harmless and left unreported."""
    if page:
        resolve.OpenPage(page)


def current_timeline(resolve):
    """``(project, timeline)``; ResolveRefusal for each missing piece."""
    manager = resolve.GetProjectManager()
    if manager is None:
        raise ResolveRefusal("Resolve gave no project manager: open a project and run the script again.")
    project = manager.GetCurrentProject()
    if project is None:
        raise ResolveRefusal("No project is open: open a project and run the script again.")
    timeline = project.GetCurrentTimeline()
    if timeline is None:
        raise ResolveRefusal("The project has no current timeline: open a timeline and run the script again.")
    return project, timeline


def current_clip(resolve):
    """``(project, timeline, item)`` under the playhead; ResolveRefusal for each missing piece."""
    project, timeline = current_timeline(resolve)
    item = timeline.GetCurrentVideoItem()
    if item is None:
        raise ResolveRefusal(
            f"There is no clip under the playhead on timeline {timeline.GetName()!r}: "
            "park the playhead on a clip and run the script again."
        )
    return project, timeline, item


def node_graph(item, version):
    """The object that carries the node calls: the clip's Graph (19.0+) or, before it, the item itself."""
    if tuple(version[:2]) >= GRAPH_SINCE and "GetNodeGraph" in dir(item):
        graph = item.GetNodeGraph(1)
        if graph is None:
            raise ResolveRefusal(
                f"Resolve gave no node graph for clip {item.GetName()!r}: select the clip on the Color page and "
                "run the script again."
            )
        return graph
    return item


def colour_settings(project, timeline):
    """The colour settings the server needs (API-NOTES section 7), timeline overrides included; "" left out.

    A timeline with its own settings (``useCustomSettings`` "1") may answer "" for a colour key (section 7, not
    verified either way): that key is then the project's, key by key.

    Raises
    ------
    ResolveRefusal
        When Resolve answers none of the keys: an empty object would make the server assume Rec.709.
    """
    custom = timeline.GetSetting(USE_CUSTOM_SETTINGS) == "1"
    sources = (timeline, project) if custom else (project,)
    settings = {}
    for key in COLOUR_KEYS:
        for source in sources:
            value = source.GetSetting(key)
            if isinstance(value, str) and value:
                settings[key] = value
                break
    if not settings:
        raise ResolveRefusal(
            f"Resolve answered none of the colour settings ({', '.join(COLOUR_KEYS)}) of project "
            f"{project.GetName()!r}: open Project Settings > Color Management, check them, and run again."
        )
    return settings
