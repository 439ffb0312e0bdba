#include "caffe/net.hpp"

#include <algorithm>

#include "caffe/layer_factory.hpp"
#include "caffe/util/blob_proto.hpp"
#include "caffe/util/hdf5.hpp"
#include "caffe/util/io.hpp"
#include "caffe/util/math_functions.hpp"
#include "caffe/util/upgrade_proto.hpp"

namespace caffe {

template <typename Dtype>
Net<Dtype>::Net(const NetParameter& param) {
  Init(param);
}

template <typename Dtype>
Net<Dtype>::Net(const std::string& param_file, Phase phase, int level,
                const vector<std::string>* stages) {
  NetParameter param;
  ReadProtoFromTextFile(param_file, &param);
  param.mutable_state()->set_phase(phase);
  if (stages != nullptr) {
    param.mutable_state()->clear_stage();
    for (const auto& s : *stages) param.mutable_state()->add_stage(s);
  }
  param.mutable_state()->set_level(level);
  Init(param);
}

// Building a net runs these phases in order.
template <typename Dtype>
void Net<Dtype>::Init(const NetParameter& in_param) {
  const NetParameter param = Prepare(in_param);
  const int nl = param.layer_size();
  bottom_vecs_.resize(nl);
  top_vecs_.resize(nl);
  bottom_id_vecs_.resize(nl);
  param_id_vecs_.resize(nl);
  top_id_vecs_.resize(nl);
  bottom_need_backward_.resize(nl);
  BlobWiring wiring;
  for (int layer_id = 0; layer_id < nl; ++layer_id) AppendLayer(param, layer_id, &wiring);
  SkipUnneededBackward(param);
  if (param.force_backward()) ForceBackward();
  CollectOutputs(wiring);
  ShareWeights();
  debug_info_ = param.debug_info();
}

// The definition as the net is built from it: legacy inputs upgraded, the layers that
// the state's rules exclude removed, Split layers inserted, each layer given the net's
// phase unless it sets its own.
template <typename Dtype>
NetParameter Net<Dtype>::Prepare(const NetParameter& in_param) {
  NetParameter upgraded(in_param);
  UpgradeNetAsNeeded(str_cat("net '", in_param.name(), "'"), &upgraded);
  phase_ = upgraded.state().phase();
  NetParameter filtered;
  FilterNet(upgraded, &filtered);
  NetParameter param;
  InsertSplits(filtered, &param);
  name_ = param.name();
  for (auto& lp : *param.mutable_layer())
    if (!lp.has_phase()) lp.set_phase(phase_);
  return param;
}

// Creates layer layer_id, connects its bottoms and tops, sets it up and registers its
// parameters; records whether it needs a backward pass as far as its inputs and
// parameters say (SkipUnneededBackward refines that once all layers are known).
template <typename Dtype>
void Net<Dtype>::AppendLayer(const NetParameter& param, int layer_id, BlobWiring* wiring) {
  const LayerParameter& lp = param.layer(layer_id);
  CAFFE_ENFORCE_AS(ParseError, !lp.type().empty(), "layer #", layer_id, " ('", lp.name(),
                   "') has no type");
  CAFFE_ENFORCE_AS(ParseError, lp.propagate_down_size() == 0 || lp.propagate_down_size() == lp.bottom_size(),
                   "layer '", lp.name(), "': propagate_down has ", lp.propagate_down_size(),
                   " entries but the layer has ", lp.bottom_size(), " bottoms");
  try {
    layers_.push_back(CreateLayer<Dtype>(lp));
  } catch (const BlobShapeError& e) {  // parameter blobs given with the definition
    CAFFE_THROW_AS(ShapeError, "layer '", lp.name(), "' (", lp.type(), "): a parameter blob: ",
                   e.what());
  } catch (const MemoryError& e) {
    CAFFE_THROW_AS(MemoryError, "layer '", lp.name(), "' (", lp.type(), "): ", e.what());
  }
  layer_names_.push_back(lp.name());
  // Names need not be unique (as in BVLC, whose files and the fork's repeat names): by
  // name, the last layer is found; weights go to layers by name and occurrence.
  layer_names_index_[lp.name()] = layer_id;
  Layer<Dtype>* layer = layers_[layer_id].get();
  bool need_backward = false;
  for (int b = 0; b < lp.bottom_size(); ++b) {
    const int blob_id = AppendBottom(param, layer_id, b, wiring);
    need_backward |= blob_need_backward_[blob_id];
  }
  for (int t = 0; t < lp.top_size(); ++t) AppendTop(param, layer_id, t, wiring);
  // Layers that create anonymous outputs (e.g. a loss with no named top).
  if (layer->AutoTopBlobs()) {
    const int needed = std::max(layer->MinTopBlobs(), layer->ExactNumTopBlobs());
    for (int t = lp.top_size(); t < needed; ++t) AppendTop(param, layer_id, t, wiring);
  }
  try {
    layer->SetUp(bottom_vecs_[layer_id], top_vecs_[layer_id]);
  } catch (...) {
    RethrowNamingLayer(layer_id);
  }
  CountHostMemory(layer_id, HostMemoryLimit(), &wiring->memory);
  RecordLossWeights(layer_id);
  need_backward |= AppendParams(param, layer_id);
  layer_need_backward_.push_back(need_backward);
  if (need_backward) {
    for (int blob_id : top_id_vecs_[layer_id]) blob_need_backward_[blob_id] = true;
  }
}

template <typename Dtype>
void Net<Dtype>::RecordLossWeights(int layer_id) {
  const Layer<Dtype>& layer = *layers_[layer_id];
  for (size_t t = 0; t < top_vecs_[layer_id].size(); ++t) {
    const int blob_id = top_id_vecs_[layer_id][t];
    if (static_cast<int>(blob_loss_weights_.size()) <= blob_id) blob_loss_weights_.resize(blob_id + 1, 0);
    blob_loss_weights_[blob_id] = layer.loss(t);
    if (layer.loss(t) != 0) {
      VLOG(1) << "Top " << blob_names_[blob_id] << " of layer " << layer_names_[layer_id]
              << " has loss weight " << layer.loss(t);
    }
  }
}

// Registers the layer's parameter blobs; returns whether any of them learns (lr_mult
// not 0), which makes the layer need a backward pass.
template <typename Dtype>
bool Net<Dtype>::AppendParams(const NetParameter& param, int layer_id) {
  const LayerParameter& lp = param.layer(layer_id);
  Layer<Dtype>* layer = layers_[layer_id].get();
  const int num_param_blobs = static_cast<int>(layer->blobs().size());
  CAFFE_ENFORCE_AS(ParseError, lp.param_size() <= num_param_blobs, "layer '", lp.name(),
                   "' has ", lp.param_size(), " `param` entries but only ", num_param_blobs,
                   " parameter blob(s)");
  bool learns_any = false;
  for (int p = 0; p < num_param_blobs; ++p) {
    const ParamSpec* spec = p < lp.param_size() ? &lp.param(p) : nullptr;
    const bool learns = !spec || spec->lr_mult() != 0;
    learns_any |= learns;
    layer->set_param_propagate_down(p, learns);
  }
  for (int p = 0; p < num_param_blobs; ++p) AppendParam(param, layer_id, p);
  return learns_any;
}

// Walking backwards from the losses: a layer needs backward only if some loss depends
// on its outputs, and a bottom only if its layer does and propagate_down allows it.
template <typename Dtype>
void Net<Dtype>::SkipUnneededBackward(const NetParameter& param) {
  std::set<std::string> blobs_under_loss;
  std::set<std::string> blobs_skip_backp;
  for (int layer_id = static_cast<int>(layers_.size()) - 1; layer_id >= 0; --layer_id) {
    bool contributes_to_loss = false;
    bool skip_propagate_down = true;
    for (size_t t = 0; t < top_vecs_[layer_id].size(); ++t) {
      const std::string& bn = blob_names_[top_id_vecs_[layer_id][t]];
      if (layers_[layer_id]->loss(t) != 0 || blobs_under_loss.count(bn)) contributes_to_loss = true;
      if (!blobs_skip_backp.count(bn)) skip_propagate_down = false;
    }
    if ((layer_need_backward_[layer_id] && skip_propagate_down) || !contributes_to_loss) {
      layer_need_backward_[layer_id] = false;
      std::fill(bottom_need_backward_[layer_id].begin(), bottom_need_backward_[layer_id].end(), false);
    }
    const LayerParameter& lp = param.layer(layer_id);
    for (size_t b = 0; b < bottom_vecs_[layer_id].size(); ++b) {
      const std::string& bn = blob_names_[bottom_id_vecs_[layer_id][b]];
      if (contributes_to_loss) blobs_under_loss.insert(bn);
      else bottom_need_backward_[layer_id][b] = false;
      if (lp.propagate_down_size() > 0 && !lp.propagate_down(b)) {
        bottom_need_backward_[layer_id][b] = false;
      }
      if (!bottom_need_backward_[layer_id][b]) blobs_skip_backp.insert(bn);
    }
  }
}

// force_backward: every layer that can propagate does.
template <typename Dtype>
void Net<Dtype>::ForceBackward() {
  for (size_t layer_id = 0; layer_id < layers_.size(); ++layer_id) {
    layer_need_backward_[layer_id] = true;
    for (size_t b = 0; b < bottom_need_backward_[layer_id].size(); ++b) {
      bottom_need_backward_[layer_id][b] =
          bottom_need_backward_[layer_id][b] || layers_[layer_id]->AllowForceBackward(b);
      blob_need_backward_[bottom_id_vecs_[layer_id][b]] =
          blob_need_backward_[bottom_id_vecs_[layer_id][b]] || bottom_need_backward_[layer_id][b];
    }
    for (size_t p = 0; p < layers_[layer_id]->blobs().size(); ++p)
      layers_[layer_id]->set_param_propagate_down(p, true);
  }
}

// Blobs produced but never consumed are the net's outputs, in creation order.
template <typename Dtype>
void Net<Dtype>::CollectOutputs(const BlobWiring& wiring) {
  for (size_t idx = 0; idx < blobs_.size(); ++idx) {
    if (!wiring.available.count(blob_names_[idx])) continue;
    net_output_blobs_.push_back(blobs_[idx].get());
    net_output_blob_indices_.push_back(static_cast<int>(idx));
  }
  for (size_t i = 0; i < blob_names_.size(); ++i) blob_names_index_[blob_names_[i]] = i;
}

template <typename Dtype>
void Net<Dtype>::FilterNet(const NetParameter& param, NetParameter* filtered) {
  const NetState& state = param.state();
  filtered->CopyFrom(param);
  filtered->clear_layer();
  for (const auto& lp : param.layer()) {
    CAFFE_ENFORCE_AS(ParseError, lp.include_size() == 0 || lp.exclude_size() == 0, "layer '",
                     lp.name(), "' has both include and exclude rules; use one kind");
    // With include rules, a layer is kept only if one matches; with exclude rules,
    // it is dropped if one matches.
    bool keep = lp.include_size() == 0;
    for (const auto& rule : lp.exclude())
      if (StateMeetsRule(state, rule, lp.name())) keep = false;
    for (const auto& rule : lp.include())
      if (StateMeetsRule(state, rule, lp.name())) keep = true;
    if (keep) *filtered->add_layer() = lp;
  }
}

template <typename Dtype>
bool Net<Dtype>::StateMeetsRule(const NetState& state, const NetStateRule& rule,
                                const std::string&) {
  if (rule.has_phase() && rule.phase() != state.phase()) return false;
  if (rule.has_min_level() && state.level() < rule.min_level()) return false;
  if (rule.has_max_level() && state.level() > rule.max_level()) return false;
  auto has_stage = [&](const std::string& s) {
    return std::find(state.stage().begin(), state.stage().end(), s) != state.stage().end();
  };
  for (const auto& s : rule.stage())
    if (!has_stage(s)) return false;
  for (const auto& s : rule.not_stage())
    if (has_stage(s)) return false;
  return true;
}

template <typename Dtype>
void Net<Dtype>::AppendTop(const NetParameter& param, int layer_id, int top_id,
                           BlobWiring* wiring) {
  const LayerParameter& lp = param.layer(layer_id);
  const std::string blob_name =
      top_id < lp.top_size() ? lp.top(top_id) : str_cat("(automatic top ", top_id, " of ", lp.name(), ")");
  const bool in_place = lp.bottom_size() > top_id && lp.bottom(top_id) == blob_name;
  if (in_place) {
    // In-place: the top is the bottom blob at the same index.
    const int idx = wiring->index[blob_name];
    top_vecs_[layer_id].push_back(blobs_[idx].get());
    top_id_vecs_[layer_id].push_back(idx);
  } else {
    CAFFE_ENFORCE_AS(ParseError, !wiring->index.count(blob_name), "layer '", lp.name(),
                     "' writes top '", blob_name, "', which an earlier layer already produced "
                     "(only in-place use, with the same name as the bottom at the same position, "
                     "may reuse a blob)");
    auto blob = std::make_shared<Blob<Dtype>>();
    const int idx = static_cast<int>(blobs_.size());
    blobs_.push_back(blob);
    blob_names_.push_back(blob_name);
    blob_need_backward_.push_back(false);
    wiring->index[blob_name] = idx;
    top_id_vecs_[layer_id].push_back(idx);
    top_vecs_[layer_id].push_back(blob.get());
    if (lp.type() == "Input") {
      net_input_blob_indices_.push_back(idx);
      net_input_blobs_.push_back(blob.get());
    }
  }
  wiring->available.insert(blob_name);
}

template <typename Dtype>
int Net<Dtype>::AppendBottom(const NetParameter& param, int layer_id, int bottom_id,
                             BlobWiring* wiring) {
  const LayerParameter& lp = param.layer(layer_id);
  const std::string& blob_name = lp.bottom(bottom_id);
  if (!wiring->available.count(blob_name)) {
    std::string known;
    for (const auto& n : blob_names_) known += (known.empty() ? "" : ", ") + n;
    CAFFE_THROW_AS(ParseError, "layer '", lp.name(), "' (", lp.type(), ") reads bottom '",
                   blob_name, "', which no earlier layer produces (known blobs: ",
                   known.empty() ? std::string("none") : known, ")");
  }
  const int idx = wiring->index[blob_name];
  bottom_vecs_[layer_id].push_back(blobs_[idx].get());
  bottom_id_vecs_[layer_id].push_back(idx);
  wiring->available.erase(blob_name);
  bool need_backward = blob_need_backward_[idx];
  if (lp.propagate_down_size() > 0) need_backward = need_backward && lp.propagate_down(bottom_id);
  bottom_need_backward_[layer_id].push_back(need_backward);
  return idx;
}

template <typename Dtype>
void Net<Dtype>::AppendParam(const NetParameter& param, int layer_id, int param_id) {
  const LayerParameter& lp = layers_[layer_id]->layer_param();
  const int param_size = lp.param_size();
  const std::string param_name = param_id < param_size ? lp.param(param_id).name() : "";
  param_display_names_.push_back(param_name.empty() ? std::to_string(params_.size()) : param_name);
  const int net_param_id = static_cast<int>(params_.size());
  params_.push_back(layers_[layer_id]->blobs()[param_id]);
  param_id_vecs_[layer_id].push_back(net_param_id);
  param_layer_indices_.push_back({layer_id, param_id});
  ParamSpec default_spec;
  const ParamSpec* spec = param_id < param_size ? &lp.param(param_id) : &default_spec;
  if (param_name.empty() || !param_names_index_.count(param_name)) {
    // This layer owns the parameter.
    if (!param_name.empty()) param_names_index_[param_name] = net_param_id;
    param_owners_.push_back(-1);
    const int learnable_id = static_cast<int>(learnable_params_.size());
    learnable_params_.push_back(params_[net_param_id].get());
    learnable_param_ids_.push_back(learnable_id);
    has_params_lr_.push_back(spec->has_lr_mult());
    has_params_decay_.push_back(spec->has_decay_mult());
    params_lr_.push_back(spec->lr_mult());
    params_weight_decay_.push_back(spec->decay_mult());
    return;
  }
  // Shared parameter: it must match the owner's shape (or, in PERMISSIVE mode, count).
  const int owner_net_param_id = param_names_index_[param_name];
  param_owners_.push_back(owner_net_param_id);
  const auto& owner_idx = param_layer_indices_[owner_net_param_id];
  Blob<Dtype>* this_blob = layers_[layer_id]->blobs()[param_id].get();
  Blob<Dtype>* owner_blob = layers_[owner_idx.first]->blobs()[owner_idx.second].get();
  if (spec->share_mode() == ParamSpec_DimCheckMode_PERMISSIVE) {
    CAFFE_ENFORCE_AS(ShapeError, this_blob->count() == owner_blob->count(), "shared parameter '",
                     param_name, "' has ", owner_blob->count(), " values in layer '",
                     layer_names_[owner_idx.first], "' but ", this_blob->count(), " in layer '",
                     layer_names_[layer_id], "'");
  } else {
    CAFFE_ENFORCE_AS(ShapeError, this_blob->shape() == owner_blob->shape(), "shared parameter '",
                     param_name, "' has shape ", owner_blob->shape_string(), " in layer '",
                     layer_names_[owner_idx.first], "' but ", this_blob->shape_string(),
                     " in layer '", layer_names_[layer_id], "'");
  }
  const int learnable_id = learnable_param_ids_[owner_net_param_id];
  learnable_param_ids_.push_back(learnable_id);
  if (spec->has_lr_mult()) {
    if (has_params_lr_[learnable_id]) {
      CAFFE_ENFORCE_AS(ParseError, spec->lr_mult() == params_lr_[learnable_id], "shared parameter '",
                       param_name, "' has conflicting lr_mult values");
    } else {
      has_params_lr_[learnable_id] = true;
      params_lr_[learnable_id] = spec->lr_mult();
    }
  }
  if (spec->has_decay_mult()) {
    if (has_params_decay_[learnable_id]) {
      CAFFE_ENFORCE_AS(ParseError, spec->decay_mult() == params_weight_decay_[learnable_id],
                       "shared parameter '", param_name, "' has conflicting decay_mult values");
    } else {
      has_params_decay_[learnable_id] = true;
      params_weight_decay_[learnable_id] = spec->decay_mult();
    }
  }
}

template <typename Dtype>
Dtype Net<Dtype>::ForwardFromTo(int start, int end) {
  std::lock_guard<std::recursive_mutex> lock(run_mutex_);
  const int nl = static_cast<int>(layers_.size());
  CAFFE_ENFORCE(start >= 0 && end < nl && start <= end + 1, "forward range [", start, ", ", end,
                "] is invalid for a net of ", nl, " layers");
  Dtype loss = 0;
  for (int i = start; i <= end; ++i) {
    for (const auto& hook : before_forward_) hook(i);
    try {
      loss += layers_[i]->Forward(bottom_vecs_[i], top_vecs_[i]);
    } catch (...) {
      RethrowNamingLayer(i);
    }
    if (debug_info_) {
      for (auto* top : top_vecs_[i])
        LOG(INFO) << "    [Forward] Layer " << layer_names_[i] << ", top data: "
                  << top->asum_data() / std::max(1, top->count());
    }
    for (const auto& hook : after_forward_) hook(i);
  }
  return loss;
}

template <typename Dtype>
const vector<Blob<Dtype>*>& Net<Dtype>::Forward(Dtype* loss) {
  const Dtype l = layers_.empty() ? Dtype(0) : ForwardFromTo(0, static_cast<int>(layers_.size()) - 1);
  if (loss) *loss = l;
  return net_output_blobs_;
}

template <typename Dtype>
void Net<Dtype>::BackwardFromTo(int start, int end) {
  std::lock_guard<std::recursive_mutex> lock(run_mutex_);
  const int nl = static_cast<int>(layers_.size());
  CAFFE_ENFORCE(end >= 0 && start < nl && end <= start + 1, "backward range [", start, ", ", end,
                "] is invalid for a net of ", nl, " layers");
  for (int i = start; i >= end; --i) {
    for (const auto& hook : before_backward_) hook(i);
    try {
      if (layer_need_backward_[i])
        layers_[i]->Backward(top_vecs_[i], bottom_need_backward_[i], bottom_vecs_[i]);
    } catch (...) {
      RethrowNamingLayer(i);
    }
    for (const auto& hook : after_backward_) hook(i);
  }
}

template <typename Dtype>
void Net<Dtype>::Reshape() {
  std::lock_guard<std::recursive_mutex> lock(run_mutex_);
  for (size_t i = 0; i < layers_.size(); ++i) {
    try {
      layers_[i]->Reshape(bottom_vecs_[i], top_vecs_[i]);
    } catch (...) {
      RethrowNamingLayer(static_cast<int>(i));
    }
  }
  MemoryCount memory;
  const size_t limit = HostMemoryLimit();
  for (size_t i = 0; i < layers_.size(); ++i) CountHostMemory(static_cast<int>(i), limit, &memory);
}

template <typename Dtype>
void Net<Dtype>::Update() {
  std::lock_guard<std::recursive_mutex> lock(run_mutex_);
  for (auto* p : learnable_params_) p->Update();
}

template <typename Dtype>
void Net<Dtype>::ClearParamDiffs() {
  std::lock_guard<std::recursive_mutex> lock(run_mutex_);
  for (auto* p : learnable_params_) {
    if (Caffe::mode() == Caffe::GPU) {
#ifdef USE_CUDA
      caffe_gpu_set(p->count(), Dtype(0), p->mutable_gpu_diff());
#endif
    } else {
      caffe_set(p->count(), Dtype(0), p->mutable_cpu_diff());
    }
  }
}

template <typename Dtype>
void Net<Dtype>::ShareWeights() {
  for (size_t i = 0; i < params_.size(); ++i) {
    if (param_owners_[i] < 0) continue;
    params_[i]->ShareData(*params_[param_owners_[i]]);
    params_[i]->ShareDiff(*params_[param_owners_[i]]);
  }
}

template <typename Dtype>
int Net<Dtype>::NthLayerNamed(const std::string& name, std::map<std::string, int>* seen) const {
  int k = (*seen)[name]++;
  for (size_t i = 0; i < layer_names_.size(); ++i)
    if (layer_names_[i] == name && k-- == 0) return static_cast<int>(i);
  return -1;
}

template <typename Dtype>
void Net<Dtype>::ShareTrainedLayersWith(const Net* other) {
  std::map<std::string, int> seen;
  for (size_t i = 0; i < other->layers().size(); ++i) {
    const std::string& name = other->layer_names()[i];
    const int target_id = NthLayerNamed(name, &seen);
    if (target_id < 0) continue;
    Layer<Dtype>* target = layers_[target_id].get();
    auto& source_blobs = other->layers()[i]->blobs();
    CAFFE_ENFORCE_AS(ShapeError, target->blobs().size() == source_blobs.size(), "layer '", name,
                     "' has ", target->blobs().size(), " parameter blobs here but ",
                     source_blobs.size(), " in the net to share with");
    for (size_t j = 0; j < source_blobs.size(); ++j) {
      Blob<Dtype>* t = target->blobs()[j].get();
      CAFFE_ENFORCE_AS(ShapeError, t->shape() == source_blobs[j]->shape(), "layer '", name,
                       "' parameter ", j, ": shape ", t->shape_string(), " here but ",
                       source_blobs[j]->shape_string(), " in the net to share with");
      t->ShareData(*source_blobs[j]);
    }
  }
}

template <typename Dtype>
void Net<Dtype>::CopyTrainedLayersFrom(const NetParameter& in_param) {
  NetParameter upgraded;
  const bool old_format = NetNeedsV0ToV1Upgrade(in_param) || NetNeedsV1ToV2Upgrade(in_param);
  if (old_format) {
    upgraded = in_param;
    UpgradeNetAsNeeded(str_cat("the weights of '", in_param.name(), "'"), &upgraded);
  }
  const NetParameter& param = old_format ? upgraded : in_param;
  std::lock_guard<std::recursive_mutex> lock(run_mutex_);
  std::map<std::string, int> seen;
  for (const auto& source_layer : param.layer()) {
    const std::string& name = source_layer.name();
    const int target_id = NthLayerNamed(name, &seen);
    if (target_id < 0) continue;
    auto& target_blobs = layers_[target_id]->blobs();
    CAFFE_ENFORCE_AS(ShapeError, static_cast<int>(target_blobs.size()) == source_layer.blobs_size(),
                     "weights for layer '", name, "': the file has ", source_layer.blobs_size(),
                     " parameter blob(s), the net expects ", target_blobs.size());
    for (int j = 0; j < source_layer.blobs_size(); ++j) {
      if (!target_blobs[j]->ShapeEquals(source_layer.blobs(j))) {
        CAFFE_THROW_AS(ShapeError, "weights for layer '", name, "' parameter ", j, ": the file has shape ",
                       StoredShapeString(source_layer.blobs(j)), ", the net expects ",
                       target_blobs[j]->shape_string(), " (is the file from another network?)");
      }
      target_blobs[j]->FromProto(source_layer.blobs(j), false);
    }
  }
}

template <typename Dtype>
void Net<Dtype>::CopyTrainedLayersFrom(const std::string& trained_filename) {
  NetParameter param;
  const std::string h5 = ".h5";
  if (trained_filename.size() >= h5.size() &&
      trained_filename.compare(trained_filename.size() - h5.size(), h5.size(), h5) == 0) {
    ReadNetParameterFromHDF5(trained_filename, &param);  // BVLC's HDF5 weights
    CopyTrainedLayersFrom(param);
    return;
  }
  ReadProtoFromBinaryFile(trained_filename, &param);
  if (NetNeedsV0ToV1Upgrade(param) || NetNeedsV1ToV2Upgrade(param)) {
    UpgradeNetAsNeeded(str_cat("'", trained_filename, "'"), &param);
  }
  CopyTrainedLayersFrom(param);
}

template <typename Dtype>
void Net<Dtype>::ToProto(NetParameter* param, bool write_diff) const {
  std::lock_guard<std::recursive_mutex> lock(run_mutex_);
  param->Clear();
  param->set_name(name_);
  for (size_t i = 0; i < layers_.size(); ++i) layers_[i]->ToProto(param->add_layer(), write_diff);
}

template <typename Dtype>
void Net<Dtype>::Save(const std::string& filename) const {
  NetParameter param;
  ToProto(&param, false);
  WriteProtoToBinaryFile(param, filename);
}

template <typename Dtype>
shared_ptr<Blob<Dtype>> Net<Dtype>::blob_by_name(const std::string& name) const {
  auto it = blob_names_index_.find(name);
  CAFFE_ENFORCE(it != blob_names_index_.end(), "net '", name_, "' has no blob named '", name, "'");
  return blobs_[it->second];
}

template <typename Dtype>
shared_ptr<Layer<Dtype>> Net<Dtype>::layer_by_name(const std::string& name) const {
  return layers_[layer_index(name)];
}

template <typename Dtype>
int Net<Dtype>::layer_index(const std::string& name) const {
  auto it = layer_names_index_.find(name);
  CAFFE_ENFORCE(it != layer_names_index_.end(), "net '", name_, "' has no layer named '", name, "'");
  return it->second;
}

INSTANTIATE_CLASS(Net);

}  // namespace caffe
