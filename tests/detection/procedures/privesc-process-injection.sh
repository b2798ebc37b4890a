#!/bin/bash
# Inject into a running program three ways, as an implant moving into a process with more
# rights would: ptrace attach and POKEDATA, a write through /proc/PID/mem, and
# process_vm_writev. The target is a `sleep` this script starts; each write puts back the
# word that was already there, so the target runs on unchanged until it is killed.
# technique: T1055 T1055.008 T1055.009
# expect: ptrace-code-injection proc-mem-write process-vm-write
set -eu
cat > inject.c <<'C'
#define _GNU_SOURCE
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ptrace.h>
#include <sys/uio.h>
#include <sys/wait.h>
#include <unistd.h>

/* The start of the target's stack mapping: a mapped, writable address. */
static unsigned long stack_start(pid_t pid) {
    char maps[64], line[512];
    unsigned long start = 0;
    snprintf(maps, sizeof maps, "/proc/%d/maps", pid);
    FILE *f = fopen(maps, "r");
    if (!f) return 0;
    while (fgets(line, sizeof line, f))
        if (strstr(line, "[stack]")) { start = strtoul(line, NULL, 16); break; }
    fclose(f);
    return start;
}

int main(int argc, char **argv) {
    if (argc != 2) return 2;
    pid_t pid = atoi(argv[1]);
    unsigned long addr = stack_start(pid);
    if (!addr) { perror("maps"); return 1; }

    /* 1: ptrace attach, read a word, write the same word back */
    if (ptrace(PTRACE_ATTACH, pid, 0, 0) != 0) { perror("attach"); return 1; }
    waitpid(pid, NULL, 0);
    long word = ptrace(PTRACE_PEEKDATA, pid, (void *)addr, 0);
    if (ptrace(PTRACE_POKEDATA, pid, (void *)addr, (void *)word) != 0) { perror("poke"); return 1; }
    ptrace(PTRACE_DETACH, pid, 0, 0);

    /* 2: /proc/PID/mem opened for writing */
    char mem[64];
    snprintf(mem, sizeof mem, "/proc/%d/mem", pid);
    int fd = open(mem, O_RDWR);
    if (fd < 0) { perror("mem"); return 1; }
    if (pread(fd, &word, sizeof word, (off_t)addr) != sizeof word ||
        pwrite(fd, &word, sizeof word, (off_t)addr) != sizeof word) { perror("rw"); return 1; }
    close(fd);

    /* 3: process_vm_writev */
    struct iovec local = {&word, sizeof word}, remote = {(void *)addr, sizeof word};
    if (process_vm_readv(pid, &local, 1, &remote, 1, 0) != sizeof word ||
        process_vm_writev(pid, &local, 1, &remote, 1, 0) != sizeof word) { perror("vm"); return 1; }
    puts("injected");
    return 0;
}
C
gcc -O1 -o inject inject.c
sleep 60 &
target=$!
sleep 0.3
./inject "$target"
kill "$target"
wait "$target" || true
