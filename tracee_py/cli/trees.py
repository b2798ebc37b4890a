"""Rendering process trees and process rows (the library returns them, this draws them)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from rich.console import Console
from rich.text import Text
from rich.tree import Tree

from tracee_py.printable import printable
from tracee_py.proctree import ProcessNode, ProcessTree
from tracee_py.proctree.labels import command_line, ending, pod_of
from tracee_py.query.times import format_ns

TREE_MAX_NODES = 5000  # a drawn tree beyond this is unreadable (and slow to draw)
TREE_COLUMNS = (
    "depth", "node", "pid", "ppid", "process_id", "parent_process_id", "start_time",
    "exit_time", "exit_code", "exit_signal", "uid", "exe", "argv", "execs", "events",
    "file_events", "net_events", "container_name", "pod", "source", "focus",
)  # fmt: skip
PS_TABLE_COLUMNS = (
    "node", "pid", "ppid", "start_time", "uid", "command", "parent", "container_name", "pod",
)  # fmt: skip
PS_COLUMNS = (
    "node", "pid", "ppid", "process_id", "parent_process_id", "start_time", "uid", "exe",
    "argv", "parent_exe", "container_name", "pod",
)  # fmt: skip


def label(n: ProcessNode, *, focus: bool = False, show_node: bool = False) -> Text:
    text = Text()
    text.append(str(n.pid), style="bold reverse" if focus else "bold")
    text.append(" ")
    if not n.execs and n.source == "fork":
        text.append("(fork) ", style="dim")
    text.append(printable(command_line(n)), style="cyan" if n.execs else "")
    meta = [format_ns(n.start_ns, digits=3) if n.start_ns is not None else "start ?"]
    meta.append(ending(n))
    if n.file_events:
        meta.append(f"files {n.file_events}")
    if n.net_events:
        meta.append(f"net {n.net_events}")
    if n.container_name or n.container_id:
        meta.append(f"container {n.container_name or (n.container_id or '')[:12]}")
    if pod_of(n):
        meta.append(f"pod {pod_of(n)}")
    if show_node:
        meta.append(n.node)
    if n.source == "inferred":
        meta.append("inferred")
    text.append("  " + printable(" · ".join(meta)), style="dim")
    return text


def print_tree(tree: ProcessTree, console: Console, *, max_nodes: int = TREE_MAX_NODES) -> None:
    """Draw the tree; after ``max_nodes`` processes the rest are counted, not drawn."""
    nodes = {n.node for _, n in tree.walk()}
    drawn = 0
    root = Tree(Text(printable(tree.title or "processes"), style="bold"), guide_style="dim")
    stack: list[tuple[ProcessNode, Tree]] = [(r, root) for r in reversed(tree.roots)]
    while stack and drawn < max_nodes:
        node, parent = stack.pop()
        drawn += 1
        if node.ppid is not None and parent is root and node.parent_process_id is not None:
            # A root whose parent is outside the selection: say who it was.
            branch = parent.add(
                label(node, focus=node.process_id == tree.focus, show_node=len(nodes) > 1)
                + Text(f"  (parent pid {node.ppid})", style="dim")
            )
        else:
            branch = parent.add(
                label(node, focus=node.process_id == tree.focus, show_node=len(nodes) > 1)
            )
        stack.extend((c, branch) for c in reversed(node.children))
    console.print(root)
    total = len(tree)
    if drawn < total:
        console.print(
            f"… {total - drawn} more processes not drawn; use --max-nodes, -o json or -o jsonl",
            soft_wrap=True,
            style="dim",
            highlight=False,
        )


def tree_rows(tree: ProcessTree) -> Iterator[dict[str, Any]]:
    """One row per process of the tree, parents first, with its depth."""
    for depth, n in tree.walk():
        row = n.to_dict(children=False)
        row.update(depth=depth, pod=pod_of(n), focus=n.process_id == tree.focus)
        yield row


def ps_rows(processes: list[ProcessNode]) -> Iterator[dict[str, Any]]:
    for n in processes:
        row = n.to_dict(children=False)
        row.update(
            parent_exe=n.parent_exe,
            pod=pod_of(n),
            command=command_line(n),
            parent=f"{n.ppid} {n.parent_exe or ''}".strip() if n.ppid is not None else None,
        )
        yield row
