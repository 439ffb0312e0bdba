// convert_imageset: writes the images of a `path label` list file into a new LMDB (or,
// with -backend=leveldb, LevelDB) database of Datum records, as BVLC Caffe's tool does.
//   convert_imageset [flags] ROOTFOLDER/ LISTFILE DB_NAME
#include <gflags/gflags.h>

#include <algorithm>
#include <cstdio>
#include <iostream>
#include <random>

#include "caffe/common.hpp"
#include "caffe/util/db.hpp"
#include "caffe/util/image_io.hpp"

DEFINE_bool(gray, false, "Read the images as gray (one channel)");
DEFINE_bool(shuffle, false, "Shuffle the order of the images");
DEFINE_int64(seed, -1, "Random seed for -shuffle (default: a random one)");
DEFINE_string(backend, "lmdb", "The database backend: lmdb or leveldb");
DEFINE_int32(resize_width, 0, "Resize images to this width (with -resize_height)");
DEFINE_int32(resize_height, 0, "Resize images to this height (with -resize_width)");
DEFINE_bool(check_size, false, "Check that all images have the same size");
DEFINE_bool(encoded, false, "Store the images encoded (compressed) instead of raw pixels");
DEFINE_string(encode_type, "", "With -encoded: re-encode as this type (png, jpg, ...)");

int main(int argc, char** argv) {
  try {
    gflags::SetUsageMessage(
        "Converts a set of images to an LMDB or LevelDB database of Datum records.\n"
        "Usage:\n    convert_imageset [FLAGS] ROOTFOLDER/ LISTFILE DB_NAME\n"
        "LISTFILE has one `path label` line per image (paths relative to ROOTFOLDER; the\n"
        "label is the last token, so paths may contain spaces).");
    gflags::ParseCommandLineFlags(&argc, &argv, true);
    caffe::GlobalInit(&argc, &argv);
    if (argc != 4) {
      gflags::ShowUsageWithFlagsRestrict(argv[0], "tools/convert_imageset");
      return 1;
    }
    CAFFE_ENFORCE_AS(ParseError, FLAGS_backend == "lmdb" || FLAGS_backend == "leveldb",
                     "-backend=", FLAGS_backend, " is not supported; use lmdb or leveldb");
    CAFFE_ENFORCE_AS(ParseError, (FLAGS_resize_height > 0) == (FLAGS_resize_width > 0),
                     "give both -resize_height and -resize_width, or neither");
    const std::string root = argv[1], list = argv[2], db_name = argv[3];
    std::vector<caffe::ImageListEntry> lines = caffe::ReadImageList(list);
    CAFFE_ENFORCE_AS(FileError, !lines.empty(), "list file '", list, "' names no images");
    if (FLAGS_shuffle) {
      LOG(INFO) << "Shuffling data";
      std::mt19937_64 rng(FLAGS_seed >= 0 ? static_cast<uint64_t>(FLAGS_seed)
                                          : static_cast<uint64_t>(std::random_device{}()));
      std::shuffle(lines.begin(), lines.end(), rng);
    }
    LOG(INFO) << "A total of " << lines.size() << " images.";
    std::unique_ptr<caffe::DBWriter> writer = caffe::CreateDBWriter(FLAGS_backend, db_name);
    caffe::DBWriter& db = *writer;
    caffe::Datum datum;
    int count = 0, skipped = 0, data_size = -1;
    char key[32];
    for (size_t i = 0; i < lines.size(); ++i) {
      const std::string path = caffe::JoinRoot(root, lines[i].path);
      try {
        caffe::ReadImageToDatum(path, lines[i].label, FLAGS_resize_height, FLAGS_resize_width,
                                !FLAGS_gray, FLAGS_encoded, FLAGS_encode_type, &datum);
      } catch (const caffe::FileError& e) {
        LOG(WARNING) << "skipping list line " << lines[i].line << ": " << e.what();
        ++skipped;
        continue;
      }
      if (FLAGS_check_size) {
        const int size = datum.channels() * datum.height() * datum.width();
        if (data_size < 0) data_size = size;
        CAFFE_ENFORCE_AS(ShapeError, size == data_size, "-check_size: '", path,
                         "' (list line ", lines[i].line, ") is ", datum.channels(), " x ",
                         datum.height(), " x ", datum.width(), ", unlike the images before it");
      }
      std::snprintf(key, sizeof(key), "%08zu_", i);
      db.Put(key + lines[i].path, datum.SerializeAsString());
      if (++count % 1000 == 0) {
        db.Commit();
        LOG(INFO) << "Processed " << count << " files.";
      }
    }
    db.Commit();
    LOG(INFO) << "Processed " << count << " files.";
    if (skipped > 0) LOG(WARNING) << skipped << " images could not be read and were skipped.";
    CAFFE_ENFORCE_AS(FileError, count > 0, "none of the ", lines.size(),
                     " images in '", list, "' could be read");
  } catch (const std::exception& e) {
    std::cerr << "convert_imageset: " << e.what() << "\n";
    return 1;
  }
  return 0;
}
