/* tracee-py capture program. bcc rewrites map calls and generates tracepoint structs only in
 * its main translation unit, so tracee_py/capture/loader.py joins common.h and the family
 * files (process, file, net, system) into one text in this order; this file documents
 * that order and is what `tracee-py record --dump-bpf` prints the expansion of. */
#include "common.h"
#include "process.bpf.c"
#include "file.bpf.c"
#include "net.bpf.c"
#include "system.bpf.c"
