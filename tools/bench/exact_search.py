"""Exact top-k with numpy (BLAS GEMM + argpartition) and faiss (IndexFlatIP), one thread, for
bench/retrieval-exact.bench.ts. Reads raw little-endian float32 gallery and queries written by the
bench, times `reps` batched searches of each, and prints JSON: seconds per search and the top-k ids
of the first query (the bench checks them against clipkit's exact result).

    OMP_NUM_THREADS=1 OPENBLAS_NUM_THREADS=1 MKL_NUM_THREADS=1 \
      python tools/bench/exact_search.py gallery.f32 queries.f32 DIM K REPS
"""

import json
import sys
import time

import numpy as np


def main() -> None:
    gallery_path, queries_path, dim, k, reps = sys.argv[1], sys.argv[2], *map(int, sys.argv[3:6])
    x = np.fromfile(gallery_path, dtype="<f4").reshape(-1, dim)
    q = np.fromfile(queries_path, dtype="<f4").reshape(-1, dim)
    out: dict[str, object] = {}

    def numpy_search() -> np.ndarray:
        s = q @ x.T
        part = np.argpartition(-s, k, axis=1)[:, :k]
        order = np.argsort(-np.take_along_axis(s, part, axis=1), axis=1, kind="stable")
        return np.take_along_axis(part, order, axis=1)

    times = []
    for _ in range(reps):
        t = time.perf_counter()
        ids = numpy_search()
        times.append(time.perf_counter() - t)
    out["numpy"] = {"seconds": times, "first": ids[0].tolist()}
    try:
        import faiss  # optional

        faiss.omp_set_num_threads(1)
        index = faiss.IndexFlatIP(dim)
        index.add(x)
        times = []
        for _ in range(reps):
            t = time.perf_counter()
            _, ids = index.search(q, k)
            times.append(time.perf_counter() - t)
        out["faiss"] = {"seconds": times, "first": ids[0].tolist()}
    except ImportError:
        pass
    print(json.dumps(out))


if __name__ == "__main__":
    main()
