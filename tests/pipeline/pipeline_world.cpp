#include "pipeline_world.hpp"

#include <algorithm>
#include <cstdlib>
#include <ctime>
#include <fstream>
#include <regex>
#include <sstream>
#include <thread>

#include "daemon_rig.hpp"
#include "images/generated_image.hpp"

namespace aotf::test {

namespace fs = std::filesystem;

bool eventually(const std::function<bool()>& condition, std::chrono::milliseconds timeout) {
  return poll_until(condition, timeout);
}

// --- the world ----------------------------------------------------------------------------------

PipelineWorld::PipelineWorld() : images(image_server), sites(sites_server), x(x_server, images), bluesky(bluesky_server, images) {}

std::uint32_t PipelineWorld::fresh_seed() { return next_seed_++; }

Artist PipelineWorld::add_artist(const ArtistSpec& spec) {
  Artist artist;
  artist.name = spec.name;
  if (spec.x_posts > 0) {
    artist.x_username = spec.name;
    artist.x_id = std::to_string(next_x_id_++);
    x.add_account(artist.x_username, artist.x_id);
    artist.x_posts = x.add_tweets(artist.x_id, spec.x_posts, spec.photos_per_post);
    artist.links.push_back("https://twitter.com/" + artist.x_username);
  }
  if (spec.bluesky_posts > 0) {
    artist.bluesky_handle = spec.name + ".bsky.social";
    artist.bluesky_did = "did:plc:" + spec.name;
    bluesky.add_account(artist.bluesky_handle, artist.bluesky_did);
    artist.bluesky_posts = bluesky.add_posts(artist.bluesky_did, spec.bluesky_posts, spec.photos_per_post);
    artist.links.push_back("https://bsky.app/profile/" + artist.bluesky_handle);
  }
  sites.add_deviantart_profile(artist.name, artist.links);
  return artist;
}

std::string deviantart_date_now() {
  const std::time_t t = std::time(nullptr);
  std::tm tm{};
  gmtime_r(&t, &tm);
  char buffer[40];
  std::strftime(buffer, sizeof buffer, "%Y-%m-%dT%H:%M:%S+00:00", &tm);
  return buffer;
}

std::string PipelineWorld::add_artwork(Artist& artist, const std::string& image_url, const std::string& oembed_image_url,
                                       const std::string& published) {
  fixtures::DeviantArtArtwork artwork;
  if (!published.empty()) artwork.pubdate = published;
  artwork.artist = artist.name;
  artwork.slug = artist.name + "-artwork-" + std::to_string(++artist.artworks);
  artwork.image_url = image_url;
  artwork.oembed_image_url = oembed_image_url;
  return sites.add_deviantart_artwork(artwork);
}

Illustration PipelineWorld::add_illustration(Artist& artist, PostedOn where) {
  IllustrationSpec spec;
  spec.where = where;
  return add_illustration(artist, spec);
}

Illustration PipelineWorld::add_illustration(Artist& artist, const IllustrationSpec& spec) {
  Illustration drawing;
  drawing.seed = fresh_seed();
  images.serve(drawing.seed, fixtures::make_png(drawing.seed, kIllustrationWidth, kIllustrationHeight), "image/png");
  // The oEmbed thumbnail is the same picture, smaller.
  const std::uint32_t thumb = fresh_seed();
  images.serve(thumb, fixtures::make_reencoded_jpeg(drawing.seed, kIllustrationWidth, kIllustrationHeight, 0.5, 85));
  drawing.url =
      add_artwork(artist, images.image_url(drawing.seed, "png"), images.image_url(thumb, "jpg"), spec.published);
  post_illustration(artist, drawing, spec);
  return drawing;
}

Illustration PipelineWorld::add_pixiv_illustration(Artist& artist, PostedOn where) {
  Illustration drawing;
  drawing.seed = fresh_seed();
  const std::uint32_t regular = fresh_seed();
  const std::string referer = sites.base("pixiv") + "/";
  images.serve(drawing.seed, fixtures::make_png(drawing.seed, kIllustrationWidth, kIllustrationHeight), "image/png");
  images.serve(regular, fixtures::make_reencoded_jpeg(drawing.seed, kIllustrationWidth, kIllustrationHeight, 0.5, 85));
  images.require_referer(drawing.seed, referer);
  images.require_referer(regular, referer);
  const std::string user_id = std::to_string(next_pixiv_id_++);
  fixtures::PixivUser user;
  user.id = user_id;
  if (!artist.x_username.empty()) user.twitter_url = "https://twitter.com/" + artist.x_username;
  if (!artist.bluesky_handle.empty()) user.comment = "Also on https://bsky.app/profile/" + artist.bluesky_handle;
  sites.add_pixiv_user(user);
  fixtures::PixivArtwork artwork;
  artwork.id = std::to_string(next_pixiv_id_++);
  artwork.user_id = user_id;
  artwork.pages.push_back({pixiv_image_base() + "/img-original/img/2024/01/01/00/00/00/" + std::to_string(drawing.seed) + ".png",
                           pixiv_image_base() + "/img-master/img/2024/01/01/00/00/00/" + std::to_string(regular) + ".jpg"});
  drawing.url = sites.add_pixiv_artwork(artwork);
  ++artist.artworks;
  IllustrationSpec spec;
  spec.where = where;
  post_illustration(artist, drawing, spec);
  return drawing;
}

void PipelineWorld::post_illustration(Artist& artist, Illustration& drawing, const IllustrationSpec& spec) {
  const PostedOn where = spec.where;
  const std::uint32_t posted = fresh_seed();
  images.serve(posted, fixtures::make_reencoded_jpeg(drawing.seed, kIllustrationWidth, kIllustrationHeight,
                                                     kReencodeScale, kReencodeQuality));
  if (where == PostedOn::X) {
    if (artist.x_id.empty()) throw std::logic_error("add_illustration: " + artist.name + " has no X account");
    fixtures::XTweet tweet;
    tweet.author_id = artist.x_id;
    tweet.media.push_back({"photo", posted});
    if (!artist.x_posts.empty() && !spec.newest_post) {
      // Between two listed tweets (ids are a million apart), so listings reach it mid-way.
      std::uint64_t id = std::stoull(artist.x_posts[artist.x_posts.size() / 2]) + 1;
      while (std::find(artist.x_posts.begin(), artist.x_posts.end(), std::to_string(id)) != artist.x_posts.end()) ++id;
      tweet.id = std::to_string(id);
    }
    drawing.post_id = x.add_tweet(tweet);
    drawing.platform = "x";
    drawing.account_id = artist.x_id;
    artist.x_posts.push_back(drawing.post_id);
  } else if (where == PostedOn::Bluesky) {
    if (artist.bluesky_did.empty()) throw std::logic_error("add_illustration: " + artist.name + " has no Bluesky account");
    fixtures::BlueskyPost post;
    post.author_did = artist.bluesky_did;
    post.image_seeds = {posted};
    drawing.post_id = bluesky.add_post(post);
    drawing.platform = "bluesky";
    drawing.account_id = artist.bluesky_did;
    artist.bluesky_posts.push_back(drawing.post_id);
  }
}

std::string PipelineWorld::plugins_toml() const {
  return sites.toml() + "pixiv.image_base_url = \"" + pixiv_image_base() + "\"\n" +
         "\n[plugins.sources]\n"
         "x.api_base_url = \"" + x.base_url() + "\"\n"
         "x.token_env = \"" + kXTokenEnv + "\"\n"
         "x.timeout_s = 20\n"
         "x.retry_wait_ms = 50\n"
         "x.max_rate_limit_wait_s = 5\n"
         "bluesky.appview_base_url = \"" + bluesky.base_url() + "\"\n"
         "bluesky.timeout_s = 20\n"
         "bluesky.retry_wait_ms = 50\n"
         "bluesky.max_rate_limit_wait_s = 5\n";
}

// --- the console's answer -------------------------------------------------------------------------

QueryAnswer parse_query_answer(const std::string& text) {
  QueryAnswer out;
  out.text = text;
  static const std::regex status_line(R"(^\s*Status: (-?\d+) (\S+))");
  static const std::regex error_line(R"(^\s*Error: (\S+))");
  static const std::regex account_line(R"(^  (@\S* \(\S+ ID \S+\)))");
  static const std::regex post_line(R"(^  (\S+) post (\S+) of account (\S+), image (\d+)/(\d+), distance (\d+))");
  std::istringstream in(text);
  bool in_accounts = false;
  for (std::string line; std::getline(in, line);) {
    std::smatch m;
    if (std::regex_search(line, m, status_line)) {
      out.status = std::stoi(m[1]);
      out.status_name = m[2];
    } else if (std::regex_search(line, m, error_line)) {
      out.error = m[1];
    } else if (std::regex_search(line, m, post_line)) {
      out.posts.push_back({m[1], m[2], m[3], std::stoi(m[4]), std::stoi(m[5]), std::stoi(m[6])});
    } else if (line.starts_with("Accounts:")) {
      in_accounts = true;
      continue;
    } else if (in_accounts && std::regex_search(line, m, account_line)) {
      out.accounts.push_back(m[1]);
      continue;
    }
    in_accounts = false;
  }
  return out;
}

// --- the daemon -------------------------------------------------------------------------------

namespace {
fs::path plugin_file(const std::string& plugin) { return fs::path(AOTF_PIPELINE_WORLD_PLUGINS_DIR) / (plugin + ".so"); }
}  // namespace

std::vector<std::string> PipelineDaemon::missing_plugins(const std::vector<std::string>& plugins) {
  std::vector<std::string> missing;
  for (const auto& plugin : plugins) {
    if (!fs::exists(plugin_file(plugin))) missing.push_back(plugin_file(plugin).string());
  }
  return missing;
}

PipelineDaemon::PipelineDaemon(const std::string& name, const PipelineWorld& world, DaemonOptions options) {
  RigOptions o;
  o.name = name;
  o.folder_prefix = "aotfd_pw_";
  o.multiprocessing = options.multiprocessing;
  for (const auto& plugin : options.plugins) o.plugins.push_back(plugin_file(plugin));
  o.stop_timeout_s = 10;
  o.log_level = "debug";
  // A worker that fails soon after start restarts at once instead of after the production
  // back-off of ten minutes.
  o.config = "[collector]\ninit_crash_window_s = 0\n[supervisor]\nbackoff_initial_s = 0\n\n" + world.plugins_toml() +
             "\n" + options.extra_config;
  o.environment = {{PipelineWorld::kXTokenEnv, world.x.token()}};
  o.log = RigOptions::Log::Append;
  o.start_timeout = 60s;
  o.exit_grace = 15s;
  o.keep_dir_on_request = true;
  rig_ = std::make_unique<DaemonRig>(std::move(o));
}

PipelineDaemon::~PipelineDaemon() { segment_.reset(); }

bool PipelineDaemon::start(std::chrono::milliseconds timeout) {
  segment_.reset();
  return rig_->start(timeout);
}

int PipelineDaemon::stop(std::chrono::milliseconds timeout) {
  segment_.reset();
  return rig_->stop(timeout);
}

bool PipelineDaemon::alive() const { return rig_->alive(); }

std::string PipelineDaemon::ctl(const std::string& command) const { return rig_->ctl(command); }

QueryAnswer PipelineDaemon::wait_until_end(const std::string& command, std::chrono::milliseconds timeout,
                                           std::vector<int>* seen) const {
  QueryAnswer last;
  eventually(
      [&] {
        last = parse_query_answer(ctl(command));
        if (seen != nullptr && last.status != -2 && (seen->empty() || seen->back() != last.status))
          seen->push_back(last.status);
        return last.ended();
      },
      timeout);
  return last;
}

QueryAnswer PipelineDaemon::wait_for_end(const std::string& url, std::chrono::milliseconds timeout,
                                         std::vector<int>* seen) const {
  return wait_until_end("query " + url, timeout, seen);
}

QueryAnswer PipelineDaemon::wait_for_search(const std::string& image_url, const std::string& account,
                                            std::chrono::milliseconds timeout) const {
  return wait_until_end("search " + image_url + (account.empty() ? "" : " " + account), timeout);
}

shm::Segment& PipelineDaemon::segment() {
  if (!segment_) segment_ = shm::Segment::attach(rig_->instance());
  return *segment_;
}

std::optional<shm::UserRequestSnapshot> PipelineDaemon::user_request(const std::string& url) {
  return shm::UserRequests(segment()).get(url);
}

std::optional<shm::ScanSnapshot> PipelineDaemon::scan(const std::string& platform, const std::string& account_id) {
  return shm::ScanRequests(segment()).get(platform, account_id);
}

std::map<std::string, pid_t> PipelineDaemon::worker_pids() const { return rig_->worker_pids(); }

std::string PipelineDaemon::log() const { return rig_->log(); }
std::string PipelineDaemon::error_log(const std::string& procedure) const { return rig_->error_log(procedure); }
std::string PipelineDaemon::all_error_logs() const { return rig_->all_error_logs(); }
fs::path PipelineDaemon::database_file() const { return rig_->database_file(); }
const fs::path& PipelineDaemon::dir() const noexcept { return rig_->dir(); }
const fs::path& PipelineDaemon::config_file() const noexcept { return rig_->config(); }
const std::string& PipelineDaemon::instance() const noexcept { return rig_->instance(); }
pid_t PipelineDaemon::pid() const noexcept { return rig_->pid(); }

}  // namespace aotf::test
