// The threads searchAsync runs on: its own few, not the libuv pool, whose threads outnumber the
// cores (each one woken for a search took the event loop's core, which every request needs twice).
// Here cores − 1 threads (at least one) take jobs from one queue, and a busy thread takes the next
// job without sleeping or being woken. Answers go back to the JS thread that asked, through a
// thread-safe function that holds its event loop only while answers are due.
#pragma once
#include <napi.h>
#include <omp.h>
#include <sched.h>

#include <condition_variable>
#include <deque>
#include <mutex>
#include <thread>

namespace recsys {

// A search handed to the lanes: `Execute` runs on a lane thread, `Complete` on the JS thread that
// queued it, which then deletes it.
class LaneJob {
 public:
  virtual ~LaneJob() = default;
  virtual void Execute() = 0;
  virtual void Complete(Napi::Env env) = 0;
};

// Per JS thread: the way back to it. Made on the thread's first search; closed with its env.
class LaneReturn {
 public:
  static LaneReturn *forEnv(napi_env env) {
    thread_local LaneReturn *current = nullptr;
    if (current == nullptr) {
      current = new LaneReturn(env);
      napi_add_env_cleanup_hook(env, &LaneReturn::close, &current);
    }
    return current;
  }

  // On the JS thread, as a job is queued. While answers are due the function keeps the event loop
  // alive, as a libuv work request would: a script awaiting a search must not exit first.
  void queued() {
    if (outstanding_++ == 0) napi_ref_threadsafe_function(env_, tsfn_);
    std::lock_guard<std::mutex> lock(mutex_);
    inFlight_++;
  }

  // On a lane thread, with a job done. Fails only once the env is closing (the job is dropped).
  void send(LaneJob *job) {
    napi_call_threadsafe_function(tsfn_, job, napi_tsfn_nonblocking);
    std::lock_guard<std::mutex> lock(mutex_);
    if (--inFlight_ == 0) drained_.notify_all();
  }

 private:
  explicit LaneReturn(napi_env env) : env_(env), context_(env, "recsys:faiss-search") {
    Napi::String name = Napi::String::New(env, "recsys:faiss-search");
    if (napi_create_threadsafe_function(env, nullptr, nullptr, name, 0, 1, nullptr, nullptr, this, &LaneReturn::deliver, &tsfn_) != napi_ok) {
      throw Napi::Error::New(env, "could not create the search threads' way back");
    }
    napi_unref_threadsafe_function(env, tsfn_);
  }

  // Cleanup hook of the env, on its thread, before Node closes the thread-safe function (hooks run
  // in reverse order of registration): waits until no lane thread is still searching for this env,
  // since none may call the function once it is closed. The object itself stays: the function may
  // still call `deliver` (with a null env) while it winds down.
  static void close(void *slot) {
    auto **current = static_cast<LaneReturn **>(slot);
    LaneReturn *self = *current;
    {
      std::unique_lock<std::mutex> lock(self->mutex_);
      self->drained_.wait(lock, [self] { return self->inFlight_ == 0; });
    }
    napi_release_threadsafe_function(self->tsfn_, napi_tsfn_abort);
    *current = nullptr;
  }

  // On the JS thread, inside a callback scope so the promise's reactions run before the loop goes on.
  static void deliver(napi_env env, napi_value, void *context, void *data) {
    auto *job = static_cast<LaneJob *>(data);
    // A null env: the env is going away, and the job's JS references with it (the job is dropped).
    if (env == nullptr) return;
    auto *self = static_cast<LaneReturn *>(context);
    Napi::HandleScope scope(env);
    Napi::CallbackScope callbackScope(env, self->context_);
    job->Complete(Napi::Env(env));
    delete job;
    if (--self->outstanding_ == 0) napi_unref_threadsafe_function(env, self->tsfn_);
  }

  napi_env env_;
  Napi::AsyncContext context_;
  napi_threadsafe_function tsfn_ = nullptr;
  std::mutex mutex_;
  std::condition_variable drained_;
  // Jobs not yet handed back by a lane thread (guarded by mutex_).
  size_t inFlight_ = 0;
  // Jobs whose answer has not reached JS yet (JS thread only).
  size_t outstanding_ = 0;
};

class SearchLanes {
 public:
  // Queues a job from a JS thread; its answer comes back to that thread.
  static void queue(napi_env env, LaneJob *job) {
    LaneReturn *back = LaneReturn::forEnv(env);
    back->queued();
    shared().push(job, back);
  }

  // Threads for a machine where this process may use `cores` cores.
  static unsigned lanesFor(unsigned cores) { return cores > 1 ? cores - 1 : 1; }

 private:
  struct Entry {
    LaneJob *job;
    LaneReturn *back;
  };

  // One per process and never destroyed: its threads are detached and wait for work until exit.
  static SearchLanes &shared() {
    static SearchLanes *lanes = new SearchLanes();
    return *lanes;
  }

  SearchLanes() {
    cpu_set_t set;
    const unsigned cores = sched_getaffinity(0, sizeof(set), &set) == 0 ? unsigned(CPU_COUNT(&set)) : std::thread::hardware_concurrency();
    const unsigned n = lanesFor(cores);
    for (unsigned i = 0; i < n; i++) std::thread([this] { run(); }).detach();
  }

  void push(LaneJob *job, LaneReturn *back) {
    {
      std::lock_guard<std::mutex> lock(mutex_);
      queue_.push_back({job, back});
    }
    ready_.notify_one();
  }

  void run() {
    // The lanes are the parallelism: a faiss search that falls back to its own code (HNSW) runs
    // on this thread alone instead of starting an OpenMP team per query.
    omp_set_num_threads(1);
    for (;;) {
      Entry entry;
      {
        std::unique_lock<std::mutex> lock(mutex_);
        ready_.wait(lock, [this] { return !queue_.empty(); });
        entry = queue_.front();
        queue_.pop_front();
      }
      entry.job->Execute();
      entry.back->send(entry.job);
    }
  }

  std::mutex mutex_;
  std::condition_variable ready_;
  std::deque<Entry> queue_;
};

}  // namespace recsys
