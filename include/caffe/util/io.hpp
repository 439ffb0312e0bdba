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
// Writes `contents` to filename through a temporary file and an atomic rename.
void WriteFileAtomically(const std::string& filename, const std::string& contents);
bool FileExists(const std::string& filename);

}  // namespace caffe
