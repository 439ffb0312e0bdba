// Key-value databases of serialized records (Datum) in either of BVLC's backends: LMDB
// (db_lmdb.hpp) or LevelDB (db_leveldb.hpp). Readers walk the records in key order;
// writers buffer records and write them in batches. Errors raise FileError naming the
// database path.
#pragma once

#include <memory>
#include <string>

namespace caffe {

class DBReader {
 public:
  virtual ~DBReader() = default;
  // Positions the cursor on the first record.
  virtual void SeekToFirst() = 0;
  // Moves to the next record; returns false (and stays invalid) at the end.
  virtual bool Next() = 0;
  // Moves to the next record, wrapping around to the first one at the end.
  void NextWrap() {
    if (!Next()) SeekToFirst();
  }
  virtual bool valid() const = 0;
  virtual std::string key() const = 0;
  // The current value: valid until the cursor moves.
  virtual const void* value_data() const = 0;
  virtual size_t value_size() const = 0;
  virtual const std::string& path() const = 0;
  // "LMDB" or "LevelDB", for messages.
  virtual const char* kind() const = 0;
};

class DBWriter {
 public:
  virtual ~DBWriter() = default;
  // Buffers one record; Commit() writes the buffered records.
  virtual void Put(const std::string& key, const std::string& value) = 0;
  virtual void Commit() = 0;
};

// backend: "lmdb" or "leveldb" (any case); anything else is a ParseError.
std::unique_ptr<DBReader> OpenDBReader(const std::string& backend, const std::string& path);
// Creates a new database; refuses an existing path.
std::unique_ptr<DBWriter> CreateDBWriter(const std::string& backend, const std::string& path);

}  // namespace caffe
