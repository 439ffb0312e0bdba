#include "caffe/util/db_lmdb.hpp"

#include <sys/stat.h>

#include <cerrno>
#include <cstring>
#include <map>
#include <mutex>

#include "caffe/util/io.hpp"

namespace caffe {

// ---- reading ---------------------------------------------------------------------
namespace {
// The environments this process has open for reading, by the database's device and inode
// (so that two spellings of one path share one), each closed with its last reader.
std::mutex& environments_mutex() {
  static std::mutex m;
  return m;
}
std::map<std::pair<dev_t, ino_t>, std::weak_ptr<MDB_env>>& environments() {
  static std::map<std::pair<dev_t, ino_t>, std::weak_ptr<MDB_env>> open;
  return open;
}
}  // namespace

LMDBReader::LMDBReader(const std::string& path) : path_(path) {
  struct stat st;
  CAFFE_ENFORCE_AS(FileError, stat(path.c_str(), &st) == 0, "LMDB database '", path,
                   "' does not exist");
  unsigned int flags = MDB_RDONLY | MDB_NOTLS;
  if (!S_ISDIR(st.st_mode)) flags |= MDB_NOSUBDIR;
  else CAFFE_ENFORCE_AS(FileError, FileExists(path + "/data.mdb"), "'", path,
                        "' is a folder but not an LMDB database (no data.mdb inside)");
  {
    std::lock_guard<std::mutex> lock(environments_mutex());
    auto& slot = environments()[{st.st_dev, st.st_ino}];
    env_ = slot.lock();
    if (!env_) {
      MDB_env* env = nullptr;
      check(mdb_env_create(&env), "mdb_env_create");
      int rc = mdb_env_open(env, path.c_str(), flags, 0664);
      if (rc == EACCES || rc == EROFS) {
        // No writable lock file (read-only disk): read without the lock table.
        mdb_env_close(env);
        check(mdb_env_create(&env), "mdb_env_create");
        rc = mdb_env_open(env, path.c_str(), flags | MDB_NOLOCK, 0664);
      }
      if (rc != MDB_SUCCESS) {
        mdb_env_close(env);
        check(rc, "open");
      }
      env_.reset(env, [](MDB_env* e) { mdb_env_close(e); });
      slot = env_;
    }
  }
  check(mdb_txn_begin(env_.get(), nullptr, MDB_RDONLY, &txn_), "mdb_txn_begin");
  check(mdb_dbi_open(txn_, nullptr, 0, &dbi_), "mdb_dbi_open");
  check(mdb_cursor_open(txn_, dbi_, &cursor_), "mdb_cursor_open");
  SeekToFirst();
}

LMDBReader::~LMDBReader() {
  if (cursor_) mdb_cursor_close(cursor_);
  if (txn_) mdb_txn_abort(txn_);
  if (env_) {
    // The environment closes with its last reader, under the registry's lock so that a
    // reader opening the database meanwhile does not pick up an environment being closed.
    std::lock_guard<std::mutex> lock(environments_mutex());
    env_.reset();
  }
}

void LMDBReader::check(int rc, const char* what) const {
  if (rc != MDB_SUCCESS)
    CAFFE_THROW_AS(FileError, "LMDB database '", path_, "': ", what, " failed: ", mdb_strerror(rc));
}

void LMDBReader::SeekToFirst() {
  // A fresh snapshot: sees records written since, and releases the old one to writers.
  mdb_txn_reset(txn_);
  check(mdb_txn_renew(txn_), "mdb_txn_renew");
  check(mdb_cursor_renew(txn_, cursor_), "mdb_cursor_renew");
  const int rc = mdb_cursor_get(cursor_, &key_, &value_, MDB_FIRST);
  if (rc != MDB_NOTFOUND) check(rc, "reading the first record");
  valid_ = rc == MDB_SUCCESS;
}

bool LMDBReader::Next() {
  const int rc = mdb_cursor_get(cursor_, &key_, &value_, MDB_NEXT);
  if (rc != MDB_NOTFOUND) check(rc, "reading the next record");
  valid_ = rc == MDB_SUCCESS;
  return valid_;
}

std::string LMDBReader::key() const {
  return std::string(static_cast<const char*>(key_.mv_data), key_.mv_size);
}

size_t LMDBReader::entries() const {
  MDB_stat stat;
  check(mdb_stat(txn_, dbi_, &stat), "mdb_stat");
  return stat.ms_entries;
}

// ---- writing ---------------------------------------------------------------------
LMDBWriter::LMDBWriter(const std::string& path) : path_(path) {
  CAFFE_ENFORCE_AS(FileError, !FileExists(path), "'", path,
                   "' already exists; remove it or choose another name (refusing to overwrite)");
  CAFFE_ENFORCE_AS(FileError, mkdir(path.c_str(), 0755) == 0, "cannot create '", path, "': ",
                   std::strerror(errno));
  check(mdb_env_create(&env_), "mdb_env_create");
  check(mdb_env_set_mapsize(env_, map_size_), "mdb_env_set_mapsize");
  const int rc = mdb_env_open(env_, path.c_str(), 0, 0664);
  if (rc != MDB_SUCCESS) {
    mdb_env_close(env_);
    env_ = nullptr;
    check(rc, "open for writing");
  }
}

LMDBWriter::~LMDBWriter() {
  if (env_) mdb_env_close(env_);
}

void LMDBWriter::check(int rc, const char* what) const {
  if (rc != MDB_SUCCESS)
    CAFFE_THROW_AS(FileError, "LMDB database '", path_, "': ", what, " failed: ", mdb_strerror(rc));
}

void LMDBWriter::Put(const std::string& key, const std::string& value) {
  pending_.emplace_back(key, value);
}

void LMDBWriter::Commit() {
  while (true) {
    MDB_txn* txn = nullptr;
    MDB_dbi dbi;
    check(mdb_txn_begin(env_, nullptr, 0, &txn), "mdb_txn_begin");
    int rc = mdb_dbi_open(txn, nullptr, 0, &dbi);
    for (size_t i = 0; rc == MDB_SUCCESS && i < pending_.size(); ++i) {
      MDB_val k{pending_[i].first.size(), const_cast<char*>(pending_[i].first.data())};
      MDB_val v{pending_[i].second.size(), const_cast<char*>(pending_[i].second.data())};
      rc = mdb_put(txn, dbi, &k, &v, 0);
    }
    if (rc == MDB_SUCCESS) rc = mdb_txn_commit(txn);
    else mdb_txn_abort(txn);
    if (rc == MDB_MAP_FULL) {  // grow the map and write the whole batch again
      map_size_ *= 2;
      check(mdb_env_set_mapsize(env_, map_size_), "mdb_env_set_mapsize");
      continue;
    }
    check(rc, "writing records");
    break;
  }
  pending_.clear();
}

}  // namespace caffe
