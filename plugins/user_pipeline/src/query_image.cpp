#include "query_image.hpp"

#include <fstream>
#include <iterator>
#include <span>

namespace aotf::user_pipeline {
namespace {

QueryImage fingerprint_bytes(const std::string& bytes, const std::string& where, const QueryImageOptions& options,
                             bool& too_big) {
  const auto start = std::chrono::steady_clock::now();
  try {
    const auto* data = reinterpret_cast<const std::uint8_t*>(bytes.data());
    QueryImage out;
    out.fingerprint = image::fingerprint(std::span<const std::uint8_t>(data, bytes.size()), options.mode);
    if (options.on_fingerprint) options.on_fingerprint(shm::seconds_since(start));
    return out;
  } catch (const image::ImageTooBig& e) {
    too_big = true;
    return {std::nullopt, shm::UserError::QueryImageTooBig, where + ": " + e.what()};
  } catch (const image::ImageDecodeError& e) {
    return {std::nullopt, shm::UserError::ErrorDuringReverseSearch, where + ": " + e.what()};
  }
}

}  // namespace

bool is_http_url(const std::string& url) {
  const auto rest = url.rfind("https://", 0) == 0 ? url.substr(8) : url.rfind("http://", 0) == 0 ? url.substr(7) : "";
  return !rest.empty() && rest[0] != '/' && rest.find_first_of(" \t\r\n") == std::string::npos;
}

bool is_upload_identifier(std::string_view key) {
  if (key.size() != 32) return false;
  for (const char c : key) {
    if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'))) return false;
  }
  return true;
}

QueryImage query_image_from_urls(const std::vector<std::string>& urls, bool direct, const QueryImageOptions& options) {
  http::ClientOptions client_options;
  client_options.read_timeout = options.timeout;
  client_options.max_body_bytes = http::kDefaultMaxBodyBytes;
  http::Client client(client_options);

  QueryImage last{std::nullopt, shm::UserError::NotAnUrl, "no image URL"};
  for (const auto& url : urls) {
    if (!is_http_url(url)) {
      last = {std::nullopt, shm::UserError::NotAnUrl, url + " is not an http(s) URL"};
      continue;
    }
    http::Request request;
    request.url = url;
    request.require_content_length = true;
    if (options.headers_for) request.headers = options.headers_for(url);
    http::Response response;
    bool retried = false;
    try {
      for (;;) {
        const auto start = std::chrono::steady_clock::now();
        response = client.send(request);
        if (options.on_download) options.on_download(shm::seconds_since(start));
        if (response.status != 502 || retried) break;
        retried = true;
        if (options.sleep_for && !options.sleep_for(options.retry_wait_502)) break;
      }
    } catch (const http::HttpError& e) {
      using Kind = http::HttpError::Kind;
      if (e.kind() == Kind::TooLarge || e.kind() == Kind::Protocol) {
        // No Content-Length, or above 20 MiB: "too big" before reading (reference 8.4).
        last = {std::nullopt, shm::UserError::QueryImageTooBig, url + ": " + e.what()};
        continue;
      }
      if (e.kind() == Kind::BadUrl) {
        last = {std::nullopt, shm::UserError::NotAnUrl, url + ": " + e.what()};
        continue;
      }
      if (direct) return {std::nullopt, shm::UserError::CannotGetImage, url + ": " + e.what()};
      throw QueryImageError("the query image " + url + " could not be downloaded: " + e.what());
    }
    if (response.status != 200) {
      const std::string why = url + " answered HTTP " + std::to_string(response.status);
      if (direct) return {std::nullopt, shm::UserError::CannotGetImage, why};
      throw QueryImageError("the query image " + why);
    }
    bool too_big = false;
    QueryImage result = fingerprint_bytes(response.body, url, options, too_big);
    if (too_big) {
      last = result;
      continue;
    }
    return result;
  }
  return last;
}

QueryImage query_image_from_file(const std::filesystem::path& file, const QueryImageOptions& options) {
  std::error_code ec;
  const auto size = std::filesystem::file_size(file, ec);
  if (ec) return {std::nullopt, shm::UserError::CannotGetImage, "the uploaded image " + file.string() + " is gone"};
  if (size > http::kDefaultMaxBodyBytes) {
    return {std::nullopt, shm::UserError::QueryImageTooBig, "the uploaded image is above 20 MiB"};
  }
  std::ifstream in(file, std::ios::binary);
  const std::string bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  if (!in.good() && !in.eof()) {
    return {std::nullopt, shm::UserError::CannotGetImage, "cannot read the uploaded image " + file.string()};
  }
  bool too_big = false;
  return fingerprint_bytes(bytes, "the uploaded image", options, too_big);
}

}  // namespace aotf::user_pipeline
