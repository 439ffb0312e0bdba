// Image files and Datum records: reading `path label` list files, decoding and resizing
// images with OpenCV, and converting between cv::Mat and Datum. Every failure raises
// FileError / ParseError naming the file (and, for list files, the line).
#pragma once

#include <string>
#include <vector>

#include <opencv2/core.hpp>

#include "caffe/common.hpp"
#include "caffe/proto/caffe.pb.h"

namespace caffe {

// One line of a list file: an image path (may contain spaces) and an integer label.
struct ImageListEntry {
  std::string path;
  int label = 0;
  int line = 0;  // 1-based line number in the list file
};

// Parses a list file of `path label` lines: the label is the last whitespace-separated
// token, everything before it is the path. Blank lines are skipped.
std::vector<ImageListEntry> ReadImageList(const std::string& list_file);

// Joins root_folder and path (adding '/' when root_folder does not end with one).
std::string JoinRoot(const std::string& root_folder, const std::string& path);

// Reads an image as 8-bit BGR (is_color) or gray; resizes when height and width are > 0.
// Throws FileError when the file is missing or cannot be decoded.
cv::Mat ReadImageToCVMat(const std::string& filename, int height = 0, int width = 0,
                         bool is_color = true);

std::string ReadFileToString(const std::string& filename);

// Decodes an encoded Datum. color: 1 = force 3 channels, 0 = force gray, -1 = as stored.
cv::Mat DecodeDatumToCVMat(const Datum& datum, int color);

// Stores an 8-bit image as raw CHW bytes in datum (channels, height, width, data).
void CVMatToDatum(const cv::Mat& img, Datum* datum);

// Reads an image file into datum. With encode_type empty and no resize/gray change
// requested, `encoded` stores the file's own bytes; otherwise the image is decoded,
// resized and (when encoded) re-encoded as encode_type ("png", "jpg", ...).
void ReadImageToDatum(const std::string& filename, int label, int height, int width,
                      bool is_color, bool encoded, const std::string& encode_type,
                      Datum* datum);

}  // namespace caffe
