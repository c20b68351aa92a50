// deconflict_load: the load benchmark of deconflictd (issue 3: "a load driver submitting
// overlapping, conflicting plans from many concurrent parties: >= 1,000 durable submissions/s with
// p99 <= 50 ms on this 2-core machine, and read throughput").
//
//   deconflict_load --deconflictd build/release/src/server/deconflictd
//       --parties 16 --clients 64 --duration 10 --warmup 2 --runs 5 --density dense
//       --out load.json
//   deconflict_load --server http://127.0.0.1:8080 --tokens tokens.txt ...   # a running server
//
// By default every run starts its own deconflictd on a fresh data folder (on disk, not tmpfs: the
// store commits with synchronous=FULL, so every 201/200 counted here was fsync'ed before it was
// answered), creates the parties and their tokens directly in the fresh store, and then runs these
// phases, each against the same server:
//
//   warmup      C clients submit for --warmup s (not reported; fills the detector a little)
//   sequential  1 client submits for --baseline-duration s: one request at a time, so each
//               submission waits for its own commit (the baseline: what group commit buys)
//   submit      C clients submit for --duration s            <- the target is measured here
//   conflicts   C clients GET /v1/conflicts?status=open&limit=50 (their party's first 50) for
//               --read-duration s
//   plans       C clients GET /v1/plans/{id} (their own)  for --read-duration s
//   healthz     C clients GET /healthz for --read-duration s (the HTTP stack's ceiling)
//
// A submission is a POST /v1/plans of a new plan Feature (ground movements and some flights,
// 2-10 legs, in a box around 37.0N 41.6E, within the next 6 h, corridors 50-300 m) or, with
// probability --amend (0.1), a PUT /v1/plans/{id} with If-Match of one of the client's own plans,
// shifted in time by 5-30 min. Client i is party i % P; one coordinator party also receives every
// notice (fan-out to three recipients per conflict). Only 201/200 count; every other answer is
// an error and is reported. Latency is client-side, per request (send to full answer).
//
// Server-side figures come from /metrics (writer batches and operations -> mean batch size,
// per-route request duration) and, for the server this driver started, /proc (CPU per thread).
// After each run the server is stopped (SIGTERM, exit 0 expected) and the store is reopened to
// check that every acknowledged submission is in it (durability check).
//
// Two other modes (soak.h, issue 14): --soak SECONDS, a sustained mixed load at a fixed rate that
// samples the server's memory, descriptors, database size and latency and fails on growth; and
// --amend-one N, one plan amended N times with the RSS before and after.
//
// Progress goes to stderr, results to stdout; --out writes everything as JSON.
// Figures and interpretation: docs/PERFORMANCE.md ("deconflictd under load").
#include <fcntl.h>
#include <signal.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <sys/types.h>
#include <sys/utsname.h>
#include <sys/wait.h>
#include <unistd.h>

#include <CLI/CLI.hpp>
#include <algorithm>
#include <atomic>
#include <boost/json.hpp>
#include <chrono>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <ctime>
#include <filesystem>
#include <fstream>
#include <map>
#include <memory>
#include <mutex>
#include <numbers>
#include <optional>
#include <random>
#include <sstream>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "base/status.h"
#include "base/time.h"
#include "http/client.h"
#include "json/write.h"
#include "load.h"
#include "record/crypto.h"
#include "soak.h"
#include "stats.h"
#include "store/sqlite_store.h"
#include "store/store.h"

namespace deconflict::load {

// An instant `ms` milliseconds after the epoch.
TimePoint Ms(int64_t ms) { return FromUnixMillis(ms); }

using bench::FirstLineWith;
using bench::Median;
using bench::Percentile;

namespace fs = std::filesystem;
namespace json = boost::json;

double Seconds(Clock::duration d) { return std::chrono::duration<double>(d).count(); }

// ---------------------------------------------------------------------------------------------
// Statistics and the machine.

double Load1() {
  std::ifstream in("/proc/loadavg");
  double a = 0;
  in >> a;
  return a;
}
std::string LoadAverage() {
  std::ifstream in("/proc/loadavg");
  double a = 0, b = 0, c = 0;
  in >> a >> b >> c;
  char buf[64];
  std::snprintf(buf, sizeof buf, "%.2f %.2f %.2f", a, b, c);
  return buf;
}

std::string UtcNow() {
  char date[64];
  const std::time_t now = std::time(nullptr);
  std::strftime(date, sizeof date, "%Y-%m-%dT%H:%M:%SZ", std::gmtime(&now));
  return date;
}

std::string FsType(const std::string& path) {
  struct statfs s {};
  if (statfs(path.c_str(), &s) != 0) return "?";
  switch (static_cast<unsigned long>(s.f_type)) {
    case 0x01021994UL:
      return "tmpfs";
    case 0xEF53UL:
      return "ext4";
    case 0x58465342UL:
      return "xfs";
    case 0x9123683EUL:
      return "btrfs";
    case 0x794c7630UL:
      return "overlayfs";
    default: {
      char buf[32];
      std::snprintf(buf, sizeof buf, "0x%lx", static_cast<unsigned long>(s.f_type));
      return buf;
    }
  }
}

// CPU seconds (user + system) of a process or one of its threads from /proc, -1 if unreadable.
// `stat_path` is /proc/PID/stat or /proc/PID/task/TID/stat. *comm receives the thread name.
double ProcCpu(const std::string& stat_path, std::string* comm = nullptr) {
  std::ifstream in(stat_path);
  std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  const size_t open = text.find('('), close = text.rfind(')');
  if (open == std::string::npos || close == std::string::npos) return -1;
  if (comm) *comm = text.substr(open + 1, close - open - 1);
  std::istringstream rest(text.substr(close + 2));
  std::string field;
  double utime = 0, stime = 0;
  // Fields after the comm: 3 state, 4 ppid, ... 14 utime, 15 stime.
  for (int i = 3; i <= 15 && rest >> field; ++i) {
    if (i == 14) utime = std::strtod(field.c_str(), nullptr);
    if (i == 15) stime = std::strtod(field.c_str(), nullptr);
  }
  return (utime + stime) / static_cast<double>(sysconf(_SC_CLK_TCK));
}

double SelfCpu() {
  rusage u{};
  getrusage(RUSAGE_SELF, &u);
  return static_cast<double>(u.ru_utime.tv_sec + u.ru_stime.tv_sec) +
         static_cast<double>(u.ru_utime.tv_usec + u.ru_stime.tv_usec) * 1e-6;
}

// Per thread of a process, from /proc/PID/task/TID/schedstat: seconds on a CPU and seconds
// runnable but waiting for one (the run queue: a loaded machine). The rest of the wall time the
// thread was blocked (I/O such as fsync, locks, or idle).
struct ThreadTimes {
  double cpu_s = 0, runqueue_s = 0;
};
std::map<int, ThreadTimes> ThreadSched(int pid) {
  std::map<int, ThreadTimes> out;
  std::error_code ec;
  const std::string dir = "/proc/" + std::to_string(pid) + "/task";
  for (const auto& e : fs::directory_iterator(dir, ec)) {
    std::ifstream in(e.path().string() + "/schedstat");
    double on_ns = 0, wait_ns = 0;
    if (in >> on_ns >> wait_ns) {
      out[std::atoi(e.path().filename().c_str())] = {on_ns * 1e-9, wait_ns * 1e-9};
    }
  }
  return out;
}

// ---------------------------------------------------------------------------------------------
// The workload: random plans in a box, within the next hours.

double Uniform(std::mt19937_64& rng, double lo, double hi) {
  return std::uniform_real_distribution<double>(lo, hi)(rng);
}

int64_t NowUnix() {
  return std::chrono::duration_cast<std::chrono::seconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

// A ground movement (15-60 km/h, legs of 1-10 min: a random walk from a uniform start in the
// box, reflected at its walls) or a flight route (helicopters and drones: 150-300 km/h, legs of
// 1-3 min, 150-3,000 m, about half of them low-level, below the 1,500 m ceiling of the rules; a
// transit that may leave the box); 2-10 legs; start time uniform in
// [now + lead, now + horizon - duration]; corridor 50-300 m, time tolerance 0-300 s (the
// scenario generator's ranges).
Shape RandomShape(std::mt19937_64& rng, const Workload& w, int64_t now) {
  Shape s;
  s.flight = Uniform(rng, 0, 1) < w.flights;
  const int legs = std::uniform_int_distribution<int>(2, 10)(rng);
  const double kmh = s.flight ? Uniform(rng, 150, 300) : Uniform(rng, 15, 60);
  const double leg_lo = 60, leg_hi = s.flight ? 180 : 600;
  const double alt = Uniform(rng, 150, 3000);
  std::vector<double> leg_s(static_cast<size_t>(legs));
  double total = 0;
  for (double& d : leg_s) total += d = std::round(Uniform(rng, leg_lo, leg_hi));
  const double latest = std::max(w.lead_s, w.horizon_s - total);
  int64_t t = now + static_cast<int64_t>(Uniform(rng, w.lead_s, latest));
  double x = Uniform(rng, -w.half_km, w.half_km), y = Uniform(rng, -w.half_km, w.half_km);
  double heading = Uniform(rng, 0, 2 * std::numbers::pi);
  std::normal_distribution<double> turn(0, s.flight ? 0.2 : 0.5);
  const double km_per_deg_lat = 111.32;
  const double km_per_deg_lon = 111.32 * std::cos(w.lat0 * std::numbers::pi / 180);
  auto push = [&] {
    s.lon.push_back(w.lon0 + x / km_per_deg_lon);
    s.lat.push_back(w.lat0 + y / km_per_deg_lat);
    if (s.flight) s.alt.push_back(std::round(alt + Uniform(rng, -100, 100)));
    s.t.push_back(t);
  };
  push();
  for (int i = 0; i < legs; ++i) {
    heading += turn(rng);
    const double km = kmh * leg_s[static_cast<size_t>(i)] / 3600;
    x += km * std::sin(heading);
    y += km * std::cos(heading);
    if (s.flight) {
      t += static_cast<int64_t>(leg_s[static_cast<size_t>(i)]);
      push();
      continue;
    }
    if (x > w.half_km) x = 2 * w.half_km - x, heading = -heading;
    if (x < -w.half_km) x = -2 * w.half_km - x, heading = -heading;
    if (y > w.half_km) y = 2 * w.half_km - y, heading = std::numbers::pi - heading;
    if (y < -w.half_km) y = -2 * w.half_km - y, heading = std::numbers::pi - heading;
    t += static_cast<int64_t>(leg_s[static_cast<size_t>(i)]);
    push();
  }
  s.corridor_m = std::round(Uniform(rng, 50, 300));
  s.tolerance_s = std::round(Uniform(rng, 0, 300));
  return s;
}

void AppendTime(std::string* out, int64_t unix_s) {
  const std::time_t tt = static_cast<std::time_t>(unix_s);
  std::tm tm{};
  gmtime_r(&tt, &tm);
  char buf[32];
  std::strftime(buf, sizeof buf, "\"%Y-%m-%dT%H:%M:%SZ\"", &tm);
  *out += buf;
}

// The plan Feature (no party property: the server takes it from the token).
std::string FeatureJson(const std::string& id, const Shape& s) {
  std::string out;
  out.reserve(200 + s.t.size() * 70);
  out += "{\"type\":\"Feature\",\"id\":\"" + id + "\",\"properties\":{\"kind\":\"";
  out += s.flight ? "flight" : "movement";
  out += "\",\"callsign\":\"" + id + "\",\"times\":[";
  for (size_t i = 0; i < s.t.size(); ++i) {
    if (i) out += ',';
    AppendTime(&out, s.t[i]);
  }
  char buf[96];
  std::snprintf(buf, sizeof buf, "],\"corridor_m\":%.0f,\"time_tolerance_s\":%.0f},", s.corridor_m,
                s.tolerance_s);
  out += buf;
  out += "\"geometry\":{\"type\":\"LineString\",\"coordinates\":[";
  for (size_t i = 0; i < s.lon.size(); ++i) {
    if (s.flight) {
      std::snprintf(buf, sizeof buf, "%s[%.6f,%.6f,%.0f]", i ? "," : "", s.lon[i], s.lat[i],
                    s.alt[i]);
    } else {
      std::snprintf(buf, sizeof buf, "%s[%.6f,%.6f]", i ? "," : "", s.lon[i], s.lat[i]);
    }
    out += buf;
  }
  out += "]}}";
  return out;
}

// An amendment: the same route 5-30 min later or earlier (never starting within a minute).
void ShiftInTime(std::mt19937_64& rng, Shape* s, int64_t now) {
  int64_t shift = static_cast<int64_t>(Uniform(rng, 300, 1800));
  if (Uniform(rng, 0, 1) < 0.5 && s->t.front() - shift > now + 60) shift = -shift;
  for (int64_t& t : s->t) t += shift;
}

// ---------------------------------------------------------------------------------------------
// The clients.

struct ClientState {
  int index = 0;
  std::string party;
  std::string token;
  http::HeaderList auth;
  std::unique_ptr<http::Client> http;
  std::mt19937_64 rng;
  std::vector<OwnPlan> plans;  // this client's plans (only this client changes them)
  int64_t next_plan = 0;
};

enum class PhaseKind { kSubmit, kConflicts, kPlans, kHealthz };

// What one client thread saw in one phase.
struct ThreadResult {
  std::vector<double> ms;  // latency of every completed request
  int64_t ok = 0, creates = 0, amends = 0;
  int64_t conflicts_opened = 0, with_conflict = 0;
  int64_t bytes = 0;
  std::map<std::string, int64_t> errors;  // "HTTP 409", "transport", "bad-json"
  std::vector<std::string> samples;       // the first few error bodies
  Clock::time_point last_done{};
};

int64_t ParseEtag(const std::string& etag) {
  std::string s = etag;
  if (s.rfind("W/", 0) == 0) s = s.substr(2);
  s.erase(std::remove(s.begin(), s.end(), '"'), s.end());
  return s.empty() ? -1 : std::strtoll(s.c_str(), nullptr, 10);
}

void Fail(ThreadResult* r, const std::string& kind, const std::string& detail) {
  r->errors[kind] += 1;
  if (r->samples.size() < 3) r->samples.push_back(kind + ": " + detail.substr(0, 300));
}

// One submission (a new plan, or an amendment with probability w.amend); returns when answered.
void Submit(ClientState& c, const Workload& w, const std::string& run_tag, ThreadResult* r) {
  const int64_t now = NowUnix();
  const bool amend = !c.plans.empty() && Uniform(c.rng, 0, 1) < w.amend;
  std::string method, target, body;
  http::HeaderList headers = c.auth;
  OwnPlan fresh;
  OwnPlan* plan = nullptr;
  Shape shifted;
  if (amend) {
    plan = &c.plans[std::uniform_int_distribution<size_t>(0, c.plans.size() - 1)(c.rng)];
    shifted = plan->shape;
    ShiftInTime(c.rng, &shifted, now);
    method = "PUT";
    target = "/v1/plans/" + plan->id;
    headers.emplace_back("If-Match", "\"" + std::to_string(plan->version) + "\"");
    body = FeatureJson(plan->id, shifted);
  } else {
    fresh.id = run_tag + "-c" + std::to_string(c.index) + "-" + std::to_string(c.next_plan++);
    fresh.shape = RandomShape(c.rng, w, now);
    method = "POST";
    target = "/v1/plans";
    body = FeatureJson(fresh.id, fresh.shape);
  }
  const auto t0 = Clock::now();
  Result<http::ClientResponse> res = c.http->Send(method, target, body, headers);
  const auto t1 = Clock::now();
  r->ms.push_back(Seconds(t1 - t0) * 1e3);
  r->last_done = t1;
  if (!res.ok()) return Fail(r, "transport", res.status().ToString());
  r->bytes += static_cast<int64_t>(res->body.size());
  const int want = amend ? 200 : 201;
  if (res->status != want) {
    return Fail(r, method + " HTTP " + std::to_string(res->status), res->body);
  }
  boost::system::error_code ec;
  json::value v = json::parse(res->body, ec);
  const json::array* opened = nullptr;
  if (!ec && v.is_object()) {
    if (const json::value* a =
            v.get_object().if_contains(amend ? "conflicts_opened" : "conflicts")) {
      opened = a->if_array();
    }
  }
  if (opened == nullptr) return Fail(r, "bad-json", res->body);
  const int64_t version = ParseEtag(res->header("ETag"));
  r->ok += 1;
  r->conflicts_opened += static_cast<int64_t>(opened->size());
  r->with_conflict += opened->empty() ? 0 : 1;
  if (amend) {
    r->amends += 1;
    plan->shape = std::move(shifted);
    plan->version = version > 0 ? version : plan->version + 1;
  } else {
    r->creates += 1;
    fresh.version = version > 0 ? version : 1;
    c.plans.push_back(std::move(fresh));
  }
}

void Read(ClientState& c, PhaseKind kind, ThreadResult* r) {
  std::string target;
  http::HeaderList headers = c.auth;
  if (kind == PhaseKind::kConflicts) {
    target = "/v1/conflicts?status=open&limit=50";
  } else if (kind == PhaseKind::kPlans) {
    if (c.plans.empty()) {
      target = "/v1/plans/none";
    } else {
      target = "/v1/plans/" +
               c.plans[std::uniform_int_distribution<size_t>(0, c.plans.size() - 1)(c.rng)].id;
    }
  } else {
    target = "/healthz";
    headers.clear();
  }
  const auto t0 = Clock::now();
  Result<http::ClientResponse> res = c.http->Send("GET", target, "", headers);
  const auto t1 = Clock::now();
  r->ms.push_back(Seconds(t1 - t0) * 1e3);
  r->last_done = t1;
  if (!res.ok()) return Fail(r, "transport", res.status().ToString());
  r->bytes += static_cast<int64_t>(res->body.size());
  if (res->status != 200) return Fail(r, "GET HTTP " + std::to_string(res->status), res->body);
  r->ok += 1;
}

// ---------------------------------------------------------------------------------------------
// Server metrics (/metrics, Prometheus text).

MetricMap ParseMetrics(const std::string& text) {
  MetricMap m;
  std::istringstream in(text);
  std::string line;
  while (std::getline(in, line)) {
    if (line.empty() || line[0] == '#') continue;
    const size_t sp = line.rfind(' ');
    if (sp == std::string::npos) continue;
    m[line.substr(0, sp)] = std::strtod(line.c_str() + sp + 1, nullptr);
  }
  return m;
}

double Get(const MetricMap& m, const std::string& key) {
  auto it = m.find(key);
  return it == m.end() ? 0 : it->second;
}

// Sum of every series of `name` whose labels contain `label_part` (e.g. "route=\"/v1/plans\"").
double SumSeries(const MetricMap& m, const std::string& name, const std::string& label_part) {
  double sum = 0;
  for (const auto& [k, v] : m) {
    if (k.rfind(name + "{", 0) == 0 && k.find(label_part) != std::string::npos) sum += v;
  }
  return sum;
}

// ---------------------------------------------------------------------------------------------
// The server this driver starts.

// Creates the parties (and one coordinator per --coordinators) with one token each in a fresh
// store, as `deconflict admin party add` does (the secret is stored as its SHA-256).
Result<std::vector<PartyToken>> CreateParties(const std::string& data_dir, int parties,
                                              int coordinators) {
  auto store = store::OpenSqliteStore({.dir = data_dir});
  if (!store.ok()) return store.status();
  auto txn = (*store)->Begin();
  if (!txn.ok()) return txn.status();
  const int64_t now_ms = NowUnix() * 1000;
  std::vector<PartyToken> out;
  for (int i = 0; i < parties + coordinators; ++i) {
    const bool coord = i >= parties;
    char name[32];
    if (coord) {
      std::snprintf(name, sizeof name, "COORD%d", i - parties + 1);
    } else {
      std::snprintf(name, sizeof name, "P%02d", i + 1);
    }
    store::PartyRecord p{.name = PartyId(name),
                         .role = coord ? Role::kCoordinator : Role::kParty,
                         .display_name = std::string("load party ") + name,
                         .created = Ms(now_ms)};
    if (Status s = (*txn)->PutParty(p); !s.ok()) return s;
    const std::string secret = "dcf_" + record::RandomHex(24);
    store::TokenRecord t{.id = "tok_" + record::RandomHex(6),
                         .party = PartyId(name),
                         .hash = record::Sha256Hex(secret),
                         .created = Ms(now_ms)};
    if (Status s = (*txn)->PutToken(t); !s.ok()) return s;
    if (!coord) out.push_back({name, secret});
  }
  if (Status s = (*txn)->Commit(); !s.ok()) return s;
  return out;
}

Result<std::vector<PartyToken>> ReadTokens(const std::string& path) {
  std::ifstream in(path);
  if (!in) return Status::IoError("cannot read " + path);
  std::vector<PartyToken> out;
  std::string line;
  while (std::getline(in, line)) {
    std::istringstream words(line);
    std::vector<std::string> w;
    for (std::string x; words >> x;) w.push_back(x);
    if (w.empty() || w[0][0] == '#') continue;
    out.push_back({w.size() > 1 ? w[0] : "party" + std::to_string(out.size() + 1), w.back()});
  }
  if (out.empty()) return Status::InvalidArgument(path + ": no tokens");
  return out;
}

// ---------------------------------------------------------------------------------------------
// Phases.

struct PhaseResult {
  std::string name;
  int clients = 0;
  double seconds = 0;  // start to the last answer
  int64_t requests = 0, ok = 0, errors = 0;
  std::map<std::string, int64_t> error_kinds;
  std::vector<std::string> error_samples;
  double rps = 0;                                       // ok / seconds
  double p50 = 0, p90 = 0, p99 = 0, max = 0, mean = 0;  // ms, every completed request
  int64_t creates = 0, amends = 0, conflicts_opened = 0, with_conflict = 0;
  double bytes_per_response = 0;
  // Server side.
  double batches = -1, operations = -1;  // deltas from /metrics
  double server_route_ms = -1;           // mean server-side duration of the phase's route
  double plans_active_end = -1, conflicts_open_end = -1;
  double server_cpu_s = -1, driver_cpu_s = 0;
  struct ThreadUse {
    int tid = 0;
    double cpu_s = 0, runqueue_s = 0, blocked_s = 0;  // blocked = wall - cpu - run queue
  };
  std::vector<ThreadUse> server_threads;  // busiest first
  double load1 = 0;

  static double Ratio(double a, double b) { return b > 0 ? a / b : 0; }
  double conflicts_per_s() const { return Ratio(static_cast<double>(conflicts_opened), seconds); }
  double conflicts_per_ok() const {
    return Ratio(static_cast<double>(conflicts_opened), static_cast<double>(ok));
  }
  double conflict_fraction() const {
    return Ratio(static_cast<double>(with_conflict), static_cast<double>(ok));
  }
  double mean_batch() const { return batches > 0 ? operations / batches : 0; }
  double server_cpu_us_per_ok() const {
    return server_cpu_s >= 0 && ok > 0 ? server_cpu_s / static_cast<double>(ok) * 1e6 : -1;
  }
};

class Runner {
 public:
  Runner(const Workload& w, http::Url base, int server_pid, std::string run_tag,
         std::string metrics_token)
      : w_(w),
        base_(std::move(base)),
        server_pid_(server_pid),
        tag_(std::move(run_tag)),
        metrics_token_(std::move(metrics_token)),
        metrics_client_(base_) {}

  void AddClients(const std::vector<PartyToken>& tokens, int count, uint64_t seed) {
    for (int i = 0; i < count; ++i) {
      auto c = std::make_unique<ClientState>();
      c->index = i;
      const PartyToken& pt = tokens[static_cast<size_t>(i) % tokens.size()];
      c->party = pt.party;
      c->token = pt.token;
      c->auth = {{"Authorization", "Bearer " + pt.token}};
      c->http = std::make_unique<http::Client>(base_);
      c->rng.seed(seed * 1000003ULL + static_cast<uint64_t>(i));
      clients_.push_back(std::move(c));
    }
  }

  std::optional<MetricMap> Scrape() {
    auto r = metrics_client_.Send("GET", "/metrics", "",
                                  {{"Authorization", "Bearer " + metrics_token_}});
    if (!r.ok() || r->status != 200) return std::nullopt;
    return ParseMetrics(r->body);
  }

  PhaseResult Run(const std::string& name, PhaseKind kind, int nclients, double seconds) {
    PhaseResult pr;
    pr.name = name;
    pr.clients = nclients;
    pr.load1 = Load1();
    std::fprintf(stderr, "    %-10s %2d clients, %5.1f s (load %.2f) ...", name.c_str(), nclients,
                 seconds, pr.load1);
    std::fflush(stderr);
    std::optional<MetricMap> m0 = Scrape();
    std::map<int, ThreadTimes> t0;
    double s0 = -1;
    if (server_pid_ > 0) {
      t0 = ThreadSched(server_pid_);
      s0 = ProcCpu("/proc/" + std::to_string(server_pid_) + "/stat");
    }
    const double d0 = SelfCpu();

    std::vector<ThreadResult> results(static_cast<size_t>(nclients));
    const auto start = Clock::now() + std::chrono::milliseconds(50);
    const auto end =
        start + std::chrono::duration_cast<Clock::duration>(std::chrono::duration<double>(seconds));
    {
      std::vector<std::thread> threads;
      threads.reserve(static_cast<size_t>(nclients));
      for (int i = 0; i < nclients; ++i) {
        threads.emplace_back([&, i] {
          ClientState& c = *clients_[static_cast<size_t>(i)];
          ThreadResult& r = results[static_cast<size_t>(i)];
          r.ms.reserve(static_cast<size_t>(seconds * 2000 / nclients) + 16);
          std::this_thread::sleep_until(start);
          while (Clock::now() < end) {
            if (kind == PhaseKind::kSubmit) {
              Submit(c, w_, tag_, &r);
            } else {
              Read(c, kind, &r);
            }
          }
        });
      }
      for (auto& t : threads) t.join();
    }

    const double d1 = SelfCpu();
    if (server_pid_ > 0) {
      const double s1 = ProcCpu("/proc/" + std::to_string(server_pid_) + "/stat");
      if (s0 >= 0 && s1 >= 0) pr.server_cpu_s = s1 - s0;
      const double wall = Seconds(Clock::now() - start);
      for (const auto& [tid, v] : ThreadSched(server_pid_)) {
        auto it = t0.find(tid);
        const ThreadTimes before = it == t0.end() ? ThreadTimes{} : it->second;
        PhaseResult::ThreadUse use{tid, v.cpu_s - before.cpu_s, v.runqueue_s - before.runqueue_s,
                                   0};
        use.blocked_s = std::max(0.0, wall - use.cpu_s - use.runqueue_s);
        if (use.cpu_s > 0.005) pr.server_threads.push_back(use);
      }
      std::sort(pr.server_threads.begin(), pr.server_threads.end(),
                [](const auto& a, const auto& b) { return a.cpu_s > b.cpu_s; });
    }
    pr.driver_cpu_s = d1 - d0;
    std::optional<MetricMap> m1 = Scrape();

    AddClientResults(results, start, &pr);
    if (m0 && m1) AddServerMetrics(*m0, *m1, kind, &pr);
    std::fprintf(stderr, " %8.1f/s, p99 %.1f ms, %lld errors\n", pr.rps, pr.p99,
                 static_cast<long long>(pr.errors));
    return pr;
  }

  // Adds the client threads' results to *pr: counts, errors, the latency percentiles and the
  // phase's seconds (from `start` to the last request done).
  static void AddClientResults(const std::vector<ThreadResult>& results, Clock::time_point start,
                               PhaseResult* pr) {
    std::vector<double> all;
    Clock::time_point last = start;
    for (const ThreadResult& r : results) {
      all.insert(all.end(), r.ms.begin(), r.ms.end());
      pr->ok += r.ok;
      pr->creates += r.creates;
      pr->amends += r.amends;
      pr->conflicts_opened += r.conflicts_opened;
      pr->with_conflict += r.with_conflict;
      pr->bytes_per_response += static_cast<double>(r.bytes);
      for (const auto& [k, v] : r.errors) pr->error_kinds[k] += v;
      for (const auto& s : r.samples) {
        if (pr->error_samples.size() < 5) pr->error_samples.push_back(s);
      }
      last = std::max(last, r.last_done);
    }
    pr->requests = static_cast<int64_t>(all.size());
    pr->errors = pr->requests - pr->ok;
    pr->seconds = std::max(Seconds(last - start), 1e-9);
    pr->rps = static_cast<double>(pr->ok) / pr->seconds;
    if (!all.empty()) {
      pr->bytes_per_response /= static_cast<double>(all.size());
      pr->p50 = Percentile(all, 0.50);
      pr->p90 = Percentile(all, 0.90);
      pr->p99 = Percentile(all, 0.99);
      pr->max = *std::max_element(all.begin(), all.end());
      double sum = 0;
      for (double x : all) sum += x;
      pr->mean = sum / static_cast<double>(all.size());
    }
  }

  // Adds what the server's metrics say changed between the scrapes m0 and m1 to *pr: writer
  // batches and operations, the plans and conflicts at the end, the mean time in the phase's route.
  static void AddServerMetrics(const MetricMap& m0, const MetricMap& m1, PhaseKind kind,
                               PhaseResult* pr) {
    pr->batches = Get(m1, "deconflict_writer_batches") - Get(m0, "deconflict_writer_batches");
    pr->operations =
        Get(m1, "deconflict_writer_operations") - Get(m0, "deconflict_writer_operations");
    pr->plans_active_end = Get(m1, "deconflict_plans_active");
    pr->conflicts_open_end = Get(m1, "deconflict_conflicts_open");
    std::string route;
    if (kind == PhaseKind::kSubmit) route = "route=\"/v1/plans";  // POST and PUT
    if (kind == PhaseKind::kConflicts) route = "route=\"/v1/conflicts\"";
    if (kind == PhaseKind::kPlans) route = "route=\"/v1/plans/{id}\"";
    if (kind == PhaseKind::kHealthz) route = "route=\"/healthz\"";
    const std::string h = "deconflict_http_request_duration_seconds";
    const double sum = SumSeries(m1, h + "_sum", route) - SumSeries(m0, h + "_sum", route);
    const double cnt = SumSeries(m1, h + "_count", route) - SumSeries(m0, h + "_count", route);
    if (cnt > 0) pr->server_route_ms = sum / cnt * 1e3;
  }

  int64_t acked_creates() const {
    int64_t n = 0;
    for (const auto& c : clients_) n += static_cast<int64_t>(c->plans.size());
    return n;
  }
  int64_t acked_versions() const {
    int64_t n = 0;
    for (const auto& c : clients_) {
      for (const auto& p : c->plans) n += p.version;
    }
    return n;
  }

 private:
  const Workload& w_;
  http::Url base_;
  int server_pid_;
  std::string tag_;
  std::string metrics_token_;
  http::Client metrics_client_;
  std::vector<std::unique_ptr<ClientState>> clients_;
};

struct RunResult {
  int run = 0;
  std::string started;
  std::vector<PhaseResult> phases;
  std::string durability;  // own server: the store check after shutdown
  int exit_code = 0;
};

// ---------------------------------------------------------------------------------------------
// Output.

std::string Fmt(double v, int prec) {
  if (v < 0) return "-";
  char buf[64];
  std::snprintf(buf, sizeof buf, "%.*f", prec, v);
  return buf;
}

void PrintTableHeader() {
  std::printf(
      "| run | phase | clients | s | ok | ok/s | p50 ms | p90 ms | p99 ms | max ms | errors | "
      "conflicts/s | conflicts/subm. | subm. opening ≥1 | batch ops | server route ms | "
      "server CPU µs/ok | "
      "server cores | driver cores | plans active | bytes/resp | load |\n");
  std::string sep = "|";
  for (int i = 0; i < 22; ++i) sep += "---|";
  std::printf("%s\n", sep.c_str());
}

void PrintRow(const std::string& run, const PhaseResult& p) {
  const bool submit = p.creates + p.amends > 0 || p.name == "submit" || p.name == "sequential";
  std::printf(
      "| %s | %s | %d | %.1f | %lld | **%s** | %s | %s | **%s** | %s | %lld | %s | %s | %s | %s | "
      "%s | %s | %s | %s | %s | %s | %.2f |\n",
      run.c_str(), p.name.c_str(), p.clients, p.seconds, static_cast<long long>(p.ok),
      Fmt(p.rps, 0).c_str(), Fmt(p.p50, 2).c_str(), Fmt(p.p90, 2).c_str(), Fmt(p.p99, 2).c_str(),
      Fmt(p.max, 1).c_str(), static_cast<long long>(p.errors),
      submit ? Fmt(p.conflicts_per_s(), 0).c_str() : "",
      submit ? Fmt(p.conflicts_per_ok(), 2).c_str() : "",
      submit ? (Fmt(100 * p.conflict_fraction(), 1) + " %").c_str() : "",
      submit && p.batches > 0 ? Fmt(p.mean_batch(), 1).c_str() : "",
      Fmt(p.server_route_ms, 2).c_str(), Fmt(p.server_cpu_us_per_ok(), 0).c_str(),
      p.server_cpu_s >= 0 ? Fmt(p.server_cpu_s / p.seconds, 2).c_str() : "-",
      Fmt(p.driver_cpu_s / p.seconds, 2).c_str(), Fmt(p.plans_active_end, 0).c_str(),
      Fmt(p.bytes_per_response, 0).c_str(), p.load1);
}

json::object PhaseJson(const PhaseResult& p) {
  json::object o{
      {"phase", p.name},
      {"clients", p.clients},
      {"seconds", p.seconds},
      {"requests", p.requests},
      {"ok", p.ok},
      {"errors", p.errors},
      {"ok_per_s", p.rps},
      {"latency_ms",
       json::object{
           {"p50", p.p50}, {"p90", p.p90}, {"p99", p.p99}, {"max", p.max}, {"mean", p.mean}}},
      {"bytes_per_response", p.bytes_per_response},
      {"load1_at_start", p.load1},
      {"driver_cpu_s", p.driver_cpu_s}};
  json::object errs;
  for (const auto& [k, v] : p.error_kinds) errs[k] = v;
  o["error_kinds"] = errs;
  json::array samples;
  for (const auto& s : p.error_samples) samples.push_back(json::value(s));
  o["error_samples"] = samples;
  if (p.creates + p.amends > 0) {
    o["creates"] = p.creates;
    o["amends"] = p.amends;
    o["conflicts_opened"] = p.conflicts_opened;
    o["conflicts_opened_per_s"] = p.conflicts_per_s();
    o["conflicts_per_submission"] = p.conflicts_per_ok();
    o["submissions_opening_conflicts"] = p.with_conflict;
    o["fraction_opening_conflicts"] = p.conflict_fraction();
  }
  if (p.batches >= 0) {
    o["writer_batches"] = p.batches;
    o["writer_operations"] = p.operations;
    o["mean_batch"] = p.mean_batch();
    o["plans_active_end"] = p.plans_active_end;
    o["conflicts_open_end"] = p.conflicts_open_end;
  }
  if (p.server_route_ms >= 0) o["server_route_mean_ms"] = p.server_route_ms;
  if (p.server_cpu_s >= 0) {
    o["server_cpu_s"] = p.server_cpu_s;
    o["server_cpu_us_per_ok"] = p.server_cpu_us_per_ok();
    json::array threads;
    for (const auto& t : p.server_threads) {
      threads.push_back(json::object{{"tid", t.tid},
                                     {"cpu_s", t.cpu_s},
                                     {"runqueue_s", t.runqueue_s},
                                     {"blocked_s", t.blocked_s}});
    }
    o["server_threads"] = threads;
  }
  return o;
}

// ---------------------------------------------------------------------------------------------

// Prints what the run is: the command, the machine, the server and the workload.
void PrintHeader(const Flags& f, const Workload& w, const std::string& cmd, const utsname& u,
                 const std::string& fstype) {
  std::printf("deconflict_load\n");
  std::printf("  command:  %s\n", cmd.c_str());
  std::printf("  date:     %s\n", UtcNow().c_str());
  std::printf("  machine:  %ld cores online (nproc), %s, %s\n", sysconf(_SC_NPROCESSORS_ONLN),
              FirstLineWith("/proc/cpuinfo", "model name").c_str(),
              FirstLineWith("/proc/meminfo", "MemTotal").c_str());
  std::printf("  kernel:   %s %s %s\n", u.sysname, u.release, u.machine);
  std::printf("  compiler: %s, build type %s\n", __VERSION__, DECONFLICT_BUILD_TYPE);
  std::printf("  load:     %s at start\n", LoadAverage().c_str());
  if (f.server.empty()) {
    std::printf("  server:   %s --threads %d, fresh data folder per run under %s (%s)\n",
                f.deconflictd.c_str(), f.server_threads, f.data_root.c_str(), fstype.c_str());
  } else {
    std::printf("  server:   %s (external; runs share its state)\n", f.server.c_str());
  }
  std::printf(
      "  workload: %d parties (+%d coordinator) , %d clients; box %.0f km x %.0f km around "
      "%.1fN %.1fE, plans within [now+%.0f min, now+%.0f h]; %.0f %% flights; %.0f %% amendments\n",
      f.parties, f.coordinators, f.clients, 2 * w.half_km, 2 * w.half_km, w.lat0, w.lon0,
      w.lead_s / 60, w.horizon_s / 3600, 100 * w.flights, 100 * w.amend);
  std::printf(
      "  phases:   warmup %.0f s x %d clients, sequential %.0f s x 1, submit %.0f s x %d, "
      "conflicts / plans / healthz %.0f s x %d each\n\n",
      f.warmup_s, f.clients, f.baseline_s, f.duration_s, f.clients, f.read_s, f.clients);
  if (fstype == "tmpfs") {
    std::printf("  WARNING: %s is tmpfs: fsync is free there, the figures are NOT durable ones\n\n",
                f.data_root.c_str());
  }
  std::fflush(stdout);
}

// Creates a fresh data folder under f.data_root with the parties (*dir, *tokens; the tokens
// also in tokens.txt there) and starts deconflictd on it; returns 0, or 3 after saying why.
int StartLocalServer(const Flags& f, Daemon& daemon, std::string* dir,
                     std::vector<PartyToken>* tokens) {
  char tmpl[4096];
  std::snprintf(tmpl, sizeof tmpl, "%s/deconflict-load-XXXXXX", f.data_root.c_str());
  if (mkdtemp(tmpl) == nullptr) {
    std::fprintf(stderr, "cannot create a folder in %s\n", f.data_root.c_str());
    return 3;
  }
  *dir = tmpl;
  auto t = CreateParties(*dir + "/data", f.parties, f.coordinators);
  if (!t.ok()) {
    std::fprintf(stderr, "cannot create the parties: %s\n", t.status().ToString().c_str());
    return 3;
  }
  *tokens = std::move(*t);
  {
    // For --keep-data: the folder can be served again and driven with --server --tokens.
    std::ofstream out(*dir + "/tokens.txt");
    for (const auto& pt : *tokens) out << pt.party << " " << pt.token << "\n";
  }
  // /metrics needs a token (docs/security.md §12): a fresh one in a private file. All clients
  // connect from 127.0.0.1: allow them all (and the metrics client) on the per-address limit.
  const std::string metrics_token_file = *dir + "/metrics-token";
  {
    const int fd =
        ::open(metrics_token_file.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
    const std::string text = record::RandomHex(24) + "\n";
    if (fd < 0 || ::write(fd, text.data(), text.size()) != static_cast<ssize_t>(text.size())) {
      std::fprintf(stderr, "cannot write %s\n", metrics_token_file.c_str());
      if (fd >= 0) ::close(fd);
      return 3;
    }
    ::close(fd);
  }
  std::vector<std::string> extra = {"--metrics-token-file", metrics_token_file,
                                    "--max-connections-per-address",
                                    std::to_string(f.clients + 16)};
  if (f.server_threads > 0) {
    extra.insert(extra.end(), {"--threads", std::to_string(f.server_threads)});
  }
  extra.insert(extra.end(), f.daemon_args.begin(), f.daemon_args.end());
  if (Status s = daemon.Start(f.deconflictd, *dir, extra); !s.ok()) {
    std::fprintf(stderr, "%s\n", s.ToString().c_str());
    return 3;
  }
  std::fprintf(stderr, "  deconflictd pid %d on port %d, data %s\n", daemon.pid(), daemon.port(),
               dir->c_str());
  return 0;
}

// Checks durability after deconflictd (which exited with exit_code) stopped: every plan and
// amendment the runner saw acknowledged is in the store in dir/data. Returns the verdict line.
std::string CheckDurability(const std::string& dir, const Runner& runner, int exit_code) {
  auto store = store::OpenSqliteStore({.dir = dir + "/data"});
  if (!store.ok()) return "cannot reopen the store: " + store.status().ToString();
  auto plans = (*store)->ListPlans(PartyId(), std::nullopt);
  auto sync = store::SqlitePragma(**store, "synchronous");
  auto journal = store::SqlitePragma(**store, "journal_mode");
  if (!plans.ok()) return "cannot list plans: " + plans.status().ToString();
  int64_t versions = 0;
  for (const auto& p : *plans) versions += p.version;
  const int64_t want_plans = runner.acked_creates(), want_versions = runner.acked_versions();
  const bool good = static_cast<int64_t>(plans->size()) == want_plans && versions == want_versions;
  char buf[512];
  std::snprintf(buf, sizeof buf,
                "%s: %zu plans / %lld versions in the store, %lld / %lld acknowledged; "
                "synchronous=%s journal_mode=%s; deconflictd exit code %d",
                good ? "OK" : "MISMATCH", plans->size(), static_cast<long long>(versions),
                static_cast<long long>(want_plans), static_cast<long long>(want_versions),
                sync.ok() ? sync->c_str() : "?", journal.ok() ? journal->c_str() : "?", exit_code);
  return buf;
}

// Runs run number `run`: starts deconflictd (or uses f.server, with external_tokens), runs the
// phases, then stops the server and checks durability. Returns 0, or the exit code of a failure.
int RunOnce(const Flags& f, const Workload& w, int run,
            const std::vector<PartyToken>& external_tokens, RunResult& rr) {
  rr.run = run;
  rr.started = UtcNow();
  std::fprintf(stderr, "run %d/%d\n", run, f.runs);
  Daemon daemon;
  std::string dir;
  std::vector<PartyToken> tokens;
  http::Url base;
  int pid = f.server_pid;
  if (f.server.empty()) {
    if (int code = StartLocalServer(f, daemon, &dir, &tokens); code != 0) return code;
    pid = daemon.pid();
    base = *http::ParseUrl("http://127.0.0.1:" + std::to_string(daemon.port()));
  } else {
    auto b = http::ParseUrl(f.server);
    if (!b.ok()) {
      std::fprintf(stderr, "--server: %s\n", b.status().ToString().c_str());
      return 2;
    }
    base = *b;
    tokens = external_tokens;
  }

  const std::string tag = "L" + record::RandomHex(3) + "r" + std::to_string(run);
  const std::string metrics_token_file =
      f.server.empty() ? dir + "/metrics-token" : f.metrics_token_file;
  std::string metrics_token;
  if (!metrics_token_file.empty()) {
    std::ifstream in(metrics_token_file);
    in >> metrics_token;
  }
  Runner runner(w, base, pid, tag, metrics_token);
  runner.AddClients(tokens, f.clients, f.seed + static_cast<uint64_t>(run));
  if (f.warmup_s > 0) runner.Run("warmup", PhaseKind::kSubmit, f.clients, f.warmup_s);
  if (f.baseline_s > 0) {
    rr.phases.push_back(runner.Run("sequential", PhaseKind::kSubmit, 1, f.baseline_s));
  }
  rr.phases.push_back(runner.Run("submit", PhaseKind::kSubmit, f.clients, f.duration_s));
  if (f.read_s > 0) {
    rr.phases.push_back(runner.Run("conflicts", PhaseKind::kConflicts, f.clients, f.read_s));
    rr.phases.push_back(runner.Run("plans", PhaseKind::kPlans, f.clients, f.read_s));
    rr.phases.push_back(runner.Run("healthz", PhaseKind::kHealthz, f.clients, f.read_s));
  }

  if (f.server.empty()) {
    rr.exit_code = daemon.Stop();
    rr.durability = CheckDurability(dir, runner, rr.exit_code);
    std::fprintf(stderr, "  durability check: %s\n", rr.durability.c_str());
    if (rr.exit_code != 0) std::fprintf(stderr, "  deconflictd log:\n%s\n", daemon.Log().c_str());
    if (!f.keep_data) {
      std::error_code ec;
      fs::remove_all(dir, ec);
    }
  }
  return 0;
}

// Prints every run's phases, then their error samples, server threads and durability.
void PrintEveryRun(const std::vector<RunResult>& runs) {
  std::printf("## Every run\n\n");
  PrintTableHeader();
  for (const RunResult& r : runs) {
    for (const PhaseResult& p : r.phases) PrintRow(std::to_string(r.run), p);
  }
  std::printf("\n");
  for (const RunResult& r : runs) {
    for (const PhaseResult& p : r.phases) {
      for (const auto& s : p.error_samples) {
        std::printf("  run %d %s error: %s\n", r.run, p.name.c_str(), s.c_str());
      }
      if ((p.name == "submit" || p.name == "sequential") && !p.server_threads.empty()) {
        std::printf("  run %d %s: server threads over %.1f s (CPU / run-queue wait / blocked s):",
                    r.run, p.name.c_str(), p.seconds);
        for (const auto& t : p.server_threads) {
          std::printf("  [%d] %.2f / %.2f / %.2f", t.tid, t.cpu_s, t.runqueue_s, t.blocked_s);
        }
        std::printf("\n");
      }
    }
    if (!r.durability.empty())
      std::printf("  run %d durability: %s\n", r.run, r.durability.c_str());
  }
}

// Prints the medians over runs, per phase, with the spread; returns them as JSON (per phase,
// per column: median, min, max).
json::object PrintMedians(const std::vector<RunResult>& runs, int nruns) {
  // Medians over runs, per phase, with the spread (min-max of the run values).
  std::printf("\n## Medians over %d runs (min-max)\n\n", nruns);
  std::printf(
      "| phase | clients | ok/s | p50 ms | p90 ms | p99 ms | max ms | errors | conflicts/s | "
      "conflicts/subm. | subm. opening ≥1 | batch ops | server CPU µs/ok |\n"
      "|---|---|---|---|---|---|---|---|---|---|---|---|---|\n");
  json::object medians;
  std::vector<std::string> names;
  for (const RunResult& r : runs) {
    for (const PhaseResult& p : r.phases) {
      if (std::find(names.begin(), names.end(), p.name) == names.end()) names.push_back(p.name);
    }
  }
  for (const std::string& name : names) {
    std::map<std::string, std::vector<double>> col;
    int clients = 0;
    for (const RunResult& r : runs) {
      for (const PhaseResult& p : r.phases) {
        if (p.name != name) continue;
        clients = p.clients;
        col["ok_per_s"].push_back(p.rps);
        col["p50_ms"].push_back(p.p50);
        col["p90_ms"].push_back(p.p90);
        col["p99_ms"].push_back(p.p99);
        col["max_ms"].push_back(p.max);
        col["errors"].push_back(static_cast<double>(p.errors));
        col["conflicts_per_s"].push_back(p.conflicts_per_s());
        col["conflicts_per_submission"].push_back(p.conflicts_per_ok());
        col["fraction_opening_conflicts"].push_back(p.conflict_fraction());
        col["mean_batch"].push_back(p.mean_batch());
        col["server_cpu_us_per_ok"].push_back(p.server_cpu_us_per_ok());
      }
    }
    auto cell = [&](const std::string& k, int prec, double scale = 1) {
      const auto& v = col[k];
      return Fmt(Median(v) * scale, prec) + " (" +
             Fmt(*std::min_element(v.begin(), v.end()) * scale, prec) + "–" +
             Fmt(*std::max_element(v.begin(), v.end()) * scale, prec) + ")";
    };
    const bool submit = name == "submit" || name == "sequential";
    std::printf("| %s | %d | **%s** | %s | %s | **%s** | %s | %s | %s | %s | %s | %s | %s |\n",
                name.c_str(), clients, cell("ok_per_s", 0).c_str(), cell("p50_ms", 2).c_str(),
                cell("p90_ms", 2).c_str(), cell("p99_ms", 2).c_str(), cell("max_ms", 1).c_str(),
                cell("errors", 0).c_str(), submit ? cell("conflicts_per_s", 0).c_str() : "",
                submit ? cell("conflicts_per_submission", 2).c_str() : "",
                submit ? (cell("fraction_opening_conflicts", 1, 100) + " %").c_str() : "",
                submit ? cell("mean_batch", 1).c_str() : "",
                cell("server_cpu_us_per_ok", 0).c_str());
    json::object m;
    for (const auto& [k, v] : col) {
      m[k] = json::object{{"median", Median(v)},
                          {"min", *std::min_element(v.begin(), v.end())},
                          {"max", *std::max_element(v.begin(), v.end())}};
    }
    medians[name] = m;
  }

  return medians;
}

// Prints whether the submit phase's medians meet the target of issue 3; returns whether.
bool PrintTarget(json::object& medians) {
  bool met = false;
  if (medians.contains("submit")) {
    const json::object& s = medians["submit"].as_object();
    const double rps = s.at("ok_per_s").at("median").as_double();
    const double p99 = s.at("p99_ms").at("median").as_double();
    const double errors = s.at("errors").at("max").as_double();
    met = rps >= 1000 && p99 <= 50 && errors == 0;
    std::printf(
        "\nTarget (issue 3): >= 1,000 durable submissions/s with p99 <= 50 ms, no errors: "
        "median %.0f/s, p99 %.1f ms, max errors %.0f -> %s\n",
        rps, p99, errors, met ? "MET" : "NOT MET");
  }
  return met;
}

// Writes the runs and the medians as JSON to f.out.
void WriteResults(const Flags& f, const std::string& cmd, const utsname& u,
                  const std::string& fstype, bool met, const std::vector<RunResult>& runs,
                  const json::object& medians) {
  json::object doc{{"command", cmd},
                   {"date", UtcNow()},
                   {"machine", json::object{{"nproc", sysconf(_SC_NPROCESSORS_ONLN)},
                                            {"cpu", FirstLineWith("/proc/cpuinfo", "model name")},
                                            {"memory", FirstLineWith("/proc/meminfo", "MemTotal")},
                                            {"kernel", std::string(u.release)}}},
                   {"build_type", DECONFLICT_BUILD_TYPE},
                   {"data_fs", fstype},
                   {"target_met", met}};
  json::array jr;
  for (const RunResult& r : runs) {
    json::array ph;
    for (const PhaseResult& p : r.phases) ph.push_back(PhaseJson(p));
    jr.push_back(json::object{{"run", r.run},
                              {"started", r.started},
                              {"phases", ph},
                              {"durability", r.durability},
                              {"exit_code", r.exit_code}});
  }
  doc["runs"] = jr;
  doc["medians"] = medians;
  std::ofstream(f.out) << deconflict::json::Write(doc) << "\n";
  std::printf("  results: %s\n", f.out.c_str());
}

int Main(Flags f, const SoakOptions& soak, int argc, char** argv) {
  if (f.server.empty() == f.deconflictd.empty()) {
    std::fprintf(stderr,
                 "give --deconflictd PATH (start a server) or --server URL --tokens FILE\n");
    return 2;
  }
  if (!f.server.empty() && f.tokens_file.empty()) {
    std::fprintf(stderr, "--server needs --tokens FILE\n");
    return 2;
  }
  if (f.baseline_s < 0) f.baseline_s = f.duration_s;
  if (f.read_s < 0) f.read_s = f.duration_s / 2;
  Workload w;
  w.half_km = (f.box_km > 0 ? f.box_km : f.density == "dense" ? 60 : 600) / 2;
  w.horizon_s = f.horizon_h * 3600;
  w.amend = f.amend;
  w.flights = f.flights;
  if (f.data_root.empty()) {
    const char* tmp = std::getenv("TMPDIR");
    f.data_root = tmp && *tmp ? tmp : "/var/tmp";
  }

  std::string cmd;
  for (int i = 0; i < argc; ++i) cmd += (i ? " " : "") + std::string(argv[i]);
  if (soak.seconds > 0) return RunSoak(f, w, soak, cmd);
  if (soak.amend_one > 0) return RunAmendOne(f, w, soak, cmd);
  utsname u{};
  uname(&u);
  const std::string fstype = f.server.empty() ? FsType(f.data_root) : "";
  PrintHeader(f, w, cmd, u, fstype);

  std::vector<RunResult> runs;
  std::optional<std::vector<PartyToken>> external_tokens;
  if (!f.server.empty()) {
    auto t = ReadTokens(f.tokens_file);
    if (!t.ok()) {
      std::fprintf(stderr, "%s\n", t.status().ToString().c_str());
      return 2;
    }
    external_tokens = std::move(*t);
  }

  for (int run = 1; run <= f.runs; ++run) {
    RunResult rr;
    if (int code = RunOnce(f, w, run, external_tokens.value_or(std::vector<PartyToken>{}), rr);
        code != 0) {
      return code;
    }
    runs.push_back(std::move(rr));
  }

  PrintEveryRun(runs);
  json::object medians = PrintMedians(runs, f.runs);
  const bool met = PrintTarget(medians);
  std::printf("  load: %s at end\n", LoadAverage().c_str());
  if (!f.out.empty()) WriteResults(f, cmd, u, fstype, met, runs, medians);
  return 0;
}

}  // namespace deconflict::load

// NOLINTNEXTLINE(bugprone-exception-escape): a driver that hits an unexpected exception may abort.
int main(int argc, char** argv) {
  signal(SIGPIPE, SIG_IGN);
  deconflict::load::Flags f;
  CLI::App app{"deconflict_load: deconflictd under concurrent, conflicting submissions"};
  app.add_option("--deconflictd", f.deconflictd, "start this deconflictd binary for every run");
  app.add_option("--server", f.server, "or: use a running server at this URL");
  app.add_option("--tokens", f.tokens_file,
                 "with --server: party tokens, one per line (\"[NAME] TOKEN\")");
  app.add_option("--server-pid", f.server_pid, "with --server: its pid, for CPU figures");
  app.add_option("--metrics-token-file", f.metrics_token_file,
                 "with --server: the server's metrics token file, to read /metrics");
  app.add_option("--parties", f.parties, "parties (own server)")->check(CLI::PositiveNumber);
  app.add_option("--coordinators", f.coordinators,
                 "coordinator parties (own server; they receive every notice)")
      ->check(CLI::NonNegativeNumber);
  app.add_option("--clients", f.clients, "concurrent clients (threads, keep-alive connections)")
      ->check(CLI::PositiveNumber);
  app.add_option("--duration", f.duration_s, "seconds of the measured submit phase")
      ->check(CLI::PositiveNumber);
  app.add_option("--warmup", f.warmup_s, "seconds of unreported submissions first")
      ->check(CLI::NonNegativeNumber);
  app.add_option("--baseline-duration", f.baseline_s,
                 "seconds of the sequential (1 client) baseline; 0 skips it (DEFAULT: --duration)");
  app.add_option("--read-duration", f.read_s,
                 "seconds of each read phase; 0 skips them (DEFAULT: --duration / 2)");
  app.add_option("--runs", f.runs, "repetitions (medians are reported)")
      ->check(CLI::PositiveNumber);
  app.add_option("--density", f.density, "dense: 60 km box; sparse: 600 km box")
      ->check(CLI::IsMember({"dense", "sparse"}));
  app.add_option("--box-km", f.box_km, "side of the box in km (overrides --density)");
  app.add_option("--horizon-h", f.horizon_h, "plans lie within the next H hours")
      ->check(CLI::PositiveNumber);
  app.add_option("--amend", f.amend, "fraction of submissions that are amendments (PUT)")
      ->check(CLI::Range(0.0, 1.0));
  app.add_option("--flights", f.flights, "fraction of new plans that are flight routes")
      ->check(CLI::Range(0.0, 1.0));
  app.add_option("--server-threads", f.server_threads, "deconflictd --threads (default: its own)")
      ->check(CLI::PositiveNumber);
  app.add_option("--data-root", f.data_root,
                 "where the fresh data folders go (DEFAULT: $TMPDIR or /var/tmp; not tmpfs)");
  app.add_flag("--keep-data", f.keep_data, "keep the data folders (and deconflictd.log)");
  app.add_option("--seed", f.seed, "workload seed");
  app.add_option("--out", f.out, "write the results as JSON");
  app.add_option("--daemon-arg", f.daemon_args, "extra deconflictd argument (repeatable)")
      ->allow_extra_args(false);
  deconflict::load::SoakOptions soak;
  deconflict::load::AddSoakOptions(app, soak);
  CLI11_PARSE(app, argc, argv);
  return deconflict::load::Main(f, soak, argc, argv);
}
