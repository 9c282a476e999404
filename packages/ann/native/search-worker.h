// Index.searchAsync: one query searched on the libuv thread pool, so the event loop serves other
// requests meanwhile. Searches only read the index; the JS index object (and the exact vectors, when
// given) are referenced until the search ends so they cannot be collected under it.
#pragma once
#include <napi.h>

#include <cstring>
#include <vector>

#include "fast-search.h"

namespace recsys {

class SearchWorker : public Napi::AsyncWorker {
 public:
  // `exact`: when not empty, the float vectors to rescore the results with (see rescoreExact).
  SearchWorker(Napi::Env env, Napi::Object owner, const faiss::Index *index, const float *query, size_t k, Napi::Float32Array exact)
      : Napi::AsyncWorker(env, "recsys:faiss-search"),
        deferred_(Napi::Promise::Deferred::New(env)),
        owner_(Napi::Persistent(owner)),
        index_(index),
        query_(query, query + index->d),
        labels_(k),
        distances_(k) {
    if (!exact.IsEmpty()) {
      exactRef_ = Napi::Persistent(static_cast<Napi::Object>(exact));
      exact_ = exact.Data();
    }
  }

  Napi::Promise Promise() const { return deferred_.Promise(); }

  void Execute() override {
    try {
      // Rescoring sorts the results again, by their exact scores.
      written_ = searchOne(index_, query_.data(), labels_.size(), labels_.data(), distances_.data(), exact_ == nullptr);
      if (exact_) rescoreExact(query_.data(), exact_, size_t(index_->d), written_, labels_.data(), distances_.data());
    } catch (const std::exception &ex) {
      SetError(ex.what());
    }
  }

  void OnOK() override {
    Napi::Env env = Env();
    auto labels = Napi::Int32Array::New(env, written_);
    auto distances = Napi::Float32Array::New(env, written_);
    std::memcpy(labels.Data(), labels_.data(), written_ * sizeof(int32_t));
    std::memcpy(distances.Data(), distances_.data(), written_ * sizeof(float));
    auto result = Napi::Object::New(env);
    result.Set("labels", labels);
    result.Set("distances", distances);
    deferred_.Resolve(result);
  }

  void OnError(const Napi::Error &error) override { deferred_.Reject(error.Value()); }

 private:
  Napi::Promise::Deferred deferred_;
  Napi::ObjectReference owner_;
  const faiss::Index *index_;
  Napi::ObjectReference exactRef_;
  const float *exact_ = nullptr;
  std::vector<float> query_;
  std::vector<int32_t> labels_;
  std::vector<float> distances_;
  size_t written_ = 0;
};

}  // namespace recsys
