#include "record/archive.h"

#include <boost/json.hpp>
#include <charconv>
#include <utility>

#include "json/write.h"

namespace deconflict::record {
namespace json = boost::json;

namespace {

constexpr size_t kMaxProblems = 100;

std::string Compact(const json::value& v) { return deconflict::json::Write(v); }

std::string SealMessage(std::string_view seal_text) {
  return std::string(kArchiveFormat) + "\n" + std::string(seal_text);
}

bool IsRecordKind(std::string_view kind) {
  for (std::string_view k : kArchiveRecordKinds) {
    if (k == kind) return true;
  }
  return false;
}

// "line 7", or "line 7 (entry 5)" when the line is an entry whose seq can still be read.
std::string LineLabel(int64_t line_no, std::string_view line) {
  std::string label = "line " + std::to_string(line_no);
  constexpr std::string_view kEntry = "{\"entry\":{\"seq\":";
  if (line.substr(0, kEntry.size()) == kEntry) {
    int64_t seq = 0;
    const char* begin = line.data() + kEntry.size();
    auto [ptr, ec] = std::from_chars(begin, line.data() + line.size(), seq);
    if (ec == std::errc() && ptr != begin) label += " (entry " + std::to_string(seq) + ")";
  }
  return label;
}

// Collects problems, at most kMaxProblems.
struct Problems {
  std::vector<std::string>* out;
  void Add(std::string p) const {
    if (out->size() < kMaxProblems) out->push_back(std::move(p));
  }
};

// The state of one verification, line by line.
class Verifier {
 public:
  Verifier(std::string_view text, const std::string& trusted, ArchiveReport* r)
      : text_(text), trusted_(trusted), r_(r), problems_{&r->problems} {}

  void Run() {
    std::string_view seal_line;
    size_t seal_start = 0;
    size_t pos = 0;
    int64_t line_no = 0;
    while (pos < text_.size()) {
      ++line_no;
      const size_t end = text_.find('\n', pos);
      if (end == std::string_view::npos) {
        problems_.Add("line " + std::to_string(line_no) + ": does not end with a newline");
        break;
      }
      const std::string_view line = text_.substr(pos, end - pos);
      if (end + 1 == text_.size()) {  // the last line: the seal
        seal_line = line;
        seal_start = pos;
      } else {
        OneLine(line_no, line);
      }
      pos = end + 1;
    }
    if (line_no == 0) problems_.Add("the archive is empty");
    if (!header_seen_ && line_no > 0) problems_.Add("line 1: not an archive header");
    CheckChain();
    CheckSeal(seal_line, seal_start, line_no - 1);
    r_->sha256 = Sha256Hex(text_);
  }

 private:
  void OneLine(int64_t line_no, std::string_view line) {
    const std::string label = LineLabel(line_no, line);
    boost::system::error_code ec;
    json::value v = json::parse(line, ec);
    const json::object* o = ec ? nullptr : v.if_object();
    if (o == nullptr || o->size() != 1) {
      problems_.Add(label + ": not a JSON object with one member" +
                    (ec ? " (" + ec.message() + ")" : std::string()));
      return;
    }
    const std::string kind(o->begin()->key());
    const json::value& body = o->begin()->value();
    if (line_no == 1) {
      Header(label, kind, body);
      return;
    }
    if (kind == "entry") {
      Result<store::AuditEntry> e = AuditEntryFromJson(body);
      if (!e.ok()) return problems_.Add(label + ": " + e.status().message());
      if (Compact(v) != line) problems_.Add(label + ": not in canonical form");
      entries_.push_back(std::move(*e));
    } else if (kind == "checkpoint") {
      Result<store::Checkpoint> c = CheckpointFromJson(body);
      if (!c.ok()) return problems_.Add(label + ": " + c.status().message());
      if (Compact(v) != line) problems_.Add(label + ": not in canonical form");
      checkpoints_.push_back(std::move(*c));
    } else if (!IsRecordKind(kind) || !body.is_object()) {
      return problems_.Add(label + ": unknown record \"" + kind + "\"");
    }
    ++r_->counts[kind];
  }

  void Header(const std::string& label, const std::string& kind, const json::value& body) {
    const json::object* h = body.if_object();
    const auto text = [&](const char* key) -> std::string {
      const json::value* v = h == nullptr ? nullptr : h->if_contains(key);
      return v != nullptr && v->is_string() ? std::string(v->get_string()) : std::string();
    };
    const auto millis = [&](const char* key) {
      const json::value* v = h == nullptr ? nullptr : h->if_contains(key);
      return v != nullptr && v->is_int64() ? FromUnixMillis(v->get_int64()) : TimePoint();
    };
    if (kind != "archive" || text("format") != kArchiveFormat) {
      return problems_.Add(label + ": not a " + std::string(kArchiveFormat) + " header");
    }
    header_seen_ = true;
    r_->public_key = text("public_key");
    r_->previous_sha256 = text("previous_sha256");
    r_->made = millis("made_ms");
    r_->before = millis("before_ms");
    if (!IsLowerHex(r_->public_key, 32)) {
      problems_.Add(label + ": public_key is not 64 lower-case hex characters");
    }
    if (!trusted_.empty() && r_->public_key != trusted_) {
      problems_.Add(label + ": signed by " + r_->public_key + ", not by the trusted key " +
                    trusted_);
    }
  }

  void CheckChain() {
    // Checkpoints must be signed by the trusted key, or else by the header's.
    ChainReport chain =
        VerifyChain(entries_, checkpoints_, trusted_.empty() ? r_->public_key : trusted_);
    for (std::string& p : chain.problems) problems_.Add(std::move(p));
    r_->anchor_seq = chain.anchor_seq;
    if (entries_.empty()) return;
    r_->first_seq = entries_.front().seq;
    r_->last_seq = entries_.back().seq;
    bool cut_signed = false;
    for (const store::Checkpoint& c : checkpoints_) cut_signed |= c.seq == r_->last_seq;
    if (!cut_signed) {
      problems_.Add("entry " + std::to_string(r_->last_seq) +
                    ": the last entry of an archive must have a signed checkpoint (the cut)");
    }
  }

  void CheckSeal(std::string_view line, size_t start, int64_t lines_before) {
    boost::system::error_code ec;
    json::value v = json::parse(line, ec);
    const json::object* o = ec ? nullptr : v.if_object();
    const json::value* seal = o == nullptr ? nullptr : o->if_contains("seal");
    const json::value* sig = o == nullptr ? nullptr : o->if_contains("signature");
    if (seal == nullptr || !seal->is_object() || sig == nullptr || !sig->is_string() ||
        o->size() != 2) {
      return problems_.Add("seal: the last line is not {\"seal\":{...},\"signature\":\"...\"}");
    }
    const json::object& s = seal->get_object();
    const auto integer = [&](const char* key) {
      const json::value* x = s.if_contains(key);
      return x != nullptr && x->is_int64() ? x->get_int64() : -1;
    };
    const json::value* sha = s.if_contains("sha256");
    const std::string sealed =
        sha != nullptr && sha->is_string() ? std::string(sha->get_string()) : std::string();
    const std::string actual = Sha256Hex(text_.substr(0, start));
    if (sealed != actual) {
      problems_.Add("seal: the bytes before the seal have SHA-256 " + actual + ", sealed " +
                    sealed + ": the archive was changed after it was signed");
    }
    if (integer("lines") != lines_before) {
      problems_.Add("seal: " + std::to_string(lines_before) + " lines before the seal, sealed " +
                    std::to_string(integer("lines")));
    }
    if (integer("first_seq") != r_->first_seq || integer("last_seq") != r_->last_seq) {
      problems_.Add("seal: the entries do not span the sealed range");
    }
    if (!Verify(r_->public_key, SealMessage(Compact(*seal)), sig->get_string())) {
      problems_.Add("seal: the signature does not verify with the header's public key");
    }
  }

  std::string_view text_;
  const std::string& trusted_;
  ArchiveReport* r_;
  Problems problems_;
  bool header_seen_ = false;
  std::vector<store::AuditEntry> entries_;
  std::vector<store::Checkpoint> checkpoints_;
};

}  // namespace

ArchiveWriter::ArchiveWriter(const KeyPair& key, TimePoint made, TimePoint before,
                             const std::string& previous_sha256, std::ostream* out)
    : key_(key), out_(out) {
  json::object h;
  h["format"] = kArchiveFormat;
  h["made_ms"] = ToUnixMillis(made);
  h["before_ms"] = ToUnixMillis(before);
  h["public_key"] = key.public_key_hex;
  h["previous_sha256"] = previous_sha256;
  Line(Compact(json::object{{"archive", std::move(h)}}));
}

void ArchiveWriter::Entry(const store::AuditEntry& e) {
  if (first_seq_ == 0) first_seq_ = e.seq;
  last_seq_ = e.seq;
  Line(Compact(json::object{{"entry", AuditEntryToJson(e)}}));
}

void ArchiveWriter::Checkpoint(const store::Checkpoint& c) {
  Line(Compact(json::object{{"checkpoint", CheckpointToJson(c)}}));
}

void ArchiveWriter::Record(std::string_view kind, const json::object& record) {
  json::object line;
  line[kind] = record;
  Line(Compact(line));
}

void ArchiveWriter::Line(const std::string& text) {
  body_.Update(text);
  body_.Update("\n");
  *out_ << text << '\n';
  ++lines_;
}

std::string ArchiveWriter::Finish() {
  json::object seal;
  seal["lines"] = lines_;
  seal["first_seq"] = first_seq_;
  seal["last_seq"] = last_seq_;
  seal["sha256"] = body_.Hex();
  const std::string seal_text = Compact(seal);
  json::object line;
  line["seal"] = std::move(seal);
  line["signature"] = Sign(key_, SealMessage(seal_text));
  const std::string text = Compact(line) + "\n";
  Sha256 whole = body_;
  whole.Update(text);
  *out_ << text;
  out_->flush();
  return whole.Hex();
}

ArchiveReport VerifyArchive(std::string_view text, const std::string& trusted_public_key_hex) {
  ArchiveReport r;
  Verifier(text, trusted_public_key_hex, &r).Run();
  return r;
}

}  // namespace deconflict::record
