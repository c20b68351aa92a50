#include "server/webhooks.h"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <boost/json.hpp>
#include <memory>

#include "base/time.h"
#include "http/client.h"
#include "http/destination.h"
#include "json/write.h"
#include "record/crypto.h"

namespace deconflict::server {

namespace json = boost::json;

std::string WebhookSignature(const std::string& secret, int64_t unix_seconds,
                             const std::string& body) {
  return "sha256=" + record::HmacSha256Hex(secret, std::to_string(unix_seconds) + "." + body);
}

std::string PageSigningString(std::string_view purpose, std::string_view url, int64_t contact_id,
                              int64_t unix_seconds, std::string_view body) {
  std::string s = "deconflict-page-v1\n";
  s.append(purpose).append("\n").append(url).append("\n");
  s.append(std::to_string(contact_id)).append("\n").append(std::to_string(unix_seconds));
  s.append("\n").append(body);
  return s;
}

std::string PageSignature(const record::KeyPair& key, std::string_view purpose,
                          std::string_view url, int64_t contact_id, int64_t unix_seconds,
                          std::string_view body) {
  return record::Sign(key, PageSigningString(purpose, url, contact_id, unix_seconds, body));
}

namespace {
constexpr char kNotAllowed[] = "destination not allowed";
}  // namespace

std::string CoarseReason(const Status& failure) {
  switch (failure.code()) {
    case StatusCode::kPermissionDenied:
      return kNotAllowed;
    case StatusCode::kInvalidArgument:
      return "invalid destination URL";
    default:
      break;
  }
  const std::string& m = failure.message();
  if (m.find("timed out") != std::string::npos) return "timeout";
  if (m.find("TLS handshake") != std::string::npos) return "TLS handshake failed";
  return "connection refused or unreachable";
}

namespace {

// When the next attempt is due after `attempts` failed ones: first_backoff, doubling, at most
// max_backoff (whole milliseconds, as the store keeps them).
TimePoint NextAttempt(const WebhookOptions& o, TimePoint now, int attempts) {
  double backoff = o.first_backoff.value();
  for (int i = 1; i < attempts && backoff < o.max_backoff.value(); ++i) backoff *= 2;
  return WholeMillis(now + Seconds(std::min(backoff, o.max_backoff.value())));
}

// Counts one attempt of a WebhookJob or a ContactPage ("" error: delivered) and sets its state:
// delivered, failed (given up, or after max_attempts), or pending again after the back-off.
template <typename Delivery>
void CountAttempt(Delivery& d, const std::string& error, bool give_up, TimePoint now,
                  const WebhookOptions& o) {
  d.attempts += 1;
  d.last_error = error;
  if (error.empty()) {
    d.state = DeliveryState::kDelivered;
  } else if (give_up || d.attempts >= o.max_attempts) {
    d.state = DeliveryState::kFailed;
  } else {
    d.next_attempt = NextAttempt(o, now, d.attempts);
  }
}

std::string JobKey(const store::WebhookJob& j) {
  return "job/" + std::to_string(j.webhook_id) + "/" + j.recipient.value() + "/" +
         std::to_string(j.event_seq);
}

// The webhook body of one event.
std::string EventBody(const store::EventRecord& e) {
  return "{\"recipient\":" + deconflict::json::Write(json::string(e.recipient.value())) +
         ",\"seq\":" + std::to_string(e.seq) +
         ",\"type\":" + deconflict::json::Write(json::string(Name(e.type))) +
         ",\"data\":" + e.data_json + "}";
}

// Stores the job's new state and, when it failed for good, a `webhook.failed` entry on its
// party's record (with the coarse reason only).
void StoreJob(store::Store* st, const store::WebhookJob& job, TimePoint now) {
  auto txn = st->Begin();
  Status s = txn.status();
  if (s.ok()) s = (*txn)->PutWebhookJob(job);
  if (s.ok() && job.state == DeliveryState::kFailed) {
    store::AuditEntry a;
    a.at = now;
    a.kind = std::string(Name(AuditKind::kWebhookFailed));
    a.parties = {job.recipient};
    a.body_json = deconflict::json::Write(json::object{{"recipient", job.recipient.value()},
                                                       {"event_seq", job.event_seq},
                                                       {"webhook", job.webhook_id},
                                                       {"attempts", job.attempts},
                                                       {"error", job.last_error}});
    auto r = (*txn)->AppendAudit(std::move(a));
    if (!r.ok()) s = r.status();
  }
  if (s.ok()) s = (*txn)->Commit();
  if (!s.ok()) spdlog::warn("webhooks: cannot update job: {}", s.ToString());
}

}  // namespace

WebhookDispatcher::WebhookDispatcher(channel::Channel* channel, WebhookOptions options)
    : channel_(channel), options_(options) {
  for (int i = 0; i < std::max(1, options_.workers); ++i) {
    workers_.emplace_back([this] { WorkerLoop(); });
  }
  poller_ = std::thread([this] { PollLoop(); });
}

WebhookDispatcher::~WebhookDispatcher() { Stop(); }

void WebhookDispatcher::Stop() {
  {
    MutexLock lock(mu_);
    stop_ = true;
  }
  cv_.NotifyAll();
  work_cv_.NotifyAll();
  if (poller_.joinable()) poller_.join();
  for (std::thread& t : workers_) {
    if (t.joinable()) t.join();
  }
}

void WebhookDispatcher::PollLoop() {
  for (;;) {
    {
      MutexLock lock(mu_);
      if (!stop_) cv_.WaitFor(lock, options_.poll);  // an early wake-up only polls early
      if (stop_) return;
    }
    Fetch();
  }
}

// Queues every due job and page not yet queued or in flight, each in its party's lane; a party's
// webhook jobs beyond queue_per_party are skipped (marked failed, on its record).
void WebhookDispatcher::Fetch() {
  store::Store* st = channel_->store();
  {
    MutexLock lock(mu_);
    finished_.clear();  // from here on, what finishes may be stale in what is read below
  }
  const TimePoint now = channel_->Now();
  auto jobs = st->DueWebhookJobs(now, 0);
  auto pages = st->DueContactPages(now, 0);
  auto hooks = st->ListWebhooks(PartyId());
  for (const Status& s : {jobs.status(), pages.status(), hooks.status()}) {
    if (s.ok()) continue;
    spdlog::warn("webhooks: cannot read due deliveries: {}", s.ToString());
    return;
  }
  std::map<int64_t, store::WebhookRecord> by_id;
  for (auto& w : *hooks) by_id[w.id] = std::move(w);
  std::vector<store::WebhookJob> skipped;
  {
    MutexLock lock(mu_);
    for (store::WebhookJob& j : *jobs) {
      auto h = by_id.find(j.webhook_id);
      Item item{j, h == by_id.end() ? store::WebhookRecord{} : h->second, now, JobKey(j)};
      const PartyId party = j.recipient;
      QueueLocked(std::move(item), party, /*page=*/false, &skipped);
    }
    for (store::ContactPage& p : *pages) {
      const PartyId party = p.party;
      std::string key = "page/" + std::to_string(p.id);
      QueueLocked(Item{std::move(p), {}, now, std::move(key)}, party, /*page=*/true, &skipped);
    }
  }
  work_cv_.NotifyAll();
  for (store::WebhookJob& j : skipped) {
    const std::string key = JobKey(j);
    SkipJob(std::move(j), now);
    MutexLock lock(mu_);
    known_.erase(key);
    finished_.insert(key);
  }
}

void WebhookDispatcher::QueueLocked(Item item, const PartyId& party, bool page,
                                    std::vector<store::WebhookJob>* skipped) {
  if (known_.count(item.key) || finished_.count(item.key)) return;
  Lane& lane = lanes_[{party, page}];
  known_.insert(item.key);  // (a skipped job until it is marked: SkipJob)
  if (!page && lane.queue.size() >= options_.queue_per_party) {
    skipped->push_back(std::get<store::WebhookJob>(std::move(item.what)));
    return;
  }
  lane.queue.push_back(std::move(item));
}

// The next item of the lane after last_served_ (round-robin) that has one queued and fewer than
// per_party in flight.
bool WebhookDispatcher::PickLocked(Item* out) {
  if (lanes_.empty()) return false;
  auto start = lanes_.upper_bound(last_served_);
  for (size_t n = 0; n < lanes_.size(); ++n, ++start) {
    if (start == lanes_.end()) start = lanes_.begin();
    Lane& lane = start->second;
    if (lane.queue.empty() || lane.in_flight >= options_.per_party) continue;
    *out = std::move(lane.queue.front());
    lane.queue.pop_front();
    lane.in_flight += 1;
    last_served_ = start->first;
    return true;
  }
  return false;
}

void WebhookDispatcher::WorkerLoop() {
  for (;;) {
    Item item;
    LaneKey lane;
    {
      MutexLock lock(mu_);
      while (!stop_ && !PickLocked(&item)) work_cv_.Wait(lock);
      if (stop_) return;  // what is still queued stays pending in the store
      lane = last_served_;
    }
    Deliver(item);
    {
      MutexLock lock(mu_);
      lanes_[lane].in_flight -= 1;
      known_.erase(item.key);
      finished_.insert(item.key);
    }
    work_cv_.NotifyAll();
  }
}

void WebhookDispatcher::Deliver(Item& item) {
  if (auto* job = std::get_if<store::WebhookJob>(&item.what)) {
    DeliverJob(std::move(*job), item.hook, item.due_at);
  } else {
    DeliverPage(std::get<store::ContactPage>(std::move(item.what)), item.due_at);
  }
}

std::string WebhookDispatcher::Post(const std::string& url_text, const std::string& body,
                                    const http::HeaderList& headers, std::string* detail) const {
  auto url = http::ParseUrl(url_text);
  if (!url.ok()) {
    *detail = url.status().message();
    return CoarseReason(url.status());
  }
  http::ClientLimits limits;
  limits.max_body_bytes = options_.max_response_bytes;
  if (!channel_->options().allow_private_destinations) {
    limits.allow_address = [](const boost::asio::ip::address& a) {
      return !http::IsRefusedDestination(a);
    };
  }
  http::Client client(*url, options_.timeout, /*insecure_tls=*/false, std::move(limits));
  auto r = client.Send("POST", url->target, body, headers);
  if (!r.ok()) {
    *detail = r.status().message();
    return CoarseReason(r.status());
  }
  if (r->status < 200 || r->status >= 300) {
    *detail = "HTTP " + std::to_string(r->status);
    return *detail;
  }
  return "";
}

void WebhookDispatcher::DeliverJob(store::WebhookJob job, const store::WebhookRecord& hook,
                                   TimePoint now) {
  store::Store* st = channel_->store();
  std::string error, detail;
  bool give_up = false;
  if (hook.id == 0 || !hook.active) {
    error = "webhook deleted";
    give_up = true;
  } else {
    auto events = st->EventsAfter(job.recipient, job.event_seq - 1, 1);
    if (!events.ok() || events->empty() || events->front().seq != job.event_seq) {
      error = "event not found";
      give_up = true;
    } else {
      const store::EventRecord& e = events->front();
      const std::string body = EventBody(e);
      const int64_t ts = ToUnixMillis(now) / 1000;  // whole seconds, toward zero, as always
      http::HeaderList headers = {
          {"X-Deconflict-Event", std::string(Name(e.type))},
          {"X-Deconflict-Delivery", e.recipient + "/" + std::to_string(e.seq)},
          {"X-Deconflict-Timestamp", std::to_string(ts)},
          {"X-Deconflict-Signature", WebhookSignature(hook.secret, ts, body)},
          {"User-Agent", "deconflictd-webhooks"}};
      error = Post(hook.url, body, headers, &detail);
      give_up = error == kNotAllowed;  // a refusal is policy: trying again changes nothing
    }
  }
  CountAttempt(job, error, give_up, now, options_);
  StoreJob(st, job, now);
  if (job.state == DeliveryState::kDelivered) {
    channel_->RecordReceipts(
        {{job.recipient, job.event_seq, ReceiptChannel::kWebhook, ReceiptKind::kDelivered, now}});
  } else {
    spdlog::info("webhook {} for {}#{} attempt {} failed: {} ({})", job.webhook_id,
                 job.recipient.value(), job.event_seq, job.attempts, error,
                 detail.empty() ? error : detail);
  }
}

// A job beyond its party's queue: given up without an attempt, on the party's record.
void WebhookDispatcher::SkipJob(store::WebhookJob job, TimePoint now) {
  job.state = DeliveryState::kFailed;
  job.last_error = "skipped: delivery queue full";
  StoreJob(channel_->store(), job, now);
  spdlog::warn("webhook {} for {}#{} skipped: delivery queue full ({} waiting)", job.webhook_id,
               job.recipient.value(), job.event_seq, options_.queue_per_party);
}

void WebhookDispatcher::DeliverPage(store::ContactPage page, TimePoint now) {
  store::Store* st = channel_->store();
  const int64_t ts = ToUnixMillis(now) / 1000;  // whole seconds, toward zero, as always
  const char* purpose = "escalation";
  http::HeaderList headers = {
      {"X-Deconflict-Event", std::string(Name(page.event))},
      {"X-Deconflict-Delivery", "page/" + std::to_string(page.id)},
      {"X-Deconflict-Purpose", purpose},
      {"X-Deconflict-Contact", std::to_string(page.contact_id)},
      {"X-Deconflict-Timestamp", std::to_string(ts)},
      {"X-Deconflict-Signature-Ed25519",
       PageSignature(channel_->key(), purpose, page.url, page.contact_id, ts, page.body_json)},
      {"X-Deconflict-Key", channel_->key().public_key_hex},
      {"User-Agent", "deconflictd-pages"}};
  std::string detail;
  const std::string error = Post(page.url, page.body_json, headers, &detail);
  CountAttempt(page, error, /*give_up=*/error == kNotAllowed, now, options_);
  auto txn = st->Begin();
  if (!txn.ok()) return;
  Status s = (*txn)->PutContactPage(page).status();
  if (s.ok() && page.state != DeliveryState::kPending) {
    // On the party's record: whether and when its contact was reached.
    store::AuditEntry a;
    a.at = now;
    a.kind =
        std::string(Name(page.state == DeliveryState::kDelivered ? AuditKind::kContactPaged
                                                                 : AuditKind::kContactPageFailed));
    a.parties = {page.party};
    json::object body{{"party", page.party.value()},
                      {"contact", page.contact_id},
                      {"conflict", page.conflict.value()},
                      {"level", page.level},
                      {"page", page.id},
                      {"attempts", page.attempts}};
    if (!error.empty()) body["error"] = error;
    a.body_json = deconflict::json::Write(body);
    auto r = (*txn)->AppendAudit(std::move(a));
    if (!r.ok()) s = r.status();
  }
  if (s.ok()) s = (*txn)->Commit();
  if (!s.ok()) spdlog::warn("pages: cannot update page {}: {}", page.id, s.ToString());
  if (!error.empty()) {
    spdlog::info("page {} to contact {} of {} attempt {} failed: {} ({})", page.id, page.contact_id,
                 page.party.value(), page.attempts, error, detail);
  }
}

}  // namespace deconflict::server
