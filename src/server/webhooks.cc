#include "server/webhooks.h"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <boost/json.hpp>
#include <map>
#include <memory>

#include "base/time.h"
#include "http/client.h"
#include "json/write.h"
#include "record/crypto.h"

namespace deconflict::server {

namespace json = boost::json;

std::string WebhookSignature(const std::string& secret, int64_t unix_seconds,
                             const std::string& body) {
  return "sha256=" + record::HmacSha256Hex(secret, std::to_string(unix_seconds) + "." + body);
}

namespace {

// One POST; "" when the receiver answered 2xx, else what went wrong.
std::string PostOnce(const std::string& url_text, const std::string& body,
                     const http::HeaderList& headers, std::chrono::milliseconds timeout) {
  auto url = http::ParseUrl(url_text);
  if (!url.ok()) return url.status().message();
  http::Client client(*url, timeout);
  auto r = client.Send("POST", url->target, body, headers);
  if (!r.ok()) return r.status().message();
  if (r->status < 200 || r->status >= 300) return "HTTP " + std::to_string(r->status);
  return "";
}

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

}  // namespace

std::string PageSignature(const record::KeyPair& key, int64_t unix_seconds,
                          const std::string& body) {
  return record::Sign(key, std::to_string(unix_seconds) + "." + body);
}

bool WebhookDispatcher::Stopping() {
  MutexLock lock(mu_);
  return stop_;
}

WebhookDispatcher::WebhookDispatcher(channel::Channel* channel, WebhookOptions options)
    : channel_(channel), options_(options) {
  thread_ = std::thread([this] { Loop(); });
}

WebhookDispatcher::~WebhookDispatcher() { Stop(); }

void WebhookDispatcher::Stop() {
  {
    MutexLock lock(mu_);
    stop_ = true;
  }
  cv_.NotifyAll();
  if (thread_.joinable()) thread_.join();
}

void WebhookDispatcher::Loop() {
  for (;;) {
    {
      MutexLock lock(mu_);
      if (!stop_) cv_.WaitFor(lock, options_.poll);  // an early wake-up only polls early
      if (stop_) return;
    }
    DeliverDue();
    DeliverPages();
  }
}

void WebhookDispatcher::DeliverDue() {
  store::Store* st = channel_->store();
  const TimePoint now = channel_->Now();
  auto jobs = st->DueWebhookJobs(now, 50);
  if (!jobs.ok()) {
    spdlog::warn("webhooks: cannot read due jobs: {}", jobs.status().ToString());
    return;
  }
  if (jobs->empty()) return;
  auto hooks = st->ListWebhooks(PartyId());
  if (!hooks.ok()) return;
  std::map<int64_t, store::WebhookRecord> by_id;
  for (auto& w : *hooks) by_id[w.id] = std::move(w);

  for (store::WebhookJob& job : *jobs) {
    if (Stopping()) return;
    auto hook = by_id.find(job.webhook_id);
    std::string error;
    bool give_up = false;
    if (hook == by_id.end() || !hook->second.active) {
      error = "webhook deleted";
      give_up = true;
    } else {
      auto events = st->EventsAfter(job.recipient, job.event_seq - 1, 1);
      if (!events.ok() || events->empty() || events->front().seq != job.event_seq) {
        error = "event not found";
        give_up = true;
      } else {
        const store::EventRecord& e = events->front();
        std::string body =
            "{\"recipient\":" + deconflict::json::Write(json::string(e.recipient.value())) +
            ",\"seq\":" + std::to_string(e.seq) +
            ",\"type\":" + deconflict::json::Write(json::string(Name(e.type))) +
            ",\"data\":" + e.data_json + "}";
        int64_t ts = ToUnixMillis(now) / 1000;  // whole seconds, toward zero, as always
        http::HeaderList headers = {
            {"X-Deconflict-Event", std::string(Name(e.type))},
            {"X-Deconflict-Delivery", e.recipient + "/" + std::to_string(e.seq)},
            {"X-Deconflict-Timestamp", std::to_string(ts)},
            {"X-Deconflict-Signature", WebhookSignature(hook->second.secret, ts, body)},
            {"User-Agent", "deconflictd-webhooks"}};
        error = PostOnce(hook->second.url, body, headers, options_.timeout);
      }
    }
    CountAttempt(job, error, give_up, now, options_);
    auto txn = st->Begin();
    if (!txn.ok()) continue;
    Status s = (*txn)->PutWebhookJob(job);
    if (s.ok() && job.state == DeliveryState::kFailed) {
      store::AuditEntry a;
      a.at = now;
      a.kind = std::string(Name(AuditKind::kWebhookFailed));
      a.parties = {job.recipient};
      a.body_json = deconflict::json::Write(json::object{{"recipient", job.recipient.value()},
                                                         {"event_seq", job.event_seq},
                                                         {"webhook", job.webhook_id},
                                                         {"attempts", job.attempts},
                                                         {"error", error}});
      auto r = (*txn)->AppendAudit(std::move(a));
      if (!r.ok()) s = r.status();
    }
    if (s.ok()) s = (*txn)->Commit();
    if (!s.ok()) spdlog::warn("webhooks: cannot update job: {}", s.ToString());
    if (job.state == DeliveryState::kDelivered) {
      channel_->RecordReceipts(
          {{job.recipient, job.event_seq, ReceiptChannel::kWebhook, ReceiptKind::kDelivered, now}});
    } else {
      spdlog::info("webhook {} for {}#{} attempt {} failed: {}", job.webhook_id,
                   job.recipient.value(), job.event_seq, job.attempts, error);
    }
  }
}

void WebhookDispatcher::DeliverPages() {
  store::Store* st = channel_->store();
  const TimePoint now = channel_->Now();
  auto pages = st->DueContactPages(now, 50);
  if (!pages.ok()) {
    spdlog::warn("pages: cannot read due pages: {}", pages.status().ToString());
    return;
  }
  for (store::ContactPage& page : *pages) {
    if (Stopping()) return;
    const int64_t ts = ToUnixMillis(now) / 1000;  // whole seconds, toward zero, as always
    http::HeaderList headers = {
        {"X-Deconflict-Event", std::string(Name(page.event))},
        {"X-Deconflict-Delivery", "page/" + std::to_string(page.id)},
        {"X-Deconflict-Timestamp", std::to_string(ts)},
        {"X-Deconflict-Signature-Ed25519", PageSignature(channel_->key(), ts, page.body_json)},
        {"X-Deconflict-Key", channel_->key().public_key_hex},
        {"User-Agent", "deconflictd-pages"}};
    const std::string error = PostOnce(page.url, page.body_json, headers, options_.timeout);
    CountAttempt(page, error, /*give_up=*/false, now, options_);
    auto txn = st->Begin();
    if (!txn.ok()) continue;
    Status s = (*txn)->PutContactPage(page).status();
    if (s.ok() && page.state != DeliveryState::kPending) {
      // On the party's record: whether and when its contact was reached.
      store::AuditEntry a;
      a.at = now;
      a.kind = std::string(Name(page.state == DeliveryState::kDelivered
                                    ? AuditKind::kContactPaged
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
      spdlog::info("page {} to contact {} of {} attempt {} failed: {}", page.id, page.contact_id,
                   page.party.value(), page.attempts, error);
    }
  }
}

}  // namespace deconflict::server
