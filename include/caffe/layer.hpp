// Layer: the unit of computation. A layer reads its bottom blobs, writes its top
// blobs, owns its learnable parameter blobs, and computes gradients in Backward.
// Subclasses implement LayerSetUp (one-time checks and parameter creation), Reshape
// (top shapes from bottom shapes), Forward_cpu/Backward_cpu and, in CUDA builds,
// Forward_gpu/Backward_gpu (which default to the CPU versions).
#pragma once

#include <string>
#include <vector>

#include "caffe/blob.hpp"
#include "caffe/common.hpp"
#include "caffe/proto/caffe.pb.h"
#include "caffe/util/math_functions.hpp"

namespace caffe {

template <typename Dtype>
class Layer {
 public:
  explicit Layer(const LayerParameter& param);
  virtual ~Layer() = default;

  // Checks blob counts, runs LayerSetUp and Reshape, and records loss weights.
  void SetUp(const vector<Blob<Dtype>*>& bottom, const vector<Blob<Dtype>*>& top);

  virtual void LayerSetUp(const vector<Blob<Dtype>*>& bottom, const vector<Blob<Dtype>*>& top) {}
  virtual void Reshape(const vector<Blob<Dtype>*>& bottom, const vector<Blob<Dtype>*>& top) = 0;

  // Runs the forward pass in the current mode; returns the weighted loss.
  Dtype Forward(const vector<Blob<Dtype>*>& bottom, const vector<Blob<Dtype>*>& top);
  // Fills bottom diffs (where propagate_down says so) and parameter diffs.
  void Backward(const vector<Blob<Dtype>*>& top, const vector<bool>& propagate_down,
                const vector<Blob<Dtype>*>& bottom);

  vector<shared_ptr<Blob<Dtype>>>& blobs() { return blobs_; }
  const LayerParameter& layer_param() const { return layer_param_; }
  const std::string& name() const { return layer_param_.name(); }
  virtual void ToProto(LayerParameter* param, bool write_diff = false);

  Dtype loss(int top_index) const {
    return top_index < static_cast<int>(loss_.size()) ? loss_[top_index] : Dtype(0);
  }
  void set_loss(int top_index, Dtype value) {
    if (static_cast<int>(loss_.size()) <= top_index) loss_.resize(top_index + 1, Dtype(0));
    loss_[top_index] = value;
  }

  virtual const char* type() const { return ""; }
  // The engine the CPU passes run on: "CAFFE" (the portable passes) or, for layers with a
  // oneDNN engine, "DNNL:<the implementation oneDNN chose>".
  virtual std::string cpu_engine() const { return "CAFFE"; }

  // Blob-count contracts; -1 means "no constraint".
  virtual int ExactNumBottomBlobs() const { return -1; }
  virtual int MinBottomBlobs() const { return -1; }
  virtual int MaxBottomBlobs() const { return -1; }
  virtual int ExactNumTopBlobs() const { return -1; }
  virtual int MinTopBlobs() const { return -1; }
  virtual int MaxTopBlobs() const { return -1; }
  virtual bool EqualNumBottomTopBlobs() const { return false; }
  // Whether the Net should create anonymous tops when the prototxt names too few.
  virtual bool AutoTopBlobs() const { return false; }
  // Whether gradients may flow to bottom i (false e.g. for labels).
  virtual bool AllowForceBackward(int bottom_index) const { return true; }
  // Whether a top may be one of the bottoms (in-place computation). Layers whose passes
  // read an input while writing the output over it say false, and SetUp refuses such a
  // definition. Independently, SetUp refuses any layer whose Reshape changed the shape of
  // a bottom that is also its top.
  virtual bool AllowInPlace() const { return true; }

  bool param_propagate_down(int param_id) const {
    return param_id < static_cast<int>(param_propagate_down_.size()) &&
           param_propagate_down_[param_id];
  }
  void set_param_propagate_down(int param_id, bool value) {
    if (static_cast<int>(param_propagate_down_.size()) <= param_id)
      param_propagate_down_.resize(param_id + 1, true);
    param_propagate_down_[param_id] = value;
  }

  // Sets the phase in the layer parameter (used by Net for shared test nets).
  void set_phase(Phase phase) { layer_param_.set_phase(phase); }
  Phase phase() const { return layer_param_.phase(); }

 protected:
  virtual void Forward_cpu(const vector<Blob<Dtype>*>& bottom, const vector<Blob<Dtype>*>& top) = 0;
  virtual void Forward_gpu(const vector<Blob<Dtype>*>& bottom, const vector<Blob<Dtype>*>& top) {
    Forward_cpu(bottom, top);
  }
  virtual void Backward_cpu(const vector<Blob<Dtype>*>& top, const vector<bool>& propagate_down,
                            const vector<Blob<Dtype>*>& bottom) = 0;
  virtual void Backward_gpu(const vector<Blob<Dtype>*>& top, const vector<bool>& propagate_down,
                            const vector<Blob<Dtype>*>& bottom) {
    Backward_cpu(top, propagate_down, bottom);
  }

  // "layer 'name' (Type): " -- the prefix of every error message a layer raises.
  std::string where() const;
  virtual void CheckBlobCounts(const vector<Blob<Dtype>*>& bottom, const vector<Blob<Dtype>*>& top);
  void SetLossWeights(const vector<Blob<Dtype>*>& top);

  LayerParameter layer_param_;
  vector<shared_ptr<Blob<Dtype>>> blobs_;
  vector<bool> param_propagate_down_;
  vector<Dtype> loss_;
};

// Throws a ShapeError naming the layer when cond is false.
#define LAYER_ENFORCE(cond, ...) \
  CAFFE_ENFORCE_AS(ShapeError, cond, this->where(), __VA_ARGS__)

}  // namespace caffe
