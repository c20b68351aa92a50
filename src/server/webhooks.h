// Delivers each party's events to its webhooks (POST with an HMAC-SHA256 signature) and pages
// contacts at escalation (POST to the contact's own webhook, signed with the server's Ed25519
// record key). Both are retried with exponential back-off, every attempt kept in the store so
// that a restart loses nothing (docs/channel.md, "Webhooks" and "Escalation").
//
// Deliveries are isolated per party (docs/security.md §14): each party has two lanes, its
// webhook deliveries and its pages, each with at most `per_party` deliveries in flight, served
// round-robin by `workers` threads; so a slow or dead receiver of one party delays neither other
// parties' deliveries nor its own escalation pages. Receivers must be public addresses unless
// ChannelOptions::allow_private_destinations (checked after DNS resolution, on the address
// connected to). What a party reads of a failure is a coarse reason (CoarseReason); the detail
// goes to the operator's log only.
//
//   WebhookDispatcher d(channel.get(), {});   // starts its threads
//   ...; d.Stop();
//
// Thread-safety: Stop may be called from any thread.
#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <deque>
#include <map>
#include <mutex>
#include <set>
#include <string>
#include <thread>
#include <variant>
#include <vector>

#include "base/thread_annotations.h"
#include "channel/channel.h"
#include "record/crypto.h"

namespace deconflict::server {

struct WebhookOptions {
  std::chrono::milliseconds poll{250};        // DEFAULT: look for due jobs every 250 ms
  std::chrono::milliseconds timeout{10'000};  // DEFAULT: per attempt (resolve, connect, answer)
  int max_attempts = 12;                      // DEFAULT: then the job is marked failed
  Seconds first_backoff{1};                   // DEFAULT: 1 s, doubling, at most max_backoff
  Seconds max_backoff{3600};                  // DEFAULT: 1 h
  int workers = 8;    // DEFAULT: deliveries in flight at once, all parties together
  int per_party = 2;  // DEFAULT: in flight at once per party and lane (webhooks, pages)
  // DEFAULT: due webhook deliveries waiting per party; more are not attempted but marked failed
  // ("skipped: delivery queue full", on the party's record); the event stays on the stream.
  // Pages are never skipped.
  size_t queue_per_party = 200;
  uint64_t max_response_bytes = 64 << 10;  // DEFAULT: 64 KiB read of an answer; the rest is not
};

// The signature header value for a body sent at `unix_seconds`:
// "sha256=" + hex HMAC-SHA256(secret, "<unix_seconds>.<body>").
std::string WebhookSignature(const std::string& secret, int64_t unix_seconds,
                             const std::string& body);

// What a page's Ed25519 signature covers (docs/channel.md "Verifying a page"): the lines
// "deconflict-page-v1", `purpose` ("escalation"), the recipient's URL as registered, the contact
// id, the unix time in seconds, then the body, joined by "\n".
std::string PageSigningString(std::string_view purpose, std::string_view url, int64_t contact_id,
                              int64_t unix_seconds, std::string_view body);
// The page signature header value: hex Ed25519 signature by the server's record key (its public
// half is GET /v1/record/key) over PageSigningString(...).
std::string PageSignature(const record::KeyPair& key, std::string_view purpose,
                          std::string_view url, int64_t contact_id, int64_t unix_seconds,
                          std::string_view body);

// What a party may read of a failed attempt (its record, the job's last_error): "timeout",
// "connection refused or unreachable", "destination not allowed", "TLS handshake failed",
// "invalid destination URL"; never an address, a resolver or a TLS message. `failure` is the
// http::Client error.
std::string CoarseReason(const Status& failure);

class WebhookDispatcher {
 public:
  WebhookDispatcher(channel::Channel* channel, WebhookOptions options);
  ~WebhookDispatcher();  // Stop()
  void Stop();           // waits for the deliveries in flight (each ends within `timeout`)

 private:
  // One due delivery: a webhook job (with its webhook as read when it was queued) or a page.
  struct Item {
    std::variant<store::WebhookJob, store::ContactPage> what;
    store::WebhookRecord hook;  // jobs only; id 0 when the webhook is gone
    TimePoint due_at;           // the poll's clock: back-off counts from here
    std::string key;
  };
  struct Lane {
    std::deque<Item> queue;
    int in_flight = 0;
  };
  using LaneKey = std::pair<PartyId, bool>;  // (party, pages)

  void PollLoop();
  void WorkerLoop();
  void Fetch();
  // Queues `item` in the lane (party, page) unless it is queued, in flight or just finished; a
  // webhook job beyond queue_per_party goes to *skipped instead.
  void QueueLocked(Item item, const PartyId& party, bool page,
                   std::vector<store::WebhookJob>* skipped) EXCLUSIVE_LOCKS_REQUIRED(mu_);
  bool PickLocked(Item* out) EXCLUSIVE_LOCKS_REQUIRED(mu_);
  void Deliver(Item& item);
  void DeliverJob(store::WebhookJob job, const store::WebhookRecord& hook, TimePoint now);
  void DeliverPage(store::ContactPage page, TimePoint now);
  void SkipJob(store::WebhookJob job, TimePoint now);
  // One POST under the limits: "" when the receiver answered 2xx, else the coarse reason;
  // `detail` gets the full error for the log.
  std::string Post(const std::string& url, const std::string& body,
                   const std::vector<std::pair<std::string, std::string>>& headers,
                   std::string* detail) const;

  channel::Channel* channel_;
  WebhookOptions options_;
  Mutex mu_;
  CondVar cv_;       // poll wake-ups and stop
  CondVar work_cv_;  // an item was queued, a lane freed, or stop
  bool stop_ GUARDED_BY(mu_) = false;
  std::map<LaneKey, Lane> lanes_ GUARDED_BY(mu_);
  std::set<std::string> known_ GUARDED_BY(mu_);     // queued or in flight
  std::set<std::string> finished_ GUARDED_BY(mu_);  // done since the current Fetch began
  LaneKey last_served_ GUARDED_BY(mu_);             // round-robin position
  std::thread poller_;
  std::vector<std::thread> workers_;
};

}  // namespace deconflict::server
