#include "channel/hub.h"

#include <vector>

namespace deconflict::channel {

void Hub::Subscription::Reset() {
  if (hub_ == nullptr) return;
  MutexLock lock(hub_->mu_);
  hub_->subs_.erase(id_);
  hub_ = nullptr;
}

Hub::Subscription Hub::Subscribe(const PartyId& recipient, std::function<void()> wake) {
  MutexLock lock(mu_);
  uint64_t id = next_id_++;
  subs_.emplace(id, Sub{recipient, std::move(wake)});
  return Subscription(this, id);
}

void Hub::Publish(const PartyId& recipient, int64_t last_seq) {
  std::vector<std::function<void()>> wakes;
  {
    MutexLock lock(mu_);
    int64_t& last = last_[recipient];
    if (last_seq > last) last = last_seq;
    for (auto& [id, s] : subs_) {
      if (s.recipient == recipient) wakes.push_back(s.wake);
    }
  }
  for (auto& w : wakes) w();
}

int64_t Hub::LastPublished(const PartyId& recipient) const {
  MutexLock lock(mu_);
  auto it = last_.find(recipient);
  return it == last_.end() ? 0 : it->second;
}

void Hub::WakeAll() {
  std::vector<std::function<void()>> wakes;
  {
    MutexLock lock(mu_);
    for (auto& [id, s] : subs_) wakes.push_back(s.wake);
  }
  for (auto& w : wakes) w();
}

size_t Hub::subscribers() const {
  MutexLock lock(mu_);
  return subs_.size();
}

}  // namespace deconflict::channel
