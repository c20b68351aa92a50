#include "http/async_signal.h"

#include <boost/asio/any_completion_handler.hpp>
#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/async_result.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <optional>
#include <unordered_map>
#include <utility>
#include <vector>

#include "base/thread_annotations.h"

namespace deconflict::http {

namespace {

// Boost 1.81's any_completion_handler move-assignment recurses for ever (it passes an lvalue to
// its own converting constructor), so handlers are only ever move-constructed, into optionals.
using Handler = std::optional<asio::any_completion_handler<void()>>;

// Takes the handler out of `slot` (empty if it was).
Handler Take(Handler& slot) {
  Handler h;
  if (slot) {
    h.emplace(std::move(*slot));
    slot.reset();
  }
  return h;
}

// One pending wait. Shared by the waiting coroutine, its timer and (weakly) the signals' lists.
// Exactly one of Notify / timeout completes it: whoever takes `handler` first.
struct Waiter {
  explicit Waiter(asio::any_io_executor ex) : executor(std::move(ex)) {}

  // Completes the wait (once). Safe from any thread.
  void Fire() {
    Handler h;
    {
      MutexLock lock(mu);
      if (registering) {  // the initiation completes it when it has finished registering
        fire_pending = true;
        return;
      }
      h = Take(handler);
      if (!h) return;
    }
    // The timer was started (if at all) before `registering` was cleared under `mu`, and nobody
    // but the one taker of the handler touches it afterwards.
    if (timer_started) timer->cancel();
    Complete(std::move(h));
  }

  void Complete(Handler h) {
    asio::post(executor, [h = std::move(h)]() mutable { std::move (*h)(); });
  }

  asio::any_io_executor executor;
  // Made by the initiation, cancelled by whoever completes the wait, destroyed by the waiting
  // coroutine once it has resumed (on its executor, while the io_context is certainly alive: the
  // last reference to the Waiter may be dropped later by a notifying thread, after the
  // io_context is gone).
  std::optional<asio::steady_timer> timer;
  bool timer_started = false;
  Mutex mu;
  bool registering GUARDED_BY(mu) = true;
  bool fire_pending GUARDED_BY(mu) = false;
  Handler handler GUARDED_BY(mu);
};

}  // namespace

struct AsyncSignal::State {
  Mutex mu;
  uint64_t generation GUARDED_BY(mu) = 0;
  std::unordered_map<Waiter*, std::weak_ptr<Waiter>> waiters GUARDED_BY(mu);
};

AsyncSignal::AsyncSignal() : state_(std::make_shared<State>()) {}
AsyncSignal::~AsyncSignal() = default;

void AsyncSignal::Notify() {
  std::vector<std::shared_ptr<Waiter>> wake;
  {
    MutexLock lock(state_->mu);
    ++state_->generation;
    wake.reserve(state_->waiters.size());
    for (auto& [raw, weak] : state_->waiters) {
      if (auto w = weak.lock()) wake.push_back(std::move(w));
    }
    state_->waiters.clear();
  }
  for (auto& w : wake) w->Fire();
}

uint64_t AsyncSignal::generation() const {
  MutexLock lock(state_->mu);
  return state_->generation;
}

asio::awaitable<bool> AsyncSignal::Wait(uint64_t seen, std::chrono::milliseconds timeout) const {
  const Watch watch{this, seen};
  co_return (co_await WaitAny(std::span<const Watch>(&watch, 1), timeout)) == 0;
}

asio::awaitable<int> AsyncSignal::WaitAny(std::span<const Watch> watches,
                                          std::chrono::milliseconds timeout) {
  std::vector<std::shared_ptr<State>> states;
  std::vector<uint64_t> seen;
  states.reserve(watches.size());
  for (const Watch& w : watches) {
    states.push_back(w.signal->state_);
    seen.push_back(w.seen);
  }
  auto first_changed = [&]() -> int {
    for (size_t i = 0; i < states.size(); ++i) {
      MutexLock lock(states[i]->mu);
      if (states[i]->generation != seen[i]) return static_cast<int>(i);
    }
    return -1;
  };
  if (int i = first_changed(); i >= 0) co_return i;

  auto waiter = std::make_shared<Waiter>(co_await asio::this_coro::executor);
  co_await asio::async_initiate<decltype(asio::use_awaitable), void()>(
      [&](auto handler) {
        {
          MutexLock lock(waiter->mu);
          waiter->handler.emplace(std::move(handler));
        }
        bool changed = false;
        for (size_t i = 0; i < states.size() && !changed; ++i) {
          MutexLock lock(states[i]->mu);
          if (states[i]->generation != seen[i]) {
            changed = true;
          } else {
            states[i]->waiters.emplace(waiter.get(), waiter);
          }
        }
        if (!changed && timeout != kForever) {
          waiter->timer.emplace(waiter->executor);
          waiter->timer->expires_after(timeout);
          waiter->timer->async_wait([waiter](boost::system::error_code) { waiter->Fire(); });
          waiter->timer_started = true;
        }
        Handler h;
        {
          MutexLock lock(waiter->mu);
          waiter->registering = false;
          if (changed || waiter->fire_pending) h = Take(waiter->handler);
        }
        if (h) {
          if (waiter->timer_started) waiter->timer->cancel();
          waiter->Complete(std::move(h));
        }
      },
      asio::use_awaitable);
  // Whoever completed the wait cancelled the timer before posting the completion that resumed
  // this coroutine, and nobody touches it after taking the handler: safe to destroy here.
  waiter->timer.reset();
  for (auto& st : states) {
    MutexLock lock(st->mu);
    st->waiters.erase(waiter.get());
  }
  co_return first_changed();
}

}  // namespace deconflict::http
