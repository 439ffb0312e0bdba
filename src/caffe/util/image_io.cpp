#include "caffe/util/image_io.hpp"

#include <cerrno>
#include <cstring>
#include <fstream>
#include <sstream>

#include <opencv2/imgcodecs.hpp>
#include <opencv2/imgproc.hpp>

#include "caffe/util/io.hpp"

namespace caffe {

namespace {

const char* kSpace = " \t\r\n\v\f";

std::string lower_extension(const std::string& filename) {
  const size_t slash = filename.find_last_of('/');
  const size_t dot = filename.find_last_of('.');
  if (dot == std::string::npos || (slash != std::string::npos && dot < slash)) return "";
  std::string ext = filename.substr(dot + 1);
  for (char& c : ext) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return ext == "jpeg" ? "jpg" : ext;
}

cv::Mat resize_if_asked(const cv::Mat& img, int height, int width) {
  if (height <= 0 || width <= 0 || (img.rows == height && img.cols == width)) return img;
  cv::Mat out;
  cv::resize(img, out, cv::Size(width, height), 0, 0, cv::INTER_LINEAR);
  return out;
}

// DICOM: a 128-byte preamble, then "DICM". Debian's OpenCV reads DICOM through GDCM, which
// calls abort() on some malformed files (found by fuzz/image): such files are refused here,
// before OpenCV sees them, so that a bad file in a data set is an error, not a dead process.
bool looks_like_dicom(const char* bytes, size_t size) {
  return size >= 132 && std::memcmp(bytes + 128, "DICM", 4) == 0;
}

}  // namespace

std::vector<ImageListEntry> ReadImageList(const std::string& list_file) {
  std::ifstream in(list_file);
  if (!in) CAFFE_THROW_AS(FileError, "cannot open list file '", list_file, "': ", std::strerror(errno));
  std::vector<ImageListEntry> entries;
  std::string line;
  for (int number = 1; std::getline(in, line); ++number) {
    const size_t end = line.find_last_not_of(kSpace);
    if (end == std::string::npos) continue;  // blank line
    line.erase(end + 1);
    const size_t begin = line.find_first_not_of(kSpace);
    const size_t split = line.find_last_of(kSpace);
    CAFFE_ENFORCE_AS(ParseError, split != std::string::npos && split > begin, "list file '",
                     list_file, "' line ", number, ": expected 'path label', got '", line, "'");
    const std::string token = line.substr(split + 1);
    ImageListEntry e;
    size_t used = 0;
    try {
      e.label = std::stoi(token, &used);
    } catch (const std::exception&) {
      used = 0;
    }
    CAFFE_ENFORCE_AS(ParseError, used == token.size() && used > 0, "list file '", list_file,
                     "' line ", number, ": the label '", token, "' is not an integer");
    const size_t path_end = line.find_last_not_of(kSpace, split);
    e.path = line.substr(begin, path_end + 1 - begin);
    e.line = number;
    entries.push_back(std::move(e));
  }
  CAFFE_ENFORCE_AS(FileError, !in.bad(), "error reading list file '", list_file, "'");
  return entries;
}

std::string JoinRoot(const std::string& root_folder, const std::string& path) {
  if (root_folder.empty() || (!path.empty() && path[0] == '/')) return path;
  return root_folder.back() == '/' ? root_folder + path : root_folder + "/" + path;
}

std::string ReadFileToString(const std::string& filename) {
  std::ifstream in(filename, std::ios::binary);
  if (!in) CAFFE_THROW_AS(FileError, "cannot open '", filename, "': ", std::strerror(errno));
  std::ostringstream ss;
  ss << in.rdbuf();
  CAFFE_ENFORCE_AS(FileError, !in.bad(), "error reading '", filename, "'");
  return ss.str();
}

cv::Mat ReadImageToCVMat(const std::string& filename, int height, int width, bool is_color) {
  CAFFE_ENFORCE_AS(FileError, FileExists(filename), "image '", filename, "' does not exist");
  {
    char head[132];
    std::ifstream in(filename, std::ios::binary);
    in.read(head, sizeof(head));
    CAFFE_ENFORCE_AS(FileError, !looks_like_dicom(head, static_cast<size_t>(in.gcount())),
                     "image '", filename, "' is a DICOM file, which is not supported");
  }
  cv::Mat img;
  try {
    img = cv::imread(filename, is_color ? cv::IMREAD_COLOR : cv::IMREAD_GRAYSCALE);
  } catch (const cv::Exception& e) {
    CAFFE_THROW_AS(FileError, "cannot decode image '", filename, "': ", e.what());
  }
  CAFFE_ENFORCE_AS(FileError, !img.empty(), "cannot decode image '", filename,
                   "' (not an image, truncated, or an unsupported format)");
  return resize_if_asked(img, height, width);
}

cv::Mat DecodeDatumToCVMat(const Datum& datum, int color) {
  CAFFE_ENFORCE_AS(FileError, datum.encoded(), "DecodeDatumToCVMat: the datum is not encoded");
  const std::string& bytes = datum.data();
  CAFFE_ENFORCE_AS(FileError, !looks_like_dicom(bytes.data(), bytes.size()),
                   "an encoded datum holds a DICOM file, which is not supported");
  cv::Mat buf(1, static_cast<int>(bytes.size()), CV_8U, const_cast<char*>(bytes.data()));
  const int flag = color > 0 ? cv::IMREAD_COLOR : color == 0 ? cv::IMREAD_GRAYSCALE
                                                             : cv::IMREAD_UNCHANGED;
  cv::Mat img;
  try {
    img = cv::imdecode(buf, flag);
  } catch (const cv::Exception& e) {
    CAFFE_THROW_AS(FileError, "cannot decode an encoded datum: ", e.what());
  }
  CAFFE_ENFORCE_AS(FileError, !img.empty(), "cannot decode an encoded datum of ", bytes.size(),
                   " bytes (corrupt or unsupported image data)");
  CAFFE_ENFORCE_AS(FileError, img.depth() == CV_8U, "encoded datum decodes to a ",
                   img.depth() == CV_16U ? "16-bit" : "non-8-bit", " image; only 8-bit is supported");
  return img;
}

void CVMatToDatum(const cv::Mat& img, Datum* datum) {
  CAFFE_ENFORCE_AS(ShapeError, img.depth() == CV_8U, "CVMatToDatum: expected an 8-bit image");
  const int C = img.channels(), H = img.rows, W = img.cols;
  datum->set_channels(C);
  datum->set_height(H);
  datum->set_width(W);
  datum->clear_float_data();
  datum->set_encoded(false);
  std::string buffer(static_cast<size_t>(C) * H * W, '\0');
  for (int h = 0; h < H; ++h) {
    const uchar* row = img.ptr<uchar>(h);
    for (int w = 0; w < W; ++w)
      for (int c = 0; c < C; ++c) buffer[(static_cast<size_t>(c) * H + h) * W + w] = row[w * C + c];
  }
  datum->set_data(std::move(buffer));
}

void ReadImageToDatum(const std::string& filename, int label, int height, int width,
                      bool is_color, bool encoded, const std::string& encode_type,
                      Datum* datum) {
  const cv::Mat img = ReadImageToCVMat(filename, height, width, is_color);
  datum->set_label(label);
  if (!encoded) {
    CVMatToDatum(img, datum);
    return;
  }
  const std::string ext = lower_extension(filename);
  const std::string type = encode_type.empty() ? ext : encode_type;
  CAFFE_ENFORCE_AS(FileError, !type.empty(), "cannot tell the image type of '", filename,
                   "' from its name; pass an encode_type such as png or jpg");
  // The stored bytes must decode to what was asked for: same size, same channel count.
  const cv::Mat original = cv::imread(filename, cv::IMREAD_UNCHANGED);
  const bool keep_bytes = type == ext && original.rows == img.rows && original.cols == img.cols &&
                          original.channels() == img.channels() && original.depth() == CV_8U;
  datum->clear_float_data();
  datum->set_channels(img.channels());
  datum->set_height(img.rows);
  datum->set_width(img.cols);
  datum->set_encoded(true);
  if (keep_bytes) {
    datum->set_data(ReadFileToString(filename));
    return;
  }
  std::vector<uchar> buf;
  bool ok = false;
  try {
    ok = cv::imencode("." + type, img, buf);
  } catch (const cv::Exception& e) {
    CAFFE_THROW_AS(FileError, "cannot encode '", filename, "' as ", type, ": ", e.what());
  }
  CAFFE_ENFORCE_AS(FileError, ok, "cannot encode '", filename, "' as ", type);
  datum->set_data(std::string(buf.begin(), buf.end()));
}

}  // namespace caffe
