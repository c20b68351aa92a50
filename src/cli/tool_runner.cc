#include "cli/tool_runner.h"

namespace deconflict::cli {

void ToolTest::SetUp() {
  tmp_.emplace("deconflict_tool");
  ASSERT_FALSE(tmp_->path().empty());
}

void ToolTest::TearDown() { tmp_.reset(); }

std::string ToolTest::Write(const std::string& name, const std::string& text) {
  std::string path = tmp_->File(name);
  testing::WriteFileText(path, text);
  return path;
}

ToolOutput ToolTest::RunTool(const std::vector<std::string>& args, const std::string& stdin_text,
                             const std::vector<std::string>& env) {
  return testing::RunProcess(DECONFLICT_BINARY, args,
                             testing::ProcessOptions{.stdin_text = stdin_text, .env = env});
}

}  // namespace deconflict::cli
