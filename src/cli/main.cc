// The `deconflict` command-line tool; everything but the process boundary is in app.h.
#include <unistd.h>

#include <filesystem>
#include <iostream>
#include <system_error>

#include "cli/app.h"

int main(int argc, char** argv) {
  std::ios::sync_with_stdio(false);
  std::error_code ec;
  std::filesystem::path exe = std::filesystem::canonical("/proc/self/exe", ec);
  if (ec && argc > 0) exe = std::filesystem::absolute(argv[0], ec);
  deconflict::cli::Io io{std::cin, std::cout, std::cerr, isatty(STDERR_FILENO) != 0};
  return deconflict::cli::RunCli(argc, argv, io, ec ? std::string() : exe.string());
}
