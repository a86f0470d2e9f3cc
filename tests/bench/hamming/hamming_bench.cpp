// Radius-r Hamming search over N random 64-bit fingerprints with planted near-duplicates:
// aotf::search::HammingIndex against the tuned linear popcount scan and, when built with FAISS,
// faiss::IndexBinaryFlat, IndexBinaryHash and IndexBinaryMultiHash, on the same codes and queries
// in the same run, one thread each. Prints build time, bytes per fingerprint, queries per second,
// the ratios, and whether each method returned exactly the linear scan's matches (checked on the
// first 256 queries; later queries are checked against the index, itself checked on those 256).
//
// Usage: aotf_bench_hamming [--codes N[,N...]] [--queries Q] [--radius R] [--seconds S] [--seed X]
//                           [--peers yes|no]
// Exit status 1 if a method that claims to be exact disagrees with the linear scan.

#include <malloc.h>
#include <time.h>

#include <algorithm>
#include <bit>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <functional>
#include <memory>
#include <random>
#include <string>
#include <string_view>
#include <vector>

#include "aotf/search/hamming_index.hpp"

#ifdef AOTF_BENCH_HAVE_FAISS
#include <faiss/IndexBinaryFlat.h>
#include <faiss/IndexBinaryHash.h>
#include <faiss/impl/AuxIndexStructures.h>
#include <omp.h>
#endif

namespace {

using aotf::search::ImageEntry;

struct Args {
  std::vector<std::size_t> sizes{1'000'000, 10'000'000};
  std::size_t queries = 2000;
  int radius = 6;
  double seconds = 3.0;  // time budget per method and size for the queries
  std::uint64_t seed = 1;
  bool peers = true;  // --peers no: the index and the linear scan only
};

[[noreturn]] void usage(const std::string& why) {
  std::fprintf(stderr,
               "aotf_bench_hamming: %s\nusage: aotf_bench_hamming [--codes N[,N...]] "
               "[--queries Q] [--radius R] [--seconds S] [--seed X] [--peers yes|no]\n",
               why.c_str());
  std::exit(2);
}

Args parse(int argc, char** argv) {
  Args a;
  for (int i = 1; i < argc; ++i) {
    const std::string_view flag = argv[i];
    if (flag == "--help" || flag == "-h") usage("radius-r search benchmark of the aotf Hamming index");
    if (i + 1 >= argc) usage("missing value after " + std::string(flag));
    const std::string value = argv[++i];
    try {
      if (flag == "--codes") {
        a.sizes.clear();
        for (std::size_t start = 0; start <= value.size();) {
          const std::size_t comma = std::min(value.find(',', start), value.size());
          a.sizes.push_back(std::stoull(value.substr(start, comma - start)));
          start = comma + 1;
        }
      } else if (flag == "--queries") {
        a.queries = std::stoull(value);
      } else if (flag == "--radius") {
        a.radius = std::stoi(value);
      } else if (flag == "--seconds") {
        a.seconds = std::stod(value);
      } else if (flag == "--peers") {
        if (value != "yes" && value != "no") usage("--peers takes yes or no");
        a.peers = value == "yes";
      } else if (flag == "--seed") {
        a.seed = std::stoull(value);
      } else {
        usage("unknown option " + std::string(flag));
      }
    } catch (const std::logic_error&) {
      usage("bad value '" + value + "' for " + std::string(flag));
    }
  }
  if (a.queries < 2) usage("--queries must be at least 2");
  if (a.radius < 0 || a.radius > 10) usage("--radius must be 0-10");
  return a;
}

std::uint64_t flip_bits(std::uint64_t code, int distance, std::mt19937_64& rng) {
  std::uint64_t mask = 0;
  while (std::popcount(mask) < distance) mask |= std::uint64_t{1} << (rng() % 64);
  return code ^ mask;
}

// Heap bytes in use, to measure what a structure holds.
std::size_t heap_bytes() {
  const struct mallinfo2 mi = mallinfo2();
  return mi.uordblks + mi.hblkhd;
}

// CPU time of this thread: the machine may be shared, and every method runs on this one thread
// (FAISS with one OpenMP thread runs in the calling thread), so this is what each one costs.
double thread_cpu_seconds() {
  timespec ts{};
  clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
  return static_cast<double>(ts.tv_sec) + 1e-9 * static_cast<double>(ts.tv_nsec);
}

struct Row {
  std::string name;
  double build_seconds = 0;
  double bytes_per_code = 0;
  double qps = 0;
  std::size_t queries_run = 0;
  bool exact = true;
};

// Runs `search(i)` (returns the number of matches of query i) for the queries in order until all
// ran or the CPU-time budget is spent (at least 10), and compares the counts with the reference.
void time_queries(Row& row, const Args& args, const std::vector<std::size_t>& reference,
                  const std::function<std::size_t(std::size_t)>& search) {
  const double t0 = thread_cpu_seconds();
  std::size_t i = 0;
  for (; i < reference.size(); ++i) {
    if (search(i) != reference[i]) row.exact = false;
    if (i >= 10 && (i & 7) == 7 && thread_cpu_seconds() - t0 > args.seconds) {
      ++i;
      break;
    }
  }
  row.queries_run = i;
  row.qps = static_cast<double>(i) / (thread_cpu_seconds() - t0);
}

int run_size(std::size_t n, const Args& args) {
  std::mt19937_64 rng(args.seed * 1'000'003 + n);
  // 90% random codes, 10% near-duplicates (0-6 bits) of earlier ones, as reposted images are.
  std::vector<ImageEntry> entries;
  entries.reserve(n);
  for (std::size_t i = 0; i < n; ++i) {
    std::uint64_t code = rng();
    if (i > 0 && rng() % 10 == 0) code = flip_bits(entries[rng() % i].fingerprint, static_cast<int>(rng() % 7), rng);
    entries.push_back({1 + i / 2, static_cast<std::uint8_t>(1 + i % 2), code});
  }
  std::vector<std::uint64_t> codes(n);
  for (std::size_t i = 0; i < n; ++i) codes[i] = entries[i].fingerprint;
  // Half the queries are near-duplicates (0-6 bits) of stored codes, half random.
  std::vector<std::uint64_t> queries(args.queries);
  for (std::size_t i = 0; i < queries.size(); ++i) {
    queries[i] = i % 2 == 0 ? flip_bits(codes[rng() % n], static_cast<int>(rng() % 7), rng) : rng();
  }
  const int r = args.radius;

  // The reference answer counts: the linear scan's for the first kChecked queries (not timed
  // here); the index's for the rest, once it agreed with the linear scan on the first ones.
  constexpr std::size_t kChecked = 256;
  std::vector<std::size_t> reference(queries.size());
  for (std::size_t i = 0; i < std::min(kChecked, queries.size()); ++i) {
    reference[i] = aotf::search::linear_search_codes(codes, queries[i], r).size();
  }
  std::vector<Row> rows;
  {
    Row row{"aotf HammingIndex"};
    const std::size_t before = heap_bytes();
    auto index = std::make_unique<aotf::search::HammingIndex>();
    const double t0 = thread_cpu_seconds();
    index->build(entries);
    row.build_seconds = thread_cpu_seconds() - t0;
    row.bytes_per_code = static_cast<double>(heap_bytes() - before) / static_cast<double>(n);
    const auto stats = index->stats();
    std::printf("  aotf index: key bits %d, stats().memory_bytes %.2f B/fp, heap delta %.2f B/fp\n",
                stats.key_bits, static_cast<double>(stats.memory_bytes) / static_cast<double>(n),
                row.bytes_per_code);
    std::vector<std::size_t> counts(queries.size());
    time_queries(row, args, reference, [&](std::size_t i) {
      counts[i] = index->search(queries[i], r).size();
      return i < kChecked ? counts[i] : reference[i];
    });
    if (row.queries_run < queries.size()) {
      for (std::size_t i = row.queries_run; i < queries.size(); ++i) counts[i] = index->search(queries[i], r).size();
    }
    for (std::size_t i = kChecked; i < queries.size(); ++i) reference[i] = counts[i];
    rows.push_back(row);
  }
  {
    Row row{"linear popcount scan"};
    row.bytes_per_code = 16;  // the codes and their post refs, nothing else
    time_queries(row, args, reference,
                 [&](std::size_t i) { return aotf::search::linear_search_codes(codes, queries[i], r).size(); });
    rows.push_back(row);
  }
#ifdef AOTF_BENCH_HAVE_FAISS
  if (args.peers) {
  omp_set_num_threads(1);
  const auto* xb = reinterpret_cast<const std::uint8_t*>(codes.data());
  const auto faiss_row = [&](const std::string& name, auto make) {
    Row row{name};
    const std::size_t before = heap_bytes();
    const double t0 = thread_cpu_seconds();
    auto index = make();
    index->add(static_cast<faiss::IndexBinary::idx_t>(n), xb);
    row.build_seconds = thread_cpu_seconds() - t0;
    row.bytes_per_code = static_cast<double>(heap_bytes() - before) / static_cast<double>(n);
    time_queries(row, args, reference, [&](std::size_t i) {
      faiss::RangeSearchResult result(1);
      // FAISS returns distances strictly below the radius.
      index->range_search(1, reinterpret_cast<const std::uint8_t*>(&queries[i]), r + 1, &result);
      return static_cast<std::size_t>(result.lims[1]);
    });
    rows.push_back(row);
  };
  faiss_row("faiss IndexBinaryFlat", [] { return std::make_unique<faiss::IndexBinaryFlat>(64); });
  faiss_row("faiss IndexBinaryMultiHash(3x21, nflip=" + std::to_string(r / 3) + ")", [&] {
    auto index = std::make_unique<faiss::IndexBinaryMultiHash>(64, 3, 21);
    index->nflip = r / 3;  // floor(r/3) flips per 21-bit slice: exact by pigeonhole
    return index;
  });
  const int hash_bits = n >= 4'000'000 ? 20 : 16;
  faiss_row("faiss IndexBinaryHash(b=" + std::to_string(hash_bits) + ", nflip=" + std::to_string(r) + ")", [&] {
    auto index = std::make_unique<faiss::IndexBinaryHash>(64, hash_bits);
    index->nflip = r;  // all flips up to r in the hashed bits: exact
    return index;
  });
  }
#endif

  const double ours = rows[0].qps;
  const double linear = rows[1].qps;
  std::size_t total_matches = 0;
  for (const std::size_t c : reference) total_matches += c;
  std::printf("\ncodes %zu, radius %d, %zu queries (half near-duplicates at 0-6 bits, half random), "
              "%zu matches in all, scan kernel: %s\n",
              n, r, queries.size(), total_matches, aotf::search::linear_scan_kernel());
  std::printf("%-44s %11s %7s %13s %7s %10s %8s %6s\n", "method", "build cpu-s", "B/fp", "queries/cpu-s",
              "run", "vs linear", "aotf is", "exact");
  int status = 0;
  for (const Row& row : rows) {
    std::printf("%-44s %11.3f %7.2f %13.0f %7zu %9.1fx %7.1fx %6s\n", row.name.c_str(),
                row.build_seconds, row.bytes_per_code, row.qps, row.queries_run, row.qps / linear,
                ours / row.qps, row.exact ? "yes" : "NO");
    if (!row.exact) status = 1;
  }
  std::fflush(stdout);
  return status;
}

}  // namespace

int main(int argc, char** argv) {
  const Args args = parse(argc, argv);
  int status = 0;
  for (const std::size_t n : args.sizes) {
    if (n == 0) usage("--codes must be positive");
    std::printf("== %zu codes ==\n", n);
    status |= run_size(n, args);
  }
  return status;
}
