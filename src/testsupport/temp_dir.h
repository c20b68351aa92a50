// A temporary folder for one test: created fresh (unique name, mode 0700) under gtest's
// temporary folder (::testing::TempDir(): $TEST_TMPDIR, else /tmp), removed with everything in it
// when the object goes.
//
//   testing::TempDir tmp("deconflict_key");
//   const std::string path = tmp.File("server.key");
//
// Header-only (needs gtest). Not thread-safe to destroy while another thread writes in it.
#pragma once

#include <gtest/gtest.h>
#include <stdlib.h>

#include <filesystem>
#include <string>
#include <string_view>
#include <system_error>

namespace deconflict::testing {

class TempDir {
 public:
  // Creates <gtest temp>/<prefix>_XXXXXX. On failure adds a test failure and path() is empty.
  explicit TempDir(std::string_view prefix = "deconflict") {
    std::string pattern =
        (std::filesystem::path(::testing::TempDir()) / (std::string(prefix) + "_XXXXXX")).string();
    if (::mkdtemp(pattern.data()) == nullptr) {
      ADD_FAILURE() << "cannot create a temporary folder " << pattern;
      return;
    }
    path_ = pattern;
  }
  ~TempDir() {
    std::error_code ignored;
    if (!path_.empty() && !keep_) std::filesystem::remove_all(path_, ignored);
  }
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;

  const std::filesystem::path& path() const { return path_; }
  // Keeps the folder: the destructor leaves it in place (e.g. to look at a failed test's files).
  void Keep() { keep_ = true; }
  // path()/name as a string (the file is not created).
  std::string File(std::string_view name) const { return (path_ / name).string(); }

 private:
  std::filesystem::path path_;
  bool keep_ = false;
};

}  // namespace deconflict::testing
