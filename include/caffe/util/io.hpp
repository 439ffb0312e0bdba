// Reading and writing protobuf messages as text (prototxt) and binary (caffemodel,
// solverstate, binaryproto). Failures raise FileError / ParseError naming the file and,
// for text, the line and column. Binary writes go to a temporary file that is renamed
// into place, so an interrupted write never leaves a truncated file behind.
#pragma once

#include <string>

#include <google/protobuf/message.h>

#include "caffe/common.hpp"

namespace caffe {

using google::protobuf::Message;

// Parses prototxt text; `origin` names where it came from in error messages.
void ParseProtoFromText(const std::string& text, Message* proto, const std::string& origin);
void ReadProtoFromTextFile(const std::string& filename, Message* proto);
void WriteProtoToTextFile(const Message& proto, const std::string& filename);
void ReadProtoFromBinaryFile(const std::string& filename, Message* proto);
void WriteProtoToBinaryFile(const Message& proto, const std::string& filename);
// Writes `contents` to filename through a temporary file beside it
// ("<filename>.tmp-<pid>"), synced to disk and renamed over filename; the directory is
// then synced too. On any failure (a full disk, a size limit, ...) the temporary file is
// removed, filename keeps its old contents (or stays absent) and FileError names the
// file and the system's reason.
void WriteFileAtomically(const std::string& filename, const std::string& contents);
// Deletes the temporary files that WriteFileAtomically left behind when its process was
// killed mid-write: names "<prefix>...tmp-<pid>" in prefix's directory whose process no
// longer runs. Returns how many were removed (each is logged).
int RemoveStaleTemporaryFiles(const std::string& prefix);
bool FileExists(const std::string& filename);

}  // namespace caffe
