"""The benign corpus (``benign/*.sh``), recorded for real in one recording: ordinary work
(package installs, builds, git, a test suite, a service, su, cron, an interactive shell)
must give no finding of medium severity or more. Low findings are allowed; the test prints
them (``-s``) so they can be read.

Each script must also have done what it says: the programs it is about were executed in its
own process tree and the files it makes were touched there, so a script that silently did
nothing cannot pass.

Needs root and BPF (like the capture tests, never skipped).
"""

from __future__ import annotations

from typing import Any

import pytest

from tracee_py.query.dataset import open_dataset

from .harness import BENIGN, Session, findings_by_procedure, procedures, record_procedures, sig_run

pytestmark = pytest.mark.ebpf
ALL = procedures(BENIGN)
MEDIUM_OR_MORE = {"medium", "high", "critical"}

# script -> images (file names) that must have been executed in its tree
EXECUTED = {
    "admin-housekeeping": {"systemctl", "journalctl", "cp"},
    "admin-inventory-look-alikes": {"df", "wipefs", "node", "systemctl", "getent", "journalctl"},
    "admin-maintenance": {"su", "apt-config", "run-parts", "usermod", "setcap", "nsenter"},
    "apt-install": {"apt-get", "dpkg", "hello"},
    "bpf-socket-filter": {"python3"},
    "port-fallback-and-server": {"python3"},
    "web-fetch-and-scripts": {"curl", "wget", "sh"},
    "local-proxy-and-methods": {"curl", "wget"},
    "configure-and-make": {"configure", "make", "cc1", "hello", "uname", "id"},
    "discovery-look-alikes": {"find", "getent", "python3", "date"},
    "evasion-look-alikes": {
        "mount",
        "gcc",
        "dpkg",
        "useradd",
        "qemu-system-x86_64",
        "nohup",
        "notes",
    },
    "evasion-file-look-alikes": {
        "gunzip",
        "openssl",
        "base64",
        "tar",
        "install.sh",
        "flock",
        "true",
    },
    "interactive-shell": {"bash", "git", "whoami"},
    "local-echo-server": {"python3"},
    "ordinary-sockets": {"python3"},
    "package-maintainer-scripts": {"dpkg-deb", "dpkg", "uname", "dpkg-query"},
    "cron-job": {"dpkg", "cron", "date"},
    "credential-owners": {
        "firefox",
        "sssd_be",
        "nginx",
        "google-authenticator",
        "openssl",
        "su",
        "stdbuf",
        "strace",
        "ip",
    },
    "developer-workday": {"make", "cc1", "ld", "hello", "openssl", "curl", "losetup", "mkfs.ext4"},
    "developer-session": {"grep", "find", "python3", "curl", "perl", "docker", "kubectl"},
    "git-work": {"git", "git-upload-pack"},
    "make-build": {"make", "cc1", "ld", "hello"},
    "pip-install-local": {"pip", "greet"},
    "python-build": {"python3"},
    "service-start-stop": {"start-stop-daemon", "python3", "curl"},
    "shell-history": {"bash", "uptime"},
    "su-round-trip": {"su", "id"},
    "test-suite": {"python3"},
    "thread-names": {"python3"},
    "unpack-archive-keeps-times": {"tar", "cp", "touch", "usermod"},
    "database-queries": {"sqlite3"},
    "document-work": {"find", "wc", "cp", "cat"},
    "mail-and-python-packaging": {"from", "python3", "ls", "stat"},
    "media-tools": {"xclip", "xsel", "wl-copy", "ffmpeg", "aplay", "display"},
    "removable-media-browse": {"ls", "df", "cat", "mkdir"},
    "removable-media-installer": {"cp", "install.sh", "sh", "python3", "tpy-app"},
    "download-tool-run": {"curl", "tpyctl", "python3"},
    "transfer-look-alikes": {"git", "rclone", "aws", "split", "curl", "scp", "ssh"},
    "account-review": {"passwd", "chage", "usermod", "chsh"},
    "boot-inspection": {"losetup", "dd", "truncate"},
    "editor-browser-settings": {"mkdir", "ls"},
    "package-install-binary": {"dpkg-deb", "dpkg", "hello-tool", "python3"},
    "power-status": {"systemctl"},
    "python-editable-install": {"python3"},
    "shell-one-liners": {"bash", "sh", "grep"},
    "editor-and-vpn-cli": {"cp", "code", "tailscale", "cloudflared"},
    "socat-and-tor-utilities": {"cp", "socat", "tor"},
    "local-client-server": {"python3"},
    "burst-of-requests": {"python3"},
    "mail-client-local": {"python3", "curl"},
    "dev-tcp-to-web-port": {"python3", "bash"},
    "ssh-everyday": {"ssh", "git", "ssh-keygen"},
    "ansible-routine": {"cp", "ansible", "ansible-playbook", "salt"},
    "ssh-agent-own": {"ssh-keygen", "ssh-agent", "ssh-add"},
    "ssh-own-key": {"ssh-keygen", "ssh"},
    "scp-config-received": {"python3", "scp", "cat"},
    "web-app-subprocess": {"python3", "curl", "date", "git"},
    "npm-install-build-hook": {"node"},
    "udp-client-server": {"python3", "sh"},
    "client-retry-same-server": {"python3"},
    "web-site-deploy": {"git", "tar", "cat"},
    "network-probe-tools": {"hping3", "nping", "python3"},
    "many-short-jobs": {"xargs", "date", "ls", "python3"},
    "local-web-app-tests": {"python3"},
    "service-restarts": {"worker", "segv-helper", "python3"},
    "login-messages": {"run-parts", "ed", "cat"},
    "mail-user-settings": {"newaliases", "postconf", "grep", "cat"},
    "directory-admin-lookups": {"samba-tool", "adcli", "net", "ipa", "ldapmodify"},
    "database-maintenance": {"postgres", "mysqld", "redis-server", "mariabackup", "sqlite3"},
    "database-wal-archiving": {"postgres", "sh", "locale", "cp", "gzip", "gunzip"},
}

# script -> files (names) its tree opened, wrote or renamed: the work product of each script
TOUCHED = {
    "mail-user-settings": {".muttrc", ".signature"},
    "directory-admin-lookups": {"phone.ldif"},
    "admin-housekeeping": {"app.log.1", "logging.conf", "hello.sh"},
    "admin-inventory-look-alikes": {"blank.img", "notes.txt"},
    "admin-maintenance": {"deploy-report", "webserver"},
    "apt-install": {"hello_2.10-3_amd64.deb"},
    "bpf-socket-filter": set(),  # its work is a BPF map and program, not a file
    "configure-and-make": {"Makefile", "hello"},
    "discovery-look-alikes": {"build.log"},
    "evasion-look-alikes": {"tool.c", "tpy-accounts.deb"},
    "evasion-file-look-alikes": {
        "known_hosts",
        "root",
        "app-restored.log",
        "note.dec",
        "build.lock",
        "env.orig",
    },
    "interactive-shell": {".bash_history", "README.md"},
    "local-echo-server": set(),  # sockets only
    "ordinary-sockets": set(),
    "package-maintainer-scripts": {"tpy-example.deb", "configured"},
    "cron-job": {"heartbeat-job", "heartbeat"},
    "credential-owners": {"site.csr", ".google_authenticator", "trace.log", "words"},
    "developer-workday": {"src.tgz", "src.tgz.enc", "data.bin", "scratch.img"},
    "developer-session": {"auth.py", "test.pem", "index.html", ".bash_history"},
    "git-work": {"packed-refs"},
    "make-build": {"hello.o"},
    "pip-install-local": {"greet-1.0.dist-info"},
    "python-build": {"calc-0.1-py3-none-any.whl", "calc-0.1.tar.gz"},
    "service-start-stop": {"web.pid", "index.html"},
    "shell-history": {".bash_history"},
    "su-round-trip": {"passwd"},
    "test-suite": {"test_shapes.py", "shapes.py"},
    "thread-names": {"comm"},
    "unpack-archive-keeps-times": {"a.tar", "ls-copy", "passwd-"},
    "database-queries": {"app.db", "items.csv"},
    "document-work": {"a.pdf", "e.csv"},
    "mail-and-python-packaging": {"root", "site.zip", "logs.tar.gz"},
    "media-tools": {"notes.txt"},
    "removable-media-browse": {"README.txt"},
    "removable-media-installer": {"VERSION", "index.html", "listing.cpython-311.pyc"},
    "download-tool-run": {"tpyctl", "status.txt"},
    "transfer-look-alikes": {"app.log", "app.part.aa"},
    "account-review": {"passwd"},
    "boot-inspection": {"disk.img", "mbr.bak"},
    "editor-browser-settings": {"settings.json", "Preferences", "user.js"},
    "package-install-binary": {"hello-tool.deb", "hello_tool.cpython-311.pyc"},
    "power-status": {"size.conf"},
    "python-editable-install": {"__editable__.tool-0.1.pth"},
    "shell-one-liners": {"bash.bashrc"},
    "editor-and-vpn-cli": {"code", "tailscale", "cloudflared"},
    "socat-and-tor-utilities": {"socat", "tor"},
    "local-client-server": set(),  # sockets only
    "burst-of-requests": set(),
    "mail-client-local": set(),
    "dev-tcp-to-web-port": set(),
    "ssh-everyday": {"id_test"},
    "ansible-routine": {"ansible", "salt"},
    "ssh-agent-own": {"id_test"},
    "ssh-own-key": {"deploy_key"},
    "scp-config-received": {"app.conf"},
    "web-app-subprocess": {"app.py"},
    "npm-install-build-hook": {"build.js"},
    "udp-client-server": set(),
    "client-retry-same-server": set(),
    "web-site-deploy": {"robots.txt", "healthz.html", "release.tar.gz"},
    "network-probe-tools": {"hping3", "nping"},
    "many-short-jobs": set(),  # processes only
    "port-fallback-and-server": set(),  # connections only
    "web-fetch-and-scripts": set(),  # connections and processes only
    "local-proxy-and-methods": set(),  # connections only
    "local-web-app-tests": set(),  # sockets only
    "service-restarts": {"worker", "segv-helper"},
    "login-messages": {"motd", "next-maintenance"},
    "database-maintenance": {"PG_VERSION", "pg_hba.conf", ".bash_history", "notes.ibd", "state.db"},
    "database-wal-archiving": {
        "000000010000000000000001",
        "000000010000000000000002.gz",
        "RECOVERYXLOG",
    },
}


@pytest.fixture(scope="module")
def session(tmp_path_factory: pytest.TempPathFactory) -> Session:
    return record_procedures(tmp_path_factory.mktemp("benign") / "data", ALL)


@pytest.fixture(scope="module")
def found(session: Session) -> dict[str, list[dict[str, Any]]]:
    return findings_by_procedure(session, sig_run(session.data))


def test_the_corpus_is_complete() -> None:
    assert {p.name for p in ALL} == set(EXECUTED)
    for p in ALL:
        assert p.description, f"{p.path}: no description line"
        assert p.expect == (), f"{p.path}: a benign script expects no signature"


@pytest.mark.parametrize("script", sorted(EXECUTED))
def test_benign_script_ran_and_stayed_quiet(
    script: str, session: Session, found: dict[str, list[dict[str, Any]]]
) -> None:
    run = session.runs[script]
    assert run.returncode == 0, run.stderr
    assert run.root is not None, "its `bash SCRIPT` exec is not in the recording"
    missing = EXECUTED[script] - executed_images(session, run.tree)
    assert not missing, f"did not run: {sorted(missing)}"
    untouched = TOUCHED[script] - touched_files(session, run.tree)
    assert not untouched, f"did not touch: {sorted(untouched)}"
    loud = [
        f"{f['signature_id']} ({f['severity']}, confidence {f['confidence']}): {f['detail']}"
        for f in found[script]
        if f["severity"] in MEDIUM_OR_MORE
    ]
    assert loud == []
    for f in found[script]:  # the low ones, for the record
        print(f"{script}: {f['signature_id']} ({f['severity']}): {f['detail']}")


def executed_images(session: Session, tree: set[int]) -> set[str]:
    return _names(
        session,
        tree,
        "SELECT DISTINCT process_id, regexp_extract(exe, '[^/]+$') FROM events "
        "WHERE event = 'process_exec' AND retval = 0",
    )


def touched_files(session: Session, tree: set[int]) -> set[str]:
    """Names of the files the tree opened (successfully), created or renamed onto."""
    return _names(
        session,
        tree,
        "SELECT DISTINCT process_id, regexp_extract(coalesce(path2, path), '[^/]+$') "
        "FROM events WHERE event IN ('file_open', 'file_rename', 'file_mkdir') AND retval >= 0",
    )


def _names(session: Session, tree: set[int], sql: str) -> set[str]:
    ds = open_dataset(session.data)
    try:
        rows = ds.con.execute(sql).fetchall()
    finally:
        ds.close()
    return {name for process_id, name in rows if process_id in tree}
