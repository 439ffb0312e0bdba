#include "caffe/util/io.hpp"

#include <cstdio>

#include <dirent.h>
#include <fcntl.h>
#include <signal.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <fstream>
#include <sstream>

#include <google/protobuf/io/coded_stream.h>
#include <google/protobuf/io/tokenizer.h>
#include <google/protobuf/io/zero_copy_stream_impl.h>
#include <google/protobuf/text_format.h>

namespace caffe {

namespace {

class CollectErrors : public google::protobuf::io::ErrorCollector {
 public:
  void AddError(int line, google::protobuf::io::ColumnNumber column,
                const std::string& message) override {
    if (!first_.empty()) return;
    // protobuf counts from zero; editors count from one.
    first_ = str_cat("line ", line + 1, ", column ", column + 1, ": ", message);
  }
  void AddWarning(int, google::protobuf::io::ColumnNumber, const std::string&) override {}
  const std::string& first() const { return first_; }

 private:
  std::string first_;
};

std::string read_whole_file(const std::string& filename) {
  std::ifstream in(filename, std::ios::binary);
  if (!in) {
    CAFFE_THROW_AS(FileError, "cannot open '", filename, "': ", std::strerror(errno));
  }
  std::ostringstream ss;
  ss << in.rdbuf();
  CAFFE_ENFORCE_AS(FileError, !in.bad(), "error reading '", filename, "'");
  return ss.str();
}

}  // namespace

bool FileExists(const std::string& filename) {
  struct stat st;
  return stat(filename.c_str(), &st) == 0;
}

namespace {

// Length of the UTF-8 sequence starting at s[i] (1-4), or 0 when it is not valid UTF-8
// (a stray continuation byte, a truncated or overlong sequence, a surrogate, > U+10FFFF).
size_t utf8_sequence_length(const std::string& s, size_t i) {
  const auto byte = [&](size_t k) { return static_cast<unsigned char>(s[k]); };
  const unsigned char c = byte(i);
  if (c < 0x80) return 1;
  size_t n;
  unsigned min_code;
  unsigned code;
  if ((c & 0xE0) == 0xC0) { n = 2; code = c & 0x1F; min_code = 0x80; }
  else if ((c & 0xF0) == 0xE0) { n = 3; code = c & 0x0F; min_code = 0x800; }
  else if ((c & 0xF8) == 0xF0) { n = 4; code = c & 0x07; min_code = 0x10000; }
  else return 0;
  if (i + n > s.size()) return 0;
  for (size_t k = 1; k < n; ++k) {
    if ((byte(i + k) & 0xC0) != 0x80) return 0;
    code = (code << 6) | (byte(i + k) & 0x3F);
  }
  if (code < min_code || code > 0x10FFFF || (code >= 0xD800 && code <= 0xDFFF)) return 0;
  return n;
}

// Throws ParseError naming the line and column of the first byte that is not UTF-8.
void check_utf8(const std::string& text, const std::string& origin) {
  int line = 1, column = 1;
  for (size_t i = 0; i < text.size();) {
    const size_t n = utf8_sequence_length(text, i);
    if (n == 0) {
      char hex[8];
      std::snprintf(hex, sizeof(hex), "0x%02X", static_cast<unsigned char>(text[i]));
      CAFFE_THROW_AS(ParseError, origin, ": line ", line, " column ", column,
                     ": the text is not valid UTF-8 (byte ", hex, ")");
    }
    if (text[i] == '\n') {
      ++line;
      column = 1;
    } else {
      ++column;
    }
    i += n;
  }
}

}  // namespace

void ParseProtoFromText(const std::string& text, Message* proto, const std::string& origin) {
  check_utf8(text, origin);
  google::protobuf::TextFormat::Parser parser;
  CollectErrors errors;
  parser.RecordErrorsTo(&errors);
  if (!parser.ParseFromString(text, proto)) {
    CAFFE_THROW_AS(ParseError, origin, ": cannot parse as ", proto->GetTypeName(), ": ",
                   errors.first().empty() ? std::string("syntax error") : errors.first());
  }
}

void ReadProtoFromTextFile(const std::string& filename, Message* proto) {
  ParseProtoFromText(read_whole_file(filename), proto, filename);
}

void WriteProtoToTextFile(const Message& proto, const std::string& filename) {
  std::string text;
  CAFFE_ENFORCE(google::protobuf::TextFormat::PrintToString(proto, &text),
                "cannot format ", proto.GetTypeName(), " as text");
  WriteFileAtomically(filename, text);
}

void ReadProtoFromBinaryFile(const std::string& filename, Message* proto) {
  int fd = open(filename.c_str(), O_RDONLY);
  if (fd < 0) CAFFE_THROW_AS(FileError, "cannot open '", filename, "': ", std::strerror(errno));
  google::protobuf::io::FileInputStream raw(fd);
  google::protobuf::io::CodedInputStream coded(&raw);
  coded.SetTotalBytesLimit(INT_MAX);
  bool ok = proto->ParseFromCodedStream(&coded) && coded.ConsumedEntireMessage();
  close(fd);
  CAFFE_ENFORCE_AS(FileError, ok, "'", filename, "' is not a valid binary ",
                   proto->GetTypeName(), " (corrupt, truncated, or another kind of file)");
}

void WriteProtoToBinaryFile(const Message& proto, const std::string& filename) {
  std::string bytes;
  CAFFE_ENFORCE(proto.SerializeToString(&bytes), "cannot serialize ", proto.GetTypeName());
  WriteFileAtomically(filename, bytes);
}

namespace {

std::string errno_text(int err) { return std::strerror(err); }

// Writes all of `contents` to fd, retrying short writes and EINTR; returns 0 or an errno.
int write_all(int fd, const std::string& contents) {
  const char* p = contents.data();
  size_t left = contents.size();
  while (left > 0) {
    const ssize_t n = ::write(fd, p, left);
    if (n < 0) {
      if (errno == EINTR) continue;
      return errno;
    }
    p += n;
    left -= static_cast<size_t>(n);
  }
  return 0;
}

// Makes a rename inside `dir` durable. File systems that cannot sync a directory
// (EINVAL, ENOTSUP) are left as they are: the rename has happened, only its durability
// across a power loss is then up to the file system.
void sync_directory(const std::string& dir, const std::string& filename) {
  const int fd = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd < 0) return;  // e.g. a directory we may write but not read: nothing more to do
  const int rc = ::fsync(fd);
  const int err = errno;
  ::close(fd);
  if (rc != 0 && err != EINVAL && err != ENOTSUP && err != EROFS) {
    CAFFE_THROW_AS(FileError, "wrote '", filename, "' but cannot sync its directory '", dir, "': ",
                   errno_text(err));
  }
}

}  // namespace

void WriteFileAtomically(const std::string& filename, const std::string& contents) {
  // The temporary file is named after the target and this process, so that two writers
  // never share one, and so that a leftover from a killed process is recognisable
  // (RemoveStaleTemporaryFiles).
  const std::string tmp = filename + ".tmp-" + std::to_string(getpid());
  const int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0666);
  if (fd < 0) CAFFE_THROW_AS(FileError, "cannot write '", tmp, "': ", errno_text(errno));
  // The data reach the disk (fsync) before the rename makes them the file's contents:
  // after a crash or a power loss the file holds either its old or its new contents.
  int err = write_all(fd, contents);
  if (err == 0 && ::fsync(fd) != 0 && errno != EINVAL && errno != ENOTSUP) err = errno;
  if (::close(fd) != 0 && err == 0 && errno != EINTR) err = errno;
  if (err != 0) {
    ::unlink(tmp.c_str());
    CAFFE_THROW_AS(FileError, "cannot write ", contents.size(), " bytes to '", filename, "': ",
                   errno_text(err), " (the file is left as it was)");
  }
  if (std::rename(tmp.c_str(), filename.c_str()) != 0) {
    err = errno;
    ::unlink(tmp.c_str());
    CAFFE_THROW_AS(FileError, "cannot rename '", tmp, "' to '", filename, "': ", errno_text(err));
  }
  const auto slash = filename.find_last_of('/');
  sync_directory(slash == std::string::npos ? std::string(".") : filename.substr(0, slash + 1),
                 filename);
}

namespace {

// The process id in a name ending in ".tmp-<digits>", or -1.
long temporary_file_owner(const std::string& name) {
  const auto mark = name.rfind(".tmp-");
  if (mark == std::string::npos || mark + 5 == name.size()) return -1;
  long pid = 0;
  for (size_t i = mark + 5; i < name.size(); ++i) {
    if (name[i] < '0' || name[i] > '9' || pid > 100000000) return -1;
    pid = pid * 10 + (name[i] - '0');
  }
  return pid;
}

}  // namespace

int RemoveStaleTemporaryFiles(const std::string& prefix) {
  const auto slash = prefix.find_last_of('/');
  const std::string dir = slash == std::string::npos ? std::string(".") : prefix.substr(0, slash + 1);
  const std::string stem = slash == std::string::npos ? prefix : prefix.substr(slash + 1);
  DIR* d = ::opendir(dir.c_str());
  if (!d) return 0;
  int removed = 0;
  while (const dirent* entry = ::readdir(d)) {
    const std::string name = entry->d_name;
    if (name.compare(0, stem.size(), stem) != 0) continue;
    const long pid = temporary_file_owner(name);
    // Only a writer that no longer runs: kill(pid, 0) fails with ESRCH.
    if (pid <= 0 || pid == getpid() || ::kill(static_cast<pid_t>(pid), 0) == 0 || errno != ESRCH) continue;
    const std::string path = (slash == std::string::npos ? std::string() : dir) + name;
    if (::unlink(path.c_str()) == 0) {
      LOG(INFO) << "Removed " << path << ", left by an interrupted write (process " << pid
                << " no longer runs)";
      ++removed;
    }
  }
  ::closedir(d);
  return removed;
}

}  // namespace caffe
