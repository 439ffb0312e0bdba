#include "caffe/blob.hpp"

#include <algorithm>
#include <climits>
#include <sstream>

#include "caffe/util/blob_proto.hpp"
#include "caffe/util/math_functions.hpp"

namespace caffe {

namespace {
std::string dims_string(const vector<int64_t>& shape) {
  std::string s;
  for (int64_t d : shape) s += (s.empty() ? "" : " ") + std::to_string(d);
  return s;
}

// Throws a BlobShapeError unless a blob can take this shape: at most kMaxBlobAxes axes, no
// negative size, and at most INT_MAX elements -- counting only the non-zero sizes, so that
// the element count of any range of axes (Blob::count(start, end)) fits an int as well.
void check_shape(const vector<int64_t>& shape, const void* blob) {
  if (shape.size() > kMaxBlobAxes) {
    throw BlobShapeError(str_cat("shape (", dims_string(shape), ") has ", shape.size(),
                                 " axes; a blob has at most ", kMaxBlobAxes), blob);
  }
  int64_t count = 1;
  for (size_t i = 0; i < shape.size(); ++i) {
    if (shape[i] < 0) {
      throw BlobShapeError(str_cat("shape (", dims_string(shape), ") has the negative size ",
                                   shape[i], " on axis ", i), blob);
    }
    if (shape[i] == 0) continue;
    if (shape[i] > INT_MAX || count > INT_MAX / shape[i]) {
      throw BlobShapeError(str_cat("shape (", dims_string(shape), ") has more than ", INT_MAX,
                                   " elements, the most a blob can hold"), blob);
    }
    count *= shape[i];
  }
}
}  // namespace

template <typename Dtype>
void Blob<Dtype>::Reshape(const vector<int>& shape) {
  // Layers reshape their tops on every forward pass: when nothing changes, nothing is
  // written, so that a thread reading the shape (pycaffe making a view of blob.data while
  // another thread runs the net) does not race with one. (A new blob has no axes and no
  // elements: reshaping it to a scalar, no axes and one element, is a change.)
  if (data_ && shape == shape_) {
    int64_t count = 1;
    for (int d : shape) count *= d;
    if (count == count_) return;
  }
  check_shape(vector<int64_t>(shape.begin(), shape.end()), this);
  int64_t count = 1;
  for (int d : shape) count *= d;
  shape_ = shape;
  count_ = static_cast<int>(count);
  // Memory is reallocated when the blob grows; also when it shrinks while neither buffer
  // was ever used (so nothing is allocated yet), so that a shape tried and given up, e.g.
  // one refused as too large for memory, is not kept as the blob's capacity.
  const bool unused = data_ && data_->head() == SyncedMemory::UNINITIALIZED &&
                      diff_->head() == SyncedMemory::UNINITIALIZED;
  if (static_cast<size_t>(count_) > capacity_ || !data_ ||
      (unused && data_->size() > static_cast<size_t>(count_) * sizeof(Dtype))) {
    capacity_ = count_;
    data_ = std::make_shared<SyncedMemory>(capacity_ * sizeof(Dtype));
    diff_ = std::make_shared<SyncedMemory>(capacity_ * sizeof(Dtype));
  }
}

template <typename Dtype>
void Blob<Dtype>::Reshape(const BlobShape& shape) {
  const vector<int64_t> dims(shape.dim().begin(), shape.dim().end());
  check_shape(dims, this);
  Reshape(vector<int>(dims.begin(), dims.end()));
}

template <typename Dtype>
void Blob<Dtype>::Reshape(int num, int channels, int height, int width) {
  Reshape(vector<int>{num, channels, height, width});
}

template <typename Dtype>
std::string Blob<Dtype>::shape_string() const {
  std::ostringstream os;
  for (int d : shape_) os << d << " ";
  os << "(" << count_ << ")";
  return os.str();
}

template <typename Dtype>
int Blob<Dtype>::count(int start_axis, int end_axis) const {
  CAFFE_ENFORCE_AS(ShapeError, 0 <= start_axis && start_axis <= end_axis && end_axis <= num_axes(),
                   "axis range [", start_axis, ", ", end_axis, ") is invalid for a blob with ",
                   num_axes(), " axes");
  int c = 1;
  for (int i = start_axis; i < end_axis; ++i) c *= shape_[i];
  return c;
}

template <typename Dtype>
int Blob<Dtype>::CanonicalAxisIndex(int axis_index) const {
  CAFFE_ENFORCE_AS(ShapeError, axis_index >= -num_axes() && axis_index < num_axes(),
                   "axis ", axis_index, " is out of range for a blob of shape ", shape_string(),
                   " with ", num_axes(), " axes");
  return axis_index < 0 ? axis_index + num_axes() : axis_index;
}

template <typename Dtype>
int Blob<Dtype>::LegacyShape(int index) const {
  CAFFE_ENFORCE_AS(ShapeError, num_axes() <= 4,
                   "num/channels/height/width need a blob of at most 4 axes, this one is ",
                   shape_string());
  if (index >= num_axes() || index < -num_axes()) return 1;
  return shape(index);
}

template <typename Dtype>
int Blob<Dtype>::offset(int n, int c, int h, int w) const {
  return ((n * channels() + c) * height() + h) * width() + w;
}

template <typename Dtype>
int Blob<Dtype>::offset(const vector<int>& indices) const {
  CAFFE_ENFORCE_AS(ShapeError, indices.size() <= shape_.size(), "too many indices for blob ",
                   shape_string());
  int off = 0;
  for (int i = 0; i < num_axes(); ++i) {
    off *= shape_[i];
    if (i < static_cast<int>(indices.size())) off += indices[i];
  }
  return off;
}

template <typename Dtype>
void Blob<Dtype>::CopyFrom(const Blob& source, bool copy_diff, bool reshape) {
  if (source.count() != count_ || source.shape() != shape_) {
    CAFFE_ENFORCE_AS(ShapeError, reshape, "cannot copy a blob of shape ", source.shape_string(),
                     " into one of shape ", shape_string());
    ReshapeLike(source);
  }
  const Dtype* src;
  Dtype* dst;
  if (Caffe::mode() == Caffe::GPU) {
    src = copy_diff ? source.gpu_diff() : source.gpu_data();
    dst = copy_diff ? mutable_gpu_diff() : mutable_gpu_data();
  } else {
    src = copy_diff ? source.cpu_diff() : source.cpu_data();
    dst = copy_diff ? mutable_cpu_diff() : mutable_cpu_data();
  }
  caffe_copy(count_, src, dst);
}

template <typename Dtype>
const Dtype* Blob<Dtype>::cpu_data() const {
  CAFFE_ASSERT(data_);
  return static_cast<const Dtype*>(data_->cpu_data());
}
template <typename Dtype>
void Blob<Dtype>::set_cpu_data(Dtype* data) {
  CAFFE_ASSERT(data_);
  size_t size = count_ * sizeof(Dtype);
  // Keep the diff valid if the data memory was shared in.
  if (data_->size() != size) {
    data_ = std::make_shared<SyncedMemory>(size);
    diff_ = std::make_shared<SyncedMemory>(size);
  }
  data_->set_cpu_data(data);
}
template <typename Dtype>
const Dtype* Blob<Dtype>::gpu_data() const {
  CAFFE_ASSERT(data_);
  return static_cast<const Dtype*>(data_->gpu_data());
}
template <typename Dtype>
void Blob<Dtype>::set_gpu_data(Dtype* data) {
  CAFFE_ASSERT(data_);
  size_t size = count_ * sizeof(Dtype);
  if (data_->size() != size) {
    data_ = std::make_shared<SyncedMemory>(size);
    diff_ = std::make_shared<SyncedMemory>(size);
  }
  data_->set_gpu_data(data);
}
template <typename Dtype>
const Dtype* Blob<Dtype>::cpu_diff() const {
  CAFFE_ASSERT(diff_);
  return static_cast<const Dtype*>(diff_->cpu_data());
}
template <typename Dtype>
const Dtype* Blob<Dtype>::gpu_diff() const {
  CAFFE_ASSERT(diff_);
  return static_cast<const Dtype*>(diff_->gpu_data());
}
template <typename Dtype>
Dtype* Blob<Dtype>::mutable_cpu_data() {
  CAFFE_ASSERT(data_);
  return static_cast<Dtype*>(data_->mutable_cpu_data());
}
template <typename Dtype>
Dtype* Blob<Dtype>::mutable_gpu_data() {
  CAFFE_ASSERT(data_);
  return static_cast<Dtype*>(data_->mutable_gpu_data());
}
template <typename Dtype>
Dtype* Blob<Dtype>::mutable_cpu_diff() {
  CAFFE_ASSERT(diff_);
  return static_cast<Dtype*>(diff_->mutable_cpu_data());
}
template <typename Dtype>
Dtype* Blob<Dtype>::mutable_gpu_diff() {
  CAFFE_ASSERT(diff_);
  return static_cast<Dtype*>(diff_->mutable_gpu_data());
}

template <typename Dtype>
void Blob<Dtype>::ShareData(const Blob& other) {
  CAFFE_ENFORCE_AS(ShapeError, count_ == other.count(), "cannot share data of a blob of shape ",
                   other.shape_string(), " with one of shape ", shape_string());
  data_ = other.data();
}
template <typename Dtype>
void Blob<Dtype>::ShareDiff(const Blob& other) {
  CAFFE_ENFORCE_AS(ShapeError, count_ == other.count(), "cannot share diff of a blob of shape ",
                   other.shape_string(), " with one of shape ", shape_string());
  diff_ = other.diff();
}

template <typename Dtype>
bool Blob<Dtype>::head_on_gpu(const shared_ptr<SyncedMemory>& mem) const {
  return mem && (mem->head() == SyncedMemory::HEAD_AT_GPU ||
                 (mem->head() == SyncedMemory::SYNCED && Caffe::mode() == Caffe::GPU));
}

template <typename Dtype>
void Blob<Dtype>::Update() {
  if (!data_) return;
  if (head_on_gpu(data_)) {
#ifdef USE_CUDA
    caffe_gpu_axpy<Dtype>(count_, Dtype(-1), gpu_diff(), mutable_gpu_data());
#endif
  } else if (data_->head() != SyncedMemory::UNINITIALIZED) {
    caffe_axpy<Dtype>(count_, Dtype(-1), cpu_diff(), mutable_cpu_data());
  }
}

// A sum over the data or diff (`mem`), on the side that holds its latest values.
#define BLOB_REDUCTION(name, mem, gpu_call, cpu_expr)                        \
  template <typename Dtype>                                                    \
  Dtype Blob<Dtype>::name() const {                                            \
    if (!mem || mem->head() == SyncedMemory::UNINITIALIZED) return Dtype(0);  \
    if (head_on_gpu(mem)) {                                                    \
      Dtype r = 0;                                                             \
      gpu_call;                                                                \
      return r;                                                                \
    }                                                                          \
    return cpu_expr;                                                           \
  }
#ifdef USE_CUDA
#define GPU_OR_NOTHING(x) x
#else
#define GPU_OR_NOTHING(x) (void)0
#endif
BLOB_REDUCTION(asum_data, data_, GPU_OR_NOTHING(caffe_gpu_asum(count_, gpu_data(), &r)),
               caffe_cpu_asum(count_, cpu_data()))
BLOB_REDUCTION(asum_diff, diff_, GPU_OR_NOTHING(caffe_gpu_asum(count_, gpu_diff(), &r)),
               caffe_cpu_asum(count_, cpu_diff()))
BLOB_REDUCTION(sumsq_data, data_, GPU_OR_NOTHING(caffe_gpu_dot(count_, gpu_data(), gpu_data(), &r)),
               caffe_cpu_dot(count_, cpu_data(), cpu_data()))
BLOB_REDUCTION(sumsq_diff, diff_, GPU_OR_NOTHING(caffe_gpu_dot(count_, gpu_diff(), gpu_diff(), &r)),
               caffe_cpu_dot(count_, cpu_diff(), cpu_diff()))
#undef BLOB_REDUCTION

template <typename Dtype>
void Blob<Dtype>::scale_data(Dtype s) {
  if (!data_) return;
  if (head_on_gpu(data_)) {
    GPU_OR_NOTHING(caffe_gpu_scal(count_, s, mutable_gpu_data()));
  } else {
    caffe_scal(count_, s, mutable_cpu_data());
  }
}
template <typename Dtype>
void Blob<Dtype>::scale_diff(Dtype s) {
  if (!diff_) return;
  if (head_on_gpu(diff_)) {
    GPU_OR_NOTHING(caffe_gpu_scal(count_, s, mutable_gpu_diff()));
  } else {
    caffe_scal(count_, s, mutable_cpu_diff());
  }
}
#undef GPU_OR_NOTHING

std::vector<int64_t> StoredDims(const BlobProto& proto) {
  if (proto.has_num() || proto.has_channels() || proto.has_height() || proto.has_width())
    return {proto.num(), proto.channels(), proto.height(), proto.width()};
  return std::vector<int64_t>(proto.shape().dim().begin(), proto.shape().dim().end());
}

std::string StoredShapeString(const BlobProto& proto) {
  std::ostringstream os;
  int64_t count = 1;
  bool overflow = false;
  for (int64_t d : StoredDims(proto)) {
    os << d << " ";
    overflow = overflow || __builtin_mul_overflow(count, d, &count);
  }
  if (overflow) {
    os << "(more than 2^63 values)";
  } else {
    os << "(" << count << ")";
  }
  return os.str();
}

std::vector<int> StoredShape(const BlobProto& proto) {
  const std::vector<int64_t> dims = StoredDims(proto);
  CAFFE_ENFORCE_AS(FileError, dims.size() <= static_cast<size_t>(kMaxBlobAxes), "stored blob has ",
                   dims.size(), " axes; at most ", kMaxBlobAxes, " are supported");
  std::vector<int> shape;
  int64_t count = 1;
  for (int64_t d : dims) {
    CAFFE_ENFORCE_AS(FileError, d >= 0 && d <= INT_MAX, "stored blob shape ",
                     StoredShapeString(proto), " has a dimension outside [0, ", INT_MAX, "]");
    count *= d;
    CAFFE_ENFORCE_AS(FileError, count <= INT_MAX, "stored blob shape ", StoredShapeString(proto),
                     " has more than INT_MAX values");
    shape.push_back(static_cast<int>(d));
  }
  return shape;
}

template <typename Dtype>
bool Blob<Dtype>::ShapeEquals(const BlobProto& other) const {
  if (other.has_num() || other.has_channels() || other.has_height() || other.has_width()) {
    // Legacy 4-D blob protos: compare through the legacy accessors.
    return num_axes() <= 4 && LegacyShape(-4) == other.num() &&
           LegacyShape(-3) == other.channels() && LegacyShape(-2) == other.height() &&
           LegacyShape(-1) == other.width();
  }
  // Compared as stored (int64): a dimension beyond int range never equals one of ours.
  const auto& dims = other.shape().dim();
  return dims.size() == static_cast<int>(shape_.size()) &&
         std::equal(shape_.begin(), shape_.end(), dims.begin());
}

template <typename Dtype>
void Blob<Dtype>::FromProto(const BlobProto& proto, bool reshape) {
  // Everything is checked against the stored header before anything is allocated.
  const vector<int> shape = StoredShape(proto);
  if (!reshape) {
    CAFFE_ENFORCE_AS(ShapeError, ShapeEquals(proto), "stored blob has shape ",
                     StoredShapeString(proto), "; expected ", shape_string());
  }
  int64_t count = 1;
  for (int d : shape) count *= d;
  const bool doubles = proto.double_data_size() > 0;
  const int64_t values = doubles ? proto.double_data_size() : proto.data_size();
  CAFFE_ENFORCE_AS(FileError, values == count, "stored blob has ", values, " values; its shape ",
                   StoredShapeString(proto), " needs ", count);
  const bool double_diff = proto.double_diff_size() > 0;
  const int64_t diffs = double_diff ? proto.double_diff_size() : proto.diff_size();
  CAFFE_ENFORCE_AS(FileError, diffs == 0 || diffs == count, "stored blob has ", diffs,
                   " diff values; its shape ", StoredShapeString(proto), " needs ", count);
  if (reshape) Reshape(shape);
  Dtype* data = mutable_cpu_data();
  for (int i = 0; i < count_; ++i)
    data[i] = static_cast<Dtype>(doubles ? proto.double_data(i) : proto.data(i));
  if (diffs > 0) {
    Dtype* diff = mutable_cpu_diff();
    for (int i = 0; i < count_; ++i)
      diff[i] = static_cast<Dtype>(double_diff ? proto.double_diff(i) : proto.diff(i));
  }
}

template <typename Dtype>
void Blob<Dtype>::ToProto(BlobProto* proto, bool write_diff) const {
  proto->clear_shape();
  for (int d : shape_) proto->mutable_shape()->add_dim(d);
  proto->clear_data();
  proto->clear_diff();
  proto->clear_double_data();
  proto->clear_double_diff();
  const Dtype* data = cpu_data();
  if constexpr (std::is_same<Dtype, double>::value) {
    for (int i = 0; i < count_; ++i) proto->add_double_data(data[i]);
  } else {
    for (int i = 0; i < count_; ++i) proto->add_data(data[i]);
  }
  if (write_diff) {
    const Dtype* diff = cpu_diff();
    if constexpr (std::is_same<Dtype, double>::value) {
      for (int i = 0; i < count_; ++i) proto->add_double_diff(diff[i]);
    } else {
      for (int i = 0; i < count_; ++i) proto->add_diff(diff[i]);
    }
  }
}

INSTANTIATE_CLASS(Blob);

}  // namespace caffe
