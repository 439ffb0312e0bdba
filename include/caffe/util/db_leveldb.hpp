// LevelDB databases of serialized records (BVLC's backend: LEVELDB). LevelDBReader opens an
// existing database (LevelDB allows one open handle per database at a time);
// LevelDBWriter creates a new one and writes buffered records in one batch per Commit.
#pragma once

#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "caffe/util/db.hpp"

namespace leveldb {
class DB;
class Iterator;
}  // namespace leveldb

namespace caffe {

class LevelDBReader : public DBReader {
 public:
  explicit LevelDBReader(const std::string& path);
  ~LevelDBReader() override;
  void SeekToFirst() override;
  bool Next() override;
  bool valid() const override;
  std::string key() const override;
  const void* value_data() const override;
  size_t value_size() const override;
  const std::string& path() const override { return path_; }
  const char* kind() const override { return "LevelDB"; }

 private:
  std::string path_;
  std::unique_ptr<leveldb::DB> db_;
  std::unique_ptr<leveldb::Iterator> it_;
};

class LevelDBWriter : public DBWriter {
 public:
  explicit LevelDBWriter(const std::string& path);
  ~LevelDBWriter() override;
  void Put(const std::string& key, const std::string& value) override;
  void Commit() override;

 private:
  std::string path_;
  std::unique_ptr<leveldb::DB> db_;
  std::vector<std::pair<std::string, std::string>> pending_;
};

}  // namespace caffe
