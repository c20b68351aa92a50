// Wakes the push streams of a recipient when new events were committed for it.
//
//   auto sub = hub.Subscribe("US", hash, [&] { signal.Notify(); });   // from any thread
//   hub.Publish("US", 42);                                        // after commit
//
// Streams read the events themselves from the store (EventsAfter), so a missed wake-up never
// loses an event: the store is the source of truth and the hub only says "look again".
// Thread-safety: thread-safe. Callbacks run on the publishing thread and must not block.
#pragma once

#include <atomic>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "base/status.h"
#include "base/thread_annotations.h"
#include "base/units.h"

namespace deconflict::channel {

class Hub {
 public:
  class Subscription {
   public:
    Subscription() = default;
    Subscription(Hub* hub, uint64_t id, std::shared_ptr<std::atomic<bool>> ended)
        : hub_(hub), id_(id), ended_(std::move(ended)) {}
    Subscription(Subscription&& o) noexcept
        : hub_(o.hub_), id_(o.id_), ended_(std::move(o.ended_)) {
      o.hub_ = nullptr;
    }
    Subscription& operator=(Subscription&& o) noexcept {
      Reset();
      hub_ = o.hub_;
      id_ = o.id_;
      ended_ = std::move(o.ended_);
      o.hub_ = nullptr;
      return *this;
    }
    ~Subscription() { Reset(); }
    void Reset();
    // True once the subscription's token was revoked (or its party removed): the stream must
    // end. Set before the subscription's `wake` is called.
    bool ended() const { return ended_ != nullptr && ended_->load(); }

   private:
    Hub* hub_ = nullptr;
    uint64_t id_ = 0;
    std::shared_ptr<std::atomic<bool>> ended_;
  };

  // `wake` is called after every Publish for `recipient` (and on Close). `token_hash` is the
  // hex SHA-256 of the token the stream authenticated with (EndToken ends it). TooManyRequests
  // when `recipient` already has `max_per_recipient` subscriptions (0: no limit).
  [[nodiscard]] Result<Subscription> Subscribe(const PartyId& recipient, std::string token_hash,
                                               std::function<void()> wake,
                                               size_t max_per_recipient = 0);
  void Publish(const PartyId& recipient, int64_t last_seq);
  // The last seq published for the recipient (0 if none since start).
  int64_t LastPublished(const PartyId& recipient) const;
  // Wakes every subscriber (shutdown).
  void WakeAll();
  size_t subscribers() const;
  // The distinct token hashes of the open subscriptions.
  std::vector<std::string> TokenHashes() const;
  // Marks every subscription of `token_hash` ended and wakes it; returns how many.
  size_t EndToken(const std::string& token_hash);

 private:
  struct Sub {
    PartyId recipient;
    std::string token_hash;
    std::function<void()> wake;
    std::shared_ptr<std::atomic<bool>> ended;
  };
  mutable Mutex mu_;
  uint64_t next_id_ GUARDED_BY(mu_) = 1;
  std::map<uint64_t, Sub> subs_ GUARDED_BY(mu_);
  std::map<PartyId, size_t> per_recipient_ GUARDED_BY(mu_);
  std::map<PartyId, int64_t> last_ GUARDED_BY(mu_);
};

}  // namespace deconflict::channel
