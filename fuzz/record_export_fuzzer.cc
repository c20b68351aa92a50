// The record as it leaves and re-enters the system (src/record/chain.h): an exported log, which
// `deconflict audit verify --file` reads (ParseExport, then VerifyChain), and a receipt, which a
// party hands to a third party to check (VerifyReceipt). Properties:
//   1. an export that parses has, line for line, what ExportLog writes for what was parsed
//      (chain.h: every byte of an export is covered by a hash, a signature or this check); the
//      order of the lines may differ (ExportLog sorts checkpoints among the entries by seq;
//      VerifyChain reports entries out of order);
//   2. VerifyChain reports at most 100 problems, and when it reports none, its counts match;
//   3. VerifyReceipt never crashes, whatever the text.
#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "fuzz_check.h"
#include "record/chain.h"

namespace record = deconflict::record;

namespace {

// The lines of `text`, sorted, each with its "\n".
std::vector<std::string> Lines(const std::string& text) {
  std::vector<std::string> lines;
  size_t start = 0;
  while (start < text.size()) {
    const size_t end = text.find('\n', start);
    const size_t stop = end == std::string::npos ? text.size() : end + 1;
    lines.push_back(text.substr(start, stop - start));
    start = stop;
  }
  std::sort(lines.begin(), lines.end());
  return lines;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string text(reinterpret_cast<const char*>(data), size);
  std::vector<deconflict::store::AuditEntry> entries;
  std::vector<deconflict::store::Checkpoint> checkpoints;
  if (record::ParseExport(text, &entries, &checkpoints).ok()) {
    const std::string again = record::ExportLog(entries, checkpoints);
    FUZZ_CHECK(Lines(again) == Lines(text), "ExportLog(ParseExport(x)) != x:\n" + again);
    record::ChainReport r = record::VerifyChain(entries, checkpoints);
    FUZZ_CHECK(r.problems.size() <= 100, text);
    if (r.ok()) {
      FUZZ_CHECK(r.entries == static_cast<int64_t>(entries.size()), text);
      FUZZ_CHECK(r.checkpoints == static_cast<int64_t>(checkpoints.size()), text);
    }
  }
  (void)record::VerifyReceipt(text);
  return 0;
}
