// Blob: an N-dimensional array of Dtype with a gradient ("diff") of the same shape,
// each stored in a SyncedMemory that moves between host and device on demand.
#pragma once

#include <climits>
#include <memory>
#include <string>
#include <vector>

#include "caffe/common.hpp"
#include "caffe/proto/caffe.pb.h"
#include "caffe/syncedmem.hpp"

namespace caffe {

constexpr int kMaxBlobAxes = 32;

// Blobs held by a shared_ptr (every blob of a Net) can hand out further shared_ptrs to
// themselves; pycaffe relies on it to give a Python layer its bottoms and tops.
template <typename Dtype>
class Blob : public std::enable_shared_from_this<Blob<Dtype>> {
 public:
  Blob() = default;
  explicit Blob(const vector<int>& shape) { Reshape(shape); }
  // Legacy 4-D constructor (num, channels, height, width).
  Blob(int num, int channels, int height, int width) { Reshape(num, channels, height, width); }
  Blob(const Blob&) = delete;
  Blob& operator=(const Blob&) = delete;

  // Changes the shape; memory is reallocated only when the blob grows.
  void Reshape(const vector<int>& shape);
  void Reshape(const BlobShape& shape);
  void Reshape(int num, int channels, int height, int width);
  void ReshapeLike(const Blob& other) { Reshape(other.shape()); }

  std::string shape_string() const;
  const vector<int>& shape() const { return shape_; }
  // Size of one axis; a negative index counts from the end.
  int shape(int index) const { return shape_[CanonicalAxisIndex(index)]; }
  int num_axes() const { return static_cast<int>(shape_.size()); }
  int count() const { return count_; }
  // Product of the sizes of axes [start, end).
  int count(int start_axis, int end_axis) const;
  int count(int start_axis) const { return count(start_axis, num_axes()); }
  // Maps an axis index in [-num_axes, num_axes) to [0, num_axes); throws otherwise.
  int CanonicalAxisIndex(int axis_index) const;

  // Legacy accessors for 4-D blobs (axes past the end count as size 1).
  int num() const { return LegacyShape(0); }
  int channels() const { return LegacyShape(1); }
  int height() const { return LegacyShape(2); }
  int width() const { return LegacyShape(3); }
  int LegacyShape(int index) const;

  int offset(int n, int c = 0, int h = 0, int w = 0) const;
  int offset(const vector<int>& indices) const;

  // Copies data (or, with copy_diff, diff) from source; reshapes when asked to.
  void CopyFrom(const Blob& source, bool copy_diff = false, bool reshape = false);

  Dtype data_at(int n, int c, int h, int w) const { return cpu_data()[offset(n, c, h, w)]; }
  Dtype diff_at(int n, int c, int h, int w) const { return cpu_diff()[offset(n, c, h, w)]; }

  const shared_ptr<SyncedMemory>& data() const { return data_; }
  const shared_ptr<SyncedMemory>& diff() const { return diff_; }

  const Dtype* cpu_data() const;
  void set_cpu_data(Dtype* data);
  const Dtype* gpu_data() const;
  void set_gpu_data(Dtype* data);
  const Dtype* cpu_diff() const;
  const Dtype* gpu_diff() const;
  Dtype* mutable_cpu_data();
  Dtype* mutable_gpu_data();
  Dtype* mutable_cpu_diff();
  Dtype* mutable_gpu_diff();

  // data -= diff (the parameter update), on whichever side holds the newest copy.
  void Update();
  void FromProto(const BlobProto& proto, bool reshape = true);
  void ToProto(BlobProto* proto, bool write_diff = false) const;

  Dtype asum_data() const;
  Dtype asum_diff() const;
  Dtype sumsq_data() const;
  Dtype sumsq_diff() const;
  void scale_data(Dtype scale_factor);
  void scale_diff(Dtype scale_factor);

  // Makes this blob use other's data (or diff) memory; shapes must have equal counts.
  void ShareData(const Blob& other);
  void ShareDiff(const Blob& other);

  bool ShapeEquals(const BlobProto& other) const;

 private:
  // true when the newest copy is on the device, i.e. device math should be used.
  bool head_on_gpu(const shared_ptr<SyncedMemory>& mem) const;

  // Never null: a blob not yet shaped holds no values, like any other empty blob (layers
  // reshape helper blobs only when their size changes, so at size 0 they may never do).
  shared_ptr<SyncedMemory> data_ = std::make_shared<SyncedMemory>();
  shared_ptr<SyncedMemory> diff_ = std::make_shared<SyncedMemory>();
  vector<int> shape_;
  int count_ = 0;
  size_t capacity_ = 0;
};

}  // namespace caffe
