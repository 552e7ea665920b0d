"""Node-level calls: the Graph object (19.0+), and the node calls TimelineItem still carries (deprecated).

API-NOTES sections 3, 5 and 6: node indices run from 1 to GetNumNodes(); a bad index, an undiscovered LUT or a
bad CDL value is a silent False; GetLUT answers the master-relative path; SetCDL wants space-separated strings
(Python lists are taken and render solid red); nodes cannot be added, labelled or connected by script.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

import numpy as np

from pix2lut.cdl import Cdl
from pix2lut.errors import LutError
from tests.fakes.luts import DCTL_SUFFIX, LutLibrary
from tests.fakes.rendering import GradeNode, new_nodes
from tests.fakes.session import FakeLimitation, ResolveObject, Session, api

DRX_GRADE_MODES = (0, 1, 2)  # no keyframes, source timecode aligned, start frames aligned
NODE_INDEX_KEY = "NodeIndex"
CDL_VECTOR_KEYS = ("Slope", "Offset", "Power")  # "r g b"
CDL_SATURATION_KEY = "Saturation"  # "s"
TOOL_LUT = "LUT"  # names GetToolsInNode answers here; Resolve's own names are not documented
TOOL_CDL = "CDL"


class NodeOperations:
    """The node calls shared by Graph and TimelineItem; subclasses give the live node list and the LUTs."""

    _session: Session
    _luts: LutLibrary

    def _nodes(self) -> list[GradeNode]:
        raise NotImplementedError

    def _node(self, index: object) -> GradeNode | None:
        nodes = self._nodes()
        if isinstance(index, bool) or not isinstance(index, int) or not 1 <= index <= len(nodes):
            return None
        return nodes[index - 1]

    def _bad_index(self, index: object, result: Any) -> Any:
        count = len(self._nodes())
        return self._session.refuse(f"node index {index!r} outside 1..{count} (indices start at 1)", result)

    def _set_lut(self, index: object, lut_path: object) -> bool:
        node = self._node(index)
        if node is None:
            return self._bad_index(index, False)
        relpath, reason = self._luts.locate(lut_path)
        if not relpath:
            return self._session.refuse(reason)
        if relpath.lower().endswith(DCTL_SUFFIX) and not self._session.studio:
            return self._session.refuse("DCTL is Studio-only: this is the free edition")
        reason = self._luts.can_load(relpath)
        if reason:
            return self._session.refuse(reason)
        node.lut = relpath
        return True

    def _get_lut(self, index: object) -> str | None:
        node = self._node(index)
        return self._bad_index(index, None) if node is None else node.lut

    def _get_label(self, index: object) -> str | None:
        node = self._node(index)
        return self._bad_index(index, None) if node is None else node.label


class Graph(ResolveObject, NodeOperations):
    """A node graph: a clip's (one layer of its current version), a colour group's pre/post-clip, a timeline's."""

    api_class = "Graph"

    def __init__(self, session: Session, luts: LutLibrary, nodes_of: Callable[[], list[GradeNode]]) -> None:
        super().__init__(session)
        self._luts = luts
        self._nodes_of = nodes_of

    def _nodes(self) -> list[GradeNode]:
        return self._nodes_of()

    @api()
    def GetNumNodes(self) -> int:
        return len(self._nodes())

    @api()
    def SetLUT(self, nodeIndex: int, lutPath: str) -> bool:
        return self._set_lut(nodeIndex, lutPath)

    @api()
    def GetLUT(self, nodeIndex: int) -> str | None:
        return self._get_lut(nodeIndex)

    @api()
    def GetNodeLabel(self, nodeIndex: int) -> str | None:
        return self._get_label(nodeIndex)

    @api()
    def SetNodeEnabled(self, nodeIndex: int, isEnabled: bool) -> bool:
        node = self._node(nodeIndex)
        if node is None:
            return self._bad_index(nodeIndex, False)
        if not isinstance(isEnabled, bool):
            return self._refuse(f"isEnabled must be a bool, found {isEnabled!r}")
        node.enabled = isEnabled
        return True

    @api()
    def GetToolsInNode(self, nodeIndex: int) -> list[str] | None:
        node = self._node(nodeIndex)
        if node is None:
            return self._bad_index(nodeIndex, None)
        return [tool for tool, used in ((TOOL_LUT, node.lut), (TOOL_CDL, node.cdl or node.cdl_red)) if used]

    @api(since=(19, 1))
    def ApplyGradeFromDRX(self, path: str, gradeMode: int) -> bool:
        """Replaces the whole graph with the DRX's nodes (a test registers them: ``fake_register_drx``)."""
        if isinstance(gradeMode, bool) or gradeMode not in DRX_GRADE_MODES:
            return self._refuse(f"gradeMode must be one of {DRX_GRADE_MODES}, found {gradeMode!r}")
        if not isinstance(path, str) or not Path(path).is_file():
            return self._refuse(f"no DRX file at {path!r}")
        labels = self._session.drx_templates.get(Path(path).resolve())
        if labels is None:
            raise FakeLimitation(f"{path}: the fake reads no DRX files; register its nodes with fake_register_drx")
        self._nodes()[:] = new_nodes(labels)
        return True

    @api(since=(19, 1))
    def ResetAllGrades(self) -> bool:
        for node in self._nodes():
            node.reset()
        return True

    def fake_nodes(self) -> list[GradeNode]:
        """Copies of this graph's nodes, in order."""
        return [node.copy() for node in self._nodes()]


class CdlRefused(Exception):
    """A SetCDL argument Resolve would refuse; the message says why."""


def parse_set_cdl(cdl: object, node_count: int, lists_render_red: bool) -> tuple[int, dict[str, np.ndarray], bool]:
    """Read a SetCDL dictionary: ``(node index, the values it sets, whether a list made the node red)``.

    Raises CdlRefused for anything Resolve answers with False.
    """
    if not isinstance(cdl, Mapping):
        raise CdlRefused(f"SetCDL takes a dict, found {type(cdl).__name__}")
    index = _node_index(cdl.get(NODE_INDEX_KEY), node_count)
    values: dict[str, np.ndarray] = {}
    red = False
    for key, count in [(key, 3) for key in CDL_VECTOR_KEYS] + [(CDL_SATURATION_KEY, 1)]:
        if key not in cdl:
            continue
        value = cdl[key]
        if isinstance(value, list) and lists_render_red:
            red = True  # observed: accepted without error, and the node renders solid red
            continue
        if not isinstance(value, str):
            raise CdlRefused(f"{key} must be a string of {count} space-separated numbers, found {value!r}")
        values[key] = _numbers(key, value, count)
    return index, values, red


def updated_cdl(current: Cdl | None, values: Mapping[str, np.ndarray]) -> Cdl:
    """``current`` (identity when None) with ``values`` set; CdlRefused where the CDL spec rejects them."""
    base = current or Cdl.identity()
    fields = {"slope": base.slope, "offset": base.offset, "power": base.power, "saturation": base.saturation}
    for key, value in values.items():
        fields[key.lower()] = value[0] if key == CDL_SATURATION_KEY else value
    try:
        return Cdl(**fields)
    except LutError as exc:
        raise CdlRefused(str(exc)) from exc


def _node_index(value: object, node_count: int) -> int:
    if isinstance(value, str) and value.strip().isdigit():
        index = int(value)
    elif isinstance(value, int) and not isinstance(value, bool):
        index = value
    else:
        raise CdlRefused(f'{NODE_INDEX_KEY} must be a node number such as "1", found {value!r}')
    if not 1 <= index <= node_count:
        raise CdlRefused(f"{NODE_INDEX_KEY} {index} outside 1..{node_count} (indices start at 1)")
    return index


def _numbers(key: str, text: str, count: int) -> np.ndarray:
    tokens = text.split()
    try:
        numbers = np.array([float(token) for token in tokens])
    except ValueError:
        numbers = np.array([])
    if len(tokens) != count or numbers.size != count or not np.all(np.isfinite(numbers)):
        raise CdlRefused(f"{key} must hold {count} space-separated finite numbers, found {text!r}")
    return numbers
