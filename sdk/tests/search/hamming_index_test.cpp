// HammingIndex against the linear reference: same answers on random and adversarial data, after
// adds, removes and merges, and under concurrent adds and searches.

#include <algorithm>
#include <atomic>
#include <bit>
#include <cstdint>
#include <map>
#include <random>
#include <set>
#include <thread>
#include <vector>

#include <gtest/gtest.h>

#include "aotf/search/hamming_index.hpp"

namespace aotf::search {
namespace {

// A code at exactly `distance` bits from `code`: flips `distance` distinct random bits.
std::uint64_t flip_bits(std::uint64_t code, int distance, std::mt19937_64& rng) {
  std::uint64_t mask = 0;
  while (std::popcount(mask) < distance) mask |= std::uint64_t{1} << (rng() % 64);
  return code ^ mask;
}

std::vector<ImageEntry> random_entries(std::size_t n, std::mt19937_64& rng) {
  std::vector<ImageEntry> entries;
  entries.reserve(n);
  for (std::size_t i = 0; i < n; ++i) {
    entries.push_back({1 + i / 4, static_cast<std::uint8_t>(1 + i % 4), rng()});
  }
  return entries;
}

// Queries: for each, half planted near a stored code (distance 0-radius+1), half random.
std::vector<std::uint64_t> queries_for(const std::vector<ImageEntry>& entries, int count,
                                       std::mt19937_64& rng) {
  std::vector<std::uint64_t> queries;
  for (int i = 0; i < count; ++i) {
    if (i % 2 == 0 && !entries.empty()) {
      const auto& e = entries[rng() % entries.size()];
      queries.push_back(flip_bits(e.fingerprint, static_cast<int>(rng() % 12), rng));
    } else {
      queries.push_back(rng());
    }
  }
  return queries;
}

// Checks search() == linear_search() for every query and radius 0..10; returns the matches seen.
std::size_t expect_same_as_linear(const HammingIndex& index, const std::vector<ImageEntry>& live,
                                  const std::vector<std::uint64_t>& queries, int max_radius = 10) {
  std::size_t matches = 0;
  for (const std::uint64_t q : queries) {
    for (int r = 0; r <= max_radius; ++r) {
      const auto expected = linear_search(live, q, r);
      const auto got = index.search(q, r);
      EXPECT_EQ(got, expected) << "query " << std::hex << q << std::dec << " radius " << r
                               << " live " << live.size();
      if (got != expected) return matches;
      matches += got.size();
    }
  }
  return matches;
}

TEST(HammingIndex, RandomDataSameAsLinearScanForRadii0To10) {
  std::mt19937_64 rng(42);
  for (const std::size_t n : {0, 1, 7, 300, 5000, 60000}) {
    const auto entries = random_entries(n, rng);
    const auto queries = queries_for(entries, 40, rng);
    for (const bool fallback : {true, false}) {
      HammingIndex index({.linear_fallback = fallback});
      index.build(entries);
      EXPECT_EQ(index.size(), n);
      const std::size_t matches = expect_same_as_linear(index, entries, queries);
      if (n > 0) {
        EXPECT_GT(matches, 0u) << "planted queries must find something, n=" << n;
      }
    }
  }
}

TEST(HammingIndex, EveryKeyWidthSameAsLinearScan) {
  std::mt19937_64 rng(7);
  const auto entries = random_entries(20000, rng);
  const auto queries = queries_for(entries, 16, rng);
  for (const int bits : {13, 17, 21}) {
    SCOPED_TRACE(bits);
    HammingIndex index({.key_bits = bits, .linear_fallback = false});
    index.build(entries);
    EXPECT_EQ(index.stats().key_bits, bits);
    expect_same_as_linear(index, entries, queries, 12);
  }
  // Narrow keys: probes cover whole tables, every radius up to 64.
  const auto few = random_entries(1500, rng);
  const auto few_queries = queries_for(few, 4, rng);
  for (const int bits : {1, 2, 5}) {
    SCOPED_TRACE(bits);
    HammingIndex index({.key_bits = bits, .linear_fallback = false});
    index.build(few);
    expect_same_as_linear(index, few, few_queries, 64);
  }
}

TEST(HammingIndex, LargeRadiiUpTo64) {
  std::mt19937_64 rng(3);
  const auto entries = random_entries(2000, rng);
  HammingIndex index;
  index.build(entries);
  const std::uint64_t q = entries[5].fingerprint;
  for (const int r : {11, 16, 24, 32, 40, 64}) {
    EXPECT_EQ(index.search(q, r), linear_search(entries, q, r)) << "radius " << r;
  }
  EXPECT_EQ(index.search(q, 64).size(), entries.size());
}

TEST(HammingIndex, AdversarialData) {
  std::mt19937_64 rng(99);
  std::vector<ImageEntry> entries;
  std::uint64_t post = 1;
  auto add = [&](std::uint64_t code) {
    entries.push_back({post, static_cast<std::uint8_t>(1 + entries.size() % 4), code});
    if (entries.size() % 4 == 0) ++post;
  };
  // Many codes sharing substrings 0 and 1 (one bucket of tables 0 and 1 holds them all).
  const std::uint64_t shared = rng() & ((std::uint64_t{1} << 42) - 1);
  for (int i = 0; i < 3000; ++i) add(shared | (rng() << 42));
  // And sharing substring 2 only.
  const std::uint64_t low42 = (std::uint64_t{1} << 42) - 1;
  const std::uint64_t shared2 = rng() & ~low42;
  for (int i = 0; i < 3000; ++i) add(shared2 | (rng() & low42));
  // All-zero and all-one codes, several times each.
  for (int i = 0; i < 50; ++i) add(0);
  for (int i = 0; i < 50; ++i) add(~std::uint64_t{0});
  // Duplicates of one code.
  const std::uint64_t dup = rng();
  for (int i = 0; i < 500; ++i) add(dup);
  // Clusters at exactly r and r + 1 bits from a centre, for every r.
  const std::uint64_t centre = rng();
  for (int r = 0; r <= 10; ++r) {
    for (int i = 0; i < 20; ++i) {
      add(flip_bits(centre, r, rng));
      add(flip_bits(centre, r + 1, rng));
    }
  }
  for (int i = 0; i < 5000; ++i) add(rng());

  std::vector<std::uint64_t> queries{0, ~std::uint64_t{0}, dup, centre, shared,
                                     shared | (std::uint64_t{0x155} << 50), flip_bits(dup, 3, rng),
                                     flip_bits(0, 6, rng), flip_bits(~std::uint64_t{0}, 6, rng)};
  for (const bool fallback : {true, false}) {
    HammingIndex index({.linear_fallback = fallback});
    index.build(entries);
    expect_same_as_linear(index, entries, queries);
    // What a user would notice: the cluster at exactly r is in, r + 1 is out.
    for (int r = 0; r <= 10; ++r) {
      const auto got = index.search(centre, r);
      for (const Match& m : got) EXPECT_LE(m.distance, r);
      const auto at_r = std::count_if(got.begin(), got.end(), [&](const Match& m) {
        return m.distance == r && std::popcount(m.fingerprint ^ centre) == r;
      });
      EXPECT_GE(at_r, 20) << "radius " << r;
    }
    EXPECT_EQ(index.search(dup, 0).size(), 500u);
    EXPECT_EQ(index.search(0, 0).size(), 50u);
  }
}

TEST(HammingIndex, PostRefsAbove2To30UseWideRefs) {
  std::mt19937_64 rng(5);
  auto entries = random_entries(3000, rng);
  for (auto& e : entries) e.post_ref += (std::uint64_t{1} << 61);
  entries.push_back({kPostRefLimit - 1, 4, 12345});
  HammingIndex index;
  index.build(entries);
  expect_same_as_linear(index, entries, queries_for(entries, 10, rng), 8);
  const auto got = index.search(12345, 0);
  ASSERT_EQ(got.size(), 1u);
  EXPECT_EQ(got[0].post_ref, kPostRefLimit - 1);
  EXPECT_EQ(got[0].position, 4);
  EXPECT_EQ(index.remove_post(kPostRefLimit - 1), 1u);
  EXPECT_TRUE(index.search(12345, 0).empty());
}

// A model of the live content: post -> its images.
struct Model {
  std::map<std::uint64_t, std::vector<ImageEntry>> posts;
  [[nodiscard]] std::vector<ImageEntry> live() const {
    std::vector<ImageEntry> all;
    for (const auto& [post, images] : posts) all.insert(all.end(), images.begin(), images.end());
    return all;
  }
};

TEST(HammingIndex, InterleavedAddsAndRemovesWithMerges) {
  std::mt19937_64 rng(11);
  for (const std::size_t delta_limit : {std::size_t{1}, std::size_t{37}, std::size_t{100000}}) {
    HammingIndex index({.delta_limit = delta_limit});
    Model model;
    const auto initial = random_entries(4000, rng);
    index.build(initial);
    for (const auto& e : initial) model.posts[e.post_ref].push_back(e);
    std::uint64_t next_post = 5000;
    const std::uint64_t hot = rng();  // many posts carry images near this code
    for (int step = 0; step < 600; ++step) {
      const auto action = rng() % 3;
      if (action == 0 && !model.posts.empty()) {
        auto it = model.posts.begin();
        std::advance(it, static_cast<long>(rng() % model.posts.size()));
        const std::uint64_t post = it->first;
        EXPECT_EQ(index.remove_post(post), it->second.size());
        model.posts.erase(it);
      } else {
        // A new post, or re-indexing an existing one (remove then add with new images).
        std::uint64_t post = next_post++;
        if (action == 1 && !model.posts.empty()) {
          post = std::next(model.posts.begin(), static_cast<long>(rng() % model.posts.size()))->first;
          EXPECT_EQ(index.remove_post(post), model.posts[post].size());
          model.posts.erase(post);
        }
        std::vector<ImageEntry> images;
        const int count = 1 + static_cast<int>(rng() % 4);
        for (int k = 1; k <= count; ++k) {
          images.push_back({post, static_cast<std::uint8_t>(k), flip_bits(hot, static_cast<int>(rng() % 9), rng)});
        }
        index.add(images);
        model.posts[post] = images;
      }
      EXPECT_EQ(index.remove_post(999'999'999), 0u);
      if (step % 50 == 0 || step == 599) {
        const auto live = model.live();
        ASSERT_EQ(index.size(), live.size());
        std::vector<std::uint64_t> queries{hot, flip_bits(hot, 3, rng), rng()};
        const std::size_t matches = expect_same_as_linear(index, live, queries);
        if (model.posts.rbegin()->first >= 5000) {
          ASSERT_GT(matches, 0u) << "posts near the hot code exist";
        }
      }
    }
    index.compact();
    const auto live = model.live();
    EXPECT_EQ(index.stats().pending_entries, 0u);
    EXPECT_EQ(index.stats().stored_entries, live.size());
    expect_same_as_linear(index, live, {hot, rng()});
  }
}

// Merges running in another thread while posts are added, removed and re-indexed: removes that
// land while a merge builds the new layer must still hold after it is swapped in.
TEST(HammingIndex, RemovesDuringMergesStayRemoved) {
  std::mt19937_64 rng(31);
  HammingIndex index({.delta_limit = 1'000'000});  // merges only from the compacting thread
  Model model;
  const auto initial = random_entries(30000, rng);
  index.build(initial);
  for (const auto& e : initial) model.posts[e.post_ref].push_back(e);
  const std::uint64_t hot = rng();
  std::atomic<bool> done{false};
  std::atomic<int> merges{0};
  std::thread compactor([&] {
    while (!done.load()) {
      index.compact();
      ++merges;
    }
  });
  std::uint64_t next_post = 100'000;
  for (int step = 0; step < 3000; ++step) {
    const auto action = rng() % 3;
    auto pick = [&] { return std::next(model.posts.begin(), static_cast<long>(rng() % model.posts.size()))->first; };
    if (action == 0) {
      const std::uint64_t post = pick();
      EXPECT_EQ(index.remove_post(post), model.posts[post].size()) << "step " << step;
      model.posts.erase(post);
    } else {
      const std::uint64_t post = action == 1 ? pick() : next_post++;
      if (model.posts.contains(post)) {
        EXPECT_EQ(index.remove_post(post), model.posts[post].size()) << "step " << step;
      }
      std::vector<ImageEntry> images;
      const auto count = static_cast<std::uint8_t>(1 + rng() % 4);
      for (std::uint8_t k = 1; k <= count; ++k) {
        images.push_back({post, k, flip_bits(hot, static_cast<int>(rng() % 9), rng)});
      }
      index.add(images);
      model.posts[post] = images;
    }
    if (step % 300 == 299) {
      const auto live = model.live();
      ASSERT_EQ(index.size(), live.size()) << "step " << step;
      ASSERT_GT(expect_same_as_linear(index, live, {hot, flip_bits(hot, 2, rng)}, 8), 0u);
    }
  }
  done.store(true);
  compactor.join();
  EXPECT_GT(merges.load(), 1);
  index.compact();
  const auto live = model.live();
  EXPECT_EQ(index.size(), live.size());
  EXPECT_EQ(index.stats().stored_entries, live.size());
  expect_same_as_linear(index, live, {hot, flip_bits(hot, 4, rng), rng()});
}

// One writer adds posts of 4 images near one code, and re-indexes (remove, then add) other
// posts near it, while readers search that code. Every answer must show each post with all 4
// images or none, and every post whose add() had returned before the search started.
TEST(HammingIndex, ConcurrentAddsAndSearchesSeeWholePosts) {
  std::mt19937_64 rng(21);
  HammingIndex index({.delta_limit = 64});  // small: merges run during the searches too
  index.build(random_entries(20000, rng));
  const std::uint64_t hot = rng();
  constexpr std::uint64_t kStable = 1'000'000;  // added once, never removed
  constexpr std::uint64_t kChurn = 2'000'000;   // removed and re-added again and again
  constexpr int kPosts = 1500;
  constexpr int kChurnPosts = 20;
  std::atomic<bool> done{false};
  std::atomic<int> published{0};
  std::atomic<int> failures{0};
  std::atomic<int> searches{0};

  auto images_near_hot = [&](std::uint64_t post, std::mt19937_64& g) {
    std::vector<ImageEntry> images;
    for (std::uint8_t k = 1; k <= 4; ++k) {
      images.push_back({post, k, flip_bits(hot, static_cast<int>(g() % 9), g)});
    }
    return images;
  };
  auto reader = [&] {
    int last_seen = 0;
    while (!done.load()) {
      const int before = published.load();
      const auto got = index.search(hot, 8);
      std::map<std::uint64_t, int> images;
      for (const Match& m : got) {
        if (m.post_ref >= kStable) ++images[m.post_ref];
      }
      int stable = 0;
      for (const auto& [post, n] : images) {
        if (n != 4) ++failures;  // half an add, or half a re-index, was visible
        if (post < kChurn) ++stable;
      }
      if (stable < before || stable < last_seen) ++failures;  // a finished add was missing
      last_seen = stable;
      ++searches;
    }
  };
  std::mt19937_64 wrng(22);
  for (int c = 0; c < kChurnPosts; ++c) index.add(images_near_hot(kChurn + static_cast<std::uint64_t>(c), wrng));
  std::thread r1(reader);
  std::thread r2(reader);
  for (int p = 0; p < kPosts; ++p) {
    index.add(images_near_hot(kStable + static_cast<std::uint64_t>(p), wrng));
    published.store(p + 1);
    const std::uint64_t again = kChurn + wrng() % kChurnPosts;
    EXPECT_EQ(index.remove_post(again), 4u);
    index.add(images_near_hot(again, wrng));
  }
  done.store(true);
  r1.join();
  r2.join();
  EXPECT_EQ(failures.load(), 0);
  EXPECT_GT(searches.load(), 0);
  std::map<std::uint64_t, int> images;
  for (const Match& m : index.search(hot, 8)) {
    if (m.post_ref >= kStable) ++images[m.post_ref];
  }
  EXPECT_EQ(images.size(), static_cast<std::size_t>(kPosts + kChurnPosts));
  EXPECT_EQ(index.size(), 20000u + 4u * (kPosts + kChurnPosts));
}

TEST(HammingIndex, BadInputIsRefusedAndChangesNothing) {
  HammingIndex index;
  index.add({1, 1, 0xABCD});
  try {
    index.add(std::vector<ImageEntry>{{2, 1, 1}, {2, 5, 2}});
    FAIL() << "position 5 accepted";
  } catch (const SearchError& e) {
    EXPECT_NE(std::string(e.what()).find("position 5 is outside 1-4"), std::string::npos) << e.what();
    EXPECT_NE(std::string(e.what()).find("post 2"), std::string::npos) << e.what();
  }
  EXPECT_THROW(index.add({3, 0, 1}), SearchError);
  try {
    index.build({{kPostRefLimit, 1, 1}});
    FAIL() << "post_ref 2^62 accepted";
  } catch (const SearchError& e) {
    EXPECT_NE(std::string(e.what()).find("4611686018427387904"), std::string::npos) << e.what();
  }
  EXPECT_EQ(index.size(), 1u);
  EXPECT_EQ(index.search(0xABCD, 0).size(), 1u);
  try {
    (void)index.search(0, 65);
    FAIL() << "radius 65 accepted";
  } catch (const SearchError& e) {
    EXPECT_NE(std::string(e.what()).find("radius 65"), std::string::npos) << e.what();
  }
  EXPECT_THROW((void)index.search(0, -1), SearchError);
  EXPECT_THROW((void)linear_search({}, 0, -1), SearchError);
  EXPECT_THROW(HammingIndex({.key_bits = 22}), SearchError);
}

TEST(HammingIndex, OrderResultsAsTheOriginal) {
  // distance, then images in the post (fewer first), then post id.
  std::vector<Match> matches{{10, 1, 2, 0}, {20, 1, 0, 0}, {30, 2, 2, 0}, {40, 1, 2, 0}, {5, 3, 0, 0}};
  const std::map<std::uint64_t, unsigned> counts{{5, 4}, {10, 3}, {20, 1}, {30, 1}, {40, 3}};
  int calls = 0;
  order_results(matches, [&](std::uint64_t post) {
    ++calls;
    return counts.at(post);
  });
  std::vector<std::uint64_t> order;
  for (const Match& m : matches) order.push_back(m.post_ref);
  EXPECT_EQ(order, (std::vector<std::uint64_t>{20, 5, 30, 10, 40}));
  EXPECT_EQ(calls, 5);
}

TEST(HammingIndex, TunedScanMatchesReferenceAtEveryLength) {
  std::mt19937_64 rng(8);
  std::vector<std::uint64_t> codes;
  const std::uint64_t q = rng();
  for (int n = 0; n < 100; ++n) {
    // Every third code is near q, so hits fall in the vector body and in the tail.
    codes.push_back(n % 3 == 0 ? flip_bits(q, n % 8, rng) : rng());
    for (const int r : {0, 3, 6, 64}) {
      const auto hits = linear_search_codes(codes, q, r);
      std::vector<std::pair<std::size_t, int>> expected;
      for (std::size_t i = 0; i < codes.size(); ++i) {
        const int d = std::popcount(codes[i] ^ q);
        if (d <= r) expected.emplace_back(i, d);
      }
      std::vector<std::pair<std::size_t, int>> got;
      for (const CodeHit& h : hits) got.emplace_back(h.index, h.distance);
      ASSERT_EQ(got, expected) << "n " << codes.size() << " radius " << r;
    }
  }
}

}  // namespace
}  // namespace aotf::search
