"""Sigma's Linux log sources and field names, mapped onto what the recorder writes.

Each supported log source is one :class:`LogSource`: the ``SELECT`` over ``events`` (and
``processes``) that gives its rows our column names, and the Sigma field -> column table.
:func:`tracee_pipeline` turns these tables into a pySigma processing pipeline: a rule whose
log source we do not record fails as a whole; a field we do not record fails with its
name. Nothing is mapped to a column that does not hold the same fact. ``service: auditd``
is a log source too: its EXECVE, SYSCALL and PATH records are rebuilt from the events, and
its keyword searches read the record's text (:data:`AUDITD`).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from sigma.correlations import SigmaCorrelationRule
from sigma.exceptions import SigmaTransformationError
from sigma.modifiers import SigmaBase64Modifier, SigmaBase64OffsetModifier
from sigma.processing.conditions import LogsourceCondition, RuleProcessingCondition
from sigma.processing.pipeline import ProcessingItem, ProcessingPipeline
from sigma.processing.transformations import (
    FieldMappingTransformation,
    RuleFailureTransformation,
)
from sigma.processing.transformations.base import (
    DetectionItemTransformation,
    PreprocessingTransformation,
)
from sigma.rule import SigmaDetection, SigmaDetectionItem, SigmaLogSource, SigmaRule
from sigma.types import (
    SigmaCasedString,
    SigmaExpansion,
    SigmaNull,
    SigmaNumber,
    SigmaString,
    SigmaType,
)

from tracee_py.schema import EVENT_KINDS

# Columns every log source returns, for the finding (see the engine).
FINDING_COLUMNS = ("time", "process_id", "pid", "comm", "exe")


@dataclass(frozen=True)
class LogSource:
    """One Sigma log source (a Linux category, or a service), as rows of the sandbox's
    tables."""

    category: str  # the category, or "service:NAME" for a service log source
    sql: str  # one SELECT over the sandbox's relations: FINDING_COLUMNS and ``fields``
    kinds: tuple[str, ...]  # the event kinds its rows come from (the run loads these)
    fields: dict[str, str]  # Sigma field name -> column of ``sql``
    # Sigma fields we know and cannot fill, with why (they fail the rule that uses them).
    unmapped: dict[str, str]
    service: str | None = None  # set for a service log source (``product: linux``)
    # The column keyword (field-less) searches match, as a substring; None: not supported.
    keyword_column: str | None = None

    @property
    def condition(self) -> LogsourceCondition:
        if self.service:
            return LogsourceCondition(product="linux", service=self.service)
        return LogsourceCondition(product="linux", category=self.category)


# The sandbox's ``process_creations`` helper: successful execs with the parent's image.
PROCESS_CREATION = LogSource(
    "process_creation",
    f"SELECT {', '.join(FINDING_COLUMNS)}, command_line, cwd, uid, ppid, parent_exe,"
    " parent_command_line FROM process_creations",
    ("process_exec",),
    {
        "Image": "exe",
        "CommandLine": "command_line",
        "ParentImage": "parent_exe",
        "ParentCommandLine": "parent_command_line",
        "CurrentDirectory": "cwd",
        "User": "uid",  # see UserIsUid
        "ProcessId": "pid",
        "ParentProcessId": "ppid",
    },
    {
        "OriginalFileName": "Linux executables carry no PE original file name",
        "LogonId": "the recorder does not see login sessions",
        "LogonGuid": "the recorder does not see login sessions",
        "IntegrityLevel": "Linux has no integrity levels",
        "Hashes": "only the SHA-256 of the executed file is recorded (exe_sha256)",
        "Company": "Linux executables carry no version resource",
        "Product": "Linux executables carry no version resource",
        "Description": "Linux executables carry no version resource",
    },
)

# Every way a file gets new content or a new name: the sandbox's ``file_writes`` helper.
FILE_EVENT = LogSource(
    "file_event",
    f"SELECT {', '.join(FINDING_COLUMNS)}, target FROM file_writes",
    ("file_open", "file_rename", "file_link", "file_truncate"),
    {"TargetFilename": "target", "Image": "exe"},
    {},
)

FILE_DELETE = LogSource(
    "file_delete",
    f"SELECT {', '.join(FINDING_COLUMNS)}, path FROM events WHERE event = 'file_unlink'",
    ("file_unlink",),
    {"TargetFilename": "path", "Image": "exe"},
    {},
)

FILE_RENAME = LogSource(
    "file_rename",
    f"SELECT {', '.join(FINDING_COLUMNS)}, path, path2 FROM events WHERE event = 'file_rename'",
    ("file_rename",),
    {"SourceFilename": "path", "TargetFilename": "path2", "Image": "exe"},
    {},
)

# connect: addr/port are the remote end (the destination); accept: the remote end is the
# source. The local end of either is not recorded.
NETWORK_CONNECTION = LogSource(
    "network_connection",
    f"""SELECT {", ".join(FINDING_COLUMNS)},
       CASE WHEN event = 'net_connect' THEN addr END AS destination_ip,
       CASE WHEN event = 'net_connect' THEN port END AS destination_port,
       CASE WHEN event = 'net_accept' THEN addr END AS source_ip,
       CASE WHEN event = 'net_accept' THEN port END AS source_port,
       CASE WHEN event = 'net_connect' THEN 'true' ELSE 'false' END AS initiated,
       family
FROM events WHERE event = 'net_connect' OR event = 'net_accept'""",
    ("net_connect", "net_accept"),
    {
        "DestinationIp": "destination_ip",
        "DestinationPort": "destination_port",
        "SourceIp": "source_ip",
        "SourcePort": "source_port",
        "Initiated": "initiated",
        "Image": "exe",
    },
    {
        "DestinationHostname": "the recorder sees addresses, not names",
        "SourceHostname": "the recorder sees addresses, not names",
        "DestinationIsIpv6": "not recorded as such (see family)",
    },
)

# auditd: the records an audit configuration that watches execs, paths and syscalls would
# write, rebuilt from the same events. EXECVE: one per successful exec, a0..a9 the argv;
# SYSCALL: one per event that came from a syscall; PATH: one per path a file event names
# (a rename or link gives two). ``record`` is what a keyword search reads: the command
# line (EXECVE), the path (PATH), "syscall comm exe" (SYSCALL).
AUDIT_ARGS = 10
AUDIT_TYPES = ("EXECVE", "SYSCALL", "PATH")
_ARGS = ", ".join(f"argv[{n + 1}] AS a{n}" for n in range(AUDIT_ARGS))
_NO_ARGS = ", ".join(f"NULL::VARCHAR AS a{n}" for n in range(AUDIT_ARGS))
_AUDIT_COMMON = f"{', '.join(FINDING_COLUMNS)}, uid, ppid, cwd"
_PATH_KINDS = (
    "file_open", "file_unlink", "file_rename", "file_link", "file_mkdir", "file_chmod",
    "file_chown", "file_truncate", "chdir", "process_exec",
)  # fmt: skip
_SYSCALL_KINDS = tuple(k for k in EVENT_KINDS if k not in ("process_snapshot", "process_exit"))
_SUCCESS = "CASE WHEN coalesce(retval, 0) >= 0 THEN 'yes' ELSE 'no' END"
AUDITD = LogSource(
    "service:auditd",
    f"""SELECT {_AUDIT_COMMON}, 'EXECVE' AS record_type, syscall, {_ARGS},
       len(argv) AS argc, NULL::VARCHAR AS name, NULL::VARCHAR AS nametype,
       'yes' AS success, retval AS exit_code, array_to_string(argv, ' ') AS record
FROM events WHERE event = 'process_exec' AND coalesce(retval, 0) >= 0
UNION ALL
SELECT {_AUDIT_COMMON}, 'SYSCALL', syscall, {_NO_ARGS}, NULL, NULL, NULL,
       {_SUCCESS}, retval, concat_ws(' ', syscall, comm, exe)
FROM events WHERE syscall IS NOT NULL
UNION ALL
SELECT {_AUDIT_COMMON}, 'PATH', syscall, {_NO_ARGS}, NULL, path,
       CASE WHEN event = 'file_unlink' OR event = 'file_rename' THEN 'DELETE'
            WHEN event = 'file_mkdir' OR event = 'file_link' THEN 'CREATE'
            WHEN event = 'file_open' AND coalesce(flags & 64, 0) <> 0
                 AND coalesce(retval, 0) >= 0 THEN 'CREATE'
            ELSE 'NORMAL' END,
       {_SUCCESS}, retval, path
FROM events WHERE path IS NOT NULL AND event IN ({", ".join(f"'{k}'" for k in _PATH_KINDS)})
UNION ALL
SELECT {_AUDIT_COMMON}, 'PATH', syscall, {_NO_ARGS}, NULL, path2,
       CASE WHEN event = 'file_rename' THEN 'CREATE' ELSE 'NORMAL' END,
       {_SUCCESS}, retval, path2
FROM events WHERE path2 IS NOT NULL AND (event = 'file_rename' OR event = 'file_link')""",
    tuple(dict.fromkeys((*_PATH_KINDS, *_SYSCALL_KINDS))),
    {
        "type": "record_type",
        "SYSCALL": "syscall",
        "syscall": "syscall",
        **{f"a{n}": f"a{n}" for n in range(AUDIT_ARGS)},
        "argc": "argc",
        "exe": "exe",
        "comm": "comm",
        "name": "name",
        "nametype": "nametype",
        "uid": "uid",
        "euid": "uid",
        "pid": "pid",
        "ppid": "ppid",
        "cwd": "cwd",
        "success": "success",
        "exit": "exit_code",
    },
    {
        "key": "audit rule keys belong to an audit configuration; a recording has none",
        "auid": "the login uid is not recorded",
        "saddr": "socket addresses are recorded as family, addr and port, not raw sockaddr",
        "proctitle": "use type EXECVE with a0..a9",
    },
    service="auditd",
    keyword_column="record",
)

LOG_SOURCES: dict[str, LogSource] = {
    s.category: s
    for s in (PROCESS_CREATION, FILE_EVENT, FILE_DELETE, FILE_RENAME, NETWORK_CONNECTION, AUDITD)
}


def source_for(logsource: SigmaLogSource) -> LogSource:
    """The log source a converted rule reads (the pipeline let only these through)."""
    if logsource.service and not logsource.category:
        return LOG_SOURCES[f"service:{logsource.service}"]
    return LOG_SOURCES[logsource.category or ""]


class UnrecordedFieldFailure(DetectionItemTransformation):
    """Fails a detection item whose field is not a column of the log source's rows."""

    def __init__(self, source: LogSource) -> None:
        super().__init__()
        self.source = source
        self.columns = frozenset(source.fields.values())

    def apply_detection_item(
        self, detection_item: SigmaDetectionItem
    ) -> SigmaDetection | SigmaDetectionItem | None:
        name = detection_item.field
        if name is None:
            keyword_column = self.source.keyword_column
            values = detection_item.value
            if any(isinstance(v, SigmaNull) for v in values):
                raise SigmaTransformationError("a search with no value (an empty selection)")
            if keyword_column is None:
                raise SigmaTransformationError(
                    "keyword (field-less) detections are not supported: name the field"
                )
            # A keyword is a substring of the record's text, wherever it is.
            detection_item.field = keyword_column
            detection_item.value = [_anywhere(v) for v in values]
            return None
        if name not in self.columns:
            why = self.source.unmapped.get(name, "not a field we record for this log source")
            raise SigmaTransformationError(
                f"field {name!r} of log source {self.source.category}: {why}"
            )
        return None


def _anywhere(value: SigmaType) -> SigmaType:
    if isinstance(value, SigmaNumber):
        value = SigmaString(str(value.number))
    if isinstance(value, SigmaString):
        return SigmaString("*") + value + SigmaString("*")
    return value


_AUDIT_ARG = re.compile(r"^a[0-9]+$")


class AuditRecordCheck(PreprocessingTransformation):
    """Fails an auditd rule that asks for audit records the recorder has no facts for: a
    ``type`` other than EXECVE, SYSCALL and PATH (ADD_USER, SOCKADDR, ...), or ``aN`` next
    to ``type: SYSCALL`` (there aN are raw syscall arguments, which are not recorded; on
    EXECVE records they are the argv). A rule like that would convert into a test that
    never matches."""

    def apply(self, rule: SigmaRule | SigmaCorrelationRule) -> None:
        super().apply(rule)
        if not isinstance(rule, SigmaRule):
            return
        for detection in rule.detection.detections.values():
            items = list(_items(detection))
            types = {
                str(v).upper()
                for item in items
                if item.field == "type"
                for v in item.value
                if isinstance(v, SigmaString)
            }
            unknown = sorted(types - set(AUDIT_TYPES))
            if unknown:
                raise SigmaTransformationError(
                    f"audit record type {unknown[0]} is not recorded "
                    f"(recorded: {', '.join(AUDIT_TYPES)})"
                )
            args = any(_AUDIT_ARG.match(item.field or "") for item in items)
            if args and "SYSCALL" in types:
                raise SigmaTransformationError(
                    "a0..aN of SYSCALL records (raw syscall arguments) are not recorded"
                )


def _items(detection: SigmaDetection) -> list[SigmaDetectionItem]:
    out: list[SigmaDetectionItem] = []
    for item in detection.detection_items:
        if isinstance(item, SigmaDetection):
            out += _items(item)
        else:
            out.append(item)
    return out


class UserIsUid(DetectionItemTransformation):
    """``User`` is matched against the uid the recorder saw, as decimal text.

    A recording holds uids, not the node's user database, so a user name cannot be turned
    into a uid after the fact, except ``root``, which is uid 0 on every Linux system: that
    value becomes ``0``. Any other name, or a wildcard pattern, fails the rule with this
    reason instead of converting into a test that could never match.
    """

    def apply_detection_item(
        self, detection_item: SigmaDetectionItem
    ) -> SigmaDetection | SigmaDetectionItem | None:
        if detection_item.field != "uid":
            return None
        detection_item.value = [_uid_value(v) for v in detection_item.value]
        return None


def _uid_value(value: SigmaType) -> SigmaType:
    if isinstance(value, SigmaNumber):
        return value
    if isinstance(value, SigmaString) and not value.contains_special():
        text = str(value)
        if text.lower() == "root":
            return SigmaString("0")
        if text.isdigit():
            return value
    raise SigmaTransformationError(
        f"User value {str(value)!r}: the recording holds uids, not user names "
        "(only a number, or root, can be matched)"
    )


class Base64IsCased(DetectionItemTransformation):
    """Values of ``base64``/``base64offset`` match case-sensitively: their encodings are
    base64 text, where case is part of the value (Sigma matching is otherwise
    case-insensitive)."""

    def apply_detection_item(
        self, detection_item: SigmaDetectionItem
    ) -> SigmaDetection | SigmaDetectionItem | None:
        encoded = (SigmaBase64Modifier, SigmaBase64OffsetModifier)
        if any(issubclass(m, encoded) for m in detection_item.modifiers):
            detection_item.value = [_cased(v) for v in detection_item.value]
        return None


def _cased(value: SigmaType) -> SigmaType:
    if isinstance(value, SigmaExpansion):
        return SigmaExpansion([_cased(v) for v in value.values])
    if isinstance(value, SigmaString) and not isinstance(value, SigmaCasedString):
        return SigmaCasedString.from_sigma_string(value)
    return value


def tracee_pipeline() -> ProcessingPipeline:
    """Log source check, field mapping and unrecorded-field failures, in that order."""
    supported: list[RuleProcessingCondition] = [s.condition for s in LOG_SOURCES.values()]
    items: list[ProcessingItem] = [
        ProcessingItem(
            RuleFailureTransformation(
                "log source not recorded: tracee-py records Linux " + ", ".join(LOG_SOURCES)
            ),
            rule_conditions=supported,
            rule_condition_linking=any,
            rule_condition_negation=True,
            identifier="tracee_logsource",
        )
    ]
    items.append(
        ProcessingItem(
            AuditRecordCheck(),
            rule_conditions=[AUDITD.condition],
            identifier="tracee_audit_records",
        )
    )
    for source in LOG_SOURCES.values():
        items.append(
            ProcessingItem(
                FieldMappingTransformation({k: v for k, v in source.fields.items()}),
                rule_conditions=[source.condition],
                identifier=f"tracee_fields_{source.category}",
            )
        )
        items.append(
            ProcessingItem(
                UnrecordedFieldFailure(source),
                rule_conditions=[source.condition],
                identifier=f"tracee_unrecorded_{source.category}",
            )
        )
    items.append(
        ProcessingItem(
            UserIsUid(),
            rule_conditions=[PROCESS_CREATION.condition, AUDITD.condition],
            rule_condition_linking=any,
            identifier="tracee_user_is_uid",
        )
    )
    items.append(ProcessingItem(Base64IsCased(), identifier="tracee_base64_cased"))
    return ProcessingPipeline(name="tracee-py Linux log sources", priority=20, items=items)
