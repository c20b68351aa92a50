#include "server/seed.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <boost/json.hpp>
#include <cerrno>
#include <cmath>
#include <cstring>
#include <fstream>
#include <future>
#include <limits>
#include <sstream>

#include "base/time.h"
#include "json/parse.h"
#include "json/write.h"
#include "model/plan_parser.h"
#include "record/crypto.h"

namespace deconflict::server {

namespace json = boost::json;

std::string NewToken() { return "dcf_" + record::RandomHex(24); }

Status ShiftFeatureTimes(json::value* feature, double seconds) {
  json::object* f = feature->if_object();
  if (f == nullptr) return Status::InvalidArgument("expected a Feature object");
  json::value* props = f->if_contains("properties");
  if (props == nullptr || !props->is_object()) return Status::Ok();
  json::object& p = props->get_object();
  auto shift = [&](json::value& v, const std::string& path) -> Status {
    if (!v.is_string()) return Status::InvalidArgument(path + ": expected an RFC 3339 time");
    Result<TimePoint> t = ParseRfc3339(std::string(v.get_string()));
    if (!t.ok()) return Status::InvalidArgument(path + ": " + t.status().message());
    v = FormatRfc3339(TimePoint::FromUnixSeconds(t->unix_seconds() + seconds));
    return Status::Ok();
  };
  if (json::value* times = p.if_contains("times"); times && times->is_array()) {
    json::array& a = times->get_array();
    for (size_t i = 0; i < a.size(); ++i) {
      if (Status s = shift(a[i], "properties.times[" + std::to_string(i) + "]"); !s.ok()) return s;
    }
  }
  for (const char* k : {"start", "end"}) {
    if (json::value* v = p.if_contains(k)) {
      if (Status s = shift(*v, std::string("properties.") + k); !s.ok()) return s;
    }
  }
  return Status::Ok();
}

namespace {

Result<std::string> ReadFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return Status::IoError("cannot read " + path);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

// The earliest time in a Feature (+infinity if none).
double EarliestTime(const json::value& feature) {
  double best = std::numeric_limits<double>::infinity();
  const json::object* p = feature.as_object().if_contains("properties")
                              ? feature.as_object().at("properties").if_object()
                              : nullptr;
  if (!p) return best;
  auto consider = [&](const json::value& v) {
    if (!v.is_string()) return;
    Result<TimePoint> t = ParseRfc3339(std::string(v.get_string()));
    if (t.ok()) best = std::min(best, t->unix_seconds());
  };
  if (auto* times = p->if_contains("times"); times && times->is_array()) {
    for (const auto& v : times->get_array()) consider(v);
  }
  if (auto* s = p->if_contains("start")) consider(*s);
  return best;
}

// Appends `text` to `path`, creating it with mode 0600 (never readable by others, not even for a
// moment); an existing file that grants more is restricted first.
Status AppendPrivate(const std::string& path, const std::string& text) {
  const int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC | O_NOFOLLOW, 0600);
  if (fd < 0) return Status::IoError("cannot write " + path + ": " + std::strerror(errno));
  struct stat st {};
  bool ok = ::fstat(fd, &st) == 0 && ((st.st_mode & 077) == 0 || ::fchmod(fd, 0600) == 0);
  size_t done = 0;
  while (ok && done < text.size()) {
    const ssize_t n = ::write(fd, text.data() + done, text.size() - done);
    if (n < 0 && errno == EINTR) continue;
    ok = n > 0;
    if (ok) done += static_cast<size_t>(n);
  }
  ok = ::close(fd) == 0 && ok;
  return ok ? Status::Ok() : Status::IoError("cannot write " + path + ": " + std::strerror(errno));
}

// Demo parties US, RU, COORD and coordinator JCC, each with a token, those that do not exist yet;
// their tokens go into info->tokens and are appended to info->tokens_file (mode 0600).
Status CreateDemoParties(channel::Channel* channel, DemoInfo* info) {
  struct DemoParty {
    const char* name;
    Role role;
    const char* display;
  };
  const DemoParty parties[] = {
      {"US", Role::kParty, "US-led coalition liaison cell (demo)"},
      {"RU", Role::kParty, "Russian Reconciliation Center liaison (demo)"},
      {"COORD", Role::kParty, "Joint coordination cell: owner of the M4 demarcation line (demo)"},
      {"JCC", Role::kCoordinator, "Joint coordination centre (demo coordinator)"},
  };
  store::Store* st = channel->store();
  auto txn = st->Begin();
  if (!txn.ok()) return txn.status();
  bool any = false;
  for (const DemoParty& d : parties) {
    const PartyId name(d.name);
    auto existing = st->GetParty(name);
    if (!existing.ok()) return existing.status();
    if (*existing) continue;
    const TimePoint now = channel->Now();
    if (Status s = (*txn)->PutParty({name, d.role, d.display, now}); !s.ok()) return s;
    std::string token = NewToken();
    store::TokenRecord t{"tok_" + record::RandomHex(6), name, record::Sha256Hex(token), now,
                         std::nullopt};
    if (Status s = (*txn)->PutToken(t); !s.ok()) return s;
    json::object body{{"party", d.name}, {"role", Name(d.role)}, {"display_name", d.display}};
    auto a = (*txn)->AppendAudit({0,
                                  now,
                                  std::string(Name(AuditKind::kPartyCreated)),
                                  {name},
                                  deconflict::json::Write(body),
                                  "",
                                  ""});
    if (!a.ok()) return a.status();
    json::object tb{{"party", d.name}, {"token", t.id}};
    a = (*txn)->AppendAudit({0,
                             now,
                             std::string(Name(AuditKind::kTokenCreated)),
                             {name},
                             deconflict::json::Write(tb),
                             "",
                             ""});
    if (!a.ok()) return a.status();
    info->tokens[d.name] = token;
    any = true;
  }
  if (any) {
    if (Status s = (*txn)->Commit(); !s.ok()) return s;
    std::string text;
    for (const auto& [party, token] : info->tokens) {
      text += party;
      text += '=';
      text += token;
      text += '\n';
    }
    if (Status s = AppendPrivate(info->tokens_file, text); !s.ok()) return s;
  }
  return Status::Ok();
}

// Submits one seed Feature as `party`'s plan and waits for the channel's answer.
Status SubmitDemoPlan(channel::Channel* channel, const json::value& f, const std::string& party) {
  std::vector<Issue> warnings;
  Result<model::Plan> plan = model::ParsePlanFeature(f, "", &warnings);
  if (!plan.ok()) return plan.status();
  std::promise<Status> done;
  channel->SubmitPlan(
      {PartyId(party), channel::Role::kParty}, std::move(*plan), deconflict::json::Write(f),
      std::nullopt, channel::Write::kCreate,
      [&](const Result<channel::PlanOutcome>& r) { done.set_value(r.status()); },
      /*pre_approved=*/true);  // the operator's seed: zones in force at once
  return done.get_future().get();
}

// The scenario's plans, shifted to start half an hour from now, submitted by their parties;
// RU's crossing patrol is held back in info->held_back_file.
Status LoadDemoPlans(channel::Channel* channel, const std::string& data_dir,
                     const std::string& scenario_path, DemoInfo* info) {
  Result<std::string> text = ReadFile(scenario_path);
  if (!text.ok()) return text.status();
  json::value doc;
  if (auto issue = deconflict::json::Parse(*text, &doc)) {
    return Status::InvalidArgument(scenario_path + ": " + issue->ToString());
  }
  json::array& features = doc.as_object().at("features").as_array();
  double earliest = std::numeric_limits<double>::infinity();
  for (const auto& f : features) earliest = std::min(earliest, EarliestTime(f));
  double now_s = channel->Now().unix_seconds();
  double target = std::ceil((now_s + 1800.0) / 60.0) * 60.0;
  info->shift_s = std::isfinite(earliest) ? target - earliest : 0;
  info->held_back_file = data_dir + "/demo-ru-patrol-1.json";
  for (json::value& f : features) {
    if (Status s = ShiftFeatureTimes(&f, info->shift_s); !s.ok()) return s;
    std::string id(f.as_object().at("id").as_string());
    std::string party(f.as_object().at("properties").as_object().at("party").as_string());
    if (id == "ru-patrol-1") {
      std::ofstream out(info->held_back_file);
      out << deconflict::json::Write(f) << "\n";
      continue;
    }
    if (Status s = SubmitDemoPlan(channel, f, party); !s.ok()) return s;
    ++info->plans_loaded;
  }
  return Status::Ok();
}

}  // namespace

Result<DemoInfo> SetUpDemo(channel::Channel* channel, const std::string& data_dir,
                           const std::string& scenario_path) {
  DemoInfo info;
  info.tokens_file = data_dir + "/demo-tokens.env";
  if (Status s = CreateDemoParties(channel, &info); !s.ok()) return s;
  auto plans = channel->store()->ListPlans(PartyId(), std::nullopt);
  if (!plans.ok()) return plans.status();
  if (!plans->empty()) return info;
  if (Status s = LoadDemoPlans(channel, data_dir, scenario_path, &info); !s.ok()) return s;
  return info;
}

}  // namespace deconflict::server
