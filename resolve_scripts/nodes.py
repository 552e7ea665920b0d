"""Which nodes Neutralize + Look grades: the Neutralize and the Look node of a clip's graph (``find_nodes``).

Nodes labelled "Neutralize" and "Look" where they exist, else nodes that hold no LUT (a LUT on a node is the user's,
never replaced): the highest-numbered for the Look, the next below it for Neutralize, as the stills are the picture
after all the nodes, so the two belong last (``node_order_warning`` says when they may not be). Scripts cannot add
nodes (API-NOTES section 3), so a clip without two such nodes is ClipSkipped, with the exact steps to fix it. The
one-node choice of Grade Clip and Match to Reference is ``resolve_scripts.luts.choose_lut_node``.
"""

from resolve_scripts.errors import ClipSkipped
from resolve_scripts.luts import nodes_labelled, users_lut

NEUTRALIZE_LABEL, LOOK_LABEL = "Neutralize", "Look"  # node labels, compared case-insensitively
TWO_NODES_HELP = (
    "on the Color page give it two serial nodes (select the node, Alt+S), or label two nodes Neutralize and "
    "Look, then run again"
)
ADD_TWO_NODES_HELP = (
    "on the Color page select the last node, add two serial nodes after it (Alt+S twice), label them Neutralize "
    "and Look (right-click > Node Label) and run again: they must come last, as the stills Pix2LUT grades are the "
    "picture after all the nodes"
)


def find_nodes(graph, clip_name, pix2lut_version=False):
    """``(neutralize node, look node)``; ClipSkipped when the clip has no two nodes for them.

    A node labelled Neutralize (Look) takes that LUT, and is refused if it holds a LUT. A role without a label takes
    a node that holds no LUT: the Look the highest-numbered, Neutralize the highest-numbered below it (the stills
    are the picture after all the nodes, so the corrections belong last). ``pix2lut_version``: the graph is of a
    version Pix2LUT made, where a LUT under ``Pix2LUT/`` is Pix2LUT's (Doctor looks at the current version; a run
    always looks at the user's own, where every LUT is theirs).
    """
    count = graph.GetNumNodes() or 0
    if count < 2:
        raise ClipSkipped(f"it has {count} node(s): {TWO_NODES_HELP}.")
    neutralize = (nodes_labelled(graph, count, NEUTRALIZE_LABEL) or [None])[0]
    look = (nodes_labelled(graph, count, LOOK_LABEL) or [None])[0]
    for label, node in ((NEUTRALIZE_LABEL, neutralize), (LOOK_LABEL, look)):
        lut = users_lut(graph, node, pix2lut_version) if node is not None else ""
        if lut:
            raise ClipSkipped(
                f"its node {node}, labelled {label}, holds the LUT {lut}, and Pix2LUT never replaces a LUT of yours: "
                f"remove the label from that node, then {ADD_TWO_NODES_HELP}."
            )
    held = {node: users_lut(graph, node, pix2lut_version) for node in range(1, count + 1)}
    free = [node for node in range(1, count + 1) if node not in (neutralize, look) and not held[node]]
    if look is None and free:
        look = free.pop()  # the highest-numbered: the look is applied last
    if neutralize is None and free:
        below = [node for node in free if node < look]
        neutralize = (below or free)[-1]
    if neutralize is None or look is None:
        luts = ", ".join(f"node {node}: {lut}" for node, lut in sorted(held.items()) if lut)
        raise ClipSkipped(
            f"it has no two nodes free of your LUTs ({luts}), and Pix2LUT never replaces a LUT of yours: "
            f"{ADD_TWO_NODES_HELP}."
        )
    return neutralize, look


def node_order_warning(count, clip_name, neutralize, look):
    """A sentence when the Neutralize and Look nodes may not be the last two, in that order; "" when they are."""
    if (neutralize, look) == (count - 1, count):
        return ""
    return (
        f"On {clip_name!r} the Neutralize LUT went on node {neutralize} and the Look on node {look}, of {count} "
        "nodes: the stills Pix2LUT graded are the picture after all the nodes, so Neutralize then Look belong on the "
        "last two (scripts cannot see the wiring: if they already are, all is well; else add two serial nodes after "
        "the last one with Alt+S and label them Neutralize and Look)."
    )
