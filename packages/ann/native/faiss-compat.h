// Force-included before faiss-node's source. faiss 1.7.3 (Debian 12) declares idx_t only inside
// faiss::Index; the binding and later faiss releases use faiss::idx_t. Taking the type from
// Index::ntotal works with both, and repeating an alias of the same type is legal C++.
#pragma once
#include <faiss/Index.h>

namespace faiss {
using idx_t = decltype(Index::ntotal);
}
