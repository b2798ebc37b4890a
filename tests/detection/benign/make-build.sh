#!/bin/bash
# Build a small C program with make, run it, and clean up: ordinary compile-and-run.
set -eu
cat > hello.c <<'C'
#include <stdio.h>
int main(void) { puts("built with make"); return 0; }
C
printf 'hello: hello.o\n\tcc -o $@ $^\n\nhello.o: hello.c\n\tcc -O2 -c $<\n\nclean:\n\trm -f hello hello.o\n' > Makefile
make
./hello
make clean
