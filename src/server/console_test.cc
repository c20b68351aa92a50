#include "server/console.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>

#include "testsupport/temp_dir.h"

namespace deconflict::server {
namespace {

namespace fs = std::filesystem;

class ConsoleAssetsTest : public ::testing::Test {
 protected:
  void Write(const std::string& name, const std::string& body) {
    std::ofstream(dir_ / name, std::ios::binary) << body;
  }
  testing::TempDir tmp_{"console_test"};
  const fs::path dir_ = tmp_.path();
};

TEST_F(ConsoleAssetsTest, LoadsTheFlatFolderWithTypesAndValidators) {
  Write("index.html", "<!doctype html>");
  Write("app.js", "let a = 1;");
  Write("app.css", "body{}");
  Write("world.json", "{}");
  Result<ConsoleAssets> a = ConsoleAssets::Load(dir_.string());
  ASSERT_TRUE(a.ok()) << a.status().ToString();
  EXPECT_EQ(a->size(), 4u);
  ASSERT_NE(a->Find("app.js"), nullptr);
  EXPECT_EQ(a->Find("app.js")->body, "let a = 1;");
  EXPECT_EQ(a->Find("app.js")->content_type, "text/javascript; charset=utf-8");
  EXPECT_EQ(a->Find("index.html")->content_type, "text/html; charset=utf-8");
  EXPECT_EQ(a->Find("app.css")->content_type, "text/css; charset=utf-8");
  EXPECT_EQ(a->Find("world.json")->content_type, "application/json");
  // Different bytes, different validators; quoted.
  EXPECT_NE(a->Find("app.js")->etag, a->Find("app.css")->etag);
  EXPECT_EQ(a->Find("app.js")->etag.front(), '"');
  EXPECT_EQ(a->Find("app.js")->etag.back(), '"');
  EXPECT_EQ(a->Find("missing.js"), nullptr);
}

TEST_F(ConsoleAssetsTest, NothingOutsideTheFolderOrHiddenOrNested) {
  Write("index.html", "x");
  Write(".env", "SECRET=1");
  fs::create_directories(dir_ / "sub");
  std::ofstream(dir_ / "sub" / "a.js") << "nested";
  Result<ConsoleAssets> a = ConsoleAssets::Load(dir_.string());
  ASSERT_TRUE(a.ok());
  EXPECT_EQ(a->size(), 1u);
  for (const char* name : {".env", "sub", "sub/a.js", "../index.html", "..", ".", "", "%2e%2e",
                           "index.html/", "a b.js"}) {
    EXPECT_EQ(a->Find(name), nullptr) << name;
  }
  EXPECT_FALSE(ConsoleAssets::SafeName(".env"));
  EXPECT_FALSE(ConsoleAssets::SafeName("../x"));
  EXPECT_FALSE(ConsoleAssets::SafeName("a/b"));
  EXPECT_FALSE(ConsoleAssets::SafeName(std::string(200, 'a')));
  EXPECT_TRUE(ConsoleAssets::SafeName("app-1.2_x.js"));
}

TEST_F(ConsoleAssetsTest, MissingFolderOrIndexIsNotFound) {
  Result<ConsoleAssets> none = ConsoleAssets::Load((dir_ / "nope").string());
  ASSERT_FALSE(none.ok());
  EXPECT_EQ(none.status().code(), StatusCode::kNotFound);
  Write("app.js", "x");
  Result<ConsoleAssets> no_index = ConsoleAssets::Load(dir_.string());
  ASSERT_FALSE(no_index.ok());
  EXPECT_NE(no_index.status().message().find("index.html"), std::string::npos);
}

TEST(ConsoleContentType, UnknownIsOctetStream) {
  EXPECT_EQ(ConsoleAssets::ContentTypeFor("x.bin"), "application/octet-stream");
  EXPECT_EQ(ConsoleAssets::ContentTypeFor("js"), "application/octet-stream");
  EXPECT_EQ(ConsoleAssets::ContentTypeFor("a.svg"), "image/svg+xml");
}

}  // namespace
}  // namespace deconflict::server
