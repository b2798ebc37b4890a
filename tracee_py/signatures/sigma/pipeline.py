"""Sigma's Linux log sources and field names, mapped onto what the recorder writes.

Each supported log source is one :class:`LogSource`: the ``SELECT`` over ``events`` (and
``processes``) that gives its rows our column names, and the Sigma field -> column table.
:func:`tracee_pipeline` turns these tables into a pySigma processing pipeline: a rule whose
log source we do not record fails as a whole; a field we do not record fails with its
name. Nothing is mapped to a column that does not hold the same fact.
"""

from __future__ import annotations

from dataclasses import dataclass

from sigma.exceptions import SigmaTransformationError
from sigma.modifiers import SigmaBase64Modifier, SigmaBase64OffsetModifier
from sigma.processing.conditions import LogsourceCondition, RuleProcessingCondition
from sigma.processing.pipeline import ProcessingItem, ProcessingPipeline
from sigma.processing.transformations import (
    FieldMappingTransformation,
    RuleFailureTransformation,
)
from sigma.processing.transformations.base import DetectionItemTransformation
from sigma.rule import SigmaDetection, SigmaDetectionItem
from sigma.types import (
    SigmaCasedString,
    SigmaExpansion,
    SigmaNumber,
    SigmaString,
    SigmaType,
)

# Columns every log source returns, for the finding (see the engine).
FINDING_COLUMNS = ("time", "process_id", "pid", "comm", "exe")


@dataclass(frozen=True)
class LogSource:
    """One Sigma log source category, as rows of the sandbox's tables."""

    category: str
    sql: str  # one SELECT over the sandbox's relations: FINDING_COLUMNS and ``fields``
    kinds: tuple[str, ...]  # the event kinds its rows come from (the run loads these)
    fields: dict[str, str]  # Sigma field name -> column of ``sql``
    # Sigma fields we know and cannot fill, with why (they fail the rule that uses them).
    unmapped: dict[str, str]


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

LOG_SOURCES: dict[str, LogSource] = {
    s.category: s
    for s in (PROCESS_CREATION, FILE_EVENT, FILE_DELETE, FILE_RENAME, NETWORK_CONNECTION)
}


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
            raise SigmaTransformationError(
                "keyword (field-less) detections are not supported: name the field"
            )
        if name not in self.columns:
            why = self.source.unmapped.get(name, "not a field we record for this log source")
            raise SigmaTransformationError(
                f"field {name!r} of log source {self.source.category}: {why}"
            )
        return None


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
    supported: list[RuleProcessingCondition] = [
        LogsourceCondition(category=c, product="linux") for c in LOG_SOURCES
    ]
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
    for source in LOG_SOURCES.values():
        items.append(
            ProcessingItem(
                FieldMappingTransformation({k: v for k, v in source.fields.items()}),
                rule_conditions=[LogsourceCondition(category=source.category)],
                identifier=f"tracee_fields_{source.category}",
            )
        )
        items.append(
            ProcessingItem(
                UnrecordedFieldFailure(source),
                rule_conditions=[LogsourceCondition(category=source.category)],
                identifier=f"tracee_unrecorded_{source.category}",
            )
        )
    items.append(
        ProcessingItem(
            UserIsUid(),
            rule_conditions=[LogsourceCondition(category=PROCESS_CREATION.category)],
            identifier="tracee_user_is_uid",
        )
    )
    items.append(ProcessingItem(Base64IsCased(), identifier="tracee_base64_cased"))
    return ProcessingPipeline(name="tracee-py Linux log sources", priority=20, items=items)
