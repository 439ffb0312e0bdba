#include "caffe/util/io.hpp"

#include <cstdio>

#include <fcntl.h>
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

void WriteFileAtomically(const std::string& filename, const std::string& contents) {
  std::string tmp = filename + ".tmp-" + std::to_string(getpid());
  {
    std::ofstream out(tmp, std::ios::binary | std::ios::trunc);
    if (!out) CAFFE_THROW_AS(FileError, "cannot write '", tmp, "': ", std::strerror(errno));
    out.write(contents.data(), static_cast<std::streamsize>(contents.size()));
    out.flush();
    if (!out) {
      std::remove(tmp.c_str());
      CAFFE_THROW_AS(FileError, "error writing '", tmp, "' (disk full?)");
    }
  }
  if (std::rename(tmp.c_str(), filename.c_str()) != 0) {
    int err = errno;
    std::remove(tmp.c_str());
    CAFFE_THROW_AS(FileError, "cannot rename '", tmp, "' to '", filename, "': ", std::strerror(err));
  }
}

}  // namespace caffe
