// A small LMDB wrapper for data sets of serialized Datum records.
// LMDBReader opens an existing database read-only (MDB_RDONLY, and MDB_NOLOCK only when
// the lock file cannot be used, e.g. on a read-only disk); its read transaction is renewed
// each time the cursor wraps around, so readers never hold old pages forever and never
// block a writer. Readers of one database in one process share its environment (LMDB
// forbids opening a database twice in a process: the second open takes the lock file for
// the only user and resets the reader table under the first, e.g. a train and a test net
// reading the same source). LMDBWriter creates a new database and commits in batches, growing the
// map as needed. Errors raise FileError naming the database path.
#pragma once

#include <memory>
#include <string>
#include <utility>
#include <vector>

#include <lmdb.h>

#include "caffe/common.hpp"
#include "caffe/util/db.hpp"

namespace caffe {

class LMDBReader : public DBReader {
 public:
  explicit LMDBReader(const std::string& path);
  ~LMDBReader() override;
  LMDBReader(const LMDBReader&) = delete;
  LMDBReader& operator=(const LMDBReader&) = delete;

  // Positions the cursor on the first record (renewing the read transaction).
  void SeekToFirst() override;
  // Moves to the next record; returns false (and stays invalid) at the end.
  bool Next() override;
  bool valid() const override { return valid_; }
  std::string key() const override;
  // The current value: valid until the cursor moves.
  const void* value_data() const override { return value_.mv_data; }
  size_t value_size() const override { return value_.mv_size; }
  size_t entries() const;
  const std::string& path() const override { return path_; }
  const char* kind() const override { return "LMDB"; }

 private:
  void check(int rc, const char* what) const;
  std::string path_;
  std::shared_ptr<MDB_env> env_;  // shared by this process's readers of the database
  MDB_dbi dbi_ = 0;
  MDB_txn* txn_ = nullptr;
  MDB_cursor* cursor_ = nullptr;
  MDB_val key_{0, nullptr}, value_{0, nullptr};
  bool valid_ = false;
};

class LMDBWriter : public DBWriter {
 public:
  // Creates the database directory; refuses to touch an existing path.
  explicit LMDBWriter(const std::string& path);
  ~LMDBWriter() override;
  LMDBWriter(const LMDBWriter&) = delete;
  LMDBWriter& operator=(const LMDBWriter&) = delete;

  // Buffers one record; Commit() writes the buffered records in one transaction.
  void Put(const std::string& key, const std::string& value) override;
  void Commit() override;

 private:
  void check(int rc, const char* what) const;
  std::string path_;
  MDB_env* env_ = nullptr;
  size_t map_size_ = size_t(1) << 30;
  std::vector<std::pair<std::string, std::string>> pending_;
};

}  // namespace caffe
