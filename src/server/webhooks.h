// Delivers each party's events to its webhooks (POST with an HMAC-SHA256 signature) and pages
// contacts at escalation (POST to the contact's own webhook, signed with the server's Ed25519
// record key). Both are retried with exponential back-off, every attempt kept in the store so
// that a restart loses nothing (docs/channel.md, "Webhooks" and "Escalation").
//
//   WebhookDispatcher d(channel.get(), {});   // starts a thread
//   ...; d.Stop();
//
// Thread-safety: Stop may be called from any thread.
#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <mutex>
#include <string>
#include <thread>

#include "base/thread_annotations.h"
#include "channel/channel.h"
#include "record/crypto.h"

namespace deconflict::server {

struct WebhookOptions {
  std::chrono::milliseconds poll{250};        // DEFAULT: look for due jobs every 250 ms
  std::chrono::milliseconds timeout{10'000};  // DEFAULT: per attempt
  int max_attempts = 12;                      // DEFAULT: then the job is marked failed
  Seconds first_backoff{1};                   // DEFAULT: 1 s, doubling, at most max_backoff
  Seconds max_backoff{3600};                  // DEFAULT: 1 h
};

// The signature header value for a body sent at `unix_seconds`:
// "sha256=" + hex HMAC-SHA256(secret, "<unix_seconds>.<body>").
std::string WebhookSignature(const std::string& secret, int64_t unix_seconds,
                             const std::string& body);

// The page signature header value: hex Ed25519 signature by the server's record key (its public
// half is GET /v1/record/key) over "<unix_seconds>.<body>".
std::string PageSignature(const record::KeyPair& key, int64_t unix_seconds,
                          const std::string& body);

class WebhookDispatcher {
 public:
  WebhookDispatcher(channel::Channel* channel, WebhookOptions options);
  ~WebhookDispatcher();  // Stop()
  void Stop();

 private:
  void Loop();
  void DeliverDue();
  void DeliverPages();
  bool Stopping();

  channel::Channel* channel_;
  WebhookOptions options_;
  Mutex mu_;
  CondVar cv_;
  bool stop_ GUARDED_BY(mu_) = false;
  std::thread thread_;
};

}  // namespace deconflict::server
