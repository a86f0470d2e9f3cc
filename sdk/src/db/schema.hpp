#pragma once
// The schema, as a list of migrations. Migration i (1-based) brings a file from user_version i-1
// to i. Never edit a migration that shipped: add the next one and bump kSchemaVersion.

#include <array>

#include "aotf/db/database.hpp"

namespace aotf::db::schema {

inline constexpr std::array<const char*, kSchemaVersion> kMigrations = {
    // 1: accounts, posts, posts to re-index, meta.
    R"sql(
CREATE TABLE meta (
  key   TEXT PRIMARY KEY,
  value TEXT NOT NULL
) WITHOUT ROWID;

CREATE TABLE accounts (
  platform          TEXT NOT NULL,
  account_id        TEXT NOT NULL,
  name              TEXT,
  search_cursor     TEXT,
  search_saved_at   TEXT,
  cursor_reset_at   TEXT,
  timeline_cursor   TEXT,
  timeline_saved_at TEXT,
  last_use          TEXT,
  uses_count        INTEGER NOT NULL DEFAULT 0,
  PRIMARY KEY (platform, account_id)
) WITHOUT ROWID;

CREATE TABLE posts (
  id                  INTEGER PRIMARY KEY AUTOINCREMENT,
  platform            TEXT NOT NULL,
  post_id             TEXT NOT NULL,
  account_id          TEXT NOT NULL,
  published_at        TEXT,
  image_1_name        TEXT,
  image_1_fingerprint BLOB,
  image_2_name        TEXT,
  image_2_fingerprint BLOB,
  image_3_name        TEXT,
  image_3_fingerprint BLOB,
  image_4_name        TEXT,
  image_4_fingerprint BLOB,
  UNIQUE (platform, post_id)
);
CREATE INDEX posts_by_account ON posts (platform, account_id);

CREATE TABLE reindex_posts (
  platform      TEXT NOT NULL,
  post_id       TEXT NOT NULL,
  account_id    TEXT,
  image_1_url   TEXT,
  image_2_url   TEXT,
  image_3_url   TEXT,
  image_4_url   TEXT,
  last_retry_at TEXT,
  retries_count INTEGER NOT NULL DEFAULT 0,
  PRIMARY KEY (platform, post_id)
) WITHOUT ROWID;
)sql",
};

}  // namespace aotf::db::schema
