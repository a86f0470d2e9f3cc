#pragma once
// The web page's files, read once when the server starts and served from memory under /app/:
// no path from a request ever reaches the file system.

#include <filesystem>
#include <map>
#include <string>
#include <string_view>

namespace aotf::http_api {

struct WebFile {
  std::string content;
  std::string content_type;
};

class WebFiles {
public:
  // Every regular file under `root` (sub-folders included, names joined with '/'), up to 256
  // files of 4 MiB each. A missing folder gives an empty set and `problem()` says why.
  static WebFiles load(const std::filesystem::path& root);

  // "" is index.html.
  [[nodiscard]] const WebFile* find(std::string_view name) const;
  [[nodiscard]] bool empty() const noexcept { return files_.empty(); }
  [[nodiscard]] const std::string& problem() const noexcept { return problem_; }

private:
  std::map<std::string, WebFile, std::less<>> files_;
  std::string problem_;
};

[[nodiscard]] std::string content_type_of(const std::filesystem::path& file);

}  // namespace aotf::http_api
