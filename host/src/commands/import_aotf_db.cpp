// aotfd import-aotf-db FILE: brings the SQLite database of the original AOTF server into the
// configured database (<data_dir>/aotfd.sqlite3) as platform "x". Safe to run twice and while the
// daemon runs; see aotf/db/original_import.hpp for what is converted and how.

#include <iostream>
#include <sstream>

#include "aotf/db/database.hpp"
#include "aotf/db/original_import.hpp"
#include "commands/commands.hpp"

namespace aotf::host {

namespace {

constexpr std::size_t kShownProblems = 20;

std::string tally_line(std::string_view what, const db::ImportTally& t) {
  std::ostringstream out;
  out << "  " << what << std::string(16 - std::min<std::size_t>(what.size(), 15), ' ') << t.imported
      << " imported, " << t.present << " already present";
  if (t.skipped > 0) out << ", " << t.skipped << " skipped";
  return out.str();
}

}  // namespace

int cmd_import_aotf_db(const Options& options) {
  if (options.args.size() != 1) {
    std::cerr << "aotfd import-aotf-db: expected one FILE, the SQLite database of the original AOTF server (got "
              << options.args.size() << " arguments)\n";
    return kExitUsage;
  }
  const std::filesystem::path source = options.args[0];

  DaemonConfig config;
  std::vector<ConfigIssue> issues;
  const bool parsed = load_host_config(options.config_path, config, issues);
  sort_issues(issues);
  for (const auto& issue : issues) std::cerr << issue.str() << "\n";
  if (!parsed || !issues.empty()) return kExitUsage;
  const std::string& mode = config.host_values.string("fingerprint.mode");
  if (mode != "exact") {
    std::cerr << "aotfd import-aotf-db: the original's fingerprints are exact ones, but "
              << options.config_path.string() << " sets fingerprint.mode = \"" << mode
              << "\"; set it to \"exact\" to import and search them\n";
    return kExitUsage;
  }

  const std::filesystem::path target = db::Database::default_file(config.host.data_dir);
  try {
    db::check_original_database(source);  // before the target is created
    db::Database::Options db_options;
    db_options.fingerprint_mode = db::FingerprintMode::Exact;
    db::Database db(target, db_options);
    const db::ImportReport report = db::import_original_database(source, db);

    std::cout << "Imported " << source.string() << " into " << target.string()
              << " (platform \"x\"; dates read as local time, stored as UTC):\n"
              << tally_line("accounts:", report.accounts) << "\n"
              << tally_line("posts:", report.posts) << "\n"
              << tally_line("re-index rows:", report.retries) << "\n";
    const auto added = report.accounts.imported + report.posts.imported + report.retries.imported;
    const auto present = report.accounts.present + report.posts.present + report.retries.present;
    if (added == 0 && present == 0 && report.problems.empty()) {
      std::cout << "Nothing to import: " << source.string() << " holds no rows.\n";
    } else if (added == 0 && report.problems.empty()) {
      std::cout << "Nothing new: every row of " << source.string() << " was already present.\n";
    }
    for (std::size_t i = 0; i < report.problems.size() && i < kShownProblems; ++i) {
      std::cerr << report.problems[i] << "\n";
    }
    if (report.problems.size() > kShownProblems) {
      std::cerr << "... and " << report.problems.size() - kShownProblems << " more rows skipped\n";
    }
    return report.problems.empty() ? kExitOk : kExitFailure;
  } catch (const db::NotAnOriginalDatabase& e) {
    std::cerr << "aotfd import-aotf-db: " << e.what() << "\n";
    return kExitUsage;
  } catch (const db::FingerprintModeError&) {
    std::cerr << "aotfd import-aotf-db: " << target.string()
              << " was filled with fast fingerprints, which cannot be mixed with the original's exact ones; "
                 "point data_dir at another folder to import into a new database\n";
    return kExitUsage;
  } catch (const Error& e) {
    std::cerr << "aotfd import-aotf-db: " << e.what() << "\n";
    return kExitFailure;
  }
}

}  // namespace aotf::host
