// A property check for the fuzzers: unlike assert, never compiled out (the fuzz build may define
// NDEBUG). On failure prints the condition and a note to stderr and aborts, which libFuzzer
// reports as a crash and saves the input (crash-<sha1>).
//
//   FUZZ_CHECK(reparsed.ok(), "Write(Parse(x)) does not parse: " + text);
#pragma once

#include <cstdio>
#include <cstdlib>
#include <string>

#define FUZZ_CHECK(cond, note)                                                              \
  do {                                                                                      \
    if (!(cond)) {                                                                          \
      std::fprintf(stderr, "%s:%d: property failed: %s\n  %s\n", __FILE__, __LINE__, #cond, \
                   std::string(note).c_str());                                              \
      std::abort();                                                                         \
    }                                                                                       \
  } while (0)
