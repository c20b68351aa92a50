// The soak mode of deconflict_load (soak.h). One thread per client sends one operation every
// clients / rate seconds (a fixed offered rate; a client more than a second behind its schedule
// skips ahead and counts as late); stream threads open GET /v1/events, read it for a while and
// close it, resuming from the party's last event id as a reconnecting EventSource does; the main
// thread samples the server every --soak-interval seconds.
#include "soak.h"

#include <CLI/CLI.hpp>
#include <algorithm>
#include <atomic>
#include <boost/json.hpp>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <deque>
#include <filesystem>
#include <fstream>
#include <initializer_list>
#include <memory>
#include <numbers>
#include <optional>
#include <sstream>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "base/thread_annotations.h"
#include "http/client.h"
#include "record/crypto.h"
#include "soak_verdict.h"
#include "stats.h"

namespace deconflict::load {
namespace {

namespace fs = std::filesystem;
namespace json = boost::json;
using bench::Percentile;

// ---------------------------------------------------------------------------------------------
// The operations and their mix.

enum class Op { kCreate, kShort, kAmend, kCancel, kAck, kRead, kShortEnd, kStream };
constexpr int kMixOps = 6;  // the first six are chosen by --soak-mix
constexpr int kOps = 8;
constexpr const char* kOpNames[kOps] = {"create", "short", "amend",     "cancel",
                                        "ack",    "read",  "short-end", "stream"};

struct Mix {
  double weight[kMixOps] = {};
  double total = 0;
  Op Pick(std::mt19937_64& rng) const {
    double r = Uniform(rng, 0, total);
    for (int i = 0; i < kMixOps; ++i) {
      if (r < weight[i]) return static_cast<Op>(i);
      r -= weight[i];
    }
    return Op::kRead;
  }
};

// "create=20,short=5,..." -> the weights; InvalidArgument naming the item at fault.
Result<Mix> ParseMix(const std::string& text) {
  Mix m;
  std::istringstream in(text);
  std::string item;
  while (std::getline(in, item, ',')) {
    const size_t eq = item.find('=');
    if (eq == std::string::npos) {
      return Status::InvalidArgument("--soak-mix: \"" + item + "\": expected NAME=WEIGHT");
    }
    const std::string name = item.substr(0, eq), value = item.substr(eq + 1);
    int k = 0;
    while (k < kMixOps && name != kOpNames[k]) ++k;
    if (k == kMixOps) {
      return Status::InvalidArgument("--soak-mix: unknown operation \"" + name +
                                     "\" (expected create, short, amend, cancel, ack or read)");
    }
    char* end = nullptr;
    const double w = std::strtod(value.c_str(), &end);
    if (value.empty() || *end != '\0' || !std::isfinite(w) || w < 0) {
      std::string why = "--soak-mix: " + name;
      why += ": expected a weight >= 0, got \"" + value + "\"";
      return Status::InvalidArgument(why);
    }
    m.weight[k] = w;
  }
  for (double w : m.weight) m.total += w;
  if (!(m.total > 0)) return Status::InvalidArgument("--soak-mix: the weights add up to 0");
  return m;
}

// ---------------------------------------------------------------------------------------------
// What the clients saw. Thread-safe.

enum class Outcome { kOk, kRefused, kError };

struct OpCount {
  int64_t ok = 0, refused = 0, errors = 0;
};

class Recorder {
 public:
  // One answered request (ms < 0: no latency to record, e.g. a stream).
  void Add(Op op, double ms, Outcome outcome, const std::string& error = "") {
    MutexLock lock(mu_);
    OpCount& c = counts_[static_cast<int>(op)];
    ++(outcome == Outcome::kOk ? c.ok : outcome == Outcome::kRefused ? c.refused : c.errors);
    if (ms >= 0) interval_ms_.push_back(ms);
    ++interval_requests_;
    if (outcome == Outcome::kError) {
      ++interval_errors_;
      if (samples_.size() < 8)
        samples_.push_back(std::string(kOpNames[static_cast<int>(op)]) + ": " +
                           error.substr(0, 300));
    }
    const bool write = op == Op::kCreate || op == Op::kShort || op == Op::kAmend ||
                       op == Op::kCancel || op == Op::kShortEnd;
    if (outcome == Outcome::kOk && write) ++writes_;
  }
  void AddStreamEvents(int64_t n) {
    MutexLock lock(mu_);
    stream_events_ += n;
  }
  void AddLate() {
    MutexLock lock(mu_);
    ++late_;
  }
  // Fills the sample's interval figures (and resets them) and the write count.
  void TakeInterval(SoakSample* s) {
    MutexLock lock(mu_);
    s->requests = interval_requests_;
    s->errors = interval_errors_;
    s->p50_ms = Percentile(interval_ms_, 0.50);
    s->p99_ms = Percentile(interval_ms_, 0.99);
    s->writes = writes_;
    interval_ms_.clear();
    interval_requests_ = interval_errors_ = 0;
  }
  struct Totals {
    OpCount ops[kOps];
    int64_t stream_events = 0, late = 0;
    std::vector<std::string> samples;
  };
  Totals totals() const {
    MutexLock lock(mu_);
    Totals t;
    std::copy(std::begin(counts_), std::end(counts_), std::begin(t.ops));
    t.stream_events = stream_events_;
    t.late = late_;
    t.samples = samples_;
    return t;
  }

 private:
  mutable Mutex mu_;
  OpCount counts_[kOps] GUARDED_BY(mu_);
  std::vector<double> interval_ms_ GUARDED_BY(mu_);
  int64_t interval_requests_ GUARDED_BY(mu_) = 0;
  int64_t interval_errors_ GUARDED_BY(mu_) = 0;
  int64_t writes_ GUARDED_BY(mu_) = 0;
  int64_t stream_events_ GUARDED_BY(mu_) = 0;
  int64_t late_ GUARDED_BY(mu_) = 0;
  std::vector<std::string> samples_ GUARDED_BY(mu_);
};

// ---------------------------------------------------------------------------------------------
// A client and its operations.

struct ShortPlan {
  std::string id;
  int64_t version = 1;
  int64_t gone_at = 0;  // unix s: its end + tolerance + a grace; then the driver cancels it
};

struct SoakClient {
  int index = 0;
  http::HeaderList auth;
  std::unique_ptr<http::Client> http;
  std::mt19937_64 rng;
  std::deque<OwnPlan> plans;          // live plans, oldest first
  std::deque<ShortPlan> shorts;       // plans that end soon, oldest first
  std::deque<std::string> conflicts;  // ids of conflicts its writes opened, not yet acknowledged
  int64_t next_plan = 0;
};

struct SoakContext {
  const SoakOptions& o;
  const Workload& w;
  Mix mix;
  std::string tag;  // plan id prefix of this soak
  Recorder& rec;
};

// A plan that ends soon: a ground movement of 2-4 legs starting 2 s..short_s/4 from now and
// lasting short_s/4..short_s/2 at 15-60 km/h, tolerance up to short_s/10.
Shape ShortShape(std::mt19937_64& rng, const Workload& w, int64_t now, double short_s) {
  Shape s;
  const int legs = std::uniform_int_distribution<int>(2, 4)(rng);
  const double total = std::max<double>(legs, Uniform(rng, short_s / 4, short_s / 2));
  const double leg_s = std::max(1.0, std::floor(total / legs));
  const double kmh = Uniform(rng, 15, 60), heading = Uniform(rng, 0, 2 * std::numbers::pi);
  const double km_per_deg_lat = 111.32;
  const double km_per_deg_lon = 111.32 * std::cos(w.lat0 * std::numbers::pi / 180);
  double x = Uniform(rng, -w.half_km, w.half_km), y = Uniform(rng, -w.half_km, w.half_km);
  int64_t t = now + static_cast<int64_t>(Uniform(rng, 2, std::max(3.0, short_s / 4)));
  for (int i = 0; i <= legs; ++i) {
    s.lon.push_back(w.lon0 + x / km_per_deg_lon);
    s.lat.push_back(w.lat0 + y / km_per_deg_lat);
    s.t.push_back(t);
    x += kmh * leg_s / 3600 * std::sin(heading);
    y += kmh * leg_s / 3600 * std::cos(heading);
    t += static_cast<int64_t>(leg_s);
  }
  s.corridor_m = std::round(Uniform(rng, 50, 300));
  s.tolerance_s = std::round(Uniform(rng, 0, short_s / 10));
  return s;
}

bool Holds(std::initializer_list<int> set, int v) {
  return std::find(set.begin(), set.end(), v) != set.end();
}

// Sends one request and records it as `op`: ok for a status in `ok`, refused for one in
// `refused` (an expected refusal: a conflict resolved before its acknowledgement, a plan the
// server retired), an error otherwise. Returns the response for an ok status.
std::optional<http::ClientResponse> Call(SoakClient& c, Recorder& rec, Op op,
                                         const std::string& method, const std::string& target,
                                         const std::string& body, const http::HeaderList& headers,
                                         std::initializer_list<int> ok,
                                         std::initializer_list<int> refused = {}) {
  const auto t0 = Clock::now();
  Result<http::ClientResponse> r = c.http->Send(method, target, body, headers);
  const double ms = Seconds(Clock::now() - t0) * 1e3;
  if (!r.ok()) {
    rec.Add(op, ms, Outcome::kError, method + " " + target + ": " + r.status().ToString());
    return std::nullopt;
  }
  if (Holds(ok, r->status)) {
    rec.Add(op, ms, Outcome::kOk);
    return std::move(*r);
  }
  rec.Add(op, ms, Holds(refused, r->status) ? Outcome::kRefused : Outcome::kError,
          method + " " + target + " HTTP " + std::to_string(r->status) + ": " + r->body);
  return std::nullopt;
}

// Keeps the ids of the conflicts in body's `member` array (the last 64).
void NoteConflicts(SoakClient& c, const std::string& body, const char* member) {
  boost::system::error_code ec;
  const json::value v = json::parse(body, ec);
  if (ec || !v.is_object()) return;
  const json::value* a = v.get_object().if_contains(member);
  if (a == nullptr || !a->is_array()) return;
  for (const json::value& x : a->get_array()) {
    const json::value* id = x.is_object() ? x.get_object().if_contains("id") : nullptr;
    if (id != nullptr && id->is_string()) c.conflicts.emplace_back(id->get_string());
  }
  while (c.conflicts.size() > 64) c.conflicts.pop_front();
}

int64_t VersionOf(const http::ClientResponse& r, int64_t otherwise) {
  const int64_t v = ParseEtag(r.header("ETag"));
  return v > 0 ? v : otherwise;
}

http::HeaderList WithIfMatch(const SoakClient& c, int64_t version) {
  http::HeaderList h = c.auth;
  h.emplace_back("If-Match", "\"" + std::to_string(version) + "\"");
  return h;
}

void Create(SoakClient& c, const SoakContext& x, bool short_plan) {
  const int64_t now = NowUnix();
  const std::string id = x.tag + "-c" + std::to_string(c.index) + (short_plan ? "-s" : "-") +
                         std::to_string(c.next_plan++);
  Shape s = short_plan ? ShortShape(c.rng, x.w, now, x.o.short_s) : RandomShape(c.rng, x.w, now);
  auto r = Call(c, x.rec, short_plan ? Op::kShort : Op::kCreate, "POST", "/v1/plans",
                FeatureJson(id, s), c.auth, {201});
  if (!r) return;
  NoteConflicts(c, r->body, "conflicts");
  const int64_t version = VersionOf(*r, 1);
  if (short_plan) {
    const auto grace = static_cast<int64_t>(x.o.short_s / 4);
    c.shorts.push_back({id, version, s.t.back() + static_cast<int64_t>(s.tolerance_s) + grace});
  } else {
    c.plans.push_back({id, version, std::move(s)});
  }
}

void Amend(SoakClient& c, const SoakContext& x) {
  const size_t i = std::uniform_int_distribution<size_t>(0, c.plans.size() - 1)(c.rng);
  OwnPlan& p = c.plans[i];
  Shape shifted = p.shape;
  ShiftInTime(c.rng, &shifted, NowUnix());
  auto r = Call(c, x.rec, Op::kAmend, "PUT", "/v1/plans/" + p.id, FeatureJson(p.id, shifted),
                WithIfMatch(c, p.version), {200}, {404, 409, 410});
  if (!r) {
    c.plans.erase(c.plans.begin() + static_cast<std::ptrdiff_t>(i));  // retired, or failed
    return;
  }
  NoteConflicts(c, r->body, "conflicts_opened");
  p.shape = std::move(shifted);
  p.version = VersionOf(*r, p.version + 1);
}

// DELETE of the oldest live plan, or of the oldest short plan once it is over (ok: the driver
// cancelled it; refused: the server had retired it).
void Cancel(SoakClient& c, const SoakContext& x, bool ended_short) {
  std::string id;
  int64_t version = 0;
  if (ended_short) {
    id = c.shorts.front().id;
    version = c.shorts.front().version;
    c.shorts.pop_front();
  } else {
    id = c.plans.front().id;
    version = c.plans.front().version;
    c.plans.pop_front();
  }
  Call(c, x.rec, ended_short ? Op::kShortEnd : Op::kCancel, "DELETE", "/v1/plans/" + id, "",
       WithIfMatch(c, version), {200}, {404, 409, 410, 412});
}

void Ack(SoakClient& c, const SoakContext& x) {
  const std::string id = c.conflicts.back();  // the newest: the likeliest to be still open
  c.conflicts.pop_back();
  // 409: resolved (amended, cancelled) or expired before this acknowledgement.
  Call(c, x.rec, Op::kAck, "POST", "/v1/conflicts/" + id + "/ack", "", c.auth, {200}, {409});
}

void Read(SoakClient& c, const SoakContext& x) {
  if (c.plans.empty() || Uniform(c.rng, 0, 1) < 0.5) {
    Call(c, x.rec, Op::kRead, "GET", "/v1/conflicts?status=open&limit=50", "", c.auth, {200});
    return;
  }
  const size_t i = std::uniform_int_distribution<size_t>(0, c.plans.size() - 1)(c.rng);
  Call(c, x.rec, Op::kRead, "GET", "/v1/plans/" + c.plans[i].id, "", c.auth, {200});
}

// One scheduled operation: an ended short plan's cancellation if one is due, else one drawn from
// the mix (a create beyond plans_per_client cancels the oldest plan instead; an amendment or
// cancellation without a plan creates one; an acknowledgement without a conflict reads).
void Step(SoakClient& c, const SoakContext& x) {
  if (!c.shorts.empty() && c.shorts.front().gone_at <= NowUnix()) return Cancel(c, x, true);
  Op op = x.mix.Pick(c.rng);
  if (op == Op::kCreate && c.plans.size() >= static_cast<size_t>(x.o.plans_per_client)) {
    op = Op::kCancel;
  }
  if ((op == Op::kAmend || op == Op::kCancel) && c.plans.empty()) op = Op::kCreate;
  if (op == Op::kAck && c.conflicts.empty()) op = Op::kRead;
  switch (op) {
    case Op::kCreate:
    case Op::kShort:
      return Create(c, x, op == Op::kShort);
    case Op::kAmend:
      return Amend(c, x);
    case Op::kCancel:
      return Cancel(c, x, false);
    case Op::kAck:
      return Ack(c, x);
    default:
      return Read(c, x);
  }
}

// Sends one operation every `period` from `first` until `end`.
void ClientLoop(SoakClient& c, const SoakContext& x, Clock::time_point first, Clock::time_point end,
                Clock::duration period) {
  Clock::time_point next = first;
  while (next < end) {
    std::this_thread::sleep_until(next);
    Step(c, x);
    next += period;
    const Clock::time_point now = Clock::now();
    if (now - next > std::chrono::seconds(1)) {
      x.rec.AddLate();
      next = now;
    }
  }
}

// Opens GET /v1/events as parties[k] (k advancing by `stride`), reads it for 0.5..hold_s s,
// closes it, until `end`. Resumes after the party's last event seen (Last-Event-ID).
void StreamLoop(size_t k, size_t stride, const http::Url& url,
                const std::vector<PartyToken>& parties, std::vector<std::atomic<int64_t>>* last,
                double hold_s, Clock::time_point end, Recorder* rec, uint64_t seed) {
  std::mt19937_64 rng(seed);
  while (Clock::now() < end) {
    k %= parties.size();
    http::HeaderList h = {{"Authorization", "Bearer " + parties[k].token}};
    int64_t seen = (*last)[k].load();
    if (seen > 0) h.emplace_back("Last-Event-ID", std::to_string(seen));
    const auto hold = std::chrono::duration_cast<Clock::duration>(
        std::chrono::duration<double>(Uniform(rng, 0.5, std::max(0.6, hold_s))));
    const Clock::time_point close_at = std::min(end, Clock::now() + hold);
    int64_t events = 0;
    const Status s = http::FollowSse(
        url, h,
        [&](const http::SseEvent& e) {
          ++events;
          seen = std::max(seen, e.id);
          return Clock::now() < close_at;  // `stop` is checked only when the stream is quiet
        },
        [&] { return Clock::now() >= close_at; });
    rec->Add(Op::kStream, -1, s.ok() ? Outcome::kOk : Outcome::kError, s.ToString());
    rec->AddStreamEvents(events);
    int64_t prev = (*last)[k].load();
    while (seen > prev && !(*last)[k].compare_exchange_weak(prev, seen)) {
    }
    k += stride;
    std::this_thread::sleep_for(std::chrono::milliseconds(
        static_cast<int>(Uniform(rng, 0, 200))));  // pacing between streams, not a wait
  }
}

// ---------------------------------------------------------------------------------------------
// Sampling the server.

// A "Name:   123 kB" field of /proc/PID/status, in kB; -1 if absent.
int64_t ProcStatusKb(int pid, const std::string& field) {
  std::ifstream in("/proc/" + std::to_string(pid) + "/status");
  std::string line;
  while (std::getline(in, line)) {
    if (line.rfind(field, 0) == 0) return std::strtoll(line.c_str() + field.size(), nullptr, 10);
  }
  return -1;
}

int64_t CountFds(int pid) {
  std::error_code ec;
  int64_t n = 0;
  for (fs::directory_iterator it("/proc/" + std::to_string(pid) + "/fd", ec), e; !ec && it != e;
       it.increment(ec)) {
    ++n;
  }
  return n;
}

int64_t DirBytes(const std::string& dir) {
  std::error_code ec;
  int64_t n = 0;
  for (fs::recursive_directory_iterator it(dir, ec), e; !ec && it != e; it.increment(ec)) {
    std::error_code ec2;
    if (it->is_regular_file(ec2)) n += static_cast<int64_t>(it->file_size(ec2));
  }
  return n;
}

class Sampler {
 public:
  Sampler(int pid, std::string data_dir, const http::Url& base, std::string metrics_token)
      : pid_(pid),
        data_dir_(std::move(data_dir)),
        metrics_(base),
        token_("Bearer " + std::move(metrics_token)) {}

  // The server now: RSS, descriptors, database bytes and the /metrics gauges (not the interval).
  SoakSample Take(double t_s) {
    SoakSample s;
    s.t_s = t_s;
    s.rss_kb = ProcStatusKb(pid_, "VmRSS:");
    s.fds = CountFds(pid_);
    s.db_bytes = DirBytes(data_dir_);
    auto r = metrics_.Send("GET", "/metrics", "", {{"Authorization", token_}});
    if (r.ok() && r->status == 200) {
      const MetricMap m = ParseMetrics(r->body);
      if (m.count("deconflict_sqlite_memory_bytes") != 0) {
        s.sqlite_kb = static_cast<int64_t>(Get(m, "deconflict_sqlite_memory_bytes") / 1024);
      }
      s.plans_active = Get(m, "deconflict_plans_active");
      s.conflicts_open = Get(m, "deconflict_conflicts_open");
      s.streams = Get(m, "deconflict_stream_subscribers");
    }
    return s;
  }

 private:
  int pid_;
  std::string data_dir_;
  http::Client metrics_;
  std::string token_;
};

// ---------------------------------------------------------------------------------------------
// Output.

double Mb(int64_t kb) { return static_cast<double>(kb) / 1024; }

void PrintSamples(const std::vector<SoakSample>& samples, double interval_s) {
  std::printf(
      "| t s | RSS MB | SQLite heap MB | RSS − SQLite MB | fds | DB MB | req/s | errors | p50 ms "
      "| p99 ms | plans active | conflicts open | streams |\n"
      "|---|---|---|---|---|---|---|---|---|---|---|---|---|\n");
  // At most ~30 rows: every k-th sample, and the last.
  const size_t k = std::max<size_t>(1, (samples.size() + 29) / 30);
  for (size_t i = 0; i < samples.size(); ++i) {
    if (i % k != 0 && i + 1 != samples.size()) continue;
    const SoakSample& s = samples[i];
    std::printf(
        "| %.0f | %.1f | %s | %.1f | %lld | %.1f | %.0f | %lld | %.1f | %.1f | %s | %s | "
        "%s |\n",
        s.t_s, Mb(s.rss_kb), s.sqlite_kb >= 0 ? Fmt(Mb(s.sqlite_kb), 1).c_str() : "-",
        Mb(MemoryKb(s, true)), static_cast<long long>(s.fds),
        static_cast<double>(s.db_bytes) / (1 << 20), static_cast<double>(s.requests) / interval_s,
        static_cast<long long>(s.errors), s.p50_ms, s.p99_ms, Fmt(s.plans_active, 0).c_str(),
        Fmt(s.conflicts_open, 0).c_str(), Fmt(s.streams, 0).c_str());
  }
}

void PrintTotals(const Recorder::Totals& t) {
  std::printf("\n| operation | ok | refused (expected) | errors |\n|---|---|---|---|\n");
  for (int i = 0; i < kOps; ++i) {
    std::printf("| %s | %lld | %lld | %lld |\n", kOpNames[i], static_cast<long long>(t.ops[i].ok),
                static_cast<long long>(t.ops[i].refused), static_cast<long long>(t.ops[i].errors));
  }
  const OpCount& ended = t.ops[static_cast<int>(Op::kShortEnd)];
  std::printf(
      "\n  plans that ended: %lld retired by the server (DELETE refused), %lld still there after "
      "their end + grace (cancelled by the driver)\n",
      static_cast<long long>(ended.refused), static_cast<long long>(ended.ok));
  std::printf("  stream events received: %lld; client slots more than 1 s late: %lld\n",
              static_cast<long long>(t.stream_events), static_cast<long long>(t.late));
  for (const std::string& s : t.samples) std::printf("  error: %s\n", s.c_str());
}

// The database's growth per acknowledged plan write after the warm-up (reported, not judged:
// the record keeps history by design).
void PrintDatabase(const std::vector<SoakSample>& samples, double warmup_s) {
  const SoakSample* w = nullptr;
  for (const SoakSample& s : samples) {
    if (w == nullptr && s.t_s >= warmup_s) w = &s;
  }
  const SoakSample& last = samples.back();
  if (w == nullptr || last.writes <= w->writes) return;
  std::printf(
      "  database: %.1f MB at the end, %.0f bytes per plan write after the warm-up "
      "(%lld writes: POST, PUT, DELETE); %.0f bytes per write over the whole run\n",
      static_cast<double>(last.db_bytes) / (1 << 20),
      static_cast<double>(last.db_bytes - w->db_bytes) /
          static_cast<double>(last.writes - w->writes),
      static_cast<long long>(last.writes - w->writes),
      last.writes > 0 ? static_cast<double>(last.db_bytes - samples.front().db_bytes) /
                            static_cast<double>(last.writes)
                      : 0.0);
}

}  // namespace

// ---------------------------------------------------------------------------------------------
// The server, the run, the verdict.

namespace {

struct Server {
  Daemon daemon;
  std::string dir;
  std::vector<PartyToken> tokens;
  http::Url base;
  std::string metrics_token;
};

// Starts deconflictd for f's parties, allowing `streams` more connections than clients.
int StartServer(const Flags& f, int streams, Server* s) {
  Flags g = f;
  g.clients += streams;  // StartLocalServer's per-address connection limit
  if (int code = StartLocalServer(g, s->daemon, &s->dir, &s->tokens); code != 0) return code;
  s->base = *http::ParseUrl("http://127.0.0.1:" + std::to_string(s->daemon.port()));
  std::ifstream in(s->dir + "/metrics-token");
  in >> s->metrics_token;
  return 0;
}

// SIGTERM and wait: the exit code (the log printed unless 0); removes the folder unless kept.
int StopServer(const Flags& f, Server* s) {
  const int code = s->daemon.Stop();
  if (code != 0)
    std::fprintf(stderr, "deconflictd exit code %d; log:\n%s\n", code, s->daemon.Log().c_str());
  if (!f.keep_data) {
    std::error_code ec;
    fs::remove_all(s->dir, ec);
  }
  return code;
}

// "" if the options are good, else what is wrong.
std::string SoakOptionsError(const Flags& f, const SoakOptions& o) {
  if (f.deconflictd.empty() || !f.server.empty()) {
    return "--soak and --amend-one need --deconflictd PATH: they sample /proc of the server they "
           "start (not --server)";
  }
  if (o.seconds > 0 && o.amend_one > 0) return "give --soak or --amend-one, not both";
  if (o.warmup_s >= o.seconds && o.seconds > 0) {
    return "--soak-warmup: must be shorter than --soak (" + Fmt(o.seconds, 0) + " s)";
  }
  if (o.interval_s > o.seconds / 5 && o.seconds > 0) {
    return "--soak-interval: at most a fifth of --soak, so that enough samples follow the warm-up";
  }
  return "";
}

void PrintSoakHeader(const Flags& f, const SoakOptions& o, const std::string& cmd) {
  std::printf("deconflict_load soak\n  command:  %s\n  date:     %s\n", cmd.c_str(),
              UtcNow().c_str());
  std::printf("  machine:  %ld cores online, %s, %s; load %s at start\n",
              sysconf(_SC_NPROCESSORS_ONLN),
              bench::FirstLineWith("/proc/cpuinfo", "model name").c_str(),
              bench::FirstLineWith("/proc/meminfo", "MemTotal").c_str(), LoadAverage().c_str());
  std::printf(
      "  load:     %.0f operations/s offered by %d clients of %d parties (mix %s, at most "
      "%d live plans each), %d event streams coming and going (held up to %.0f s); "
      "plans that end soon live about %.0f s; data under %s (%s)\n",
      o.rate, f.clients, f.parties, o.mix.c_str(), o.plans_per_client, o.streams, o.stream_s,
      o.short_s * 1.1, f.data_root.c_str(), FsType(f.data_root).c_str());
  std::printf("  samples:  every %.0f s for %.0f s, warm-up %.0f s\n\n", o.interval_s, o.seconds,
              o.warmup_s);
  std::fflush(stdout);
}

// Runs the clients and streams from now until o.seconds and samples the server every
// o.interval_s; returns the samples.
std::vector<SoakSample> DriveAndSample(const Flags& f, const SoakOptions& o, const SoakContext& x,
                                       Server& server) {
  std::vector<std::unique_ptr<SoakClient>> clients;
  for (int i = 0; i < f.clients; ++i) {
    auto c = std::make_unique<SoakClient>();
    c->index = i;
    const PartyToken& pt = server.tokens[static_cast<size_t>(i) % server.tokens.size()];
    c->auth = {{"Authorization", "Bearer " + pt.token}};
    c->http = std::make_unique<http::Client>(server.base);
    c->rng.seed(f.seed * 1000003ULL + static_cast<uint64_t>(i));
    clients.push_back(std::move(c));
  }
  std::vector<std::atomic<int64_t>> last_event(server.tokens.size());
  const http::Url events =
      *http::ParseUrl("http://127.0.0.1:" + std::to_string(server.daemon.port()) + "/v1/events");
  const auto sec = [](double s) {
    return std::chrono::duration_cast<Clock::duration>(std::chrono::duration<double>(s));
  };
  const Clock::time_point start = Clock::now() + std::chrono::milliseconds(100);
  const Clock::time_point end = start + sec(o.seconds);
  const Clock::duration period = sec(static_cast<double>(f.clients) / o.rate);
  std::vector<std::thread> threads;
  threads.reserve(static_cast<size_t>(f.clients) + static_cast<size_t>(o.streams));
  for (int i = 0; i < f.clients; ++i) {
    threads.emplace_back(ClientLoop, std::ref(*clients[static_cast<size_t>(i)]), std::cref(x),
                         start + period * i / f.clients, end, period);
  }
  for (int i = 0; i < o.streams; ++i) {
    threads.emplace_back(StreamLoop, static_cast<size_t>(i), static_cast<size_t>(o.streams),
                         std::cref(events), std::cref(server.tokens), &last_event, o.stream_s, end,
                         &x.rec, f.seed + 7919ULL * static_cast<uint64_t>(i));
  }
  Sampler sampler(server.daemon.pid(), server.dir + "/data", server.base, server.metrics_token);
  std::vector<SoakSample> samples;
  for (int k = 0; k * o.interval_s <= o.seconds + 1e-9; ++k) {
    std::this_thread::sleep_until(start + sec(k * o.interval_s));
    samples.push_back(sampler.Take(k * o.interval_s));
    x.rec.TakeInterval(&samples.back());
    const SoakSample& s = samples.back();
    std::fprintf(stderr,
                 "  %5.0f s  RSS %6.1f MB  SQLite %5.1f MB  fds %3lld  DB %6.1f MB  "
                 "%5.0f req/s  p99 %6.1f ms  errors %lld\n",
                 s.t_s, Mb(s.rss_kb), Mb(std::max<int64_t>(s.sqlite_kb, 0)),
                 static_cast<long long>(s.fds), static_cast<double>(s.db_bytes) / (1 << 20),
                 static_cast<double>(s.requests) / o.interval_s, s.p99_ms,
                 static_cast<long long>(s.errors));
  }
  for (auto& t : threads) t.join();
  return samples;
}

// Prints the verdict; returns whether the soak passed.
bool PrintVerdict(const SoakOptions& o, const std::vector<SoakSample>& samples,
                  const Recorder::Totals& t, int exit_code) {
  const GrowthVerdict v = JudgeGrowth(samples, {.warmup_s = o.warmup_s,
                                                .rss_margin_mb = o.rss_margin_mb,
                                                .rss_margin_fraction = o.rss_margin_pct / 100,
                                                .fd_margin = o.fd_margin,
                                                .max_slope_mb_per_h = o.max_slope_mb_h,
                                                .net_of_sqlite = !o.raw_rss});
  std::vector<std::string> failures = v.failures;
  int64_t requests = 0, errors = 0;
  for (const OpCount& c : t.ops) requests += c.ok + c.refused + c.errors, errors += c.errors;
  const double error_pct =
      requests > 0 ? 100.0 * static_cast<double>(errors) / static_cast<double>(requests) : 100;
  if (error_pct > o.max_error_pct) {
    failures.push_back(std::to_string(errors) + " of " + std::to_string(requests) +
                       " requests failed (" + Fmt(error_pct, 2) + " %, more than " +
                       Fmt(o.max_error_pct, 2) + " %)");
  }
  if (exit_code != 0) {
    failures.push_back("deconflictd exited with code " + std::to_string(exit_code) + ", not 0");
  }
  std::printf(
      "\n  memory judged: %s; after the warm-up (%.0f s, %d samples): %.1f MB just after it, "
      "%.1f MB at most in the second half (%+.1f MB, margin %.1f MB); slope %+.1f MB/h%s; "
      "fds %lld -> %lld (margin %d); %lld errors in %lld requests\n",
      v.net ? "RSS less SQLite's heap" : "RSS", o.warmup_s, v.post_samples, v.ref_mb, v.end_mb,
      v.end_mb - v.ref_mb, v.allowed_mb, v.slope_mb_per_h,
      o.max_slope_mb_h > 0 ? (" (at most " + Fmt(o.max_slope_mb_h, 1) + ")").c_str() : "",
      static_cast<long long>(v.ref_fds), static_cast<long long>(v.end_fds), o.fd_margin,
      static_cast<long long>(errors), static_cast<long long>(requests));
  for (const std::string& why : failures) std::printf("  FAIL: %s\n", why.c_str());
  std::printf("\nSoak: %s\n", failures.empty() ? "FLAT (pass)" : "GROWTH or FAILURE (fail)");
  return failures.empty();
}

bool WriteCsv(const std::string& path, const std::vector<SoakSample>& samples) {
  std::ofstream out(path);
  out << SoakCsvHeader() << "\n";
  for (const SoakSample& s : samples) out << SoakCsvRow(s) << "\n";
  return static_cast<bool>(out);
}

}  // namespace

int RunSoak(const Flags& f, const Workload& w, SoakOptions o, const std::string& cmd) {
  if (o.warmup_s < 0) o.warmup_s = o.seconds / 5;
  if (std::string e = SoakOptionsError(f, o); !e.empty()) {
    std::fprintf(stderr, "%s\n", e.c_str());
    return 2;
  }
  Result<Mix> mix = ParseMix(o.mix);
  if (!mix.ok()) {
    std::fprintf(stderr, "%s\n", mix.status().message().c_str());
    return 2;
  }
  PrintSoakHeader(f, o, cmd);
  Server server;
  if (int code = StartServer(f, o.streams, &server); code != 0) return code;
  Recorder rec;
  const SoakContext x{o, w, *mix, "S" + record::RandomHex(3), rec};
  const std::vector<SoakSample> samples = DriveAndSample(f, o, x, server);
  const int exit_code = StopServer(f, &server);
  const Recorder::Totals totals = rec.totals();
  PrintSamples(samples, o.interval_s);
  PrintTotals(totals);
  PrintDatabase(samples, o.warmup_s);
  if (!o.csv.empty()) {
    if (WriteCsv(o.csv, samples)) {
      std::printf("  samples: %s (plot: bench/soak-plot %s)\n", o.csv.c_str(), o.csv.c_str());
    } else {
      std::fprintf(stderr, "cannot write %s\n", o.csv.c_str());
    }
  }
  return PrintVerdict(o, samples, totals, exit_code) ? 0 : 1;
}

// ---------------------------------------------------------------------------------------------
// The amendment measurement of issue 14.

namespace {

// A ground movement of `vertices` vertices eastwards from the box's centre, 30 km/h, one
// minute per leg, starting at `start` (unix s).
Shape LongMovement(int vertices, const Workload& w, int64_t start) {
  Shape s;
  const double km_per_deg_lon = 111.32 * std::cos(w.lat0 * std::numbers::pi / 180);
  for (int i = 0; i < vertices; ++i) {
    s.lon.push_back(w.lon0 + 0.5 * i / km_per_deg_lon);
    s.lat.push_back(w.lat0 + (i % 2 == 0 ? 0 : 0.002));
    s.t.push_back(start + 60 * i);
  }
  s.corridor_m = 100;
  s.tolerance_s = 60;
  return s;
}

void PrintAmendRow(const char* what, int64_t amendments, const SoakSample& s) {
  std::printf("| %s | %lld | %.1f | %s | %.1f | %.1f |\n", what, static_cast<long long>(amendments),
              Mb(s.rss_kb), s.sqlite_kb >= 0 ? Fmt(Mb(s.sqlite_kb), 1).c_str() : "-",
              Mb(MemoryKb(s, true)), static_cast<double>(s.db_bytes) / (1 << 20));
}

// Amends the plan `id` (at *version, shape *s) n times in a row, each shifted 10 min later or
// back; samples the server after `warm` of them into *after_warm. Returns the errors.
int64_t AmendRepeatedly(http::Client& c, const http::HeaderList& auth, const std::string& id,
                        Shape* s, int64_t* version, int64_t n, int64_t warm, Sampler& sampler,
                        SoakSample* after_warm) {
  int64_t errors = 0;
  const Clock::time_point t0 = Clock::now();
  for (int64_t i = 1; i <= n && errors < 10; ++i) {
    for (int64_t& t : s->t) t += i % 2 == 1 ? 600 : -600;
    http::HeaderList h = auth;
    h.emplace_back("If-Match", "\"" + std::to_string(*version) + "\"");
    Result<http::ClientResponse> r = c.Send("PUT", "/v1/plans/" + id, FeatureJson(id, *s), h);
    if (!r.ok() || r->status != 200) {
      ++errors;
      std::fprintf(stderr, "amendment %lld: %s\n", static_cast<long long>(i),
                   r.ok() ? (std::to_string(r->status) + " " + r->body).c_str()
                          : r.status().ToString().c_str());
      continue;
    }
    *version = VersionOf(*r, *version + 1);
    if (i == warm) *after_warm = sampler.Take(Seconds(Clock::now() - t0));
    if (n >= 10 && i % (n / 10) == 0) {
      std::fprintf(stderr, "  %lld amendments, %.0f/s\n", static_cast<long long>(i),
                   static_cast<double>(i) / Seconds(Clock::now() - t0));
    }
  }
  return errors;
}

}  // namespace

int RunAmendOne(const Flags& f, const Workload& w, const SoakOptions& o, const std::string& cmd) {
  if (std::string e = SoakOptionsError(f, o); !e.empty()) {
    std::fprintf(stderr, "%s\n", e.c_str());
    return 2;
  }
  const int64_t n = o.amend_one;
  const int64_t warm =
      o.amend_one_warmup >= 0 ? std::min(o.amend_one_warmup, n) : std::min<int64_t>(1000, n / 5);
  std::printf("deconflict_load amend-one\n  command:  %s\n  date:     %s\n  load:     %s\n\n",
              cmd.c_str(), UtcNow().c_str(), LoadAverage().c_str());
  Server server;
  if (int code = StartServer(f, 0, &server); code != 0) return code;
  http::Client c(server.base);
  const http::HeaderList auth = {{"Authorization", "Bearer " + server.tokens.front().token}};
  Shape s = LongMovement(o.amend_one_vertices, w, NowUnix() + 3600);
  const std::string id = "amend-one";
  Result<http::ClientResponse> r = c.Send("POST", "/v1/plans", FeatureJson(id, s), auth);
  if (!r.ok() || r->status != 201) {
    std::fprintf(stderr, "cannot submit the plan: %s\n",
                 r.ok() ? r->body.c_str() : r.status().ToString().c_str());
    StopServer(f, &server);
    return 3;
  }
  int64_t version = VersionOf(*r, 1);
  Sampler sampler(server.daemon.pid(), server.dir + "/data", server.base, server.metrics_token);
  const SoakSample start = sampler.Take(0);
  SoakSample after_warm = start;
  const int64_t errors = AmendRepeatedly(c, auth, id, &s, &version, n, warm, sampler, &after_warm);
  const SoakSample end = sampler.Take(0);
  const int exit_code = StopServer(f, &server);
  std::printf(
      "One plan of %d vertices amended %lld times (PUT with If-Match, one at a time)\n\n"
      "| point | amendments | RSS MB | SQLite heap MB | RSS − SQLite MB | DB MB |\n"
      "|---|---|---|---|---|---|\n",
      o.amend_one_vertices, static_cast<long long>(n));
  PrintAmendRow("start", 0, start);
  PrintAmendRow("after warm-up", warm, after_warm);
  PrintAmendRow("end", n, end);
  const bool net = !o.raw_rss && end.sqlite_kb >= 0;
  const double grown_mb = Mb(MemoryKb(end, net) - MemoryKb(after_warm, net));
  const double allowed_mb =
      std::max(o.rss_margin_mb, o.rss_margin_pct / 100 * Mb(MemoryKb(after_warm, net)));
  std::printf(
      "\n  %s after the warm-up: %+.1f MB (%.2f KB per amendment), margin %.1f MB; "
      "%lld errors; deconflictd exit code %d\n",
      net ? "RSS less SQLite's heap" : "RSS", grown_mb,
      n > warm ? grown_mb * 1024 / static_cast<double>(n - warm) : 0.0, allowed_mb,
      static_cast<long long>(errors), exit_code);
  const bool ok = grown_mb <= allowed_mb && errors == 0 && exit_code == 0;
  std::printf("\nAmend-one: %s\n", ok ? "FLAT (pass)" : "GROWTH or FAILURE (fail)");
  return ok ? 0 : 1;
}

void AddSoakOptions(CLI::App& app, SoakOptions& o) {
  app.add_option("--soak", o.seconds,
                 "soak mode: a sustained mixed load for this many seconds, sampling the server "
                 "(bench/README.md); fails on growth after the warm-up")
      ->check(CLI::PositiveNumber);
  app.add_option("--soak-rate", o.rate,
                 "soak: operations offered per second, all clients (DEFAULT 100)")
      ->check(CLI::PositiveNumber);
  app.add_option("--soak-interval", o.interval_s, "soak: seconds between samples (DEFAULT 5)")
      ->check(CLI::PositiveNumber);
  app.add_option("--soak-warmup", o.warmup_s, "soak: seconds of warm-up (DEFAULT --soak / 5)")
      ->check(CLI::NonNegativeNumber);
  app.add_option("--soak-csv", o.csv, "soak: write the samples as CSV (plot: bench/soak-plot)");
  app.add_option("--soak-mix", o.mix,
                 "soak: weights of create, short (plans that end soon), amend, cancel, ack, read "
                 "(DEFAULT create=20,short=5,amend=30,cancel=5,ack=10,read=30)");
  app.add_option("--soak-plans-per-client", o.plans_per_client,
                 "soak: live plans a client keeps (a create beyond cancels its oldest; DEFAULT 20)")
      ->check(CLI::PositiveNumber);
  app.add_option("--soak-streams", o.streams,
                 "soak: event streams open at once (0: none; DEFAULT 4)")
      ->check(CLI::NonNegativeNumber);
  app.add_option("--soak-stream-s", o.stream_s,
                 "soak: a stream stays open 0.5 s..this long (DEFAULT 5)")
      ->check(CLI::PositiveNumber);
  app.add_option("--soak-short-s", o.short_s,
                 "soak: plans that end soon start within S/4 s, last S/4..S/2 s, and are "
                 "cancelled S/4 s after their end if the server did not retire them (DEFAULT 120)")
      ->check(CLI::Range(8.0, 86400.0));
  app.add_option("--soak-rss-margin-mb", o.rss_margin_mb,
                 "soak: memory growth allowed, MB (DEFAULT 8)");
  app.add_option("--soak-rss-margin-pct", o.rss_margin_pct,
                 "soak: memory growth allowed, % (DEFAULT 10; the larger margin counts)");
  app.add_option("--soak-fd-margin", o.fd_margin,
                 "soak: open descriptors growth allowed (DEFAULT 8)");
  app.add_option("--soak-max-slope-mb-h", o.max_slope_mb_h,
                 "soak: fail when memory grows faster, MB/h (DEFAULT 0: report only)");
  app.add_flag("--soak-raw-rss", o.raw_rss, "soak: judge the RSS with SQLite's heap in it");
  app.add_option("--soak-max-error-pct", o.max_error_pct,
                 "soak: failed requests allowed, % (DEFAULT 1)");
  app.add_option("--amend-one", o.amend_one,
                 "amend one plan N times in a row; print RSS at the start, after the warm-up "
                 "and at the end; fail on growth after the warm-up")
      ->check(CLI::PositiveNumber);
  app.add_option("--amend-one-warmup", o.amend_one_warmup,
                 "amendments before the warm-up sample (DEFAULT min(1000, N / 5))")
      ->check(CLI::NonNegativeNumber);
  app.add_option("--amend-one-vertices", o.amend_one_vertices,
                 "vertices of the amended plan (DEFAULT 40)")
      ->check(CLI::Range(2, 10000));
}

}  // namespace deconflict::load
