/*
 * tests/arrows/probe.c: compiled once per row of tests/arrows/CMakeLists.txt, inside one
 * module's include context, to show that an allowed include compiles and a forbidden one
 * does not (STYLE.md §1).
 */
#include PROBE_HEADER

int arrows_probe_symbol;
