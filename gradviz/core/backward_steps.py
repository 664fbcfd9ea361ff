"""The backward pass as a sequence of steps, for replaying it one node at a time.

The tracer records the engine's real execution order in each node's ``order``; this module
turns it into steps. At step k the node with order k runs its backward: every consumer of
it has already run (the engine is topologically ordered), so its gradient is complete, and
the gradients it sends to its own inputs appear on the edges into it. The chain rule at a
step is ``op_info.chain_rule_terms``, the same terms the inspector shows.
"""

from __future__ import annotations

from dataclasses import dataclass

import networkx as nx

from gradviz.core.op_info import ChainRule, chain_rule_terms

Edge = tuple[str, str]


@dataclass(frozen=True)
class BackwardStep:
    """Step ``index``: ``node`` runs; ``done_edges`` carry a gradient once it has run;
    ``waiting`` nodes still have a consumer to hear from: their gradient is not complete."""

    index: int
    node: str
    done_edges: frozenset[Edge]
    rule: ChainRule
    waiting: frozenset[str] = frozenset()


class BackwardSteps:
    """The steps of one traced graph, in backward execution order.

    Only op and leaf nodes have an order; a node the backward pass never reached (it
    failed first) has none and is not a step. Edges into an output node carry the seed
    from the start, before step 0.
    """

    def __init__(self, graph: nx.DiGraph) -> None:
        self.graph = graph
        ordered = [
            (attrs["order"], node)
            for node, attrs in graph.nodes(data=True)
            if attrs.get("kind") in ("op", "leaf") and attrs.get("order") is not None
        ]
        self.nodes: list[str] = [node for _, node in sorted(ordered)]
        self.seed_edges: frozenset[Edge] = frozenset(
            (u, v) for u, v in graph.edges if graph.nodes[v].get("kind") == "output"
        )
        # Edges whose gradient the node at each step produces: those into it.
        self._produced: list[list[Edge]] = [
            [(u, node) for u in graph.pred[node]] for node in self.nodes
        ]

    def __len__(self) -> int:
        return len(self.nodes)

    def step(self, index: int) -> BackwardStep:
        """Step ``index`` (0-based); raises IndexError outside 0..len-1."""
        if not 0 <= index < len(self.nodes):
            raise IndexError(f"step {index} is outside 0..{len(self.nodes) - 1}")
        done = set(self.seed_edges)
        for produced in self._produced[: index + 1]:
            done.update(produced)
        node = self.nodes[index]
        succ = self.graph.succ
        waiting = frozenset(
            n for n in self.nodes[index + 1 :] if any((n, c) not in done for c in succ[n])
        )
        rule = chain_rule_terms(self.graph, node)
        return BackwardStep(index, node, frozenset(done), rule, waiting)
