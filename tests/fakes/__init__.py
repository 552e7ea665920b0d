"""The fake DaVinci Resolve the tests of ``resolve_scripts/`` run against (see ``tests/fakes/resolve.py``)."""

from tests.fakes.console import FakeConsole
from tests.fakes.media import SHARED_FRAMES, FakeClip, FakeTimeline, gradient_frames, six_clip_timeline
from tests.fakes.rendering import GradeNode
from tests.fakes.resolve import FakeResolve
from tests.fakes.session import FakeLimitation, MenuScriptNotListed, Quirks, Refusal
from tests.fakes.ui import FakeUI

__all__ = [
    "SHARED_FRAMES",
    "FakeClip",
    "FakeConsole",
    "FakeLimitation",
    "FakeResolve",
    "FakeTimeline",
    "FakeUI",
    "GradeNode",
    "MenuScriptNotListed",
    "Quirks",
    "Refusal",
    "gradient_frames",
    "six_clip_timeline",
]
