#pragma once
// Reading the SQLite database of the original AOTF server (tables accounts, tweets,
// reindex_tweets) into aotfd's database, as platform "x".
//
// Ids (UNSIGNED BIGINT) become decimal text. The original's naive local dates
// ("YYYY-MM-DD HH:MM:SS", optionally with a fraction) are read in the process's time zone (the TZ
// environment variable selects another) and stored as UTC; the fraction is dropped. Fingerprints
// are already 8 bytes big-endian and are copied byte for byte. Every insert is "first write wins",
// so importing the same file twice adds nothing the second time.

#include <cstdint>
#include <filesystem>
#include <string>
#include <vector>

#include "aotf/db/database.hpp"

namespace aotf::db {

// The file is not SQLite, or lacks tables or columns of the original (the message names them).
class BOOST_SYMBOL_VISIBLE NotAnOriginalDatabase : public Error {
public:
  using Error::Error;
};

struct ImportTally {
  std::int64_t imported = 0;  // rows added
  std::int64_t present = 0;   // rows already in the target (left as they were)
  std::int64_t skipped = 0;   // rows that could not be read (see ImportReport::problems)
};

struct ImportReport {
  ImportTally accounts;
  ImportTally posts;
  ImportTally retries;
  // One sentence per skipped row: file, table, row id, column and what was wrong.
  std::vector<std::string> problems;
};

// Throws NotAnOriginalDatabase when `source` cannot be imported (checked again by the import).
BOOST_SYMBOL_VISIBLE void check_original_database(const std::filesystem::path& source);

// Imports `source` into `target` in batches of write transactions (a running daemon keeps
// writing meanwhile). `target` must be opened with FingerprintMode::Exact; the import records
// that mode in it even when `source` holds no post. Throws
// NotAnOriginalDatabase before writing anything when `source` is not such a database, and
// DatabaseError when the target fails.
[[nodiscard]] BOOST_SYMBOL_VISIBLE ImportReport import_original_database(const std::filesystem::path& source,
                                                                          Database& target);

}  // namespace aotf::db
