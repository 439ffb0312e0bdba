// The shape a stored BlobProto states -- its `shape`, or, when that is absent, the legacy
// num / channels / height / width -- read and checked without allocating the blob, so that
// a corrupt file claiming billions of values is refused from its header.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "caffe/proto/caffe.pb.h"

namespace caffe {

// The dimensions as stored, unchecked.
std::vector<int64_t> StoredDims(const BlobProto& proto);
// "d0 d1 ... (count)", as Blob::shape_string writes a blob's shape, for messages.
std::string StoredShapeString(const BlobProto& proto);
// The dimensions as a blob's shape; throws FileError when a blob cannot have them (more
// than kMaxBlobAxes axes, a dimension outside [0, INT_MAX], more than INT_MAX values).
std::vector<int> StoredShape(const BlobProto& proto);

}  // namespace caffe
