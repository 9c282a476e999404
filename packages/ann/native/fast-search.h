// Single-query maximum inner product search over the vectors of a faiss Flat or IVF-Flat index,
// with our own SIMD kernel. Debian's libfaiss is built for baseline x86-64: its inner products are
// scalar, latency-bound loops (~100 ns per 64-dim vector), which made a 1,000-result IVF search
// cost ~2.5 ms. The vectors themselves are read in place from the faiss structures, so building,
// training, persistence and every other index kind stay faiss's. Results match faiss's up to
// floating-point summation order.
#pragma once
#include <faiss/IndexFlat.h>
#include <faiss/IndexIVFFlat.h>
#include <faiss/invlists/InvertedLists.h>

#include <algorithm>
#include <cstdint>
#include <utility>
#include <vector>

#if defined(__x86_64__) || defined(__i386__)
#include <immintrin.h>
#define RECSYS_X86 1
#endif

namespace recsys {

// out[i] = <q, x_i> for n contiguous vectors of dimension d.
static void dotsScalar(const float *q, const float *x, size_t n, size_t d, float *out) {
  for (size_t i = 0; i < n; i++, x += d) {
    // Eight independent partial sums: the loop is not bound by the latency of one chain.
    float s[8] = {0, 0, 0, 0, 0, 0, 0, 0};
    size_t j = 0;
    for (; j + 8 <= d; j += 8)
      for (int l = 0; l < 8; l++) s[l] += q[j + l] * x[j + l];
    float t = ((s[0] + s[1]) + (s[2] + s[3])) + ((s[4] + s[5]) + (s[6] + s[7]));
    for (; j < d; j++) t += q[j] * x[j];
    out[i] = t;
  }
}

#ifdef RECSYS_X86
__attribute__((target("avx2,fma"))) static void dotsAvx2(const float *q, const float *x, size_t n, size_t d, float *out) {
  const size_t d8 = d & ~size_t(7);
  for (size_t i = 0; i < n; i++, x += d) {
    __m256 a0 = _mm256_setzero_ps(), a1 = _mm256_setzero_ps();
    size_t j = 0;
    for (; j + 16 <= d8; j += 16) {
      a0 = _mm256_fmadd_ps(_mm256_loadu_ps(q + j), _mm256_loadu_ps(x + j), a0);
      a1 = _mm256_fmadd_ps(_mm256_loadu_ps(q + j + 8), _mm256_loadu_ps(x + j + 8), a1);
    }
    if (j < d8) a0 = _mm256_fmadd_ps(_mm256_loadu_ps(q + j), _mm256_loadu_ps(x + j), a0), j += 8;
    __m256 a = _mm256_add_ps(a0, a1);
    __m128 h = _mm_add_ps(_mm256_castps256_ps128(a), _mm256_extractf128_ps(a, 1));
    h = _mm_add_ps(h, _mm_movehl_ps(h, h));
    h = _mm_add_ss(h, _mm_shuffle_ps(h, h, 1));
    float t = _mm_cvtss_f32(h);
    for (; j < d; j++) t += q[j] * x[j];
    out[i] = t;
  }
}
#endif

static void dots(const float *q, const float *x, size_t n, size_t d, float *out) {
#ifdef RECSYS_X86
  static const bool avx2 = __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma");
  if (avx2) return dotsAvx2(q, x, n, d, out);
#endif
  dotsScalar(q, x, n, d, out);
}

// The k largest (score, label) pairs seen, as a min-heap on score: most candidates are rejected by
// one comparison with the smallest kept score.
class TopK {
 public:
  explicit TopK(size_t k) : k_(k) { heap_.reserve(k); }

  void push(const float *scores, const int64_t *labels, int64_t firstLabel, size_t n) {
    for (size_t i = 0; i < n; i++) {
      const float s = scores[i];
      if (heap_.size() == k_) {
        if (!(s > heap_.front().first)) continue;
        std::pop_heap(heap_.begin(), heap_.end(), greater);
        heap_.back() = {s, labels ? labels[i] : firstLabel + int64_t(i)};
      } else {
        heap_.push_back({s, labels ? labels[i] : firstLabel + int64_t(i)});
      }
      std::push_heap(heap_.begin(), heap_.end(), greater);
    }
  }

  // Best first; returns how many were written (fewer than k when fewer vectors were scanned).
  size_t write(int32_t *labels, float *distances) {
    std::sort_heap(heap_.begin(), heap_.end(), greater);  // ascending by the inverse order: best first
    for (size_t i = 0; i < heap_.size(); i++) {
      labels[i] = int32_t(heap_[i].second);
      distances[i] = heap_[i].first;
    }
    return heap_.size();
  }

 private:
  static bool greater(const std::pair<float, int64_t> &a, const std::pair<float, int64_t> &b) {
    return a.first > b.first || (a.first == b.first && a.second < b.second);
  }
  size_t k_;
  std::vector<std::pair<float, int64_t>> heap_;
};

// Returns the number of results written, or -1 when the index is not one this path handles (the
// caller then uses faiss's own search).
static long fastSearch(const faiss::Index *index, const float *q, size_t k, int32_t *labels, float *distances) {
  if (index->metric_type != faiss::METRIC_INNER_PRODUCT || k == 0) return -1;
  const size_t d = index->d;
  std::vector<float> scores;

  if (auto flat = dynamic_cast<const faiss::IndexFlat *>(index)) {
    TopK top(k);
    const size_t n = flat->ntotal, block = 4096;
    scores.resize(std::min(n, block));
    for (size_t from = 0; from < n; from += block) {
      const size_t m = std::min(block, n - from);
      dots(q, flat->get_xb() + from * d, m, d, scores.data());
      top.push(scores.data(), nullptr, int64_t(from), m);
    }
    return long(top.write(labels, distances));
  }

  if (auto ivf = dynamic_cast<const faiss::IndexIVFFlat *>(index)) {
    auto quantizer = dynamic_cast<const faiss::IndexFlat *>(ivf->quantizer);
    if (!quantizer || quantizer->metric_type != faiss::METRIC_INNER_PRODUCT) return -1;
    // Coarse step: the nprobe cells whose centroids have the largest inner product with q.
    const size_t nlist = ivf->nlist, nprobe = std::min(ivf->nprobe, nlist);
    std::vector<float> centroidScores(nlist);
    dots(q, quantizer->get_xb(), nlist, d, centroidScores.data());
    std::vector<int32_t> cells(nlist);
    for (size_t c = 0; c < nlist; c++) cells[c] = int32_t(c);
    std::partial_sort(cells.begin(), cells.begin() + nprobe, cells.end(), [&](int32_t a, int32_t b) {
      return centroidScores[a] > centroidScores[b] || (centroidScores[a] == centroidScores[b] && a < b);
    });
    TopK top(k);
    const faiss::InvertedLists *lists = ivf->invlists;
    for (size_t p = 0; p < nprobe; p++) {
      const size_t cell = cells[p], n = lists->list_size(cell);
      if (n == 0) continue;
      faiss::InvertedLists::ScopedCodes codes(lists, cell);
      faiss::InvertedLists::ScopedIds ids(lists, cell);
      if (scores.size() < n) scores.resize(n);
      dots(q, reinterpret_cast<const float *>(codes.get()), n, d, scores.data());
      top.push(scores.data(), reinterpret_cast<const int64_t *>(ids.get()), 0, n);
    }
    return long(top.write(labels, distances));
  }
  return -1;
}

// One query: the SIMD path when it applies, faiss's own search otherwise. Returns the number of
// results written (IVF may find fewer than k).
static size_t searchOne(const faiss::Index *index, const float *q, size_t k, int32_t *labels, float *distances) {
  const long fast = fastSearch(index, q, k, labels, distances);
  if (fast >= 0) return size_t(fast);
  std::vector<faiss::idx_t> I(k);
  std::vector<float> D(k);
  index->search(1, q, faiss::idx_t(k), D.data(), I.data());
  size_t written = 0;
  for (; written < k && I[written] >= 0; written++) {
    labels[written] = int32_t(I[written]);
    distances[written] = D[written];
  }
  return written;
}

}  // namespace recsys
