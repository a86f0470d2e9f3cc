// Fingerprints per second (per core: Google Benchmark's items_per_second uses CPU time) of the
// exact and fast modes on a folder of JPEGs, read into memory first so only decoding and hashing
// are measured. The folder comes from AOTF_BENCH_CORPUS (run.sh and the smoke test set it).

#include <benchmark/benchmark.h>

#include <algorithm>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <iterator>
#include <vector>

#include <jpeglib.h>

#include "aotf/image/fingerprint.hpp"

namespace {

const std::vector<std::vector<std::uint8_t>>& corpus() {
  static const std::vector<std::vector<std::uint8_t>> files = [] {
    std::vector<std::vector<std::uint8_t>> out;
    const char* folder = std::getenv("AOTF_BENCH_CORPUS");
    if (!folder) {
      std::cerr << "bench_fingerprint: set AOTF_BENCH_CORPUS to a folder of JPEGs (see make_corpus.py)\n";
      std::exit(2);
    }
    std::vector<std::filesystem::path> paths;
    for (const auto& entry : std::filesystem::directory_iterator(folder))
      if (entry.path().extension() == ".jpg") paths.push_back(entry.path());
    std::sort(paths.begin(), paths.end());
    for (const auto& path : paths) {
      std::ifstream in(path, std::ios::binary);
      out.emplace_back((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    }
    if (out.empty()) {
      std::cerr << "bench_fingerprint: no .jpg in " << folder << "\n";
      std::exit(2);
    }
    return out;
  }();
  return files;
}

void run(benchmark::State& state, aotf::image::FingerprintMode mode) {
  const auto& files = corpus();
  std::size_t i = 0;
  std::uint64_t bytes = 0;
  for (auto _ : state) {
    const auto& file = files[i++ % files.size()];
    benchmark::DoNotOptimize(aotf::image::fingerprint(file, mode));
    bytes += file.size();
  }
  state.SetItemsProcessed(static_cast<std::int64_t>(state.iterations()));
  state.SetBytesProcessed(static_cast<std::int64_t>(bytes));
}

// The ceiling: libjpeg-turbo decoding to RGBX and nothing else. Pillow pays this too, so no
// bit-exact fingerprint can beat Pillow by more than Pillow's time / this time.
void BM_LibjpegDecodeOnly(benchmark::State& state) {
  const auto& files = corpus();
  std::size_t i = 0;
  std::vector<std::uint8_t> buffer;
  for (auto _ : state) {
    const auto& file = files[i++ % files.size()];
    jpeg_decompress_struct cinfo{};
    jpeg_error_mgr err{};
    cinfo.err = jpeg_std_error(&err);
    jpeg_create_decompress(&cinfo);
    jpeg_mem_src(&cinfo, file.data(), static_cast<unsigned long>(file.size()));
    jpeg_read_header(&cinfo, TRUE);
    cinfo.out_color_space = JCS_EXT_RGBX;
    jpeg_start_decompress(&cinfo);
    buffer.resize(static_cast<std::size_t>(cinfo.output_width) * 4 * 16);
    JSAMPROW rows[16];
    for (std::size_t r = 0; r < 16; ++r) rows[r] = &buffer[r * cinfo.output_width * 4];
    while (cinfo.output_scanline < cinfo.output_height) jpeg_read_scanlines(&cinfo, rows, 16);
    benchmark::DoNotOptimize(buffer.data());
    jpeg_finish_decompress(&cinfo);
    jpeg_destroy_decompress(&cinfo);
  }
  state.SetItemsProcessed(static_cast<std::int64_t>(state.iterations()));
}

void BM_FingerprintExact(benchmark::State& state) { run(state, aotf::image::FingerprintMode::Exact); }
void BM_FingerprintFast(benchmark::State& state) { run(state, aotf::image::FingerprintMode::Fast); }

BENCHMARK(BM_FingerprintExact)->Unit(benchmark::kMillisecond);
BENCHMARK(BM_FingerprintFast)->Unit(benchmark::kMillisecond);
BENCHMARK(BM_LibjpegDecodeOnly)->Unit(benchmark::kMillisecond);

}  // namespace

BENCHMARK_MAIN();
