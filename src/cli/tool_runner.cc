#include "cli/tool_runner.h"

#include <fcntl.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstring>
#include <fstream>
#include <sstream>

extern char** environ;

namespace deconflict::cli {

namespace fs = std::filesystem;

std::string ReadFile(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

std::string ToolOutput::LastLine() const {
  std::string s = out;
  if (!s.empty() && s.back() == '\n') s.pop_back();
  const size_t nl = s.rfind('\n');
  return nl == std::string::npos ? s : s.substr(nl + 1);
}

void ToolTest::SetUp() {
  std::string tmpl = (fs::path(::testing::TempDir()) / "deconflict_tool_XXXXXX").string();
  ASSERT_NE(mkdtemp(tmpl.data()), nullptr);
  dir_ = tmpl;
}

void ToolTest::TearDown() {
  std::error_code ec;
  fs::remove_all(dir_, ec);
}

std::string ToolTest::Write(const std::string& name, const std::string& text) {
  const fs::path p = dir_ / name;
  std::ofstream(p, std::ios::binary) << text;
  return p.string();
}

ToolOutput ToolTest::RunTool(const std::vector<std::string>& args, const std::string& stdin_text,
                             const std::vector<std::string>& env) {
  const fs::path in = dir_ / ".stdin", out = dir_ / ".stdout", err = dir_ / ".stderr";
  std::ofstream(in, std::ios::binary) << stdin_text;
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_addopen(&actions, 0, in.c_str(), O_RDONLY, 0);
  posix_spawn_file_actions_addopen(&actions, 1, out.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
  posix_spawn_file_actions_addopen(&actions, 2, err.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
  std::vector<std::string> argv_s = {DECONFLICT_BINARY};
  argv_s.insert(argv_s.end(), args.begin(), args.end());
  std::vector<char*> argv;
  argv.reserve(argv_s.size() + 1);
  for (std::string& a : argv_s) argv.push_back(a.data());
  argv.push_back(nullptr);
  std::vector<std::string> env_s(env);
  for (char** e = environ; *e != nullptr; ++e) env_s.emplace_back(*e);
  std::vector<char*> envp;
  envp.reserve(env_s.size() + 1);
  for (std::string& e : env_s) envp.push_back(e.data());
  envp.push_back(nullptr);
  pid_t pid = 0;
  const int rc = posix_spawn(&pid, DECONFLICT_BINARY, &actions, nullptr, argv.data(), envp.data());
  posix_spawn_file_actions_destroy(&actions);
  ToolOutput o;
  if (rc != 0) {
    ADD_FAILURE() << "posix_spawn " << DECONFLICT_BINARY << ": " << std::strerror(rc);
    return o;
  }
  int status = 0;
  waitpid(pid, &status, 0);
  o.code = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
  o.out = ReadFile(out);
  o.err = ReadFile(err);
  return o;
}

}  // namespace deconflict::cli
