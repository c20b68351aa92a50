// Clang thread-safety annotations (https://clang.llvm.org/docs/ThreadSafetyAnalysis.html), so that
// `clang -Wthread-safety` turns a forgotten lock into a build error; no-ops for other compilers.
//
//   Mutex mu_;
//   int64_t count_ GUARDED_BY(mu_);
//   void Bump() EXCLUSIVE_LOCKS_REQUIRED(mu_);
//
// std::mutex carries no capability attribute in libstdc++, so guarded members use the annotated
// `Mutex` / `SharedMutex` wrappers and the `MutexLock` / `ReaderLock` / `WriterLock` guards below
// (std::unique_lock and std::lock_guard are invisible to the analysis).
// Thread-safety: Mutex and SharedMutex are mutexes; the guards are used by one thread.
#pragma once

#include <chrono>
#include <condition_variable>
#include <mutex>
#include <shared_mutex>

// Abseil's <absl/base/thread_annotations.h> (through flat_hash_map, for one) still defines the
// unprefixed GUARDED_BY, PT_GUARDED_BY, ACQUIRED_AFTER, ACQUIRED_BEFORE, EXCLUSIVE_LOCKS_REQUIRED,
// SHARED_LOCKS_REQUIRED, LOCKS_EXCLUDED and NO_THREAD_SAFETY_ANALYSIS, as the same clang
// attributes. Included first, so that whichever header comes first in a file, those are Abseil's
// and the #ifndef below keep ours from redefining them.
#if __has_include(<absl/base/thread_annotations.h>)
#include <absl/base/thread_annotations.h>
#endif

#if defined(__clang__)
#define DECONFLICT_THREAD_ANNOTATION(x) __attribute__((x))
#else
#define DECONFLICT_THREAD_ANNOTATION(x)
#endif

#define CAPABILITY(x) DECONFLICT_THREAD_ANNOTATION(capability(x))
#define SCOPED_CAPABILITY DECONFLICT_THREAD_ANNOTATION(scoped_lockable)
#ifndef GUARDED_BY
#define GUARDED_BY(x) DECONFLICT_THREAD_ANNOTATION(guarded_by(x))
#endif
#ifndef PT_GUARDED_BY
#define PT_GUARDED_BY(x) DECONFLICT_THREAD_ANNOTATION(pt_guarded_by(x))
#endif
#ifndef ACQUIRED_AFTER
#define ACQUIRED_AFTER(...) DECONFLICT_THREAD_ANNOTATION(acquired_after(__VA_ARGS__))
#endif
#ifndef ACQUIRED_BEFORE
#define ACQUIRED_BEFORE(...) DECONFLICT_THREAD_ANNOTATION(acquired_before(__VA_ARGS__))
#endif
#ifndef EXCLUSIVE_LOCKS_REQUIRED
#define EXCLUSIVE_LOCKS_REQUIRED(...) \
  DECONFLICT_THREAD_ANNOTATION(exclusive_locks_required(__VA_ARGS__))
#endif
#ifndef SHARED_LOCKS_REQUIRED
#define SHARED_LOCKS_REQUIRED(...) DECONFLICT_THREAD_ANNOTATION(shared_locks_required(__VA_ARGS__))
#endif
#ifndef LOCKS_EXCLUDED
#define LOCKS_EXCLUDED(...) DECONFLICT_THREAD_ANNOTATION(locks_excluded(__VA_ARGS__))
#endif
#define ACQUIRE(...) DECONFLICT_THREAD_ANNOTATION(acquire_capability(__VA_ARGS__))
#define ACQUIRE_SHARED(...) DECONFLICT_THREAD_ANNOTATION(acquire_shared_capability(__VA_ARGS__))
#define RELEASE(...) DECONFLICT_THREAD_ANNOTATION(release_capability(__VA_ARGS__))
#define RELEASE_SHARED(...) DECONFLICT_THREAD_ANNOTATION(release_shared_capability(__VA_ARGS__))
#define RELEASE_GENERIC(...) DECONFLICT_THREAD_ANNOTATION(release_generic_capability(__VA_ARGS__))
#define TRY_ACQUIRE(...) DECONFLICT_THREAD_ANNOTATION(try_acquire_capability(__VA_ARGS__))
#define ASSERT_CAPABILITY(x) DECONFLICT_THREAD_ANNOTATION(assert_capability(x))
#define RETURN_CAPABILITY(x) DECONFLICT_THREAD_ANNOTATION(lock_returned(x))
#ifndef NO_THREAD_SAFETY_ANALYSIS
#define NO_THREAD_SAFETY_ANALYSIS DECONFLICT_THREAD_ANNOTATION(no_thread_safety_analysis)
#endif

namespace deconflict {

// std::mutex with the capability attribute.
class CAPABILITY("mutex") Mutex {
 public:
  void lock() ACQUIRE() { mu_.lock(); }
  void unlock() RELEASE() { mu_.unlock(); }
  bool try_lock() TRY_ACQUIRE(true) { return mu_.try_lock(); }
  // For std::condition_variable waits: the caller holds the lock (see CondVar below).
  std::mutex& native() { return mu_; }

 private:
  std::mutex mu_;
};

// std::shared_mutex with the capability attribute.
class CAPABILITY("mutex") SharedMutex {
 public:
  void lock() ACQUIRE() { mu_.lock(); }
  void unlock() RELEASE() { mu_.unlock(); }
  void lock_shared() ACQUIRE_SHARED() { mu_.lock_shared(); }
  void unlock_shared() RELEASE_SHARED() { mu_.unlock_shared(); }

 private:
  std::shared_mutex mu_;
};

// Holds `mu` exclusively for its scope.
class SCOPED_CAPABILITY MutexLock {
 public:
  explicit MutexLock(Mutex& mu) ACQUIRE(mu) : mu_(mu) { mu_.lock(); }
  ~MutexLock() RELEASE() { mu_.unlock(); }
  MutexLock(const MutexLock&) = delete;
  MutexLock& operator=(const MutexLock&) = delete;
  Mutex& mutex() { return mu_; }

 private:
  Mutex& mu_;
};

// Holds a SharedMutex shared (ReaderLock) or exclusively (WriterLock) for its scope.
class SCOPED_CAPABILITY ReaderLock {
 public:
  explicit ReaderLock(SharedMutex& mu) ACQUIRE_SHARED(mu) : mu_(mu) { mu_.lock_shared(); }
  ~ReaderLock() RELEASE() { mu_.unlock_shared(); }
  ReaderLock(const ReaderLock&) = delete;
  ReaderLock& operator=(const ReaderLock&) = delete;

 private:
  SharedMutex& mu_;
};

class SCOPED_CAPABILITY WriterLock {
 public:
  explicit WriterLock(SharedMutex& mu) ACQUIRE(mu) : mu_(mu) { mu_.lock(); }
  ~WriterLock() RELEASE() { mu_.unlock(); }
  WriterLock(const WriterLock&) = delete;
  WriterLock& operator=(const WriterLock&) = delete;

 private:
  SharedMutex& mu_;
};

// A condition variable for Mutex. Wait* REQUIRE the MutexLock of the same mutex to be held; the
// lock is released while waiting and held again on return, as std::condition_variable does.
class CondVar {
 public:
  void Wait(MutexLock& lock) {
    std::unique_lock<std::mutex> u(lock.mutex().native(), std::adopt_lock);
    cv_.wait(u);
    u.release();
  }
  // Returns false on time-out.
  template <typename Rep, typename Period>
  bool WaitFor(MutexLock& lock, std::chrono::duration<Rep, Period> d) {
    std::unique_lock<std::mutex> u(lock.mutex().native(), std::adopt_lock);
    bool woke = cv_.wait_for(u, d) == std::cv_status::no_timeout;
    u.release();
    return woke;
  }
  void NotifyOne() { cv_.notify_one(); }
  void NotifyAll() { cv_.notify_all(); }

 private:
  std::condition_variable cv_;
};

}  // namespace deconflict
