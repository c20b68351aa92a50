// Test support for the CLI's integration tests: a gtest fixture with a fresh temporary folder that
// runs the real `deconflict` binary (DECONFLICT_BINARY) and captures its exit code and output.
// A thin wrapper over testsupport: the folder is testing::TempDir (temp_dir.h), the process runner
// testing::RunProcess (daemon.h, with its deadline: SIGKILL and code 137 after 60 s).
//
//   TEST_F(ToolTest, Help) { EXPECT_EQ(RunTool({"--help"}).code, 0); }
//
// Thread-safety: one fixture per test (gtest runs tests one at a time).
#pragma once

#include <gtest/gtest.h>

#include <filesystem>
#include <optional>
#include <string>
#include <vector>

#include "testsupport/daemon.h"
#include "testsupport/temp_dir.h"

namespace deconflict::cli {

// code (exit code; 128 + signal if killed; -1 if it could not be started), out, err, LastLine().
using ToolOutput = testing::ProcessResult;

class ToolTest : public ::testing::Test {
 protected:
  void SetUp() override;
  void TearDown() override;

  // Writes `text` to dir()/name and returns its path.
  std::string Write(const std::string& name, const std::string& text);
  // Runs the binary with `args`; stdin from `stdin_text`; extra "NAME=value" environment entries.
  ToolOutput RunTool(const std::vector<std::string>& args, const std::string& stdin_text = "",
                     const std::vector<std::string>& env = {});
  const std::filesystem::path& dir() const { return tmp_->path(); }

 private:
  std::optional<testing::TempDir> tmp_;
};

// The file's contents ("" if unreadable).
inline std::string ReadFile(const std::filesystem::path& path) {
  return testing::ReadFileText(path);
}

#define EXPECT_CONTAINS(haystack, needle)                     \
  EXPECT_NE((haystack).find(needle), std::string::npos)       \
      << "expected to contain: " << (needle) << "\n--- in:\n" \
      << (haystack)

}  // namespace deconflict::cli
