// Handing a result from another thread to a coroutine, and running blocking work off the io
// threads.
//
//   http::Completion<int> c;                       // a copyable handle to one shared slot
//   std::thread([c] { c.Set(42); }).detach();     // any thread
//   std::optional<int> v = co_await c.Wait(std::chrono::seconds(5));   // nullopt on timeout
//
//   asio::thread_pool pool(4);                     // for blocking calls (SQLite, file I/O, ...)
//   Result<Plan> r = co_await http::RunOn(pool, [&] { return store.Get(id); });
//
// Thread-safety: Completion handles may be copied to and used from any thread. Set/SetException
// may race; the first wins. One coroutine at a time may Wait (the value is moved out to it).
#pragma once

#include <boost/asio/awaitable.hpp>
#include <boost/asio/post.hpp>
#include <chrono>
#include <exception>
#include <memory>
#include <optional>
#include <type_traits>
#include <utility>
#include <variant>

#include "base/thread_annotations.h"
#include "http/async_signal.h"

namespace deconflict::http {

template <class T>
class Completion {
 public:
  Completion() : st_(std::make_shared<State>()) {}

  // Stores the value and wakes the waiter. Returns false (and drops `value`) if a value or an
  // exception was already set.
  bool Set(T value) const {
    {
      MutexLock lock(st_->mu);
      if (st_->set) return false;
      st_->set = true;
      st_->value.emplace(std::move(value));
    }
    st_->signal.Notify();
    return true;
  }
  // Like Set, but Wait rethrows `e`.
  bool SetException(const std::exception_ptr& e) const {
    {
      MutexLock lock(st_->mu);
      if (st_->set) return false;
      st_->set = true;
      st_->error = e;
    }
    st_->signal.Notify();
    return true;
  }
  // True once Set or SetException was called.
  bool ready() const {
    MutexLock lock(st_->mu);
    return st_->set;
  }

  // Waits up to `timeout` (AsyncSignal::kForever: no limit) and takes the value: nullopt on
  // timeout (a later Wait may still get it); rethrows the exception given to SetException.
  // REQUIRES: the value was not already taken by an earlier Wait.
  asio::awaitable<std::optional<T>> Wait(std::chrono::milliseconds timeout) const {
    const auto deadline = timeout == AsyncSignal::kForever
                              ? std::chrono::steady_clock::time_point::max()
                              : std::chrono::steady_clock::now() + timeout;
    for (;;) {
      const uint64_t seen = st_->signal.generation();  // before looking: no lost wake-up
      if (std::optional<T> v = Take()) co_return v;
      auto left = AsyncSignal::kForever;
      if (deadline != std::chrono::steady_clock::time_point::max()) {
        const auto now = std::chrono::steady_clock::now();
        if (now >= deadline) co_return std::nullopt;
        left = std::chrono::ceil<std::chrono::milliseconds>(deadline - now);
      }
      co_await st_->signal.Wait(seen, left);
    }
  }
  // Waits without a time limit. Prefer a timeout in handlers so that shutdown is not held up.
  asio::awaitable<T> Wait() const { co_return std::move(*co_await Wait(AsyncSignal::kForever)); }

  // Notified once when the value (or exception) is set: lets a handler wait for this completion
  // together with shutdown, e.g. co_await ex.WaitFor(&c.signal(), 0, timeout).
  const AsyncSignal& signal() const { return st_->signal; }

 private:
  struct State {
    Mutex mu;
    bool set GUARDED_BY(mu) = false;
    std::optional<T> value GUARDED_BY(mu);
    std::exception_ptr error GUARDED_BY(mu);
    AsyncSignal signal;
  };

  std::optional<T> Take() const {
    MutexLock lock(st_->mu);
    if (st_->error) std::rethrow_exception(st_->error);
    std::optional<T> v = std::move(st_->value);
    st_->value.reset();
    return v;
  }

  std::shared_ptr<State> st_;
};

// Runs `f()` on `pool` (an executor or an execution context such as asio::thread_pool) and
// resumes the calling coroutine on its own executor with f's result, or rethrows f's exception.
// The io thread is free while f runs. `f` is moved to the pool; what it references must outlive
// the call (it does when the caller awaits RunOn).
template <class ExecutorOrContext, class F>
asio::awaitable<std::invoke_result_t<F&>> RunOn(ExecutorOrContext&& pool, F f) {
  using R = std::invoke_result_t<F&>;
  using Slot = std::conditional_t<std::is_void_v<R>, std::monostate, R>;
  Completion<Slot> c;
  asio::post(pool, [c, f = std::move(f)]() mutable {
    try {
      if constexpr (std::is_void_v<R>) {
        f();
        c.Set(std::monostate{});
      } else {
        c.Set(f());
      }
    } catch (...) {
      c.SetException(std::current_exception());
    }
  });
  if constexpr (std::is_void_v<R>) {
    co_await c.Wait();
  } else {
    co_return co_await c.Wait();
  }
}

}  // namespace deconflict::http
