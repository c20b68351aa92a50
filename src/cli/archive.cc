#include "cli/archive.h"

#include <fcntl.h>
#include <unistd.h>

#include <boost/json.hpp>
#include <cerrno>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <memory>
#include <sstream>
#include <vector>

#include "base/vocabulary.h"
#include "cli/store_access.h"
#include "json/write.h"
#include "record/archive.h"
#include "record/crypto.h"
#include "store/store.h"

namespace deconflict::cli {
namespace {

namespace fs = std::filesystem;
namespace json = boost::json;

// An instant as JSON: ms since the epoch; null when absent or infinite (an always-active plan's
// window end).
json::value Millis(std::optional<TimePoint> t) {
  if (!t.has_value() || !t->is_finite()) return nullptr;
  return ToUnixMillis(*t);
}

json::object PlanJson(const store::PlanRecord& p) {
  return {{"party", p.party.value()},
          {"id", p.id.value()},
          {"version", p.version},
          {"status", Name(p.status)},
          {"created_ms", Millis(p.created)},
          {"feature_json", p.feature_json}};
}

json::object ConflictJson(const store::ConflictRecord& c) {
  return {{"id", c.id.value()},
          {"party_a", c.party_a.value()},
          {"plan_a", c.plan_a.value()},
          {"version_a", c.version_a},
          {"party_b", c.party_b.value()},
          {"plan_b", c.plan_b.value()},
          {"version_b", c.version_b},
          {"status", Name(c.status)},
          {"resolution", Name(c.resolution)},
          {"detail_json", c.detail_json},
          {"window_start_ms", Millis(c.window_start)},
          {"window_end_ms", Millis(c.window_end)},
          {"deadline_ms", Millis(c.deadline)},
          {"ack_a_ms", Millis(c.ack_a)},
          {"ack_b_ms", Millis(c.ack_b)},
          {"accept_a_ms", Millis(c.accept_a)},
          {"accept_b_ms", Millis(c.accept_b)},
          {"escalated_a", c.escalated_a},
          {"escalated_b", c.escalated_b},
          {"created_ms", Millis(c.created)},
          {"updated_ms", Millis(c.updated)},
          {"resolved_ms", Millis(c.resolved)}};
}

// Writes what the store moves out (store::ArchiveSink) as archive lines.
class Sink final : public store::ArchiveSink {
 public:
  explicit Sink(record::ArchiveWriter* w) : w_(w) {}

  Status Entry(const store::AuditEntry& e) override {
    w_->Entry(e);
    last_hash_ = e.hash;
    return Written();
  }
  Status CheckpointRow(const store::Checkpoint& c) override {
    w_->Checkpoint(c);
    return Written();
  }
  Status Plan(const store::PlanRecord& p) override { return Line("plan", PlanJson(p)); }
  Status Conflict(const store::ConflictRecord& c) override {
    return Line("conflict", ConflictJson(c));
  }
  Status Message(const store::MessageRecord& m) override {
    return Line("message", {{"conflict_id", m.conflict_id.value()},
                            {"seq", m.seq},
                            {"party", m.party.value()},
                            {"kind", Name(m.kind)},
                            {"language", m.language},
                            {"at_ms", Millis(m.at)},
                            {"body_json", m.body_json}});
  }
  Status Event(const store::EventRecord& e) override {
    return Line("event", {{"recipient", e.recipient.value()},
                          {"seq", e.seq},
                          {"type", Name(e.type)},
                          {"at_ms", Millis(e.at)},
                          {"data_json", e.data_json}});
  }
  Status Receipt(const store::ReceiptRecord& r) override {
    return Line("receipt", {{"recipient", r.recipient.value()},
                            {"event_seq", r.event_seq},
                            {"channel", Name(r.channel)},
                            {"kind", Name(r.kind)},
                            {"at_ms", Millis(r.at)}});
  }
  Status Job(const store::WebhookJob& j) override {
    return Line("webhook_job", {{"webhook_id", j.webhook_id},
                                {"recipient", j.recipient.value()},
                                {"event_seq", j.event_seq},
                                {"attempts", j.attempts},
                                {"next_attempt_ms", Millis(j.next_attempt)},
                                {"state", Name(j.state)},
                                {"last_error", j.last_error}});
  }
  Status Page(const store::ContactPage& p) override {
    return Line("page", {{"id", p.id},
                         {"party", p.party.value()},
                         {"contact_id", p.contact_id},
                         {"url", p.url},
                         {"event", Name(p.event)},
                         {"conflict", p.conflict.value()},
                         {"level", p.level},
                         {"body_json", p.body_json},
                         {"attempts", p.attempts},
                         {"next_attempt_ms", Millis(p.next_attempt)},
                         {"state", Name(p.state)},
                         {"last_error", p.last_error},
                         {"created_ms", Millis(p.created)}});
  }

  const std::string& last_hash() const { return last_hash_; }

 private:
  Status Line(std::string_view kind, const json::object& o) {
    w_->Record(kind, o);
    return Written();
  }
  Status Written() const {
    return w_->ok() ? Status::Ok() : Status::IoError("cannot write the archive file");
  }

  record::ArchiveWriter* w_;
  std::string last_hash_;
};

// Flushes a written file to disk. IoError naming the path.
Status SyncFile(const std::string& path) {
  const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return Status::IoError(path + ": cannot open to sync: " + std::strerror(errno));
  const int rc = ::fsync(fd);
  const int err = errno;
  ::close(fd);
  if (rc != 0) return Status::IoError(path + ": cannot sync: " + std::strerror(err));
  return Status::Ok();
}

std::string Counts(const store::ArchiveCounts& n) {
  std::ostringstream s;
  s << n.entries << " audit entries (" << n.first_seq << "-" << n.last_seq << "), " << n.checkpoints
    << " checkpoints, " << n.plans << " plan versions, " << n.conflicts << " conflicts, "
    << n.messages << " messages, " << n.events << " events, " << n.receipts << " receipts, "
    << n.jobs << " webhook jobs, " << n.pages << " pages";
  return s.str();
}

bool Empty(const store::ArchiveCounts& n) {
  return n.entries + n.checkpoints + n.plans + n.conflicts + n.messages + n.events + n.receipts +
             n.jobs + n.pages ==
         0;
}

// The audit entry that records an archive in the live log.
store::AuditEntry ArchivedEntry(const store::ArchiveCounts& n, TimePoint before, TimePoint now,
                                const std::string& sha256, const std::string& file) {
  json::object body{{"by", "admin"},
                    {"before", FormatRfc3339(before)},
                    {"archive_sha256", sha256},
                    {"file", fs::path(file).filename().string()},
                    {"first_seq", n.first_seq},
                    {"last_seq", n.last_seq},
                    {"plans", n.plans},
                    {"conflicts", n.conflicts},
                    {"messages", n.messages},
                    {"events", n.events},
                    {"receipts", n.receipts},
                    {"pages", n.pages}};
  store::AuditEntry e;
  e.at = now;
  e.kind = kRecordArchivedKind;
  e.body_json = deconflict::json::Write(body);
  return e;  // parties: none (coordinators and observers read it)
}

// What RunArchive checks before it touches anything. Exit code and message on failure.
struct Prepared {
  TimePoint before, now;
  record::KeyPair key;
  std::unique_ptr<store::Store> store;
  std::string previous_sha256;
  store::ArchiveMarker previous;
};

int Fail(const Io& io, int code, const std::string& message) {
  io.err << "error: " << message << "\n";
  return code;
}

int Prepare(const ArchiveOptions& o, const Io& io, Prepared* p) {
  Result<TimePoint> before = ParseArchiveDate(o.before);
  if (!before.ok()) return Fail(io, kExitBadInput, before.status().message());
  p->before = *before;
  p->now = o.now ? o.now() : NowMillis();
  if (p->before > p->now) {
    return Fail(io, kExitBadInput, "--before: " + o.before + " is in the future");
  }
  if (o.out_path.empty()) return Fail(io, kExitBadInput, "--out: an archive file is required");
  std::error_code ec;
  if (fs::exists(o.out_path, ec)) {
    return Fail(io, kExitBadInput,
                "--out: " + o.out_path + " exists (archives are never overwritten)");
  }
  Result<std::unique_ptr<store::Store>> s = OpenStore(o.data_dir, /*create=*/false);
  if (!s.ok()) {
    const StatusCode code = s.status().code();
    return Fail(io,
                code == StatusCode::kNotFound || code == StatusCode::kInvalidArgument
                    ? kExitBadInput
                    : kExitInternal,
                s.status().message());
  }
  p->store = std::move(*s);
  const std::string key_path = KeyFilePath(o.data_dir);
  if (!fs::exists(key_path, ec)) {
    return Fail(io, kExitBadInput, key_path + ": no server key (the archive is signed with it)");
  }
  Result<record::KeyPair> key = record::LoadOrCreateKeyPair(key_path);
  if (!key.ok()) return Fail(io, kExitBadInput, key_path + ": " + key.status().message());
  p->key = std::move(*key);
  Result<std::vector<store::ArchiveMarker>> markers = p->store->ListArchiveMarkers();
  if (!markers.ok()) return Fail(io, kExitInternal, "store: " + markers.status().message());
  if (!markers->empty()) p->previous = markers->back();
  p->previous_sha256 = p->previous.archive_sha256;
  return kExitOk;
}

}  // namespace

Result<TimePoint> ParseArchiveDate(std::string_view text) {
  std::string t(text);
  if (t.size() == 10) t += "T00:00:00Z";  // YYYY-MM-DD: midnight UTC
  Result<TimePoint> r = ParseRfc3339(t);
  if (!r.ok()) {
    return Status::InvalidArgument(
        "--before: '" + std::string(text) +
        "' is not a date (YYYY-MM-DD) or an RFC 3339 date-time: " + r.status().message());
  }
  return r;
}

int RunArchive(const ArchiveOptions& o, const Io& io) {
  Prepared p;
  if (int code = Prepare(o, io, &p); code != kExitOk) return code;
  std::ofstream file(o.out_path, std::ios::binary | std::ios::trunc);
  if (!file) return Fail(io, kExitBadInput, o.out_path + ": cannot write: " + std::strerror(errno));
  // As private as the store it comes from (docs/security.md §12): every party's history.
  std::error_code perm_ec;
  fs::permissions(o.out_path, fs::perms::owner_read | fs::perms::owner_write,
                  fs::perm_options::replace, perm_ec);
  // From here on a failure removes the file: nothing was archived.
  const auto discard = [&] {
    file.close();
    std::error_code ec;
    fs::remove(o.out_path, ec);
  };
  const auto failed = [&](int code, const std::string& message) {
    discard();
    return Fail(io, code, message);
  };
  Result<std::unique_ptr<store::WriteTxn>> txn = p.store->Begin();
  if (!txn.ok()) return failed(kExitInternal, "store: " + txn.status().message());
  record::ArchiveWriter writer(p.key, p.now, p.before, p.previous_sha256, &file);
  Sink sink(&writer);
  Result<store::ArchiveCounts> n = (*txn)->TakeArchive(p.before, sink);
  if (!n.ok()) return failed(kExitInternal, "archive: " + n.status().message());
  if (Empty(*n)) {
    discard();  // the transaction rolls back
    io.out << "nothing to archive before " << FormatRfc3339(p.before) << "; no file written\n";
    return kExitOk;
  }
  const std::string sha256 = writer.Finish();
  file.close();
  if (!file) return failed(kExitInternal, o.out_path + ": cannot write: " + std::strerror(errno));
  if (Status s = SyncFile(o.out_path); !s.ok()) return failed(kExitInternal, s.message());
  store::ArchiveMarker marker{
      .audit_seq = n->last_seq > 0 ? n->last_seq : p.previous.audit_seq,
      .audit_hash = n->last_seq > 0 ? sink.last_hash() : p.previous.audit_hash,
      .before = p.before,
      .at = p.now,
      .archive_sha256 = sha256};
  Result<store::AuditEntry> entry =
      (*txn)->AppendAudit(ArchivedEntry(*n, p.before, p.now, sha256, o.out_path));
  if (!entry.ok()) return failed(kExitInternal, "store: " + entry.status().message());
  if (Result<int64_t> id = (*txn)->PutArchiveMarker(marker); !id.ok()) {
    return failed(kExitInternal, "store: " + id.status().message());
  }
  if (Status s = (*txn)->Commit(); !s.ok()) return failed(kExitInternal, "store: " + s.message());
  io.out << "archived " << Counts(*n) << " to " << o.out_path << " (sha256 " << sha256 << ")\n";
  if (n->last_seq > 0) {
    io.out << "the live audit log now starts at entry " << n->last_seq
           << ", proven by its signed checkpoint; audit entry " << entry->seq
           << " (record.archived) records this archive\n";
  }
  return kExitOk;
}

int VerifyArchiveFile(const std::string& path, const std::string& key_hex, const Io& io) {
  std::ifstream file(path, std::ios::binary);
  std::error_code ec;
  if (!file || fs::is_directory(path, ec)) {
    return Fail(io, kExitBadInput, path + ": cannot read: " + std::strerror(errno));
  }
  std::stringstream buffer;
  buffer << file.rdbuf();
  const std::string text = buffer.str();
  const record::ArchiveReport r = record::VerifyArchive(text, key_hex);
  if (!r.ok()) {
    for (const std::string& problem : r.problems) io.err << "error: " << problem << "\n";
    io.err << "deconflict: " << r.problems.size()
           << (r.problems.size() == 1 ? " problem" : " problems") << "; the archive " << path
           << " does not verify\n";
    return kExitConflicts;
  }
  io.out << "verified archive " << path << " (sha256 " << r.sha256 << "): closed history before "
         << FormatRfc3339(r.before) << ", made " << FormatRfc3339(r.made) << "; ";
  if (r.last_seq > 0) {
    io.out << "audit entries " << r.first_seq << "-" << r.last_seq
           << (r.anchor_seq > 0 ? " (from the signed checkpoint at entry " +
                                      std::to_string(r.anchor_seq) + ", the previous cut)"
                                : " (from genesis)")
           << ", ";
  }
  io.out << "lines:";
  for (const auto& [kind, count] : r.counts) io.out << " " << kind << " " << count;
  io.out << "; signed by " << r.public_key << "\n";
  if (!r.previous_sha256.empty()) {
    io.out << "follows the archive with sha256 " << r.previous_sha256 << "\n";
  }
  if (key_hex.empty()) {
    io.err << "warning: no --key given: the seal and checkpoints were checked against the key the "
              "archive names, which proves integrity but not who signed; pass --key\n";
  }
  return kExitOk;
}

}  // namespace deconflict::cli
