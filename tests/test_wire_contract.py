"""The wire contract, offline (no root, no BPF): schema.WIRE_TABLE against the decoder and
against the BPF sources.

- A synthetic wire record of every kind and syscall goes through the real decoder, and
  every column the table promises holds the value put in its slot; the slot-fed columns
  it does not promise stay null.
- The BPF programs put values into slots only by the names the table gives them
  (``SLOT_NUMBERS``, passed as -D flags), and each syscall sets only names its own entry
  lists (a captured value no column receives is the loss this test exists for).
- ``struct event``, the F_* bits and the lost-counter map of bpf/common.h agree with
  tracee_py/capture/wire.py and schema.py. (tests/capture checks clang's layout too.)
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import numpy as np
import pyarrow as pa
import pytest

from tracee_py.capture import wire
from tracee_py.capture.decode import BatchDecoder
from tracee_py.capture.loader import lost_by_label
from tracee_py.capture.settings import env_prefix_words
from tracee_py.capture.wire import EVENT_DTYPE, F_NO_STR, SLOT_DTYPE
from tracee_py.enrich.proctable import ProcessTable
from tracee_py.schema import (
    ARG_POSITION,
    ARG_SLOTS,
    AUX_SLOTS,
    BPF_CMD_MAP_CREATE,
    BPF_CMD_PROG_LOAD,
    CONTAINER_COLUMNS,
    DIRFD,
    DIRFD2,
    ENV_PREFIXES,
    EVENT_COLUMNS,
    INT_SLOTS,
    NAMED_ONLY_SYSCALLS,
    NEGATIVE_IS_NULL,
    SLOT_NUMBERS,
    STR_MAX,
    SYSCALL_NUMBER,
    TIME_NOW,
    TIME_OMIT,
    WIRE_CONTRACT,
    AuxRecord,
    EventKind,
    Slot,
)

BPF = Path(__file__).resolve().parents[1] / "bpf"
PID = 1 << 30  # no such process: the table never finds it in /proc
CHILD = PID + 1
AT_FDCWD = -100
# Columns filled from slots somewhere in the table; a row must leave the others null.
SLOT_COLUMNS = {
    s.column for slots in WIRE_CONTRACT.values() for s in slots.values() if s.column
} - {"pid", "retval", "path"}


def _record(kind: int, syscall: str, tid: int = PID, **fields: Any) -> np.ndarray:
    slot = np.zeros(1, dtype=SLOT_DTYPE)
    ev = slot["ev"]
    ev["kind"], ev["pid"], ev["tid"] = kind, PID, tid
    ev["syscall"] = SYSCALL_NUMBER.get(syscall, 0)
    ev["ts"] = 1_000_000
    ev["comm"] = b"wire-test"
    for name, value in fields.items():
        if name in ("addr_lo", "addr_hi"):  # the addr field read as two int64
            at = 0 if name == "addr_lo" else 8
            ev["addr"][0, at : at + 8] = list(int(value).to_bytes(8, "little", signed=True))
        elif name == "str":
            raw = value.encode() + b"\0"
            ev["str"] = np.frombuffer(raw.ljust(STR_MAX, b"\0"), dtype=f"V{STR_MAX}")
        elif name == "addr":
            ev["addr"][0, : len(value)] = list(value)
        else:
            ev[name] = value
    return slot


def _decode(*records: np.ndarray) -> dict[str, Any]:
    table = ProcessTable(node="n", boot_id="b", boot_wall_ns=0)
    out = BatchDecoder(table, 0).decode(np.concatenate(records))
    rows = [r for r in out.to_pylist() if r["event"] != "process_snapshot"]
    assert len(rows) == 1, rows
    return rows[0]


def _case(kind: EventKind, syscall: str, slots: dict[str, Slot], variant: str) -> tuple:
    """The records for one entry and the values its promised columns must hold."""
    fields: dict[str, Any] = {}
    expected: dict[str, Any] = {}
    for i, name in enumerate(INT_SLOTS):
        slot = slots.get(name)
        if slot is None:
            continue
        value = 11 * (i + 1)  # distinct per slot, non-negative, no CLONE_THREAD bit
        if slot is DIRFD or slot is DIRFD2:
            value = AT_FDCWD
        elif slot.column == "family":
            value = 1 if variant == "unix" else 2
            expected["family"] = "unix" if variant == "unix" else "inet"
        elif slot.column == "signal" and kind is EventKind.PROCESS_EXIT:
            value = 9 if variant == "signal" else 0
            expected["signal"] = value or None
            expected["exit_code"] = -9 if variant == "signal" else 11
        elif slot.column == "exit_code":
            expected.setdefault("exit_code", value)  # the signal slot (a1) may override it
        elif slot.column == "pid":
            value = CHILD
        elif slot.column == "retval":
            value = 0  # a successful exec
        elif slot.column == "socket_type":
            value = 3
            expected["socket_type"] = "raw"
        elif slot.column == "bpf_type":
            value = 2
            expected["bpf_type"] = "kprobe"
        elif slot.column == "flags" and kind is EventKind.BPF:
            value = BPF_CMD_PROG_LOAD  # the command says how to name bpf_type
        elif slot.column in ("atime", "mtime"):
            value = 1_700_000_000_000_000_000 + 1000 * (i + 1)
            expected[slot.column] = pa.scalar(value, pa.timestamp("ns", tz="UTC")).as_py()
        if slot.column == "port" and variant == "unix":
            pass  # no port for unix sockets
        elif slot.column == "port":
            expected["port"] = value
        elif name == "a2" and slot.column is None and "family" in expected:
            value = 2 + len("/wire/sock") + 1  # sockaddr length bounds the unix path
        elif slot.column is not None and slot.column not in expected:
            expected[slot.column] = value
        fields[name] = value
    if kind is EventKind.PROCESS_EXEC:
        fields["a1"] = PID  # the thread id before exec: this one
    if "str" in slots:
        if kind is EventKind.MEMFD_CREATE:
            fields["str"], expected["path"] = "wire-memfd", "memfd:wire-memfd"
        elif slots["str"].column == "name":
            fields["str"] = expected["name"] = f"wire-{kind.label}"
        elif "family" in expected:
            if variant == "unix":
                fields["str"], expected["path"] = "/wire/sock", "/wire/sock"
            else:
                expected["path"] = None
        else:
            fields["str"] = expected["path"] = f"/wire/{kind.label}/{syscall}"
    if "addr" in slots and slots["addr"].column == "old_name":
        fields["addr"], expected["old_name"] = b"wire-old", "wire-old"
    elif "addr" in slots and variant != "unix":
        fields["addr"], expected["addr"] = bytes([127, 0, 0, 1]), "127.0.0.1"
    records = [_record(int(kind), syscall, **fields)]
    if kind is EventKind.PROCESS_EXEC:  # its argv and environment arrive first (AUX_SLOTS)
        argv = ["/wire/exec", "an arg"]
        position = next(n for n, s in AUX_SLOTS[AuxRecord.EXEC_ARG].items() if s is ARG_POSITION)
        aux = [
            _record(int(AuxRecord.EXEC_ARG), syscall, str=a, **{position: i})
            for i, a in reversed(list(enumerate(argv)))  # out of order: the position decides
        ]
        aux.append(_record(int(AuxRecord.EXEC_ENV), syscall, str="LD_PRELOAD=/wire.so"))
        records = aux + records
        expected.update(argv=argv, env=["LD_PRELOAD=/wire.so"])
    if "path2" in slots:
        target = f"/wire/{syscall}-target"
        records.insert(0, _record(int(AuxRecord.PATH2), syscall, str=target))
        expected["path2"] = target
    return records, expected


def _variants(kind: EventKind, slots: dict[str, Slot]) -> list[str]:
    if any(s.column == "family" for s in slots.values()):
        return ["inet", "unix"]
    if kind is EventKind.PROCESS_EXIT:
        return ["status", "signal"]
    return ["plain"]


CASES = [
    pytest.param(kind, syscall, slots, variant, id=f"{kind.label}-{syscall or 'sched'}-{variant}")
    for (kind, syscall), slots in WIRE_CONTRACT.items()
    for variant in _variants(kind, slots)
]


@pytest.mark.parametrize(("kind", "syscall", "slots", "variant"), CASES)
def test_every_promised_column_holds_its_slot(
    kind: EventKind, syscall: str, slots: dict[str, Slot], variant: str
) -> None:
    records, expected = _case(kind, syscall, slots, variant)
    row = _decode(*records)
    assert row["event"] == kind.label
    assert row["syscall"] == (syscall or None)
    assert {c: row[c] for c in expected} == expected
    unpromised = SLOT_COLUMNS - set(expected) - {"path2", "addr"}
    assert {c: row[c] for c in unpromised if row[c] is not None} == {}


@pytest.mark.parametrize(
    ("kind", "syscall", "slot"),
    [
        (kind, syscall, name)
        for (kind, syscall), slots in WIRE_CONTRACT.items()
        for name, s in slots.items()
        if s.column in NEGATIVE_IS_NULL and name in INT_SLOTS[:4]
    ],
)
def test_negative_ids_and_fds_are_null(kind: EventKind, syscall: str, slot: str) -> None:
    column = WIRE_CONTRACT[(kind, syscall)][slot].column
    assert _decode(_record(int(kind), syscall, **{slot: -1}))[column] is None


# -- the BPF declarations -----------------------------------------------------------------


def _calls(text: str, name: str) -> list[list[str]]:
    """The argument lists of every ``name(...)`` call in ``text``, split at top level."""
    out = []
    for m in re.finditer(rf"\b{name}\(", text):
        depth, args, start = 1, [], m.end()
        i = start
        while depth:
            c = text[i]
            if c == "(":
                depth += 1
            elif c == ")":
                depth -= 1
            elif c == "," and depth == 1:
                args.append(text[start:i].strip())
                start = i + 1
            i += 1
        args.append(text[start : i - 1].strip())
        out.append(args)
    return out


def _bpf_text() -> str:
    text = "".join(p.read_text() for p in sorted(BPF.glob("*.bpf.c")))
    return re.sub(r"/\*.*?\*/", "", text, flags=re.DOTALL)


class _Save:
    """One ``SAVE(KIND, syscall, p0, p1, SET(KIND, name, value), ...)`` of the BPF code."""

    def __init__(self, args: list[str]) -> None:
        self.kind = EventKind[args[0]]
        self.syscall = args[1]
        self.p0, self.p1 = args[2], args[3]
        self.sets: dict[str, str] = {}
        for item in args[4:]:
            (set_args,) = _calls(item, "SET")
            assert set_args[0] == args[0], f"{self.syscall}: {item} names another kind"
            assert set_args[1] not in self.sets, f"{self.syscall}: {set_args[1]} set twice"
            self.sets[set_args[1]] = set_args[2]


def _declarations() -> dict[tuple[EventKind, str], _Save]:
    """(kind, syscall) -> what the syscall's entry program saves."""
    out = {}
    for args in _calls(_bpf_text(), "SAVE"):
        save = _Save(args)
        key = (save.kind, save.syscall)
        assert key not in out, f"{key} declared twice"
        out[key] = save
    return out


def _is_argument(expr: str) -> bool:
    """A value taken from the call (an argument or something read through one), not a
    constant."""
    return bool(re.search(r"\bARG_|SYS_ARG|\(", expr))


def _names(slots: dict[str, Slot]) -> set[str]:
    return {slot.name for name, slot in slots.items() if name in ARG_SLOTS}


def test_each_syscall_sets_only_the_slots_of_its_own_entry() -> None:
    """SET(KIND, name, ...) compiles for any name of the kind; the table may still list
    the name for other syscalls of the kind only, and then nothing would decode it."""
    for (kind, syscall), save in _declarations().items():
        slots = WIRE_CONTRACT.get((kind, syscall))
        assert slots is not None, f"{kind.label}/{syscall} is hooked but not in WIRE_TABLE"
        assert set(save.sets) <= _names(slots), f"{kind.label}/{syscall}"
        if _is_argument(save.p0):  # the string read at exit
            assert "str" in slots, f"{kind.label}/{syscall}: str"
        if _is_argument(save.p1) and "path2" not in slots:  # else: the times, the addrlen
            assert kind in (EventKind.FILE_UTIME, EventKind.NET_ACCEPT), f"{kind.label}/{syscall}"


def test_every_slot_name_the_bpf_code_uses_is_generated() -> None:
    """The offline stand-in for the compile (tests/capture compiles for real): every
    SET, ARG_SLOT and SLOT names a SLOT_<KIND>_<name> flag that SLOT_NUMBERS makes."""
    text = _bpf_text()
    used = [(a[0], a[1]) for macro in ("SET", "SLOT") for a in _calls(text, macro)]
    used += [(a[1], a[2]) for a in _calls(text, "ARG_SLOT")]
    assert len(used) > 60
    used = [(k, n) for k, n in used if k != "KIND"]  # a macro's parameter
    unknown = [f"SLOT_{k}_{n}" for k, n in used if f"SLOT_{k}_{n}" not in SLOT_NUMBERS]
    assert unknown == []


def test_bpf_code_reaches_the_slots_only_by_name() -> None:
    """No program writes or reads a0..a3 directly: which slot holds what is the table's."""
    assert re.findall(r".*\ba[0-3]\b.*", _bpf_text()) == []


def test_slot_numbers_follow_the_table() -> None:
    for (kind, _), slots in WIRE_CONTRACT.items():
        for name, slot in slots.items():
            if name in ARG_SLOTS:
                assert SLOT_NUMBERS[f"SLOT_{kind.name}_{slot.name}"] == ARG_SLOTS.index(name)
    assert SLOT_NUMBERS["SLOT_AUX_EXEC_ARG_position"] == 0
    assert SLOT_NUMBERS["SLOT_CRED_CHANGE_saved_uid"] == 3  # setresuid's saved uid


def test_every_table_entry_is_declared_in_bpf() -> None:
    declared = _declarations()
    # exec's save_args is in a helper; exit is read at sched_process_exit, not a syscall;
    # renames at task:task_rename (the next test).
    skip = {EventKind.PROCESS_EXEC, EventKind.PROCESS_EXIT, EventKind.COMM_CHANGE}
    missing = [
        f"{k.label}/{s}" for k, s in WIRE_CONTRACT if k not in skip and (k, s) not in declared
    ]
    assert missing == []


def test_renames_are_recorded_for_exactly_the_table_s_syscalls() -> None:
    text = (BPF / "system.bpf.c").read_text()
    body = re.search(r"u16 rename_syscall\(void\) \{(.*?)\n\}", text, re.DOTALL)
    assert body is not None
    named = set(re.findall(r"return SC_(\w+);", body.group(1)))
    in_table = {s for (k, s) in WIRE_CONTRACT if k is EventKind.COMM_CHANGE}
    assert named == in_table
    assert in_table <= NAMED_ONLY_SYSCALLS


def test_utime_now_omit_and_no_path() -> None:
    """UTIME_NOW (or no times) is the event's own time, UTIME_OMIT null; futimens names no
    path (null, not empty) but the fd."""
    kind = int(EventKind.FILE_UTIME)
    row = _decode(
        _record(kind, "utimensat", a2=5, a3=5, addr_lo=TIME_NOW, addr_hi=TIME_OMIT,
                flags=F_NO_STR)
    )  # fmt: skip
    assert (row["path"], row["fd"], row["mtime"]) == (None, 5, None)
    assert row["atime"] == row["time"]
    past = 946_684_800 * 10**9  # 2000-01-01
    row = _decode(
        _record(kind, "utimes", a2=AT_FDCWD, a3=-1, addr_lo=past, addr_hi=past, str="/x/y")
    )
    assert (row["path"], row["fd"]) == ("/x/y", None)
    assert row["atime"] == row["mtime"] == pa.scalar(past, pa.timestamp("ns", tz="UTC")).as_py()


def test_bpf_types_are_named_by_the_command() -> None:
    kind = int(EventKind.BPF)
    assert _decode(_record(kind, "bpf", a0=BPF_CMD_MAP_CREATE, a1=27))["bpf_type"] == "ringbuf"
    assert _decode(_record(kind, "bpf", a0=BPF_CMD_PROG_LOAD, a1=999))["bpf_type"] == "type_999"
    assert _decode(_record(kind, "bpf", a0=2, a1=0, flags=F_NO_STR))["bpf_type"] is None


def test_second_paths_come_from_two_path_syscalls() -> None:
    text = "".join(p.read_text() for p in sorted(BPF.glob("*.bpf.c")))
    two_path = {args[0] for args in _calls(text, "TWO_PATH_SYSCALL")}
    in_table = {s for (_, s), slots in WIRE_CONTRACT.items() if "path2" in slots}
    assert two_path == in_table


# -- record layout, flag bits, lost counters -----------------------------------------------

_C_TYPES = {"u64": "<u8", "s64": "<i8", "u32": "<u4", "u16": "<u2"}
COMMON = (BPF / "common.h").read_text()


def test_struct_event_matches_the_dtype() -> None:
    body = re.search(r"struct event \{(.*?)\};", COMMON, re.DOTALL)
    assert body is not None
    fields: list[tuple[str, str]] = []
    for line in re.sub(r"/\*.*?\*/", "", body.group(1), flags=re.DOTALL).split(";"):
        if not line.strip():
            continue
        ctype, names = line.split(None, 1)
        for name in (n.strip() for n in names.split(",")):
            array = re.fullmatch(r"(\w+)\[(\w+)\]", name)
            if array is None:
                fields.append((name, _C_TYPES[ctype]))
                continue
            size = STR_MAX if array.group(2) == "STR_MAX" else int(array.group(2))
            kind = {"char": "S" if array.group(1) == "comm" else "V", "u8": "u1"}[ctype]
            fields.append((array.group(1), f"{kind}{size}"))
    ours = []
    for name in EVENT_DTYPE.names:
        dt = EVENT_DTYPE.fields[name][0]
        if dt.subdtype is not None:
            ours.append((name, f"u1{dt.subdtype[1][0]}"))
        elif dt.kind in "SV":
            ours.append((name, f"{dt.kind}{dt.itemsize}"))
        else:
            ours.append((name, dt.str))
    assert fields == ours


def test_flag_bits_match() -> None:
    c_bits = {m[0]: int(m[1]) for m in re.findall(r"#define (F_\w+) (\d+)", COMMON)}
    py_bits = {n: getattr(wire, n) for n in dir(wire) if n.startswith("F_")}
    assert c_bits == py_bits


def test_lost_counters_cover_every_wire_kind() -> None:
    m = re.search(r"BPF_PERCPU_ARRAY\(lost, u64, (\d+)\)", COMMON)
    assert m is not None
    assert max([*EventKind, *AuxRecord]) < int(m.group(1))
    labels = lost_by_label({int(k): 1 for k in [*EventKind, *AuxRecord]})
    assert not [label for label in labels if label.startswith("kind_")]


def test_env_prefixes_reach_the_kernel_as_words() -> None:
    words = env_prefix_words()
    for prefix, (word, mask) in zip(ENV_PREFIXES, words, strict=False):
        head = (prefix + "PRELOAD=x").encode()[:7].ljust(8, b"\0")
        assert int.from_bytes(head, "little") & mask == word
    assert words[len(ENV_PREFIXES) :] == [(0, 0)] * (len(words) - len(ENV_PREFIXES))
    with pytest.raises(ValueError):
        env_prefix_words(("TOO_LONG_",))


def test_container_columns_are_the_schema_s_in_its_order() -> None:
    start = EVENT_COLUMNS.index(CONTAINER_COLUMNS[0])
    assert EVENT_COLUMNS[start : start + len(CONTAINER_COLUMNS)] == CONTAINER_COLUMNS
