// Single-query maximum inner product search over a faiss Flat, IVF-Flat or IVF-SQ8 (8-bit scalar
// quantiser) index, with our own SIMD kernel. Debian's libfaiss is built for baseline x86-64: its
// inner products are scalar, latency-bound loops (~100 ns per 64-dim vector), which made a
// 1,000-result IVF search cost ~2.5 ms. Vectors and codes are read in place from the faiss
// structures, so building, training, persistence and every other index kind stay faiss's. Results
// match faiss's up to floating-point summation order, and for SQ8 codes of a dimension that is a
// multiple of 16 up to the query's 16-bit fixed-point weights (see sq8DotsInt16).
#pragma once
#include <faiss/IndexFlat.h>
#include <faiss/IndexIVFFlat.h>
#include <faiss/IndexScalarQuantizer.h>
#include <faiss/invlists/InvertedLists.h>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <cstring>
#include <functional>
#include <limits>
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
__attribute__((target("avx2,fma"))) static inline float horizontalSum(__m256 a) {
  __m128 h = _mm_add_ps(_mm256_castps256_ps128(a), _mm256_extractf128_ps(a, 1));
  h = _mm_add_ps(h, _mm_movehl_ps(h, h));
  h = _mm_add_ss(h, _mm_shuffle_ps(h, h, 1));
  return _mm_cvtss_f32(h);
}

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
    float t = horizontalSum(_mm256_add_ps(a0, a1));
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

// Scores of n 8-bit scalar-quantised codes (faiss's QT_8bit: component d decodes to
// vmin_d + (c_d + 0.5) / 255 * vdiff_d), as out[i] = base + sum_d c_d * w_d, where the caller folds
// the query into w_d = q_d * vdiff_d / 255 and base = sum_d q_d * (vmin_d + 0.5 * vdiff_d / 255)
// (plus the cell's centroid score when the codes are residuals).
static void sq8DotsScalar(const float *w, float base, const uint8_t *codes, size_t n, size_t d, float *out) {
  for (size_t i = 0; i < n; i++, codes += d) {
    float s[8] = {0, 0, 0, 0, 0, 0, 0, 0};
    size_t j = 0;
    for (; j + 8 <= d; j += 8)
      for (int l = 0; l < 8; l++) s[l] += float(codes[j + l]) * w[j + l];
    float t = ((s[0] + s[1]) + (s[2] + s[3])) + ((s[4] + s[5]) + (s[6] + s[7]));
    for (; j < d; j++) t += float(codes[j]) * w[j];
    out[i] = base + t;
  }
}

#ifdef RECSYS_X86
__attribute__((target("avx2,fma"))) static inline __m256 sq8Load8(const uint8_t *c) {
  return _mm256_cvtepi32_ps(_mm256_cvtepu8_epi32(_mm_loadl_epi64(reinterpret_cast<const __m128i *>(c))));
}

__attribute__((target("avx2,fma"))) static void sq8DotsAvx2(const float *w, float base, const uint8_t *codes, size_t n, size_t d,
                                                            float *out) {
  const size_t d8 = d & ~size_t(7);
  for (size_t i = 0; i < n; i++, codes += d) {
    __m256 a0 = _mm256_setzero_ps(), a1 = _mm256_setzero_ps();
    size_t j = 0;
    for (; j + 16 <= d8; j += 16) {
      a0 = _mm256_fmadd_ps(sq8Load8(codes + j), _mm256_loadu_ps(w + j), a0);
      a1 = _mm256_fmadd_ps(sq8Load8(codes + j + 8), _mm256_loadu_ps(w + j + 8), a1);
    }
    if (j < d8) a0 = _mm256_fmadd_ps(sq8Load8(codes + j), _mm256_loadu_ps(w + j), a0), j += 8;
    float t = horizontalSum(_mm256_add_ps(a0, a1));
    for (; j < d; j++) t += float(codes[j]) * w[j];
    out[i] = base + t;
  }
}
#endif

static void sq8Dots(const float *w, float base, const uint8_t *codes, size_t n, size_t d, float *out) {
#ifdef RECSYS_X86
  static const bool avx2 = __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma");
  if (avx2) return sq8DotsAvx2(w, base, codes, n, d, out);
#endif
  sq8DotsScalar(w, base, codes, n, d, out);
}

#ifdef RECSYS_X86
// sq8Dots with the weights in 16-bit fixed point (w16_d = round(w_d / scale)): codes widen to 16
// bits and vpmaddwd multiplies and pairs 16 dimensions at once into exact 32-bit sums, about half
// the instructions of widening each code to a float. The rounding of the weights moves a score by
// at most 0.5 * scale * sum_d c_d, a few parts in 10^5 of its range. d is a multiple of 16 and at
// most 256, so no sum can overflow.
__attribute__((target("avx2"))) static void sq8DotsInt16(const int16_t *w16, float base, float scale, const uint8_t *codes, size_t n,
                                                         size_t d, float *out) {
  const __m128 bases = _mm_set1_ps(base), scales = _mm_set1_ps(scale);
  size_t i = 0;
  // Four codes at a time: their sums reduce together (two rounds of hadd) and store as four floats.
  for (; i + 4 <= n; i += 4, codes += 4 * d) {
    __m256i a0 = _mm256_setzero_si256(), a1 = _mm256_setzero_si256(), a2 = _mm256_setzero_si256(), a3 = _mm256_setzero_si256();
    for (size_t j = 0; j < d; j += 16) {
      const __m256i wj = _mm256_loadu_si256(reinterpret_cast<const __m256i *>(w16 + j));
      a0 = _mm256_add_epi32(a0, _mm256_madd_epi16(_mm256_cvtepu8_epi16(_mm_loadu_si128(reinterpret_cast<const __m128i *>(codes + j))), wj));
      a1 = _mm256_add_epi32(a1, _mm256_madd_epi16(_mm256_cvtepu8_epi16(_mm_loadu_si128(reinterpret_cast<const __m128i *>(codes + d + j))), wj));
      a2 = _mm256_add_epi32(a2, _mm256_madd_epi16(_mm256_cvtepu8_epi16(_mm_loadu_si128(reinterpret_cast<const __m128i *>(codes + 2 * d + j))), wj));
      a3 = _mm256_add_epi32(a3, _mm256_madd_epi16(_mm256_cvtepu8_epi16(_mm_loadu_si128(reinterpret_cast<const __m128i *>(codes + 3 * d + j))), wj));
    }
    const __m256i sums = _mm256_hadd_epi32(_mm256_hadd_epi32(a0, a1), _mm256_hadd_epi32(a2, a3));
    const __m128i t = _mm_add_epi32(_mm256_castsi256_si128(sums), _mm256_extracti128_si256(sums, 1));
    _mm_storeu_ps(out + i, _mm_add_ps(bases, _mm_mul_ps(scales, _mm_cvtepi32_ps(t))));
  }
  // The last few codes, one at a time.
  for (; i < n; i++, codes += d) {
    __m256i a = _mm256_setzero_si256();
    for (size_t j = 0; j < d; j += 16) {
      const __m256i c = _mm256_cvtepu8_epi16(_mm_loadu_si128(reinterpret_cast<const __m128i *>(codes + j)));
      a = _mm256_add_epi32(a, _mm256_madd_epi16(c, _mm256_loadu_si256(reinterpret_cast<const __m256i *>(w16 + j))));
    }
    __m128i t = _mm_add_epi32(_mm256_castsi256_si128(a), _mm256_extracti128_si256(a, 1));
    t = _mm_add_epi32(t, _mm_shuffle_epi32(t, 0x4e));
    t = _mm_add_epi32(t, _mm_shuffle_epi32(t, 0xb1));
    out[i] = base + scale * float(_mm_cvtsi128_si32(t));
  }
}
#endif

// The k best (score, label) pairs seen, best = higher score, then lower label. Scores at or above a
// threshold (the k-th best score of an earlier cut) are appended to a buffer of a few times k;
// when it fills, nth_element cuts it back to the best k and raises the threshold. Most candidates
// cost one comparison and the accepted ones an append, instead of a heap update each (the heap was
// half of a 1,000-result IVF search). Each pair is one 64-bit key ordered like (score, -label), so
// the selection and the final sort compare integers.
class TopK {
 public:
  // Room for 3k more than the k kept (at least 64, at most 65,536 more for very large k).
  explicit TopK(size_t k) : k_(k), capacity_(k + std::min<size_t>(std::max<size_t>(3 * k, 64), 1 << 16)) { buffer_.resize(capacity_); }

  void push(const float *scores, const int64_t *labels, int64_t firstLabel, size_t n) {
    size_t i = 0;
#ifdef RECSYS_X86
    static const bool avx2 = __builtin_cpu_supports("avx2");
    if (avx2) i = pushBlocks(scores, labels, firstLabel, n);
#endif
    for (; i < n; i++) offer(scores[i], labels ? labels[i] : firstLabel + int64_t(i));
  }

  // Best first (in no particular order when !sorted); returns how many were written (fewer than k
  // when fewer vectors were scanned).
  size_t write(int32_t *labels, float *distances, bool sorted = true) {
    const size_t m = size_ > k_ ? shrink(size_) : size_;
    if (sorted) std::sort(buffer_.begin(), buffer_.begin() + m, std::greater<uint64_t>());
    for (size_t i = 0; i < m; i++) {
      labels[i] = int32_t(uint32_t(~buffer_[i]));
      distances[i] = score(buffer_[i]);
    }
    return m;
  }

  // Higher score, then lower label, gives a larger key: the score's bits made monotonic as an
  // unsigned integer (negative floats reversed) above the label's complement. Labels are row numbers
  // below 2^31 (results are Int32Array).
  static uint64_t key(float s, int64_t label) {
    if (s == 0) s = 0;  // -0 and +0 are equal scores
    uint32_t bits;
    std::memcpy(&bits, &s, 4);
    bits ^= (bits >> 31) ? 0xffffffffu : 0x80000000u;
    return (uint64_t(bits) << 32) | uint32_t(~uint32_t(label));
  }
  static float score(uint64_t key) {
    uint32_t bits = uint32_t(key >> 32);
    bits ^= (bits >> 31) ? 0x80000000u : 0xffffffffu;
    float s;
    std::memcpy(&s, &bits, 4);
    return s;
  }

 private:
  // >=: a score equal to the threshold still wins when its label is lower.
  void offer(float s, int64_t label) {
    if (!(s >= threshold_)) return;
    buffer_[size_++] = key(s, label);
    if (size_ == capacity_) {
      size_ = shrink(size_);
      threshold_ = score(buffer_[k_ - 1]);
    }
  }

#ifdef RECSYS_X86
  // Eight scores per comparison: once the threshold has risen, most blocks hold none worth keeping
  // and cost one compare and one branch. Returns how many scores it went through (whole blocks).
  __attribute__((target("avx2"))) size_t pushBlocks(const float *scores, const int64_t *labels, int64_t firstLabel, size_t n) {
    size_t i = 0;
    for (; i + 8 <= n; i += 8) {
      unsigned mask = unsigned(_mm256_movemask_ps(_mm256_cmp_ps(_mm256_loadu_ps(scores + i), _mm256_set1_ps(threshold_), _CMP_GE_OQ)));
      // offer() checks each again: a cut inside the block raises the threshold.
      for (; mask != 0; mask &= mask - 1) {
        const size_t j = i + size_t(__builtin_ctz(mask));
        offer(scores[j], labels ? labels[j] : firstLabel + int64_t(j));
      }
    }
    return i;
  }
#endif

  // Keeps the best k of the first `size` keys in buffer_[0, k), the k-th best at k - 1.
  size_t shrink(size_t size) {
    std::nth_element(buffer_.begin(), buffer_.begin() + (k_ - 1), buffer_.begin() + size, std::greater<uint64_t>());
    return k_;
  }

  size_t k_, capacity_, size_ = 0;
  float threshold_ = -std::numeric_limits<float>::infinity();
  std::vector<uint64_t> buffer_;
};

// A query folded into the weights of one 8-bit scalar quantiser (see sq8Dots).
struct Sq8Query {
  std::vector<float> w;
  float base = 0;
  bool residual = false;
  // The weights in 16-bit fixed point (w ≈ w16 * scale), when the integer kernel applies.
  std::vector<int16_t> w16;
  float scale = 0;
};

// False when the IVF index is not one whose codes this kernel decodes (faiss searches it then).
static bool prepareSq8(const faiss::IndexIVF *ivf, const float *q, Sq8Query &out) {
  auto sq = dynamic_cast<const faiss::IndexIVFScalarQuantizer *>(ivf);
  if (!sq) return false;
  const size_t d = ivf->d;
  // QT_8bit keeps vmin (d values) then vdiff (d values) in `trained`.
  if (sq->sq.qtype != faiss::ScalarQuantizer::QT_8bit || sq->code_size != d || sq->sq.trained.size() != 2 * d) return false;
  const float *vmin = sq->sq.trained.data(), *vdiff = vmin + d;
  out.w.resize(d);
  double base = 0;
  for (size_t j = 0; j < d; j++) {
    out.w[j] = q[j] * vdiff[j] / 255.0f;
    base += double(q[j]) * vmin[j] + 0.5 * double(out.w[j]);
  }
  out.base = float(base);
  out.residual = sq->by_residual;
#ifdef RECSYS_X86
  static const bool avx2 = __builtin_cpu_supports("avx2");
  float largest = 0;
  for (size_t j = 0; j < d; j++) largest = std::max(largest, std::fabs(out.w[j]));
  if (avx2 && d % 16 == 0 && d <= 256 && largest > 0 && std::isfinite(largest)) {
    out.scale = largest / 32767.0f;
    out.w16.resize(d);
    for (size_t j = 0; j < d; j++) out.w16[j] = int16_t(std::lround(out.w[j] / out.scale));
  }
#endif
  return true;
}

// The IVF search of nq queries (rows of d, at most 32) at once: each probed cell is read once for
// all the queries that probe it, while its codes are in cache, rather than once per query (at 1M
// rows the scan is bound by memory traffic). Each query keeps its own top k, which does not depend
// on the order the cells are scanned, so the results are those of one query at a time. Query q's
// results go to labels / distances from q * k, their count to written[q]. False when the index is
// not one this path handles (the caller then uses faiss's own search).
static bool ivfSearch(const faiss::IndexIVF *ivf, const float *queries, size_t nq, size_t k, int32_t *labels, float *distances,
                      int32_t *written, bool sorted) {
  const size_t d = ivf->d;
  auto quantizer = dynamic_cast<const faiss::IndexFlat *>(ivf->quantizer);
  if (!quantizer || quantizer->metric_type != faiss::METRIC_INNER_PRODUCT || nq == 0 || nq > 32) return false;
  // IVF-Flat lists hold the vectors; IVF-SQ8 lists hold 8-bit codes of them (or of their residuals
  // from the cell's centroid).
  const bool isFlat = dynamic_cast<const faiss::IndexIVFFlat *>(ivf) != nullptr;
  std::vector<Sq8Query> sq8(isFlat ? 0 : nq);
  for (size_t q = 0; q < sq8.size(); q++)
    if (!prepareSq8(ivf, queries + q * d, sq8[q])) return false;
  // Coarse step: each query's nprobe cells whose centroids have the largest inner product with it,
  // best first: the order does not change the results, but the best cells first make the top-k
  // threshold rise early, so fewer scores of the later cells are kept and cut.
  const size_t nlist = ivf->nlist, nprobe = std::min(ivf->nprobe, nlist);
  std::vector<float> centroidScores(nq * nlist);
  std::vector<int32_t> cells(nq * nlist);
  std::vector<uint32_t> probedBy(nlist, 0);
  for (size_t q = 0; q < nq; q++) {
    float *scores = centroidScores.data() + q * nlist;
    int32_t *order = cells.data() + q * nlist;
    dots(queries + q * d, quantizer->get_xb(), nlist, d, scores);
    for (size_t c = 0; c < nlist; c++) order[c] = int32_t(c);
    const auto better = [scores](int32_t a, int32_t b) { return scores[a] > scores[b] || (scores[a] == scores[b] && a < b); };
    if (nprobe > 0 && nprobe < nlist) std::nth_element(order, order + (nprobe - 1), order + nlist, better);
    std::sort(order, order + nprobe, better);
    for (size_t p = 0; p < nprobe; p++) probedBy[order[p]] |= 1u << q;
  }
  std::vector<TopK> tops;
  tops.reserve(nq);
  for (size_t q = 0; q < nq; q++) tops.emplace_back(k);
  std::vector<float> scores;
  const faiss::InvertedLists *lists = ivf->invlists;
  // Round p reaches every query's p-th best cell, scanning it for all that probe it.
  for (size_t p = 0; p < nprobe; p++) {
    for (size_t first = 0; first < nq; first++) {
      const size_t cell = size_t(cells[first * nlist + p]);
      uint32_t mask = probedBy[cell];
      probedBy[cell] = 0;  // scanned
      const size_t n = mask == 0 ? 0 : lists->list_size(cell);
      if (n == 0) continue;
      faiss::InvertedLists::ScopedCodes codes(lists, cell);
      faiss::InvertedLists::ScopedIds ids(lists, cell);
      if (scores.size() < n) scores.resize(n);
      for (; mask != 0; mask &= mask - 1) {
        const size_t q = size_t(__builtin_ctz(mask));
        if (isFlat) {
          dots(queries + q * d, reinterpret_cast<const float *>(codes.get()), n, d, scores.data());
        } else {
          const float base = sq8[q].base + (sq8[q].residual ? centroidScores[q * nlist + cell] : 0.0f);
#ifdef RECSYS_X86
          if (!sq8[q].w16.empty()) sq8DotsInt16(sq8[q].w16.data(), base, sq8[q].scale, codes.get(), n, d, scores.data());
          else
#endif
            sq8Dots(sq8[q].w.data(), base, codes.get(), n, d, scores.data());
        }
        tops[q].push(scores.data(), reinterpret_cast<const int64_t *>(ids.get()), 0, n);
      }
    }
  }
  for (size_t q = 0; q < nq; q++) written[q] = int32_t(tops[q].write(labels + q * k, distances + q * k, sorted));
  return true;
}

// Returns the number of results written, or -1 when the index is not one this path handles (the
// caller then uses faiss's own search). `sorted` false leaves them in no order (to be rescored).
static long fastSearch(const faiss::Index *index, const float *q, size_t k, int32_t *labels, float *distances, bool sorted) {
  if (index->metric_type != faiss::METRIC_INNER_PRODUCT || k == 0) return -1;
  const size_t d = index->d;

  if (auto flat = dynamic_cast<const faiss::IndexFlat *>(index)) {
    TopK top(k);
    const size_t n = flat->ntotal, block = 4096;
    std::vector<float> scores(std::min(n, block));
    for (size_t from = 0; from < n; from += block) {
      const size_t m = std::min(block, n - from);
      dots(q, flat->get_xb() + from * d, m, d, scores.data());
      top.push(scores.data(), nullptr, int64_t(from), m);
    }
    return long(top.write(labels, distances, sorted));
  }

  if (auto ivf = dynamic_cast<const faiss::IndexIVF *>(index)) {
    int32_t written = 0;
    return ivfSearch(ivf, q, 1, k, labels, distances, &written, sorted) ? long(written) : -1;
  }
  return -1;
}

// One query: the SIMD path when it applies, faiss's own search otherwise. Returns the number of
// results written (IVF may find fewer than k).
static size_t searchOne(const faiss::Index *index, const float *q, size_t k, int32_t *labels, float *distances, bool sorted = true) {
  const long fast = fastSearch(index, q, k, labels, distances, sorted);
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

// nq queries (rows of the dimension; query q's results at q * k, their count in written[q]): an IVF
// index scans the cells the queries share once (ivfSearch), other indexes search one at a time.
static void searchMany(const faiss::Index *index, const float *queries, size_t nq, size_t k, int32_t *labels, float *distances,
                       int32_t *written, bool sorted = true) {
  auto ivf = dynamic_cast<const faiss::IndexIVF *>(index);
  if (ivf && k > 0 && index->metric_type == faiss::METRIC_INNER_PRODUCT && ivfSearch(ivf, queries, nq, k, labels, distances, written, sorted)) return;
  for (size_t q = 0; q < nq; q++) written[q] = int32_t(searchOne(index, queries + q * index->d, k, labels + q * k, distances + q * k, sorted));
}

// Replaces the n results' scores with exact inner products against `vectors` (row-major, one row
// per label, the float vectors an SQ8 index was built from) and restores the order (higher score,
// then lower label). The 8-bit codes choose the candidates; callers that reuse the scores (serving
// blends them with other signals) get the model's own values, not the codes' approximations.
static void rescoreExact(const float *q, const float *vectors, size_t d, size_t n, int32_t *labels, float *distances) {
  std::vector<uint64_t> keys(n);
  for (size_t i = 0; i < n; i++) {
    float s;
    dots(q, vectors + size_t(labels[i]) * d, 1, d, &s);
    keys[i] = TopK::key(s, labels[i]);
  }
  std::sort(keys.begin(), keys.end(), std::greater<uint64_t>());
  for (size_t i = 0; i < n; i++) {
    labels[i] = int32_t(uint32_t(~keys[i]));
    distances[i] = TopK::score(keys[i]);
  }
}

}  // namespace recsys
