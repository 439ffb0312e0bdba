#include "caffe/util/db_leveldb.hpp"

#include <sys/stat.h>

#include <algorithm>

#include <leveldb/db.h>
#include <leveldb/write_batch.h>

#include "caffe/common.hpp"
#include "caffe/util/db_lmdb.hpp"

namespace caffe {

LevelDBReader::LevelDBReader(const std::string& path) : path_(path) {
  leveldb::Options options;
  options.create_if_missing = false;
  leveldb::DB* db = nullptr;
  const leveldb::Status s = leveldb::DB::Open(options, path, &db);
  CAFFE_ENFORCE_AS(FileError, s.ok(), "cannot open LevelDB database '", path, "': ", s.ToString());
  db_.reset(db);
  leveldb::ReadOptions read;
  read.fill_cache = false;
  it_.reset(db_->NewIterator(read));
  SeekToFirst();
}

LevelDBReader::~LevelDBReader() {
  it_.reset();  // before the database
  db_.reset();
}

void LevelDBReader::SeekToFirst() { it_->SeekToFirst(); }

bool LevelDBReader::Next() {
  if (it_->Valid()) it_->Next();
  CAFFE_ENFORCE_AS(FileError, it_->status().ok(), "reading LevelDB database '", path_, "': ",
                   it_->status().ToString());
  return it_->Valid();
}

bool LevelDBReader::valid() const { return it_->Valid(); }
std::string LevelDBReader::key() const { return it_->key().ToString(); }
const void* LevelDBReader::value_data() const { return it_->value().data(); }
size_t LevelDBReader::value_size() const { return it_->value().size(); }

LevelDBWriter::LevelDBWriter(const std::string& path) : path_(path) {
  struct stat st;
  CAFFE_ENFORCE_AS(FileError, stat(path.c_str(), &st) != 0, "'", path,
                   "' already exists; remove it or choose another name");
  leveldb::Options options;
  options.create_if_missing = true;
  options.error_if_exists = true;
  options.write_buffer_size = 64 << 20;
  leveldb::DB* db = nullptr;
  const leveldb::Status s = leveldb::DB::Open(options, path, &db);
  CAFFE_ENFORCE_AS(FileError, s.ok(), "cannot create LevelDB database '", path, "': ", s.ToString());
  db_.reset(db);
}

LevelDBWriter::~LevelDBWriter() = default;

void LevelDBWriter::Put(const std::string& key, const std::string& value) {
  pending_.emplace_back(key, value);
}

void LevelDBWriter::Commit() {
  leveldb::WriteBatch batch;
  for (const auto& kv : pending_) batch.Put(kv.first, kv.second);
  const leveldb::Status s = db_->Write(leveldb::WriteOptions(), &batch);
  CAFFE_ENFORCE_AS(FileError, s.ok(), "writing LevelDB database '", path_, "': ", s.ToString());
  pending_.clear();
}

namespace {

std::string lower(std::string s) {
  std::transform(s.begin(), s.end(), s.begin(), ::tolower);
  return s;
}

}  // namespace

std::unique_ptr<DBReader> OpenDBReader(const std::string& backend, const std::string& path) {
  const std::string b = lower(backend);
  if (b == "lmdb") return std::unique_ptr<DBReader>(new LMDBReader(path));
  if (b == "leveldb") return std::unique_ptr<DBReader>(new LevelDBReader(path));
  CAFFE_THROW_AS(ParseError, "unknown database backend '", backend, "' (use lmdb or leveldb)");
}

std::unique_ptr<DBWriter> CreateDBWriter(const std::string& backend, const std::string& path) {
  const std::string b = lower(backend);
  if (b == "lmdb") return std::unique_ptr<DBWriter>(new LMDBWriter(path));
  if (b == "leveldb") return std::unique_ptr<DBWriter>(new LevelDBWriter(path));
  CAFFE_THROW_AS(ParseError, "unknown database backend '", backend, "' (use lmdb or leveldb)");
}

}  // namespace caffe
