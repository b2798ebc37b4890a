#!/bin/bash
# Processes rename themselves at run time: one to a kernel worker's name with
# prctl(PR_SET_NAME), one to sshd's by writing /proc/self/comm.
# technique: T1036.004
# expect: process-renamed-at-runtime
set -eu
python3 -c 'import ctypes; ctypes.CDLL(None).prctl(15, b"kworker/1:1H", 0, 0, 0)'
sh -c 'printf sshd > /proc/$$/comm; true'
