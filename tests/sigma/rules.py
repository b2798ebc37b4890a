"""Sigma rules written for the tests, each with the findings it must give on the recording
of ``conftest.py``: (process_id, time second) pairs, in time order."""

from __future__ import annotations

import textwrap
from pathlib import Path

HEADER = """\
title: {title}
id: {id}
status: test
description: Written for the tests.
level: {level}
tags: [{tags}]
falsepositives: [Administrators]
logsource:
  product: linux
  category: {category}
"""


def uuid(n: int) -> str:
    return f"00000000-0000-4000-8000-{n:012d}"


def rule(
    n: int,
    title: str,
    category: str,
    detection: str,
    *,
    level: str = "medium",
    tags: str = "attack.execution, attack.t1059.004",
) -> str:
    head = HEADER.format(title=title, id=uuid(n), level=level, tags=tags, category=category)
    return head + "detection:\n" + textwrap.indent(textwrap.dedent(detection).strip(), "  ") + "\n"


def auditd_rule(n: int, title: str, detection: str) -> str:
    """A rule over ``service: auditd`` (written with ``rule`` and its log source swapped)."""
    return rule(n, title, "process_creation", detection).replace(
        "category: process_creation", "service: auditd"
    )


# name -> (rule text, expected findings as (process_id, second))
CASES: dict[str, tuple[str, list[tuple[int, int]]]] = {
    "endswith": (
        rule(
            1,
            "curl ran",
            "process_creation",
            """
        sel:
          Image|endswith: /CURL
        condition: sel
    """,
            level="high",
        ),
        [(200, 2)],
    ),
    "contains_all": (
        rule(
            2,
            "download to a script",
            "process_creation",
            """
        sel:
          CommandLine|contains|all: ['-o', '.sh']
        condition: sel
    """,
        ),
        [(200, 2)],
    ),
    "startswith": (
        rule(
            3,
            "shell command",
            "process_creation",
            """
        sel:
          CommandLine|startswith: 'SH -C'
        condition: sel
    """,
        ),
        [(300, 4)],
    ),
    "re_flags": (
        rule(
            4,
            "pty spawn",
            "process_creation",
            """
        sel:
          CommandLine|re|i: 'PTY\\.SPAWN\\('
        cased:
          CommandLine|re: 'PTY'
        condition: sel and not cased
    """,
        ),
        [(400, 6)],
    ),
    "cased": (
        rule(
            5,
            "cased match",
            "process_creation",
            """
        sel:
          CommandLine|cased|contains: 'Y3VybA'
        wrong_case:
          CommandLine|cased|contains: 'y3vyba'
        condition: sel and not wrong_case
    """,
        ),
        [(300, 4)],
    ),
    "parent_cwd_user": (
        rule(
            6,
            "curl from bash in /tmp as 1000",
            "process_creation",
            """
        sel:
          ParentImage: /usr/bin/bash
          CurrentDirectory: /tmp
          User: '1000'
        condition: sel
    """,
        ),
        [(200, 2)],
    ),
    "parent_command_line": (
        rule(
            7,
            "python from a login shell",
            "process_creation",
            """
        sel:
          ParentCommandLine: '-bash'
          Image|endswith: '/python3'
        condition: sel
    """,
        ),
        [(400, 6)],
    ),
    "base64offset": (
        rule(
            8,
            "base64 curl",
            "process_creation",
            """
        sel:
          CommandLine|base64offset|contains: curl
        condition: sel
    """,
        ),
        [(300, 4)],
    ),
    "base64": (
        rule(
            9,
            "base64 whole",
            "process_creation",
            """
        sel:
          CommandLine|base64|contains: curl
        condition: sel
    """,
        ),
        [(300, 4)],
    ),
    "windash": (
        rule(
            10,
            "dash c",
            "process_creation",
            """
        sel:
          CommandLine|windash|contains: ' /c '
        condition: sel
    """,
        ),
        [(300, 4), (400, 6)],
    ),
    "failed_exec": (
        rule(
            11,
            "nmap",
            "process_creation",
            """
        sel:
          Image|endswith: /nmap
        condition: sel
    """,
        ),
        [],
    ),
    "fieldref": (
        rule(
            12,
            "same image as parent",
            "process_creation",
            """
        sel:
          ParentImage|fieldref: Image
        condition: sel
    """,
        ),
        [(700, 19)],
    ),
    "numeric_gte": (
        rule(
            13,
            "high ports",
            "network_connection",
            """
        sel:
          DestinationPort|gte: 4445
        condition: sel
    """,
        ),
        [(200, 15), (200, 16), (200, 20)],
    ),
    "numeric_eq_lt": (
        rule(
            14,
            "port 80",
            "network_connection",
            """
        sel:
          DestinationPort: 80
          SourcePort|lt: 1
        condition: sel or (DestinationPort|lt: 81 and DestinationPort|gt: 79)
    """.replace(
                "condition: sel or (DestinationPort|lt: 81 and DestinationPort|gt: 79)",
                "condition: sel or low\n        low:\n          DestinationPort|lt: 81",
            ),
        ),
        [(200, 13)],
    ),
    "cidr": (
        rule(
            15,
            "private network",
            "network_connection",
            """
        sel:
          DestinationIp|cidr: 10.0.0.0/8
          Initiated: 'true'
        condition: sel
    """,
            tags="attack.command-and-control, attack.t1071",
        ),
        [(200, 14), (200, 15), (200, 16)],
    ),
    "exists_accept": (
        rule(
            16,
            "accepted",
            "network_connection",
            """
        sel:
          SourceIp|exists: true
          DestinationIp|exists: false
          Initiated: 'false'
        condition: sel
    """,
        ),
        [(600, 17)],
    ),
    "file_event": (
        rule(
            17,
            "script written",
            "file_event",
            """
        sel:
          TargetFilename|endswith: '.sh'
          Image: /usr/bin/curl
        condition: sel
    """,
        ),
        [(200, 9)],
    ),
    "file_delete": (
        rule(
            18,
            "auth log deleted",
            "file_delete",
            """
        sel:
          TargetFilename: /var/log/auth.log
        condition: sel
    """,
            level="critical",
        ),
        [(300, 11)],
    ),
    "file_rename": (
        rule(
            19,
            "hidden binary",
            "file_rename",
            """
        sel:
          SourceFilename|endswith: '.sh'
          TargetFilename|contains: '/.'
        condition: sel
    """,
        ),
        [(400, 12)],
    ),
    "one_of_them": (
        rule(
            20,
            "one of",
            "process_creation",
            """
        sel_a:
          Image|endswith: /sh
        sel_b:
          Image|endswith: /python3
        filter:
          User: '0'
        condition: 1 of sel_* and not filter
    """,
        ),
        [(400, 6)],
    ),
    "hostile_value": (
        rule(
            21,
            "quote {exe} ' ; COPY",
            "process_creation",
            """
        sel:
          CommandLine|contains: "'); COPY (SELECT 1) TO '/tmp/sigma-pwned.csv'; --"
        condition: sel
    """,
        ),
        [],
    ),
    "wildcards": (
        rule(
            22,
            "wildcards",
            "process_creation",
            """
        sel:
          CommandLine: 'curl -? /tmp/*.sh *'
        literal:
          CommandLine|contains: '100%_'
        condition: sel and not literal
    """,
        ),
        [(200, 2)],
    ),
    "cidr_ipv4_and_ipv6": (
        rule(
            53,
            "public peers",
            "network_connection",
            """
        sel:
          Image|endswith: /curl
        local:
          DestinationIp|cidr: ['10.0.0.0/8', '203.0.113.128/25', 'fe80::/10', '::1/128']
        condition: sel and not local
    """,
        ),
        [(200, 13)],
    ),
    "not_over_missing": (
        rule(
            23,
            "not over a missing port",
            "network_connection",
            """
        sel:
          Image|endswith: /nginx
        port:
          DestinationPort|gt: 0
        peer:
          SourceIp|fieldref: DestinationIp
        condition: sel and not port and not peer
    """,
        ),
        [(600, 17)],
    ),
    "user_root": (
        rule(
            24,
            "root by name",
            "process_creation",
            """
        sel:
          User: ROOT
        condition: sel
    """,
        ),
        [(300, 4), (700, 19)],
    ),
    "user_uid_number": (
        rule(
            25,
            "uid as a number",
            "process_creation",
            """
        sel:
          User: 1000
          Image|endswith: /python3
        condition: sel
    """,
        ),
        [(400, 6)],
    ),
    "bad_date": (
        rule(
            26,
            "a date SigmaHQ wrote day-first",
            "process_creation",
            """
        sel:
          CommandLine|contains: pty.spawn
        condition: sel
    """,
        ).replace("status: test\n", "status: test\ndate: 2023/30/05\nmodified: someday\n"),
        [(400, 6)],
    ),
    "auditd_execve_args": (
        auditd_rule(
            27,
            "argv by position",
            """
        sel:
          type: execve
          a0: curl
          a1: '-o'
          a3|startswith: 'http://'
        condition: sel
    """,
        ),
        [(200, 2)],
    ),
    "auditd_execve_any": (
        auditd_rule(
            28,
            "every exec",
            """
        sel:
          type: EXECVE
          argc|gte: 1
        condition: sel
    """,
        ),
        [(200, 2), (300, 4), (400, 6), (700, 19)],
    ),
    "auditd_keywords": (
        auditd_rule(
            29,
            "keywords in the exec record",
            """
        sel:
          type: EXECVE
        both:
          '|all':
            - 'PTY.SPAWN'
            - import
        either:
          - base64 -d
          - nothing-like-this
        condition: sel and (both or either)
    """,
        ),
        [(300, 4), (400, 6)],
    ),
    "auditd_path_delete": (
        auditd_rule(
            35,
            "log deleted",
            """
        sel:
          type: PATH
          name: /var/log/auth.log
          nametype: DELETE
        condition: sel
    """,
        ),
        [(300, 11)],
    ),
    "auditd_path_create": (
        auditd_rule(
            36,
            "created under /tmp or /usr/local/bin",
            """
        sel:
          type: PATH
          nametype: CREATE
          name|startswith: ['/tmp/', '/usr/local/bin/']
        condition: sel
    """,
        ),
        [(200, 9), (400, 12)],
    ),
    "auditd_syscall": (
        auditd_rule(
            37,
            "connect by uid 1000",
            """
        sel:
          type: SYSCALL
          SYSCALL: connect
          success: 'yes'
          euid: 1000
          exe|endswith: /curl
        condition: sel
    """,
        ),
        [(200, 13), (200, 14), (200, 15), (200, 16), (200, 20)],
    ),
}

# name -> (text, reason fragment)
NOT_CONVERTED: dict[str, tuple[str, str]] = {
    "original_file_name": (
        rule(
            50,
            "pe name",
            "process_creation",
            """
        sel:
          OriginalFileName: curl.exe
        condition: sel
    """,
        ),
        "OriginalFileName",
    ),
    "windows": (
        rule(
            51,
            "windows",
            "process_creation",
            """
        sel:
          Image|endswith: '\\\\cmd.exe'
        condition: sel
    """,
        ).replace("product: linux", "product: windows"),
        "log source not recorded",
    ),
    "keywords": (
        rule(
            52,
            "keywords",
            "process_creation",
            """
        keywords:
          - evil
        condition: keywords
    """,
        ),
        "keyword",
    ),
    "user_name": (
        rule(
            55,
            "a user name",
            "process_creation",
            """
        sel:
          User: www-data
        condition: sel
    """,
        ),
        "the recording holds uids, not user names",
    ),
    "user_pattern": (
        rule(
            56,
            "a user pattern",
            "process_creation",
            """
        sel:
          User|startswith: '10'
        condition: sel
    """,
        ),
        "User value '10*'",
    ),
    "auditd_syscall_args": (
        auditd_rule(
            54,
            "socket family",
            """
        sel:
          type: SYSCALL
          SYSCALL: socket
          a0: 26
        condition: sel
    """,
        ),
        "a0..aN of SYSCALL records (raw syscall arguments) are not recorded",
    ),
    "auditd_add_user": (
        auditd_rule(
            57,
            "account added",
            """
        sel:
          type: ADD_USER
        condition: sel
    """,
        ),
        "audit record type ADD_USER is not recorded",
    ),
    "auditd_key": (
        auditd_rule(
            58,
            "audit key",
            """
        sel:
          type: SYSCALL
          key: network_connect_4
        condition: sel
    """,
        ),
        "field 'key' of log source service:auditd",
    ),
    "empty_selection": (
        rule(
            75,
            "a selection left empty",
            "process_creation",
            """
        sel:
        condition: sel
    """,
        ),
        "a search with no value (an empty selection)",
    ),
    "journald": (
        rule(
            59,
            "journald",
            "process_creation",
            """
        sel:
          MESSAGE: x
        condition: sel
    """,
        ).replace("category: process_creation", "service: journald"),
        "log source not recorded",
    ),
}

BASE_CONNECT = rule(
    30,
    "curl connects",
    "network_connection",
    """
    sel:
      Image|endswith: /curl
      Initiated: 'true'
    condition: sel
""",
).replace("title: curl connects", "title: curl connects\nname: curl_connects")

CORRELATIONS = f"""\
title: three connections in a minute
id: {uuid(31)}
status: test
level: high
tags: [attack.discovery, attack.t1046]
correlation:
  type: event_count
  rules: [curl_connects]
  group-by: [Image]
  timespan: 1m
  condition: {{gte: 3}}
---
title: four ports in a minute
id: {uuid(32)}
status: test
level: medium
correlation:
  type: value_count
  rules: [curl_connects]
  group-by: [Image]
  timespan: 1m
  condition: {{field: DestinationPort, gte: 4}}
---
title: connects, then the log goes (not the order)
id: {uuid(33)}
status: test
correlation:
  type: temporal_ordered
  rules: [curl_connects, auth_log_gone]
  timespan: 1m
"""

TEMPORAL = (
    rule(
        40,
        "curl exec",
        "process_creation",
        """
        sel:
          Image|endswith: /curl
        condition: sel
    """,
    ).replace("title: curl exec", "title: curl exec\nname: curl_exec")
    + "---\n"
    + rule(
        41,
        "auth log deleted again",
        "file_delete",
        """
        sel:
          TargetFilename|endswith: /auth.log
        condition: sel
    """,
    ).replace("title: auth log", "name: auth_log_gone\ntitle: auth log")
    + "---\n"
    + f"""\
title: download then log deletion
id: {uuid(42)}
status: test
level: critical
correlation:
  type: temporal
  rules: [curl_exec, auth_log_gone]
  timespan: 30s
"""
)


def correlation(n: int, title: str, body: str) -> str:
    return (
        f"title: {title}\nid: {uuid(n)}\nstatus: test\ncorrelation:\n"
        + textwrap.indent(textwrap.dedent(body).strip(), "  ")
        + "\n"
    )


# Over curl_connects: curl (200) connects at 13 (port 80), 14, 15, 16 (4444-4446), 20 (8080).
MORE_CORRELATIONS = [
    correlation(
        60,
        "the log goes, then connections",
        """
        type: temporal_ordered
        rules: [auth_log_gone, curl_connects]
        timespan: 1m
        """,
    ),
    correlation(
        61,
        "in order, but not within a second",
        """
        type: temporal_ordered
        rules: [auth_log_gone, curl_connects]
        timespan: 1s
        """,
    ),
    correlation(
        62,
        "ports add up",
        """
        type: value_sum
        rules: [curl_connects]
        group-by: [Image]
        timespan: 1m
        condition: {field: DestinationPort, gte: 13000}
        """,
    ),
    correlation(
        63,
        "average port",
        """
        type: value_avg
        rules: [curl_connects]
        group-by: [Image]
        timespan: 1m
        condition: {field: DestinationPort, gt: 3000}
        """,
    ),
    correlation(
        64,
        "median port",
        """
        type: value_median
        rules: [curl_connects]
        timespan: 1m
        condition: {field: DestinationPort, gte: 4444}
        """,
    ),
    correlation(
        65,
        "90th percentile port",
        """
        type: value_percentile
        rules: [curl_connects]
        timespan: 1m
        condition: {field: DestinationPort, percentile: 90, gte: 4000}
        """,
    ),
    correlation(
        66,
        "a quiet two seconds",
        """
        type: event_count
        rules: [curl_connects]
        group-by: [Image]
        timespan: 2s
        condition: {lt: 2}
        """,
    ),
    correlation(
        67,
        "not alone within a second",
        """
        type: event_count
        rules: [curl_connects]
        timespan: 1s
        condition: {neq: 1}
        """,
    ),
    correlation(
        68,
        "same program by alias",
        """
        type: temporal
        rules: [curl_exec, curl_connects]
        group-by: [program]
        aliases:
          program: {curl_exec: Image, curl_connects: Image}
        timespan: 1m
        """,
    ),
    correlation(
        69,
        "parent of one, image of the other",
        """
        type: temporal
        rules: [curl_exec, curl_connects]
        group-by: [program]
        aliases:
          program: {curl_exec: ParentImage, curl_connects: Image}
        timespan: 1m
        """,
    ),
    correlation(
        70,
        "a boolean temporal condition",
        """
        type: temporal
        timespan: 1m
        condition: curl_exec and not auth_log_gone
        """,
    ),
]

CORRELATION_EXPECTED = {
    uuid(31): [(200, 15)],
    uuid(32): [(200, 16)],
    uuid(33): [],
    uuid(42): [(300, 11)],
    uuid(60): [(200, 13)],
    uuid(61): [],
    uuid(62): [(200, 16)],
    uuid(63): [(200, 16)],
    uuid(64): [(200, 15)],
    uuid(65): [(200, 14)],
    uuid(66): [(200, 16)],
    uuid(67): [(200, 14)],
    uuid(68): [(200, 13)],
    uuid(69): [],
}
# Correlations that do not convert, with the reason.
CORRELATION_NOT_CONVERTED = {uuid(70): "extended (boolean) temporal conditions are not supported"}


def write_rules(folder: Path) -> Path:
    """Every rule above as files under ``folder`` (one per case, two multi-rule files)."""
    folder.mkdir(parents=True, exist_ok=True)
    for name, (text, _) in {**CASES, **NOT_CONVERTED}.items():
        (folder / f"{name}.yml").write_text(text)
    sub = folder / "correlations"
    sub.mkdir(exist_ok=True)
    (sub / "connect.yml").write_text(BASE_CONNECT)
    (sub / "counts.yaml").write_text(CORRELATIONS)
    (sub / "temporal.yml").write_text(TEMPORAL)
    (sub / "more.yml").write_text("---\n".join(MORE_CORRELATIONS))
    return folder
