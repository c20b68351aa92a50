// Wakes the push streams of a recipient when new events were committed for it.
//
//   auto sub = hub.Subscribe("US", [&] { signal.Notify(); });   // from any thread
//   hub.Publish("US", 42);                                        // after commit
//
// Streams read the events themselves from the store (EventsAfter), so a missed wake-up never
// loses an event: the store is the source of truth and the hub only says "look again".
// Thread-safety: thread-safe. Callbacks run on the publishing thread and must not block.
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <mutex>
#include <string>

#include "base/thread_annotations.h"
#include "base/units.h"

namespace deconflict::channel {

class Hub {
 public:
  class Subscription {
   public:
    Subscription() = default;
    Subscription(Hub* hub, uint64_t id) : hub_(hub), id_(id) {}
    Subscription(Subscription&& o) noexcept : hub_(o.hub_), id_(o.id_) { o.hub_ = nullptr; }
    Subscription& operator=(Subscription&& o) noexcept {
      Reset();
      hub_ = o.hub_;
      id_ = o.id_;
      o.hub_ = nullptr;
      return *this;
    }
    ~Subscription() { Reset(); }
    void Reset();

   private:
    Hub* hub_ = nullptr;
    uint64_t id_ = 0;
  };

  // `wake` is called after every Publish for `recipient` (and on Close).
  [[nodiscard]] Subscription Subscribe(const PartyId& recipient, std::function<void()> wake);
  void Publish(const PartyId& recipient, int64_t last_seq);
  // The last seq published for the recipient (0 if none since start).
  int64_t LastPublished(const PartyId& recipient) const;
  // Wakes every subscriber (shutdown).
  void WakeAll();
  size_t subscribers() const;

 private:
  struct Sub {
    PartyId recipient;
    std::function<void()> wake;
  };
  mutable Mutex mu_;
  uint64_t next_id_ GUARDED_BY(mu_) = 1;
  std::map<uint64_t, Sub> subs_ GUARDED_BY(mu_);
  std::map<PartyId, int64_t> last_ GUARDED_BY(mu_);
};

}  // namespace deconflict::channel
