#include "channel/hub.h"

#include <algorithm>
#include <vector>

namespace deconflict::channel {

void Hub::Subscription::Reset() {
  if (hub_ == nullptr) return;
  MutexLock lock(hub_->mu_);
  auto it = hub_->subs_.find(id_);
  if (it != hub_->subs_.end()) {
    auto n = hub_->per_recipient_.find(it->second.recipient);
    if (n != hub_->per_recipient_.end() && --n->second == 0) hub_->per_recipient_.erase(n);
    hub_->subs_.erase(it);
  }
  hub_ = nullptr;
}

Result<Hub::Subscription> Hub::Subscribe(const PartyId& recipient, std::string token_hash,
                                         std::function<void()> wake, size_t max_per_recipient) {
  MutexLock lock(mu_);
  size_t& n = per_recipient_[recipient];
  if (max_per_recipient > 0 && n >= max_per_recipient) {
    if (n == 0) per_recipient_.erase(recipient);
    return Status::TooManyRequests(
        "party " + recipient.value() + " already has " + std::to_string(max_per_recipient) +
            " open event streams (the limit, max_streams_per_party); close one first",
        1);
  }
  ++n;
  uint64_t id = next_id_++;
  auto ended = std::make_shared<std::atomic<bool>>(false);
  subs_.emplace(id, Sub{recipient, std::move(token_hash), std::move(wake), ended});
  return Subscription(this, id, std::move(ended));
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

namespace deconflict::channel {

std::vector<std::string> Hub::TokenHashes() const {
  MutexLock lock(mu_);
  std::vector<std::string> out;
  for (const auto& [id, s] : subs_) out.push_back(s.token_hash);
  std::sort(out.begin(), out.end());
  out.erase(std::unique(out.begin(), out.end()), out.end());
  return out;
}

size_t Hub::EndToken(const std::string& token_hash) {
  std::vector<std::function<void()>> wakes;
  {
    MutexLock lock(mu_);
    for (auto& [id, s] : subs_) {
      if (s.token_hash != token_hash) continue;
      s.ended->store(true);
      wakes.push_back(s.wake);
    }
  }
  for (auto& w : wakes) w();
  return wakes.size();
}

}  // namespace deconflict::channel
