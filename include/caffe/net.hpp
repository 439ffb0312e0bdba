// Net: a directed acyclic graph of layers built from a NetParameter (prototxt).
// It upgrades old formats (V0/V1 layers, legacy inputs), applies the phase/level/stage rules, inserts Split layers
// where one blob feeds several layers, decides which layers need backward, shares
// parameters by name, and runs forward/backward over all layers or a range of them.
#pragma once

#include <functional>
#include <map>
#include <mutex>
#include <set>
#include <unordered_set>
#include <string>
#include <utility>
#include <vector>

#include "caffe/blob.hpp"
#include "caffe/common.hpp"
#include "caffe/layer.hpp"
#include "caffe/proto/caffe.pb.h"

namespace caffe {

template <typename Dtype>
class Net {
 public:
  explicit Net(const NetParameter& param);
  // Reads a prototxt file; phase, level and stages override the file's state.
  Net(const std::string& param_file, Phase phase, int level = 0,
      const vector<std::string>* stages = nullptr);
  Net(const Net&) = delete;
  Net& operator=(const Net&) = delete;

  // Runs layers [start, end] (inclusive); returns the summed loss.
  Dtype ForwardFromTo(int start, int end);
  Dtype ForwardFrom(int start) { return ForwardFromTo(start, static_cast<int>(layers_.size()) - 1); }
  Dtype ForwardTo(int end) { return ForwardFromTo(0, end); }
  const vector<Blob<Dtype>*>& Forward(Dtype* loss = nullptr);
  void BackwardFromTo(int start, int end);
  void BackwardFrom(int start) { BackwardFromTo(start, 0); }
  void BackwardTo(int end) { BackwardFromTo(static_cast<int>(layers_.size()) - 1, end); }
  void Backward() { BackwardFromTo(static_cast<int>(layers_.size()) - 1, 0); }
  // Propagates new input shapes through every layer.
  void Reshape();
  Dtype ForwardBackward() {
    std::lock_guard<std::recursive_mutex> lock(run_mutex_);  // one pass, never interleaved
    Dtype loss;
    Forward(&loss);
    Backward();
    return loss;
  }

  // Applies the diffs held in the learnable parameters (data -= diff).
  void Update();
  void ClearParamDiffs();
  // Makes shared parameters point at their owners' memory.
  void ShareWeights();

  // Uses other's parameter blobs (same memory) for every layer of the same name.
  void ShareTrainedLayersWith(const Net* other);
  void CopyTrainedLayersFrom(const NetParameter& param);
  void CopyTrainedLayersFrom(const std::string& trained_filename);
  void ToProto(NetParameter* param, bool write_diff = false) const;
  // Writes the weights as a binary .caffemodel (atomically).
  void Save(const std::string& filename) const;

  const std::string& name() const { return name_; }
  Phase phase() const { return phase_; }
  const vector<std::string>& layer_names() const { return layer_names_; }
  const vector<std::string>& blob_names() const { return blob_names_; }
  const vector<shared_ptr<Blob<Dtype>>>& blobs() const { return blobs_; }
  const vector<shared_ptr<Layer<Dtype>>>& layers() const { return layers_; }
  const vector<vector<Blob<Dtype>*>>& bottom_vecs() const { return bottom_vecs_; }
  const vector<vector<Blob<Dtype>*>>& top_vecs() const { return top_vecs_; }
  const vector<int>& top_ids(int i) const { return top_id_vecs_.at(i); }
  const vector<int>& bottom_ids(int i) const { return bottom_id_vecs_.at(i); }
  const vector<vector<bool>>& bottom_need_backward() const { return bottom_need_backward_; }
  const vector<Dtype>& blob_loss_weights() const { return blob_loss_weights_; }
  const vector<bool>& layer_need_backward() const { return layer_need_backward_; }
  const vector<shared_ptr<Blob<Dtype>>>& params() const { return params_; }
  const vector<Blob<Dtype>*>& learnable_params() const { return learnable_params_; }
  const vector<float>& params_lr() const { return params_lr_; }
  const vector<bool>& has_params_lr() const { return has_params_lr_; }
  const vector<float>& params_weight_decay() const { return params_weight_decay_; }
  const vector<bool>& has_params_decay() const { return has_params_decay_; }
  const std::map<std::string, int>& param_names_index() const { return param_names_index_; }
  const vector<int>& param_owners() const { return param_owners_; }
  // For each entry of params(): (layer index, index among that layer's blobs).
  const vector<std::pair<int, int>>& param_layer_indices() const { return param_layer_indices_; }
  const vector<std::string>& param_display_names() const { return param_display_names_; }
  int num_inputs() const { return static_cast<int>(net_input_blobs_.size()); }
  int num_outputs() const { return static_cast<int>(net_output_blobs_.size()); }
  const vector<Blob<Dtype>*>& input_blobs() const { return net_input_blobs_; }
  const vector<Blob<Dtype>*>& output_blobs() const { return net_output_blobs_; }
  const vector<int>& input_blob_indices() const { return net_input_blob_indices_; }
  const vector<int>& output_blob_indices() const { return net_output_blob_indices_; }
  bool has_blob(const std::string& name) const { return blob_names_index_.count(name) > 0; }
  // Throws when there is no such blob/layer.
  shared_ptr<Blob<Dtype>> blob_by_name(const std::string& name) const;
  bool has_layer(const std::string& name) const { return layer_names_index_.count(name) > 0; }
  shared_ptr<Layer<Dtype>> layer_by_name(const std::string& name) const;
  int layer_index(const std::string& name) const;

  void set_debug_info(bool value) { debug_info_ = value; }

  // The lock held while the net computes (run_mutex_), and also while its weights are
  // read into a proto or copied in and while hooks are added. A caller that needs several
  // calls to happen as one (the solver's iteration: clear the gradients, forward,
  // backward, update) holds it around them. Recursive.
  std::recursive_mutex& run_mutex() const { return run_mutex_; }

  // Functions called with a layer's index just before and just after its forward or
  // backward pass, in the order added (pycaffe's Net.before_forward etc.). The backward
  // ones run for every layer in the range, including layers that need no backward pass.
  using LayerHook = std::function<void(int layer_id)>;
  void add_before_forward(LayerHook hook) {
    std::lock_guard<std::recursive_mutex> lock(run_mutex_);
    before_forward_.push_back(std::move(hook));
  }
  void add_after_forward(LayerHook hook) {
    std::lock_guard<std::recursive_mutex> lock(run_mutex_);
    after_forward_.push_back(std::move(hook));
  }
  void add_before_backward(LayerHook hook) {
    std::lock_guard<std::recursive_mutex> lock(run_mutex_);
    before_backward_.push_back(std::move(hook));
  }
  void add_after_backward(LayerHook hook) {
    std::lock_guard<std::recursive_mutex> lock(run_mutex_);
    after_backward_.push_back(std::move(hook));
  }

  // Removes the layers whose include/exclude rules reject param.state().
  static void FilterNet(const NetParameter& param, NetParameter* filtered);
  static bool StateMeetsRule(const NetState& state, const NetStateRule& rule,
                             const std::string& layer_name);

 private:
  // Held while the net computes (forward, backward, reshape, update, clearing diffs): two
  // threads that share one net take turns instead of corrupting each other's buffers.
  mutable std::recursive_mutex run_mutex_;
  // Data buffers counted (blobs that share memory -- in-place tops, Split, shared
  // weights -- count once) and their bytes.
  struct MemoryCount {
    std::unordered_set<const SyncedMemory*> seen;
    size_t bytes = 0;
  };
  // Which blob each name refers to while the net is built, and which blobs no later layer
  // has consumed yet (those left at the end are the outputs).
  struct BlobWiring {
    std::map<std::string, int> index;
    std::set<std::string> available;
    MemoryCount memory;  // of the layers appended so far
  };
  // The phases of building a net, in the order Init runs them.
  void Init(const NetParameter& param);
  NetParameter Prepare(const NetParameter& in_param);
  void AppendLayer(const NetParameter& param, int layer_id, BlobWiring* wiring);
  void RecordLossWeights(int layer_id);
  bool AppendParams(const NetParameter& param, int layer_id);
  void SkipUnneededBackward(const NetParameter& param);
  void ForceBackward();
  void CollectOutputs(const BlobWiring& wiring);
  // Helpers of AppendLayer.
  void AppendTop(const NetParameter& param, int layer_id, int top_id, BlobWiring* wiring);
  int AppendBottom(const NetParameter& param, int layer_id, int bottom_id, BlobWiring* wiring);
  void AppendParam(const NetParameter& param, int layer_id, int param_id);
  // Resource limits (net_limits.cpp). LayerWhere: "layer 'name' (Type): ".
  std::string LayerWhere(int layer_id) const;
  // Called in a catch block around layer layer_id's set-up, reshape or passes: rethrows
  // the exception in flight with the layer named, because blobs and buffers do not know
  // whose they are. A blob's shape error (BlobShapeError) becomes a ShapeError that also
  // names the blob; a MemoryError or std::bad_alloc becomes a MemoryError. Any other
  // exception goes on unchanged.
  [[noreturn]] void RethrowNamingLayer(int layer_id) const;
  // Adds layer layer_id's tops and parameters to *count; throws a MemoryError naming the
  // layer and its largest blob when that brings the count past limit (HostMemoryLimit()).
  // Blobs are allocated when first used, so a net is refused before its outputs exist.
  void CountHostMemory(int layer_id, size_t limit, MemoryCount* count) const;
  // The index of the (*seen)[name]-th layer called name (counting from 0), or -1; counts
  // the occurrence. Weights are matched to layers by name and occurrence.
  int NthLayerNamed(const std::string& name, std::map<std::string, int>* seen) const;

  std::string name_;
  Phase phase_ = TRAIN;
  vector<shared_ptr<Layer<Dtype>>> layers_;
  vector<std::string> layer_names_;
  std::map<std::string, int> layer_names_index_;
  vector<bool> layer_need_backward_;
  vector<shared_ptr<Blob<Dtype>>> blobs_;
  vector<std::string> blob_names_;
  std::map<std::string, int> blob_names_index_;
  vector<bool> blob_need_backward_;
  vector<vector<Blob<Dtype>*>> bottom_vecs_;
  vector<vector<int>> bottom_id_vecs_;
  vector<vector<bool>> bottom_need_backward_;
  vector<vector<Blob<Dtype>*>> top_vecs_;
  vector<vector<int>> top_id_vecs_;
  vector<Dtype> blob_loss_weights_;
  vector<vector<int>> param_id_vecs_;
  vector<int> param_owners_;
  vector<std::string> param_display_names_;
  vector<std::pair<int, int>> param_layer_indices_;
  std::map<std::string, int> param_names_index_;
  vector<int> net_input_blob_indices_;
  vector<int> net_output_blob_indices_;
  vector<Blob<Dtype>*> net_input_blobs_;
  vector<Blob<Dtype>*> net_output_blobs_;
  vector<shared_ptr<Blob<Dtype>>> params_;
  vector<Blob<Dtype>*> learnable_params_;
  vector<int> learnable_param_ids_;
  vector<float> params_lr_;
  vector<bool> has_params_lr_;
  vector<float> params_weight_decay_;
  vector<bool> has_params_decay_;
  bool debug_info_ = false;
  vector<LayerHook> before_forward_, after_forward_, before_backward_, after_backward_;
};

// Turns legacy net inputs (`input:` with `input_shape` or `input_dim`) into an
// Input layer at the front (one of the upgrades of util/upgrade_proto.hpp).
void UpgradeNetInputs(NetParameter* param);
// Inserts Split layers for blobs read by more than one layer.
void InsertSplits(const NetParameter& param, NetParameter* param_split);
std::string SplitBlobName(const std::string& layer_name, const std::string& blob_name,
                          int blob_idx, int split_idx);

}  // namespace caffe
