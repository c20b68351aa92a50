#include "http/sse_parser.h"

#include <gtest/gtest.h>
#include <rapidcheck/gtest.h>

#include <vector>

namespace deconflict::http::internal {
namespace {

std::vector<SseEvent> ParseAll(const std::vector<std::string>& chunks) {
  SseParser p;
  std::vector<SseEvent> out;
  for (const std::string& c : chunks) {
    p.Feed(c, [&](const SseEvent& e) {
      out.push_back(e);
      return true;
    });
  }
  return out;
}

TEST(SseParser, FieldsCommentsAndMultiLineData) {
  const auto events = ParseAll({
      ": a comment\n"
      "id: 1\n"
      "event: plan.created\n"
      "data: {\"a\":1}\n"
      "\n"
      "data:no space\n"
      "data:  two spaces keep one\n"
      "\n"
      "event: only-type-no-data\n"
      "\n"
      "id: 7\n"
      "data\n"
      "retry: 100\n"
      "unknown: x\n"
      "\n",
  });
  ASSERT_EQ(events.size(), 3u);
  EXPECT_EQ(events[0].id, 1);
  EXPECT_EQ(events[0].type, "plan.created");
  EXPECT_EQ(events[0].data, "{\"a\":1}");
  EXPECT_EQ(events[1].id, 1);  // the last event id carries over
  EXPECT_EQ(events[1].type, "");
  EXPECT_EQ(events[1].data, "no space\n two spaces keep one");
  EXPECT_EQ(events[2].id, 7);
  EXPECT_EQ(events[2].type, "");  // the type of the undispatched event was reset
  EXPECT_EQ(events[2].data, "");
}

TEST(SseParser, CrLfAndCrLineEndsAndBom) {
  const auto events = ParseAll({"\xEF\xBB",
                                "\xBF"
                                "data: a\r\n\r\ndata: b\r\rdata: c\r",
                                "\n\r\n"});
  ASSERT_EQ(events.size(), 3u);
  EXPECT_EQ(events[0].data, "a");
  EXPECT_EQ(events[1].data, "b");
  EXPECT_EQ(events[2].data, "c");  // the CRLF split across chunks ends one line, not two
}

TEST(SseParser, IncompleteEventIsNotDispatchedAndNonNumericIdIsZero) {
  auto events = ParseAll({"id: abc\ndata: x\n\ndata: pending\n"});
  ASSERT_EQ(events.size(), 1u);
  EXPECT_EQ(events[0].id, 0);
}

TEST(SseParser, StopsWhenCallbackReturnsFalse) {
  SseParser p;
  int seen = 0;
  EXPECT_FALSE(p.Feed("data: 1\n\ndata: 2\n\n", [&](const SseEvent&) { return ++seen < 1; }));
  EXPECT_EQ(seen, 1);
}

RC_GTEST_PROP(SseParser, AnyChunkingGivesTheSameEvents, ()) {
  const std::string stream =
      "\xEF\xBB\xBF: hello\r\nid: 3\r\nevent: e\r\ndata: one\r\ndata: two\r\n\r\n"
      "data: {\"x\":[1,2]}\n\n:keep-alive\n\nid: 4\rdata: cr\r\r";
  const auto whole = ParseAll({stream});
  RC_ASSERT(whole.size() == 3u);
  const auto cuts =
      *rc::gen::container<std::vector<size_t>>(rc::gen::inRange<size_t>(0, stream.size() + 1));
  std::vector<size_t> sorted = cuts;
  std::sort(sorted.begin(), sorted.end());
  std::vector<std::string> chunks;
  size_t prev = 0;
  for (size_t c : sorted) {
    chunks.push_back(stream.substr(prev, c - prev));
    prev = c;
  }
  chunks.push_back(stream.substr(prev));
  const auto parts = ParseAll(chunks);
  RC_ASSERT(parts.size() == whole.size());
  for (size_t i = 0; i < parts.size(); ++i) {
    RC_ASSERT(parts[i].id == whole[i].id);
    RC_ASSERT(parts[i].type == whole[i].type);
    RC_ASSERT(parts[i].data == whole[i].data);
  }
}

}  // namespace
}  // namespace deconflict::http::internal
