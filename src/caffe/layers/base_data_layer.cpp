#include "caffe/layers/base_data_layer.hpp"

#include <chrono>
#include <cstring>

namespace caffe {

namespace {

// Old prototxts put scale / mean_file / crop_size / mirror in data_param or
// image_data_param; they count where transform_param does not set them.
template <typename LegacyParam>
void merge_legacy(const LegacyParam& legacy, TransformationParameter* t) {
  if (legacy.has_scale() && !t->has_scale()) t->set_scale(legacy.scale());
  if (legacy.has_mean_file() && !t->has_mean_file()) t->set_mean_file(legacy.mean_file());
  if (legacy.has_crop_size() && !t->has_crop_size()) t->set_crop_size(legacy.crop_size());
  if (legacy.has_mirror() && !t->has_mirror()) t->set_mirror(legacy.mirror());
}

}  // namespace

template <typename Dtype>
void BaseDataLayer<Dtype>::LayerSetUp(const vector<Blob<Dtype>*>& bottom,
                                      const vector<Blob<Dtype>*>& top) {
  output_labels_ = top.size() > 1;
  TransformationParameter* t = this->layer_param_.mutable_transform_param();
  merge_legacy(this->layer_param_.data_param(), t);
  merge_legacy(this->layer_param_.image_data_param(), t);
  data_transformer_.reset(new DataTransformer<Dtype>(*t, this->phase(), this->where()));
  data_transformer_->InitRand();
  DataLayerSetUp(bottom, top);
}

template <typename Dtype>
BasePrefetchingDataLayer<Dtype>::BasePrefetchingDataLayer(const LayerParameter& param)
    : BaseDataLayer<Dtype>(param) {
  const int depth = static_cast<int>(param.data_param().prefetch());
  for (int i = 0; i < std::max(depth, 1); ++i) prefetch_.emplace_back(new Batch<Dtype>());
}

template <typename Dtype>
BasePrefetchingDataLayer<Dtype>::~BasePrefetchingDataLayer() {
  StopPrefetching();
}

template <typename Dtype>
void BasePrefetchingDataLayer<Dtype>::StopPrefetching() {
  {
    std::lock_guard<std::mutex> lock(mutex_);
    stop_ = true;
  }
  cond_.notify_all();
  if (thread_.joinable()) thread_.join();
}

template <typename Dtype>
void BasePrefetchingDataLayer<Dtype>::LayerSetUp(const vector<Blob<Dtype>*>& bottom,
                                                 const vector<Blob<Dtype>*>& top) {
  BaseDataLayer<Dtype>::LayerSetUp(bottom, top);
  // Allocate host memory now, so the loading thread only fills it.
  for (auto& batch : prefetch_) {
    batch->data_.ReshapeLike(*top[0]);
    batch->data_.mutable_cpu_data();
    if (this->output_labels_) {
      batch->label_.ReshapeLike(*top[1]);
      batch->label_.mutable_cpu_data();
    }
    free_.push_back(batch.get());
  }
  if (this->layer_param_.data_param().prefetch() == 0) return;  // synchronous loading
  // The loading thread works in this thread's context: its mode, its device (a new thread
  // starts on CUDA device 0, whatever the net's device), its solver rank; and its own
  // generator state comes from this thread's, so seeds repeat.
  ThreadContext context;
  context.mode = Caffe::mode();
  context.device = Caffe::device();
  context.solver_count = Caffe::solver_count();
  context.solver_rank = Caffe::solver_rank();
  context.seed = Caffe::rng()();
  thread_ = std::thread(&BasePrefetchingDataLayer::ThreadEntry, this, context);
}

template <typename Dtype>
void BasePrefetchingDataLayer<Dtype>::ThreadEntry(ThreadContext context) {
  try {
    Caffe::set_random_seed(context.seed);
    Caffe::set_solver_count(context.solver_count);
    Caffe::set_solver_rank(context.solver_rank);
    if (context.mode == Caffe::GPU) {
      Caffe::set_device(context.device);
      Caffe::set_mode(Caffe::GPU);
    }
    while (true) {
      Batch<Dtype>* batch;
      {
        std::unique_lock<std::mutex> lock(mutex_);
        cond_.wait(lock, [this] { return stop_ || !free_.empty(); });
        if (stop_) return;
        batch = free_.front();
        free_.pop_front();
      }
      load_batch(batch);
      {
        std::lock_guard<std::mutex> lock(mutex_);
        full_.push_back(batch);
      }
      cond_.notify_all();
    }
  } catch (...) {
    {
      std::lock_guard<std::mutex> lock(mutex_);
      error_ = std::current_exception();
    }
    cond_.notify_all();
  }
}

template <typename Dtype>
void BasePrefetchingDataLayer<Dtype>::Forward_cpu(const vector<Blob<Dtype>*>&,
                                                  const vector<Blob<Dtype>*>& top) {
  using clock = std::chrono::steady_clock;
  const auto start = clock::now();
  Batch<Dtype>* batch;
  if (!thread_.joinable()) {
    // prefetch: 0 -- load here; all of it counts as waiting.
    if (error_) std::rethrow_exception(error_);
    batch = free_.front();
    try {
      load_batch(batch);
    } catch (...) {
      error_ = std::current_exception();
      throw;
    }
  } else {
    std::unique_lock<std::mutex> lock(mutex_);
    cond_.wait(lock, [this] { return !full_.empty() || error_; });
    if (full_.empty()) std::rethrow_exception(error_);
    batch = full_.front();
    full_.pop_front();
  }
  wait_seconds_ += std::chrono::duration<double>(clock::now() - start).count();
  top[0]->ReshapeLike(batch->data_);
  std::memcpy(top[0]->mutable_cpu_data(), batch->data_.cpu_data(),
              sizeof(Dtype) * batch->data_.count());
  if (this->output_labels_) {
    top[1]->ReshapeLike(batch->label_);
    std::memcpy(top[1]->mutable_cpu_data(), batch->label_.cpu_data(),
                sizeof(Dtype) * batch->label_.count());
  }
  ++batches_served_;
  if (thread_.joinable()) {
    {
      std::lock_guard<std::mutex> lock(mutex_);
      free_.push_back(batch);
    }
    cond_.notify_all();
  }
}

INSTANTIATE_CLASS(BaseDataLayer);
INSTANTIATE_CLASS(BasePrefetchingDataLayer);

}  // namespace caffe
