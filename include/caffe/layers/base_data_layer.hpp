// Data layers: layers with no bottoms whose tops are a batch of inputs ("data") and,
// optionally, their labels ("label").
//
// BaseDataLayer holds the DataTransformer (transform_param). BasePrefetchingDataLayer
// loads batches on a background thread into a ring of `data_param.prefetch` batches
// (default 4; 0 loads synchronously inside Forward). Forward hands out the next loaded
// batch and records how long it had to wait for it (wait_seconds()). An error on the
// loading thread (a missing or corrupt image, a bad record) is stored and re-thrown, with
// its original type, from the Forward that would have received the failed batch; the
// thread never takes the process down. The destructor stops and joins the thread.
#pragma once

#include <atomic>
#include <condition_variable>
#include <deque>
#include <exception>
#include <memory>
#include <mutex>
#include <thread>
#include <vector>

#include "caffe/blob.hpp"
#include "caffe/data_transformer.hpp"
#include "caffe/layer.hpp"

namespace caffe {

template <typename Dtype>
class BaseDataLayer : public Layer<Dtype> {
 public:
  explicit BaseDataLayer(const LayerParameter& param) : Layer<Dtype>(param) {}
  // Creates the transformer, then calls DataLayerSetUp.
  void LayerSetUp(const vector<Blob<Dtype>*>& bottom, const vector<Blob<Dtype>*>& top) override;
  virtual void DataLayerSetUp(const vector<Blob<Dtype>*>& bottom,
                              const vector<Blob<Dtype>*>& top) = 0;
  // Tops are shaped in LayerSetUp and by Forward, never by Reshape.
  void Reshape(const vector<Blob<Dtype>*>&, const vector<Blob<Dtype>*>&) override {}
  int ExactNumBottomBlobs() const override { return 0; }
  int MinTopBlobs() const override { return 1; }
  int MaxTopBlobs() const override { return 2; }

 protected:
  void Backward_cpu(const vector<Blob<Dtype>*>&, const vector<bool>&,
                    const vector<Blob<Dtype>*>&) override {}

  std::unique_ptr<DataTransformer<Dtype>> data_transformer_;
  bool output_labels_ = false;
};

template <typename Dtype>
struct Batch {
  Blob<Dtype> data_, label_;
};

template <typename Dtype>
class BasePrefetchingDataLayer : public BaseDataLayer<Dtype> {
 public:
  explicit BasePrefetchingDataLayer(const LayerParameter& param);
  ~BasePrefetchingDataLayer() override;
  // Shapes the prefetch batches like the tops and starts the loading thread.
  void LayerSetUp(const vector<Blob<Dtype>*>& bottom, const vector<Blob<Dtype>*>& top) override;

  // Seconds Forward has spent waiting for loaded batches, and the batches it handed out.
  double wait_seconds() const { return wait_seconds_; }
  long batches_served() const { return batches_served_; }
  int prefetch_depth() const { return static_cast<int>(prefetch_.size()); }

 protected:
  // Hands out a loaded batch (also in GPU mode: the tops' memory syncs to the device).
  void Forward_cpu(const vector<Blob<Dtype>*>& bottom, const vector<Blob<Dtype>*>& top) override;
  // Fills one batch; runs on the loading thread (or inside Forward when prefetch is 0).
  virtual void load_batch(Batch<Dtype>* batch) = 0;
  // Every concrete subclass calls this first in its destructor, so that load_batch never
  // runs on a half-destroyed object.
  void StopPrefetching();

 private:
  struct ThreadContext {  // what the loading thread takes over from the one that made it
    Caffe::Brew mode;
    int device, solver_count, solver_rank;
    uint64_t seed;
  };
  void ThreadEntry(ThreadContext context);
  std::vector<std::unique_ptr<Batch<Dtype>>> prefetch_;
  std::deque<Batch<Dtype>*> free_, full_;
  std::mutex mutex_;
  std::condition_variable cond_;
  std::thread thread_;
  bool stop_ = false;
  std::exception_ptr error_;
  double wait_seconds_ = 0;
  long batches_served_ = 0;
};

}  // namespace caffe
