// A benchmark-only stage plugin: takes every user request from step 1 and walks it to END with
// one account and three results, as the user pipeline would, so the benchmark can load
// GET /query for a finished request without art sites or social platforms.
#include <chrono>

#include <aotf/plugin.hpp>
#include <aotf/shm/pipelines.hpp>

namespace {

using namespace std::chrono_literals;
namespace shm = aotf::shm;

void finish_requests(aotf::StageContext& ctx) {
  shm::UserRequests requests(ctx.segment());
  while (ctx.running()) {
    auto request = requests.pop(shm::UserStep::LinkFinder, 500ms);
    if (!request) continue;
    const auto ref = request->ref;
    ctx.declare(ref, request->input_url);
    (void)requests.set_link_finder_result(ref, {"https://images.example/full.png"}, {{"x", "bench_artist", "1234567890"}},
                                          0);
    (void)requests.next_step(ref);  // WAIT_INDEX_ACCOUNTS_TWEETS
    (void)requests.pop(shm::UserStep::IndexAccounts, 1s);
    (void)requests.set_scans(ref, {}, false);
    (void)requests.next_step(ref);  // INDEX_ACCOUNTS_TWEETS
    (void)requests.next_step(ref);  // WAIT_IMAGE_REVERSE_SEARCH
    (void)requests.pop(shm::UserStep::ReverseSearch, 1s);
    (void)requests.set_results(ref, {{"x", "1790000000000000001", "1234567890", 1, 2, 0},
                                     {"x", "1790000000000000002", "1234567890", 2, 4, 3},
                                     {"x", "1790000000000000003", "1234567890", 1, 1, 5}});
    (void)requests.next_step(ref);  // END
    ctx.clear_declaration();
  }
}

void register_finisher(aotf::Registry& registry) {
  registry.add_stage({"bench_finisher", "walks every user request to END with fixed results", &finish_requests});
}

}  // namespace

AOTF_PLUGIN("bench_finisher", "1.0.0", register_finisher)
