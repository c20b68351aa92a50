#include "http/uri.h"

#include <gtest/gtest.h>

#include <string>

#include "testsupport/status_macros.h"

namespace deconflict::http::internal {
namespace {

// The decoded value of query item "v" in "/?v=<raw>", or the error message.
std::string QueryValue(const std::string& raw) {
  Result<Target> t = ParseTarget("/?v=" + raw);
  if (!t.ok()) return "error: " + t.status().message();
  return t->query.at("v");
}

TEST(Uri, PercentDecoding) {
  // In the path, '+' is itself; in the query, a space ('%2B' is a '+').
  Result<Target> t = ParseTarget("/a%20b%2Fc%7e+d");
  ASSERT_OK(t);
  EXPECT_EQ(t->segments, (std::vector<std::string>{"a b/c~+d"}));
  EXPECT_EQ(QueryValue("a+b%2B"), "a b+");
  for (const char* bad : {"%", "%4", "%zz"}) {
    EXPECT_FALSE(ParseTarget(std::string("/") + bad).ok()) << bad;
    EXPECT_EQ(QueryValue(bad).rfind("error: ", 0), 0u) << bad;
  }
}

TEST(Uri, ParseTargetSplitsPathAndQuery) {
  Result<Target> t = ParseTarget("/v1/plans/a%20b?status=active&q=hello+world%21&flag&x=1&x=2");
  ASSERT_OK(t);
  EXPECT_EQ(t->path, "/v1/plans/a b");
  EXPECT_EQ(t->segments, (std::vector<std::string>{"v1", "plans", "a b"}));
  EXPECT_EQ(t->query.at("status"), "active");
  EXPECT_EQ(t->query.at("q"), "hello world!");
  EXPECT_EQ(t->query.at("flag"), "");
  EXPECT_EQ(t->query.at("x"), "2");  // the last one wins

  EXPECT_FALSE(ParseTarget("http://host/x").ok());
  EXPECT_FALSE(ParseTarget("/a%zz").ok());
  EXPECT_FALSE(ParseTarget("/a?b=%").ok());
}

TEST(Uri, SegmentsAreSplitBeforeDecoding) {
  Result<Target> t = ParseTarget("/files/a%2Fb/");
  ASSERT_TRUE(t.ok());
  EXPECT_EQ(t->segments, (std::vector<std::string>{"files", "a/b", ""}));
  EXPECT_EQ(t->path, "/files/a/b/");
  t = ParseTarget("/");
  ASSERT_TRUE(t.ok());
  EXPECT_TRUE(t->segments.empty());
  EXPECT_EQ(t->path, "/");
  // Dot segments and empty segments are kept as they are (no normalization).
  t = ParseTarget("/./a/..//b");
  ASSERT_TRUE(t.ok());
  EXPECT_EQ(t->segments, (std::vector<std::string>{".", "a", "..", "", "b"}));
}

TEST(Uri, PercentEncodedBytes) {
  Result<Target> t = ParseTarget("/caf%C3%A9/%3F%23%25?k%3D1=v%26w&%E2%82%AC=%00");
  ASSERT_OK(t);
  EXPECT_EQ(t->segments, (std::vector<std::string>{"caf\xC3\xA9", "?#%"}));
  EXPECT_EQ(t->query.at("k=1"), "v&w");                          // escaped '=' and '&' are data
  EXPECT_EQ(t->query.at("\xE2\x82\xAC"), std::string(1, '\0'));  // decoded bytes, as they are
  EXPECT_EQ(t->path, "/caf\xC3\xA9/?#%");
}

TEST(Uri, PlusInQuery) {
  Result<Target> t = ParseTarget("/a+b?a+b=c+d&e=%2B%2B&f=+");
  ASSERT_TRUE(t.ok());
  EXPECT_EQ(t->path, "/a+b");  // a '+' in the path is a '+'
  EXPECT_EQ(t->query.at("a b"), "c d");
  EXPECT_EQ(t->query.at("e"), "++");
  EXPECT_EQ(t->query.at("f"), " ");
}

TEST(Uri, EmptyItemsFragmentAndUnescapedCharacters) {
  Result<Target> t = ParseTarget("/a?&&x=1&&=y&#frag&z=2");
  ASSERT_OK(t);
  EXPECT_EQ(t->query.size(), 2u);
  EXPECT_EQ(t->query.at("x"), "1");
  EXPECT_EQ(t->query.at(""), "y");
  EXPECT_EQ(ParseTarget("/a?")->query.size(), 0u);
  EXPECT_EQ(ParseTarget("/a#b?c=1")->path, "/a");  // the fragment ends the target
  // What browsers send unescaped although RFC 3986 forbids it is taken as itself.
  t = ParseTarget("/x{1}|[2]^`\\\"<>/caf\xC3\xA9?ids=[1,2]&q={\"a\":1}");
  ASSERT_OK(t);
  EXPECT_EQ(t->segments, (std::vector<std::string>{"x{1}|[2]^`\\\"<>", "caf\xC3\xA9"}));
  EXPECT_EQ(t->query.at("ids"), "[1,2]");
  EXPECT_EQ(t->query.at("q"), "{\"a\":1}");
}

TEST(Uri, InvalidEscapesAreClearErrors) {
  Result<Target> t = ParseTarget("/a%zz");
  EXPECT_EQ(t.status().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(t.status().message(),
            "malformed percent-escape in path ('%' must be followed by two hex digits)");
  t = ParseTarget("/a?b=%4");
  EXPECT_EQ(t.status().message(),
            "malformed percent-escape in query ('%' must be followed by two hex digits)");
  EXPECT_EQ(ParseTarget("a/b").status().message(), "request target must start with '/'");
  EXPECT_EQ(ParseTarget("").status().message(), "request target must start with '/'");
  EXPECT_EQ(ParseTarget("*").status().code(), StatusCode::kInvalidArgument);
}

TEST(Uri, ControlCharactersAndSpacesAreRefused) {
  EXPECT_EQ(ParseTarget("/a\r\nX-Evil: 1").status().message(),
            "request target holds a control character 0x0D at offset 2");
  EXPECT_EQ(ParseTarget("/a?q=\n").status().message(),
            "request target holds a control character 0x0A at offset 5");
  EXPECT_EQ(ParseTarget(std::string("/a\0b", 4)).status().message(),
            "request target holds a control character 0x00 at offset 2");
  EXPECT_EQ(ParseTarget("/a\tb").status().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(ParseTarget("/a\x7f").status().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(ParseTarget("/a b").status().message(), "request target holds a space at offset 2");
  // Escaped, they are data.
  EXPECT_EQ(ParseTarget("/a%0D%0Ab%20c")->segments, (std::vector<std::string>{"a\r\nb c"}));
}

TEST(Uri, ForbiddenHeaderField) {
  EXPECT_EQ(ForbiddenHeaderField("Authorization", "Bearer abc\tdef caf\xC3\xA9"), "");
  EXPECT_EQ(ForbiddenHeaderField("X-Signature", ""), "");
  EXPECT_EQ(ForbiddenHeaderField("", "v"), "header name '' is not a token");
  EXPECT_EQ(ForbiddenHeaderField("A:B", "v"), "header name 'A?B' is not a token");
  EXPECT_EQ(ForbiddenHeaderField("X", "a\nb"),
            "header 'X' value holds a control character 0x0A at offset 1");
  EXPECT_EQ(ForbiddenHeaderField("X", std::string("a\0b", 3)),
            "header 'X' value holds a control character 0x00 at offset 1");
  EXPECT_EQ(ForbiddenHeaderField("X", "\x7f"),
            "header 'X' value holds a control character 0x7F at offset 0");
}

TEST(Uri, ForbiddenByte) {
  EXPECT_EQ(ForbiddenByte("/plain?x=1"), "");
  EXPECT_EQ(ForbiddenByte("caf\xC3\xA9"), "");  // non-ASCII bytes are not control characters
  EXPECT_EQ(ForbiddenByte("\x1f"), "control character 0x1F at offset 0");
  EXPECT_EQ(ForbiddenByte("ab\x7f"), "control character 0x7F at offset 2");
  EXPECT_EQ(ForbiddenByte("a b"), "space at offset 1");
}

TEST(Uri, SplitPath) {
  EXPECT_TRUE(SplitPath("/").empty());
  EXPECT_EQ(SplitPath("/a/b"), (std::vector<std::string>{"a", "b"}));
  EXPECT_EQ(SplitPath("/a/"), (std::vector<std::string>{"a", ""}));
  EXPECT_EQ(SplitPath("//a"), (std::vector<std::string>{"", "a"}));
  EXPECT_EQ(SplitPath("/v1/{id}"), (std::vector<std::string>{"v1", "{id}"}));
}

}  // namespace
}  // namespace deconflict::http::internal
