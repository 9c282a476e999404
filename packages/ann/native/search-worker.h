// Index.searchAsync: queries searched on the search lanes (search-lanes.h), so the event loop
// serves other requests meanwhile; several queries in one call cost one queued job instead of one
// each. Searches only read the index; the JS index object (and the exact vectors, when
// given) are referenced until the search ends so they cannot be collected under it.
#pragma once
#include <napi.h>

#include <cstring>
#include <string>
#include <vector>

#include "fast-search.h"
#include "search-lanes.h"

namespace recsys {

class SearchWorker : public LaneJob {
 public:
  // `queries`: n rows of the index dimension. `exact`: when not empty, the float vectors to rescore
  // the results with (see rescoreExact).
  SearchWorker(Napi::Env env, Napi::Object owner, const faiss::Index *index, const float *queries, size_t n, size_t k, Napi::Float32Array exact)
      : env_(env),
        deferred_(Napi::Promise::Deferred::New(env)),
        owner_(Napi::Persistent(owner)),
        index_(index),
        k_(k),
        queries_(queries, queries + n * index->d),
        labels_(n * k),
        distances_(n * k),
        written_(n) {
    if (!exact.IsEmpty()) {
      exactRef_ = Napi::Persistent(static_cast<Napi::Object>(exact));
      exact_ = exact.Data();
    }
  }

  Napi::Promise Promise() const { return deferred_.Promise(); }

  // Hands the search to the lanes, which own it from here.
  void Queue() { SearchLanes::queue(env_, this); }

  void Execute() override {
    try {
      const size_t d = index_->d, n = written_.size();
      // Rescoring sorts the results again, by their exact scores.
      searchMany(index_, queries_.data(), n, k_, labels_.data(), distances_.data(), written_.data(), exact_ == nullptr);
      if (exact_) {
        for (size_t q = 0; q < n; q++)
          rescoreExact(queries_.data() + q * d, exact_, d, size_t(written_[q]), labels_.data() + q * k_, distances_.data() + q * k_);
      }
    } catch (const std::exception &ex) {
      error_ = ex.what();
      failed_ = true;
    }
  }

  void Complete(Napi::Env env) override {
    if (failed_) deferred_.Reject(Napi::Error::New(env, error_).Value());
    else resolve(env);
  }

 private:
  // One query: { labels, distances } holding the results found, best first. Several: { labels,
  // distances } of n * k values (query q's results from q * k) and `counts`, how many each found.
  void resolve(Napi::Env env) {
    const size_t n = written_.size();
    const size_t size = n == 1 ? size_t(written_[0]) : n * k_;
    auto labels = Napi::Int32Array::New(env, size);
    auto distances = Napi::Float32Array::New(env, size);
    std::memcpy(labels.Data(), labels_.data(), size * sizeof(int32_t));
    std::memcpy(distances.Data(), distances_.data(), size * sizeof(float));
    auto result = Napi::Object::New(env);
    result.Set("labels", labels);
    result.Set("distances", distances);
    if (n > 1) {
      auto counts = Napi::Int32Array::New(env, n);
      std::memcpy(counts.Data(), written_.data(), n * sizeof(int32_t));
      result.Set("counts", counts);
    }
    deferred_.Resolve(result);
  }

  Napi::Env env_;
  bool failed_ = false;
  std::string error_;
  Napi::Promise::Deferred deferred_;
  Napi::ObjectReference owner_;
  const faiss::Index *index_;
  Napi::ObjectReference exactRef_;
  const float *exact_ = nullptr;
  size_t k_;
  std::vector<float> queries_;
  std::vector<int32_t> labels_;
  std::vector<float> distances_;
  std::vector<int32_t> written_;
};

}  // namespace recsys
