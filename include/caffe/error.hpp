// caffe::Error and its subclasses: library code reports every problem by throwing
// one of these (never by aborting). pycaffe maps them to Python exceptions and the
// command-line tools print the message and exit with status 1.
#pragma once

#include <sstream>
#include <stdexcept>
#include <string>

namespace caffe {

class Error : public std::runtime_error {
 public:
  explicit Error(const std::string& what) : std::runtime_error(what) {}
};

// A network or solver definition that does not parse or is inconsistent.
class ParseError : public Error { using Error::Error; };
// A blob or parameter whose shape does not match what a layer expects.
class ShapeError : public Error { using Error::Error; };
// A file that is missing, unreadable or corrupt.
class FileError : public Error { using Error::Error; };
// A request that needs a GPU where none is available (or the build has no CUDA).
class DeviceError : public Error { using Error::Error; };
// More host memory than this machine has (see HostMemoryLimit in syncedmem.hpp), or an
// allocation that failed; pycaffe raises Python's MemoryError.
class MemoryError : public Error { using Error::Error; };

// A shape that a blob cannot take (a negative size, too many axes or elements), thrown by
// Blob::Reshape. blob() says which blob, so that the Net, which knows the blobs' names,
// can name the layer and the top; callers see it as a ShapeError.
class BlobShapeError : public ShapeError {
 public:
  BlobShapeError(const std::string& what, const void* blob) : ShapeError(what), blob_(blob) {}
  const void* blob() const { return blob_; }

 private:
  const void* blob_;
};

namespace detail {
inline void append_all(std::ostringstream&) {}
template <typename T, typename... Rest>
void append_all(std::ostringstream& os, const T& first, const Rest&... rest) {
  os << first;
  append_all(os, rest...);
}
}  // namespace detail

// Concatenates the arguments with operator<< into one string.
template <typename... Args>
std::string str_cat(const Args&... args) {
  std::ostringstream os;
  detail::append_all(os, args...);
  return os.str();
}

}  // namespace caffe

// CAFFE_THROW_AS(Type, parts...) throws caffe::Type (an Error subclass) with the parts
// concatenated; CAFFE_THROW(parts...) throws a plain caffe::Error.
#define CAFFE_THROW_AS(Type, ...) throw ::caffe::Type(::caffe::str_cat(__VA_ARGS__))
#define CAFFE_THROW(...) CAFFE_THROW_AS(Error, __VA_ARGS__)
// CAFFE_ENFORCE(cond, parts...) throws caffe::Error when cond is false;
// CAFFE_ENFORCE_AS(Type, cond, parts...) throws caffe::Type.
#define CAFFE_ENFORCE(cond, ...) \
  do { if (!(cond)) CAFFE_THROW_AS(Error, __VA_ARGS__); } while (0)
#define CAFFE_ENFORCE_AS(Type, cond, ...) \
  do { if (!(cond)) CAFFE_THROW_AS(Type, __VA_ARGS__); } while (0)
// For internal invariants: names the file and line, since it means a bug here.
#define CAFFE_ASSERT(cond) \
  CAFFE_ENFORCE(cond, __FILE__, ":", __LINE__, ": internal check failed: " #cond)
