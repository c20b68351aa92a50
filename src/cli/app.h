// The `deconflict` command line: parses arguments with CLI11 and runs a command (commands.h).
//
//   int main(int argc, char** argv) {
//     return RunCli(argc, argv, Io{std::cin, std::cout, std::cerr, isatty(2) != 0},
//     "/proc/self/exe");
//   }
//
// Thread-safety: each call is independent.
#pragma once

#include <string>

#include "cli/commands.h"

namespace deconflict::cli {

// Runs `deconflict <argv...>` and returns the process exit code: the command's (commands.h),
// 0 for --help and --version, kExitBadInput for usage errors (unknown command or flag, bad
// value), which are reported on io.err with a hint. `executable_path` locates the installed demo
// scenario (may be empty).
int RunCli(int argc, const char* const* argv, const Io& io, const std::string& executable_path);

}  // namespace deconflict::cli
