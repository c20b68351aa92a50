// Test support for the CLI's integration tests: a gtest fixture with a fresh temporary folder that
// runs the real `deconflict` binary (DECONFLICT_BINARY) and captures its exit code and output.
//
//   TEST_F(ToolTest, Help) { EXPECT_EQ(RunTool({"--help"}).code, 0); }
//
// Thread-safety: one fixture per test (gtest runs tests one at a time).
#pragma once

#include <gtest/gtest.h>

#include <filesystem>
#include <string>
#include <vector>

namespace deconflict::cli {

struct ToolOutput {
  int code = -1;  // exit code; 128 + signal if killed
  std::string out, err;
  // The last line of out, without its newline ("" if none).
  std::string LastLine() const;
};

class ToolTest : public ::testing::Test {
 protected:
  void SetUp() override;
  void TearDown() override;

  // Writes `text` to dir()/name and returns its path.
  std::string Write(const std::string& name, const std::string& text);
  // Runs the binary with `args`; stdin from `stdin_text`; extra "NAME=value" environment entries.
  ToolOutput RunTool(const std::vector<std::string>& args, const std::string& stdin_text = "",
                     const std::vector<std::string>& env = {});
  const std::filesystem::path& dir() const { return dir_; }

 private:
  std::filesystem::path dir_;
};

std::string ReadFile(const std::filesystem::path& path);

#define EXPECT_CONTAINS(haystack, needle)                     \
  EXPECT_NE((haystack).find(needle), std::string::npos)       \
      << "expected to contain: " << (needle) << "\n--- in:\n" \
      << (haystack)

}  // namespace deconflict::cli
