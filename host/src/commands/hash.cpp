// aotfd hash FILE...: prints the fingerprint the daemon would store for each image, as 16 hex
// digits of the database's 8 big-endian bytes, one line per file. A file that cannot be hashed is
// reported on stderr and the others are still hashed.

#include <filesystem>
#include <fstream>
#include <iostream>
#include <optional>
#include <vector>

#include "aotf/image/fingerprint.hpp"
#include "commands/commands.hpp"

namespace aotf::host {
namespace {

// Reads the file, refusing before reading one that is larger than any image aotfd accepts.
std::vector<std::uint8_t> read_image_file(const std::string& name) {
  std::error_code ec;
  const auto status = std::filesystem::status(name, ec);
  if (ec || !std::filesystem::exists(status)) throw Error("no such file");
  if (std::filesystem::is_directory(status)) throw Error("is a directory");
  const auto size = std::filesystem::file_size(name, ec);
  if (!ec && size > image::kMaxEncodedBytes) {
    throw image::ImageTooBig("image is " + std::to_string(size) + " bytes, more than the limit of " +
                             std::to_string(image::kMaxEncodedBytes));
  }
  std::ifstream in(name, std::ios::binary);
  if (!in) throw Error("cannot open the file");
  std::vector<std::uint8_t> bytes;
  if (!ec) bytes.reserve(static_cast<std::size_t>(size));
  char buffer[1 << 16];
  while (in.read(buffer, sizeof buffer) || in.gcount() > 0) {
    bytes.insert(bytes.end(), buffer, buffer + in.gcount());
    if (bytes.size() > image::kMaxEncodedBytes) break;  // grew while being read: the decoder refuses it
  }
  if (in.bad()) throw Error("cannot read the file");
  return bytes;
}

}  // namespace

int cmd_hash(const Options& options) {
  std::optional<image::FingerprintMode> forced;
  std::vector<std::string> files;
  for (const auto& arg : options.args) {
    if (arg == "--fast") {
      forced = image::FingerprintMode::Fast;
    } else if (arg == "--exact") {
      forced = image::FingerprintMode::Exact;
    } else if (arg.size() > 1 && arg[0] == '-' && arg != "--") {
      std::cerr << "aotfd hash: unknown option '" << arg << "' (expected --fast or --exact)\n";
      return kExitUsage;
    } else {
      files.push_back(arg);
    }
  }
  if (files.empty()) {
    std::cerr << "usage: aotfd [--config FILE] hash [--exact|--fast] IMAGE...\n";
    return kExitUsage;
  }

  image::FingerprintMode mode = image::FingerprintMode::Exact;
  if (forced) {
    mode = *forced;
  } else if (options.config_path != Options{}.config_path || std::filesystem::exists(options.config_path)) {
    // The mode comes from the configuration; without a configuration file at the default place,
    // hash uses the exact fingerprint the original stored.
    DaemonConfig config;
    std::vector<ConfigIssue> issues;
    const bool parsed = load_host_config(options.config_path, config, issues);
    if (!parsed || !issues.empty()) {
      for (const auto& issue : issues) std::cerr << issue.str() << "\n";
      if (issues.empty()) std::cerr << options.config_path.string() << ": cannot load the configuration\n";
      return kExitUsage;
    }
    mode = *image::parse_fingerprint_mode(config.host_values.string("fingerprint.mode"));
  }

  int failed = 0;
  for (const auto& file : files) {
    try {
      const auto bytes = read_image_file(file);
      const auto fp = image::fingerprint(bytes, mode);
      std::cout << fp.hex() << "  " << file << "\n";
    } catch (const Error& e) {
      std::cout.flush();
      std::cerr << "aotfd hash: " << file << ": " << e.what() << "\n";
      ++failed;
    } catch (const std::bad_alloc&) {
      std::cout.flush();
      std::cerr << "aotfd hash: " << file << ": not enough memory to decode the image\n";
      ++failed;
    }
  }
  return failed ? kExitFailure : kExitOk;
}

}  // namespace aotf::host
