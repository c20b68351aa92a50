// A broadcast wake-up that any thread can raise and coroutines can await without blocking an io
// thread: the bridge from blocking code (storage, detector threads) to HTTP handlers.
//
//   uint64_t seen = changes.generation();      // read BEFORE looking at the shared data
//   ... look at the data ...
//   bool notified = co_await changes.Wait(seen, std::chrono::seconds(15));   // or a timeout
//   // elsewhere, on any thread, after changing the data:  changes.Notify();
//
// The generation counter makes wake-ups impossible to lose: Wait(seen, ...) returns at once when a
// Notify happened after `seen` was read. Inside an HTTP handler prefer Exchange::WaitFor, which
// also wakes when the server shuts down or the peer of an event stream goes away.
//
// Thread-safety: thread-safe. Notify() and generation() may be called from any thread; Wait may be
// awaited by any number of coroutines on any executors at once. A wait keeps what it needs alive,
// so destroying the AsyncSignal during a wait is safe (that wait then ends at its timeout). Waits
// do not react to asio cancellation (e.g. the losing side of `||`); they end on Notify or timeout.
#pragma once

#include <boost/asio/awaitable.hpp>
#include <chrono>
#include <cstdint>
#include <memory>
#include <span>

namespace deconflict::http {

namespace asio = boost::asio;

class AsyncSignal {
 public:
  // A timeout that never expires.
  static constexpr std::chrono::milliseconds kForever = std::chrono::milliseconds::max();

  AsyncSignal();
  ~AsyncSignal();
  AsyncSignal(const AsyncSignal&) = delete;
  AsyncSignal& operator=(const AsyncSignal&) = delete;

  // Increments generation() and wakes every current waiter. Never blocks on waiters (it only
  // posts their continuations to their executors).
  void Notify();
  // The number of Notify() calls so far (starts at 0).
  uint64_t generation() const;

  // Completes when generation() != seen (at once if it already differs) or after `timeout`
  // (kForever: no timeout). Returns true when notified, false on timeout. The awaiting coroutine
  // resumes on its own executor.
  asio::awaitable<bool> Wait(uint64_t seen, std::chrono::milliseconds timeout) const;

  // One signal of a WaitAny, with the generation the caller has already seen.
  struct Watch {
    const AsyncSignal* signal;
    uint64_t seen;
  };
  // Completes when any watched signal's generation differs from its `seen`, or after `timeout`.
  // Returns the index of the first such watch, or -1 on timeout. REQUIRES: every signal non-null.
  static asio::awaitable<int> WaitAny(std::span<const Watch> watches,
                                      std::chrono::milliseconds timeout);

  struct State;  // implementation detail, shared with pending waits

 private:
  std::shared_ptr<State> state_;
};

}  // namespace deconflict::http
