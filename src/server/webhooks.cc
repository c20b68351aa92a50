#include "server/webhooks.h"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <boost/json.hpp>
#include <map>
#include <memory>

#include "http/client.h"
#include "record/crypto.h"

namespace deconflict::server {

namespace json = boost::json;

std::string WebhookSignature(const std::string& secret, int64_t unix_seconds,
                             const std::string& body) {
  return "sha256=" + record::HmacSha256Hex(secret, std::to_string(unix_seconds) + "." + body);
}

WebhookDispatcher::WebhookDispatcher(channel::Channel* channel, WebhookOptions options)
    : channel_(channel), options_(options) {
  thread_ = std::thread([this] { Loop(); });
}

WebhookDispatcher::~WebhookDispatcher() { Stop(); }

void WebhookDispatcher::Stop() {
  {
    std::lock_guard<std::mutex> lock(mu_);
    stop_ = true;
  }
  cv_.notify_all();
  if (thread_.joinable()) thread_.join();
}

void WebhookDispatcher::Loop() {
  for (;;) {
    {
      std::unique_lock<std::mutex> lock(mu_);
      cv_.wait_for(lock, options_.poll, [&] { return stop_; });
      if (stop_) return;
    }
    DeliverDue();
  }
}

void WebhookDispatcher::DeliverDue() {
  store::Store* st = channel_->store();
  int64_t now = channel_->Now();
  auto jobs = st->DueWebhookJobs(now, 50);
  if (!jobs.ok()) {
    spdlog::warn("webhooks: cannot read due jobs: {}", jobs.status().ToString());
    return;
  }
  if (jobs->empty()) return;
  auto hooks = st->ListWebhooks("");
  if (!hooks.ok()) return;
  std::map<int64_t, store::WebhookRecord> by_id;
  for (auto& w : *hooks) by_id[w.id] = std::move(w);

  for (store::WebhookJob& job : *jobs) {
    {
      std::lock_guard<std::mutex> lock(mu_);
      if (stop_) return;
    }
    auto hook = by_id.find(job.webhook_id);
    std::string error;
    bool delivered = false;
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
        std::string body = "{\"recipient\":" + json::serialize(json::string(e.recipient)) +
                           ",\"seq\":" + std::to_string(e.seq) +
                           ",\"type\":" + json::serialize(json::string(e.type)) +
                           ",\"data\":" + e.data_json + "}";
        int64_t ts = now / 1000;
        auto url = http::ParseUrl(hook->second.url);
        if (!url.ok()) {
          error = url.status().message();
        } else {
          http::Client client(*url, options_.timeout);
          http::HeaderList headers = {
              {"X-Deconflict-Event", e.type},
              {"X-Deconflict-Delivery", e.recipient + "/" + std::to_string(e.seq)},
              {"X-Deconflict-Timestamp", std::to_string(ts)},
              {"X-Deconflict-Signature", WebhookSignature(hook->second.secret, ts, body)},
              {"User-Agent", "deconflictd-webhooks"}};
          auto r = client.Send("POST", url->target, body, headers);
          if (!r.ok()) {
            error = r.status().message();
          } else if (r->status < 200 || r->status >= 300) {
            error = "HTTP " + std::to_string(r->status);
          } else {
            delivered = true;
          }
        }
      }
    }
    job.attempts += 1;
    if (delivered) {
      job.state = "delivered";
      job.last_error.clear();
    } else if (give_up || job.attempts >= options_.max_attempts) {
      job.state = "failed";
      job.last_error = error;
    } else {
      int64_t backoff = options_.first_backoff_ms;
      for (int i = 1; i < job.attempts && backoff < options_.max_backoff_ms; ++i) backoff *= 2;
      job.next_attempt_ms = now + std::min(backoff, options_.max_backoff_ms);
      job.last_error = error;
    }
    auto txn = st->Begin();
    if (!txn.ok()) continue;
    Status s = (*txn)->PutWebhookJob(job);
    if (s.ok() && job.state == "failed") {
      store::AuditEntry a;
      a.at_ms = now;
      a.kind = "webhook.failed";
      a.parties = {job.recipient};
      a.body_json = json::serialize(json::object{{"recipient", job.recipient},
                                                 {"event_seq", job.event_seq},
                                                 {"webhook", job.webhook_id},
                                                 {"attempts", job.attempts},
                                                 {"error", error}});
      auto r = (*txn)->AppendAudit(std::move(a));
      if (!r.ok()) s = r.status();
    }
    if (s.ok()) s = (*txn)->Commit();
    if (!s.ok()) spdlog::warn("webhooks: cannot update job: {}", s.ToString());
    if (delivered) {
      channel_->RecordReceipts({{job.recipient, job.event_seq, "webhook", "delivered", now}});
    } else {
      spdlog::info("webhook {} for {}#{} attempt {} failed: {}", job.webhook_id, job.recipient,
                   job.event_seq, job.attempts, error);
    }
  }
}

}  // namespace deconflict::server
