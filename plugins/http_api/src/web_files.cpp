#include "web_files.hpp"

#include <fstream>
#include <iterator>
#include <system_error>

namespace aotf::http_api {

namespace fs = std::filesystem;

std::string content_type_of(const fs::path& file) {
  const std::string ext = file.extension().string();
  if (ext == ".html") return "text/html; charset=utf-8";
  if (ext == ".css") return "text/css; charset=utf-8";
  if (ext == ".js") return "text/javascript; charset=utf-8";
  if (ext == ".json") return "application/json; charset=utf-8";
  if (ext == ".svg") return "image/svg+xml";
  if (ext == ".png") return "image/png";
  if (ext == ".ico") return "image/x-icon";
  if (ext == ".txt" || ext == ".md") return "text/plain; charset=utf-8";
  return "application/octet-stream";
}

WebFiles WebFiles::load(const fs::path& root) {
  constexpr std::size_t kMaxFiles = 256;
  constexpr std::uintmax_t kMaxFileBytes = 4u << 20;
  WebFiles out;
  std::error_code ec;
  if (!fs::is_directory(root, ec)) {
    out.problem_ = "the web page folder " + root.string() + " does not exist (key web_root)";
    return out;
  }
  for (fs::recursive_directory_iterator it(root, ec), end; !ec && it != end; it.increment(ec)) {
    if (!it->is_regular_file(ec)) continue;
    if (out.files_.size() >= kMaxFiles) {
      out.problem_ = "the web page folder " + root.string() + " holds more than 256 files; the rest are not served";
      break;
    }
    if (it->file_size(ec) > kMaxFileBytes) continue;
    std::ifstream in(it->path(), std::ios::binary);
    WebFile file{std::string(std::istreambuf_iterator<char>(in), {}), content_type_of(it->path())};
    out.files_.emplace(it->path().lexically_relative(root).generic_string(), std::move(file));
  }
  if (ec) out.problem_ = "cannot read the web page folder " + root.string() + ": " + ec.message();
  return out;
}

const WebFile* WebFiles::find(std::string_view name) const {
  if (name.empty() || name.back() == '/') {
    const std::string index = std::string(name) + "index.html";
    const auto it = files_.find(index);
    return it == files_.end() ? nullptr : &it->second;
  }
  const auto it = files_.find(name);
  return it == files_.end() ? nullptr : &it->second;
}

}  // namespace aotf::http_api
