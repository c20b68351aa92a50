#include "cli/audit.h"

#include <algorithm>
#include <boost/json.hpp>
#include <cerrno>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <set>
#include <sstream>
#include <vector>

#include "base/time.h"
#include "cli/archive.h"
#include "cli/store_access.h"
#include "record/chain.h"
#include "record/crypto.h"
#include "store/store.h"

namespace deconflict::cli {
namespace {

namespace fs = std::filesystem;
namespace json = boost::json;

std::string Plural(int64_t n, const char* one, const char* many) {
  return std::to_string(n) + " " + (n == 1 ? one : many);
}

// Reads a whole file ("-": io.in). IoError with the reason on failure.
Result<std::string> ReadWhole(const std::string& path, const Io& io) {
  std::stringstream buffer;
  if (path == "-") {
    buffer << io.in.rdbuf();
    return buffer.str();
  }
  std::error_code ec;
  if (fs::is_directory(path, ec)) return Status::IoError(path + ": cannot read: is a directory");
  std::ifstream file(path, std::ios::binary);
  if (!file) return Status::IoError(path + ": cannot read: " + std::strerror(errno));
  buffer << file.rdbuf();
  if (file.bad()) return Status::IoError(path + ": cannot read: " + std::strerror(errno));
  return buffer.str();
}

int PrintProblems(const std::vector<std::string>& problems, const std::string& what, const Io& io) {
  for (const std::string& p : problems) io.err << "error: " << p << "\n";
  io.err << "deconflict: " << Plural(static_cast<int64_t>(problems.size()), "problem", "problems")
         << "; " << what << " does not verify\n";
  return kExitConflicts;
}

// The warning printed when checkpoints were checked only against their own keys.
void WarnUntrusted(const std::string& source, const Io& io) {
  io.err << "warning: no --key given" << source
         << ": signatures were checked against the public key they name, which proves integrity "
            "but not who signed; compare that key with the server's published one or pass --key\n";
}

// Verifies a whole log; prints the summary or the problems.
int VerifyLog(const std::vector<store::AuditEntry>& entries,
              const std::vector<store::Checkpoint>& checkpoints, const std::string& trusted_key,
              const std::string& key_source, const std::string& what, const Io& io) {
  const record::ChainReport report = record::VerifyChain(entries, checkpoints, trusted_key);
  if (!report.ok()) return PrintProblems(report.problems, what, io);

  int64_t last_signed = 0;
  std::set<std::string> keys;
  for (const store::Checkpoint& c : checkpoints) {
    last_signed = std::max(last_signed, c.seq);
    keys.insert(c.public_key);
  }
  if (report.entries == 0) {
    io.out << "verified 0 entries (the log is empty), "
           << Plural(report.checkpoints, "signed checkpoint", "signed checkpoints") << "\n";
    return kExitOk;
  }
  io.out << "verified " << Plural(report.entries, "entry", "entries");
  if (report.anchor_seq > 0) {
    io.out << " from the signed checkpoint at entry " << report.anchor_seq
           << " instead of genesis (entries before it were archived)";
  }
  io.out << ", " << Plural(report.checkpoints, "signed checkpoint", "signed checkpoints")
         << ", last entry " << report.last_seq << " hash " << report.last_hash;
  if (!keys.empty()) {
    io.out << "; signed by ";
    if (!trusted_key.empty()) {
      io.out << trusted_key << key_source;
    } else {
      bool first = true;
      for (const std::string& k : keys) {
        io.out << (first ? "" : ", ") << k;
        first = false;
      }
    }
  }
  io.out << "\n";
  if (report.last_seq > last_signed) {
    io.err << "warning: " << Plural(report.last_seq - last_signed, "entry", "entries")
           << " after the last signed checkpoint"
           << (last_signed == 0 ? " (there is none yet)"
                                : " (entry " + std::to_string(last_signed) + ")")
           << ": chained, but not yet signed by the server\n";
  }
  if (trusted_key.empty() && !keys.empty()) WarnUntrusted(key_source, io);
  return kExitOk;
}

// A member as text, or `fallback`.
std::string StringOr(const json::object* o, const char* key, const std::string& fallback) {
  if (o == nullptr) return fallback;
  const json::value* v = o->if_contains(key);
  return v != nullptr && v->is_string() ? std::string(v->as_string()) : fallback;
}

int VerifyReceiptFile(const std::string& text, const std::string& trusted_key,
                      const std::string& name, const Io& io) {
  const std::vector<std::string> problems = record::VerifyReceipt(text, trusted_key);
  if (!problems.empty()) return PrintProblems(problems, "the receipt " + name, io);
  // Valid: describe it (the structure was checked by VerifyReceipt).
  boost::system::error_code ec;
  const json::value doc = json::parse(text, ec);
  const json::object* top = ec ? nullptr : doc.if_object();
  const json::object* receipt = nullptr;
  if (top != nullptr) {
    if (const json::value* r = top->if_contains("receipt")) receipt = r->if_object();
  }
  size_t count = 0;
  int64_t first = 0, last = 0, checkpoint_seq = 0;
  if (receipt != nullptr) {
    if (const json::value* es = receipt->if_contains("entries"); es && es->is_array()) {
      count = es->as_array().size();
      for (const json::value& e : es->as_array()) {
        const json::value* seq = e.is_object() ? e.as_object().if_contains("seq") : nullptr;
        if (seq == nullptr || !seq->is_int64()) continue;
        if (first == 0) first = seq->as_int64();
        last = seq->as_int64();
      }
    }
    if (const json::value* c = receipt->if_contains("checkpoint"); c && c->is_object()) {
      if (const json::value* seq = c->as_object().if_contains("seq"); seq && seq->is_int64()) {
        checkpoint_seq = seq->as_int64();
      }
    }
  }
  io.out << "verified receipt about " << StringOr(receipt, "subject", "?") << " for "
         << StringOr(receipt, "party", "?") << ": "
         << Plural(static_cast<int64_t>(count), "entry", "entries");
  if (count > 0)
    io.out << " (" << first << (last != first ? "–" + std::to_string(last) : "") << ")";
  if (checkpoint_seq > 0) io.out << ", checkpoint at entry " << checkpoint_seq;
  io.out << "; signed by " << StringOr(top, "public_key", "?") << "\n";
  if (trusted_key.empty()) WarnUntrusted("", io);
  return kExitOk;
}

// Verifies the log in a store (see RunAuditVerify); after an archive cut, from the signed
// checkpoint at it, which an archive marker must record.
int VerifyStoreLog(store::Store& s, const std::string& key, const std::string& key_source,
                   const std::string& data_dir, const Io& io) {
  const std::string what = "the audit log in " + data_dir;
  // Checkpoints first: every entry they name is then among the entries read after them, even
  // while the server appends; markers last: they record every cut the entries may start at, even
  // while an archive is made.
  Result<std::vector<store::Checkpoint>> checkpoints = s.ListCheckpoints();
  Result<std::vector<store::AuditEntry>> entries = s.AuditAfter(0, 0);
  Result<std::vector<store::ArchiveMarker>> markers = s.ListArchiveMarkers();
  for (const Status& st : {checkpoints.status(), entries.status(), markers.status()}) {
    if (!st.ok()) {
      io.err << "error: store: " << st.message() << "\n";
      return kExitInternal;
    }
  }
  if (!entries->empty() && entries->front().seq > 1) {
    const store::AuditEntry& first = entries->front();
    const bool recorded = std::any_of(markers->begin(), markers->end(), [&](const auto& m) {
      return m.audit_seq == first.seq && m.audit_hash == first.hash;
    });
    if (!recorded) {
      return PrintProblems({"entry " + std::to_string(first.seq) +
                            ": the log starts here, but no archive marker records a cut at it"},
                           what, io);
    }
  }
  const int code = VerifyLog(*entries, *checkpoints, key, key_source, what, io);
  if (code == kExitOk && !markers->empty()) {
    const store::ArchiveMarker& m = markers->back();
    io.out << Plural(static_cast<int64_t>(markers->size()), "archive", "archives")
           << " made; the last, of the closed history before " << FormatRfc3339(m.before)
           << ", has sha256 " << m.archive_sha256
           << " (check it with: deconflict audit verify --archive FILE)\n";
  }
  return code;
}

}  // namespace

int RunAuditVerify(const AuditVerifyOptions& o, const Io& io) {
  const auto usage = [&](const std::string& message) {
    io.err << "error: " << message << "\nRun 'deconflict audit verify --help' for usage.\n";
    return kExitBadInput;
  };
  if (o.data_dir.empty() == o.file.empty()) {
    return usage("give either --data DIR (a store) or FILE (an export or a receipt)");
  }
  if (o.receipt && o.file.empty()) return usage("--receipt needs a receipt FILE");
  if (o.archive && (o.file.empty() || o.file == "-"))
    return usage("--archive needs an archive FILE");
  if (o.archive && o.receipt) return usage("give --archive or --receipt, not both");
  std::string key = o.key_hex;
  std::transform(key.begin(), key.end(), key.begin(),
                 [](char c) { return c >= 'A' && c <= 'F' ? static_cast<char>(c + 32) : c; });
  if (!key.empty() && !record::IsLowerHex(key, 32)) {
    return usage("--key: expected an Ed25519 public key, 64 hex digits");
  }

  if (o.archive) return VerifyArchiveFile(o.file, key, io);
  if (!o.file.empty()) {
    const std::string name = o.file == "-" ? "<stdin>" : o.file;
    Result<std::string> text = ReadWhole(o.file, io);
    if (!text.ok()) {
      io.err << "error: " << text.status().message() << "\n";
      return kExitBadInput;
    }
    if (o.receipt) return VerifyReceiptFile(*text, key, name, io);
    std::vector<store::AuditEntry> entries;
    std::vector<store::Checkpoint> checkpoints;
    if (Status s = record::ParseExport(*text, &entries, &checkpoints); !s.ok()) {
      io.err << "error: " << name << ": " << s.message() << "\n"
             << "deconflict: " << name
             << " is not an intact audit export (every line must be exactly as exported); "
                "nothing else was checked\n";
      return kExitConflicts;
    }
    return VerifyLog(entries, checkpoints, key, "", "the export " + name, io);
  }

  Result<std::unique_ptr<store::Store>> s = OpenStore(o.data_dir, /*create=*/false);
  if (!s.ok()) {
    io.err << "error: " << s.status().message() << "\n";
    const StatusCode code = s.status().code();
    return code == StatusCode::kNotFound || code == StatusCode::kInvalidArgument ? kExitBadInput
                                                                                 : kExitInternal;
  }
  std::string key_source;
  if (key.empty()) {
    // Trust the server's own key when it is here; never create one while verifying.
    const std::string key_path = KeyFilePath(o.data_dir);
    std::error_code ec;
    if (fs::exists(key_path, ec)) {
      Result<record::KeyPair> pair = record::LoadOrCreateKeyPair(key_path);
      if (!pair.ok()) {
        io.err << "error: " << key_path << ": " << pair.status().message() << "\n";
        return kExitBadInput;
      }
      key = pair->public_key_hex;
      key_source = " (" + key_path + ")";
    } else {
      key_source = " (and no " + key_path + ")";
    }
  }
  return VerifyStoreLog(**s, key, key_source, o.data_dir, io);
}

}  // namespace deconflict::cli
