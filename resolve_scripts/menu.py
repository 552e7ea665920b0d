"""The entries Pix2LUT adds to Resolve's Workspace > Scripts menu, and the small file behind each.

Resolve lists the ``.py`` files under its Scripts folders (API-NOTES section 8), a subfolder as a submenu. Each
entry is a stub that puts the folder holding ``resolve_scripts`` on ``sys.path`` and calls one module's ``main``
with the script's globals (where ``resolve`` lives). The installer writes the stubs with that folder filled in;
tests write them the same way.
"""

import os

MENU_FOLDER = "Pix2LUT"  # the submenu, inside each of Resolve's script categories
# Resolve lists a category's scripts only while its page is open, Utility's on every page (API-NOTES section 8).
PAGE_CATEGORIES = {"Color": "color", "Edit": "edit", "Deliver": "deliver"}
EVERY_PAGE_CATEGORY = "Utility"


class MenuEntry:
    """One menu item: ``category`` (Resolve's Scripts subfolder), ``title`` (the file name) and the module run."""

    def __init__(self, category, title, module):
        self.category = category
        self.title = title
        self.module = module

    @property
    def relative_path(self):
        """The stub's path under a Scripts folder, e.g. ``Color/Pix2LUT/Grade Clip.py``."""
        return os.path.join(self.category, MENU_FOLDER, self.title + ".py")

    def __repr__(self):
        return f"MenuEntry({self.category!r}, {self.title!r}, {self.module!r})"


# Every action works from any page (each opens the Color page itself and goes back): the clip actions are listed
# where colourists grade, the timeline-wide ones also where editors work.
MENU_ENTRIES = (
    MenuEntry("Color", "Grade Clip", "resolve_scripts.grade_clip"),
    MenuEntry("Color", "Neutralize + Look", "resolve_scripts.timeline_grade"),
    MenuEntry("Color", "Match to Reference", "resolve_scripts.match_reference"),
    MenuEntry("Color", "Undo", "resolve_scripts.undo"),
    MenuEntry("Edit", "Neutralize + Look", "resolve_scripts.timeline_grade"),
    MenuEntry("Edit", "Undo", "resolve_scripts.undo"),
    MenuEntry("Utility", "Doctor", "resolve_scripts.doctor"),
)

STUB_TEMPLATE = '''"""Pix2LUT: {title}. Written by the Pix2LUT installer, which overwrites any change: edit its settings instead."""

import sys

SCRIPTS_ROOT = {root!r}

if SCRIPTS_ROOT not in sys.path:
    sys.path.insert(0, SCRIPTS_ROOT)
try:
    from {module} import main
except ImportError as exc:
    message = "Pix2LUT: cannot load the scripts from " + SCRIPTS_ROOT + " (" + str(exc) + "): run pix2lut-install again."
    print(message.encode("ascii", "backslashreplace").decode("ascii"))  # Resolve's console may reject non-ASCII
else:
    main(globals())
'''


def stub_source(entry, scripts_root):
    """The text of ``entry``'s stub, importing from ``scripts_root``: an absolute path (of the
    OS Resolve runs on) to the folder that holds ``resolve_scripts``."""
    return STUB_TEMPLATE.format(title=entry.title, root=os.fspath(scripts_root), module=entry.module)


def entries_on_page(page):
    """The entries Resolve lists while ``page`` (``GetCurrentPage()``: "color", "edit", ...) is open."""
    return [entry for entry in MENU_ENTRIES
            if entry.category == EVERY_PAGE_CATEGORY or PAGE_CATEGORIES.get(entry.category) == page]


def entry_by_module(module):
    """The first entry that runs ``module`` (e.g. ``resolve_scripts.grade_clip``); KeyError when there is none."""
    for entry in MENU_ENTRIES:
        if entry.module == module:
            return entry
    raise KeyError(module)
