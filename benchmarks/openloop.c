/* Syscall-heavy workload for bench_capture.py: open and close one path in a loop.
 *
 * usage: openloop PATH SECONDS [MAX_OPENS [RATE]]
 *   stops after SECONDS of wall time (0: no limit) or MAX_OPENS opens (-1: no limit),
 *   whichever comes first; RATE > 0 paces the loop to about RATE opens per second.
 *   PATH need not exist: failing opens are events too (the burst benchmark uses that).
 *
 * Prints one line: "<pid> <opens> <wall seconds> <cpu seconds>". opens counts every
 * openat call made; cpu seconds is this process's user + system time, which does not
 * depend on what else runs on the machine.
 */
#define _GNU_SOURCE
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>
#include <unistd.h>

#define CHUNK 256 /* opens between two clock reads */

static double clock_s(clockid_t id) {
    struct timespec ts;
    clock_gettime(id, &ts);
    return ts.tv_sec + ts.tv_nsec / 1e9;
}

int main(int argc, char **argv) {
    if (argc < 3) {
        fprintf(stderr, "usage: openloop PATH SECONDS [MAX_OPENS [RATE]]\n");
        return 2;
    }
    const char *path = argv[1];
    double seconds = atof(argv[2]);
    long long max_opens = argc > 3 ? atoll(argv[3]) : -1;
    double rate = argc > 4 ? atof(argv[4]) : 0;
    long long opens = 0;
    double start = clock_s(CLOCK_MONOTONIC), t = start;
    for (;;) {
        for (int i = 0; i < CHUNK && (max_opens < 0 || opens < max_opens); i++) {
            int fd = openat(AT_FDCWD, path, O_RDONLY);
            opens++;
            if (fd >= 0)
                close(fd);
        }
        t = clock_s(CLOCK_MONOTONIC);
        if ((max_opens >= 0 && opens >= max_opens) || (seconds > 0 && t - start >= seconds))
            break;
        if (rate > 0) {
            double due = start + opens / rate;
            if (due > t) {
                struct timespec ts = {(time_t)(due - t), (long)((due - t - (time_t)(due - t)) * 1e9)};
                nanosleep(&ts, NULL);
            }
        }
    }
    printf("%d %lld %.6f %.6f\n", (int)getpid(), opens, t - start,
           clock_s(CLOCK_PROCESS_CPUTIME_ID));
    return 0;
}
