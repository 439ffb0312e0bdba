#include "caffe/util/upgrade_proto.hpp"

#include <map>
#include <set>
#include <utility>
#include <vector>

#include "caffe/common.hpp"
#include "caffe/net.hpp"
#include "caffe/solver.hpp"

namespace caffe {

namespace {

using V1 = V1LayerParameter;

// ---- V0 -> V1 ------------------------------------------------------------------------

V1::LayerType V0TypeToV1(const std::string& type, const std::string& layer_name) {
  static const std::map<std::string, V1::LayerType> kTypes = {
      {"accuracy", V1::ACCURACY},
      {"bnll", V1::BNLL},
      {"concat", V1::CONCAT},
      {"conv", V1::CONVOLUTION},
      {"data", V1::DATA},
      {"dropout", V1::DROPOUT},
      {"euclidean_loss", V1::EUCLIDEAN_LOSS},
      {"flatten", V1::FLATTEN},
      {"hdf5_data", V1::HDF5_DATA},
      {"hdf5_output", V1::HDF5_OUTPUT},
      {"im2col", V1::IM2COL},
      {"images", V1::IMAGE_DATA},
      {"infogain_loss", V1::INFOGAIN_LOSS},
      {"innerproduct", V1::INNER_PRODUCT},
      {"lrn", V1::LRN},
      {"multinomial_logistic_loss", V1::MULTINOMIAL_LOGISTIC_LOSS},
      {"pool", V1::POOLING},
      {"relu", V1::RELU},
      {"sigmoid", V1::SIGMOID},
      {"softmax", V1::SOFTMAX},
      {"softmax_loss", V1::SOFTMAX_LOSS},
      {"split", V1::SPLIT},
      {"tanh", V1::TANH},
      {"window_data", V1::WINDOW_DATA},
  };
  auto it = kTypes.find(type);
  CAFFE_ENFORCE_AS(ParseError, it != kTypes.end(), "V0 layer '", layer_name, "' has type '", type,
                   "', which has no V1 equivalent");
  return it->second;
}

// Moves the fields of one V0 layer into the V1 layer `out` (whose bottom/top/name are
// already set). Fields that do not apply to the layer's type are logged and dropped.
void ConvertV0Layer(const V0LayerParameter& v0, V1* out) {
  const std::string& t = v0.type();
  const std::string name = v0.name();
  auto dropped = [&](const char* field) {
    LOG(WARNING) << "V0 layer '" << name << "' (" << t << "): field " << field
                 << " does not apply to this layer type and is dropped";
  };
  if (v0.has_name()) out->set_name(v0.name());
  if (v0.has_type()) out->set_type(V0TypeToV1(t, name));
  for (const auto& b : v0.blobs()) *out->add_blobs() = b;
  for (float v : v0.blobs_lr()) out->add_blobs_lr(v);
  for (float v : v0.weight_decay()) out->add_weight_decay(v);

  const bool conv = t == "conv", ip = t == "innerproduct", pool = t == "pool";
  ConvolutionParameter* cp = conv ? out->mutable_convolution_param() : nullptr;
  InnerProductParameter* ipp = ip ? out->mutable_inner_product_param() : nullptr;
  PoolingParameter* pp = pool ? out->mutable_pooling_param() : nullptr;

  if (v0.has_num_output()) {
    if (conv) cp->set_num_output(v0.num_output());
    else if (ip) ipp->set_num_output(v0.num_output());
    else dropped("num_output");
  }
  if (v0.has_biasterm()) {
    if (conv) cp->set_bias_term(v0.biasterm());
    else if (ip) ipp->set_bias_term(v0.biasterm());
    else dropped("biasterm");
  }
  if (v0.has_weight_filler()) {
    if (conv) *cp->mutable_weight_filler() = v0.weight_filler();
    else if (ip) *ipp->mutable_weight_filler() = v0.weight_filler();
    else dropped("weight_filler");
  }
  if (v0.has_bias_filler()) {
    if (conv) *cp->mutable_bias_filler() = v0.bias_filler();
    else if (ip) *ipp->mutable_bias_filler() = v0.bias_filler();
    else dropped("bias_filler");
  }
  if (v0.has_pad()) {
    if (conv) cp->add_pad(v0.pad());
    else if (pool) pp->set_pad(v0.pad());
    else dropped("pad");
  }
  if (v0.has_kernelsize()) {
    if (conv) cp->add_kernel_size(v0.kernelsize());
    else if (pool) pp->set_kernel_size(v0.kernelsize());
    else dropped("kernelsize");
  }
  if (v0.has_stride()) {
    if (conv) cp->add_stride(v0.stride());
    else if (pool) pp->set_stride(v0.stride());
    else dropped("stride");
  }
  if (v0.has_group()) {
    if (conv) cp->set_group(v0.group());
    else dropped("group");
  }
  if (v0.has_pool()) {
    if (pool) pp->set_pool(static_cast<PoolingParameter::PoolMethod>(v0.pool()));
    else dropped("pool");
  }
  if (v0.has_dropout_ratio()) {
    if (t == "dropout") out->mutable_dropout_param()->set_dropout_ratio(v0.dropout_ratio());
    else dropped("dropout_ratio");
  }
  if (t == "lrn") {
    LRNParameter* lp = out->mutable_lrn_param();
    if (v0.has_local_size()) lp->set_local_size(v0.local_size());
    if (v0.has_alpha()) lp->set_alpha(v0.alpha());
    if (v0.has_beta()) lp->set_beta(v0.beta());
    if (v0.has_k()) lp->set_k(v0.k());
  } else {
    if (v0.has_local_size()) dropped("local_size");
    if (v0.has_alpha()) dropped("alpha");
    if (v0.has_beta()) dropped("beta");
    if (v0.has_k()) dropped("k");
  }
  if (v0.has_source()) {
    if (t == "data") out->mutable_data_param()->set_source(v0.source());
    else if (t == "hdf5_data") out->mutable_hdf5_data_param()->set_source(v0.source());
    else if (t == "images") out->mutable_image_data_param()->set_source(v0.source());
    else if (t == "window_data") out->mutable_window_data_param()->set_source(v0.source());
    else if (t == "infogain_loss") out->mutable_infogain_loss_param()->set_source(v0.source());
    else dropped("source");
  }
  // Image preprocessing lives in transform_param for every layer type.
  if (v0.has_scale()) out->mutable_transform_param()->set_scale(v0.scale());
  if (v0.has_meanfile()) out->mutable_transform_param()->set_mean_file(v0.meanfile());
  if (v0.has_cropsize()) out->mutable_transform_param()->set_crop_size(v0.cropsize());
  if (v0.has_mirror()) out->mutable_transform_param()->set_mirror(v0.mirror());
  if (v0.has_batchsize()) {
    if (t == "data") out->mutable_data_param()->set_batch_size(v0.batchsize());
    else if (t == "hdf5_data") out->mutable_hdf5_data_param()->set_batch_size(v0.batchsize());
    else if (t == "images") out->mutable_image_data_param()->set_batch_size(v0.batchsize());
    else if (t == "window_data") out->mutable_window_data_param()->set_batch_size(v0.batchsize());
    else dropped("batchsize");
  }
  if (v0.has_rand_skip()) {
    if (t == "data") out->mutable_data_param()->set_rand_skip(v0.rand_skip());
    else if (t == "images") out->mutable_image_data_param()->set_rand_skip(v0.rand_skip());
    else dropped("rand_skip");
  }
  if (v0.has_shuffle_images()) {
    if (t == "images") out->mutable_image_data_param()->set_shuffle(v0.shuffle_images());
    else dropped("shuffle_images");
  }
  if (v0.has_new_height()) {
    if (t == "images") out->mutable_image_data_param()->set_new_height(v0.new_height());
    else dropped("new_height");
  }
  if (v0.has_new_width()) {
    if (t == "images") out->mutable_image_data_param()->set_new_width(v0.new_width());
    else dropped("new_width");
  }
  if (v0.has_concat_dim()) {
    if (t == "concat") out->mutable_concat_param()->set_concat_dim(v0.concat_dim());
    else dropped("concat_dim");
  }
  const bool window = t == "window_data";
  WindowDataParameter* wp = window ? out->mutable_window_data_param() : nullptr;
  if (v0.has_det_fg_threshold()) {
    if (window) wp->set_fg_threshold(v0.det_fg_threshold());
    else dropped("det_fg_threshold");
  }
  if (v0.has_det_bg_threshold()) {
    if (window) wp->set_bg_threshold(v0.det_bg_threshold());
    else dropped("det_bg_threshold");
  }
  if (v0.has_det_fg_fraction()) {
    if (window) wp->set_fg_fraction(v0.det_fg_fraction());
    else dropped("det_fg_fraction");
  }
  if (v0.has_det_context_pad()) {
    if (window) wp->set_context_pad(v0.det_context_pad());
    else dropped("det_context_pad");
  }
  if (v0.has_det_crop_mode()) {
    if (window) wp->set_crop_mode(v0.det_crop_mode());
    else dropped("det_crop_mode");
  }
  if (v0.has_hdf5_output_param()) {
    if (t == "hdf5_output") *out->mutable_hdf5_output_param() = v0.hdf5_output_param();
    else dropped("hdf5_output_param");
  }
  if (v0.has_new_num()) dropped("new_num");
  if (v0.has_new_channels()) dropped("new_channels");
}

// ---- V1 -> current ----------------------------------------------------------------------

// Copies the V1 layer's type-specific parameter messages into the current layer: each
// has the same name and message type in both.
void CopyV1TypeParams(const V1& v1, LayerParameter* out) {
  const auto* in_desc = v1.GetDescriptor();
  const auto* out_desc = out->GetDescriptor();
  const auto* in_refl = v1.GetReflection();
  const auto* out_refl = out->GetReflection();
  for (int i = 0; i < in_desc->field_count(); ++i) {
    const auto* field = in_desc->field(i);
    if (field->cpp_type() != google::protobuf::FieldDescriptor::CPPTYPE_MESSAGE ||
        field->is_repeated() || field->name() == "layer" || !in_refl->HasField(v1, field)) {
      continue;
    }
    const auto* target = out_desc->FindFieldByName(field->name());
    CAFFE_ASSERT(target != nullptr && target->message_type() == field->message_type());
    out_refl->MutableMessage(out, target)->CopyFrom(in_refl->GetMessage(v1, field));
  }
}

void ConvertV1Layer(const V1& v1, LayerParameter* out) {
  CAFFE_ENFORCE_AS(ParseError, !v1.has_layer(), "layer '", v1.name(),
                   "' still holds V0 fields after the V0 upgrade");
  for (const auto& b : v1.bottom()) out->add_bottom(b);
  for (const auto& t : v1.top()) out->add_top(t);
  if (v1.has_name()) out->set_name(v1.name());
  for (const auto& r : v1.include()) *out->add_include() = r;
  for (const auto& r : v1.exclude()) *out->add_exclude() = r;
  if (v1.has_type()) {
    const std::string type = UpgradeV1LayerType(v1.type());
    CAFFE_ENFORCE_AS(ParseError, !type.empty(), "V1 layer '", v1.name(), "' has type NONE");
    out->set_type(type);
  }
  for (const auto& b : v1.blobs()) *out->add_blobs() = b;
  // Per-blob settings become one ParamSpec per blob.
  auto spec = [out](int i) {
    while (out->param_size() <= i) out->add_param();
    return out->mutable_param(i);
  };
  for (int i = 0; i < v1.param_size(); ++i) spec(i)->set_name(v1.param(i));
  for (int i = 0; i < v1.blob_share_mode_size(); ++i) {
    spec(i)->set_share_mode(v1.blob_share_mode(i) == V1::PERMISSIVE ? ParamSpec::PERMISSIVE
                                                                    : ParamSpec::STRICT);
  }
  for (int i = 0; i < v1.blobs_lr_size(); ++i) spec(i)->set_lr_mult(v1.blobs_lr(i));
  for (int i = 0; i < v1.weight_decay_size(); ++i) spec(i)->set_decay_mult(v1.weight_decay(i));
  for (float w : v1.loss_weight()) out->add_loss_weight(w);
  CopyV1TypeParams(v1, out);
}

// Legacy transformation fields of a data layer's own parameter, moved to transform_param.
template <class P>
void MoveTransformFields(P* p, TransformationParameter* tp) {
  if (p->has_scale()) {
    tp->set_scale(p->scale());
    p->clear_scale();
  }
  if (p->has_mean_file()) {
    tp->set_mean_file(p->mean_file());
    p->clear_mean_file();
  }
  if (p->has_crop_size()) {
    tp->set_crop_size(p->crop_size());
    p->clear_crop_size();
  }
  if (p->has_mirror()) {
    tp->set_mirror(p->mirror());
    p->clear_mirror();
  }
}

template <class P>
bool HasTransformFields(const P& p) {
  return p.has_scale() || p.has_mean_file() || p.has_crop_size() || p.has_mirror();
}

}  // namespace

std::string UpgradeV1LayerType(V1::LayerType type) {
  switch (type) {
    case V1::NONE: return "";
    case V1::ABSVAL: return "AbsVal";
    case V1::ACCURACY: return "Accuracy";
    case V1::ARGMAX: return "ArgMax";
    case V1::BNLL: return "BNLL";
    case V1::CONCAT: return "Concat";
    case V1::CONTRASTIVE_LOSS: return "ContrastiveLoss";
    case V1::CONVOLUTION: return "Convolution";
    case V1::DATA: return "Data";
    case V1::DECONVOLUTION: return "Deconvolution";
    case V1::DROPOUT: return "Dropout";
    case V1::DUMMY_DATA: return "DummyData";
    case V1::EUCLIDEAN_LOSS: return "EuclideanLoss";
    case V1::ELTWISE: return "Eltwise";
    case V1::EXP: return "Exp";
    case V1::FLATTEN: return "Flatten";
    case V1::HDF5_DATA: return "HDF5Data";
    case V1::HDF5_OUTPUT: return "HDF5Output";
    case V1::HINGE_LOSS: return "HingeLoss";
    case V1::IM2COL: return "Im2col";
    case V1::IMAGE_DATA: return "ImageData";
    case V1::INFOGAIN_LOSS: return "InfogainLoss";
    case V1::INNER_PRODUCT: return "InnerProduct";
    case V1::LRN: return "LRN";
    case V1::MEMORY_DATA: return "MemoryData";
    case V1::MULTINOMIAL_LOGISTIC_LOSS: return "MultinomialLogisticLoss";
    case V1::MVN: return "MVN";
    case V1::POOLING: return "Pooling";
    case V1::POWER: return "Power";
    case V1::RELU: return "ReLU";
    case V1::SIGMOID: return "Sigmoid";
    case V1::SIGMOID_CROSS_ENTROPY_LOSS: return "SigmoidCrossEntropyLoss";
    case V1::SILENCE: return "Silence";
    case V1::SOFTMAX: return "Softmax";
    case V1::SOFTMAX_LOSS: return "SoftmaxWithLoss";
    case V1::SPLIT: return "Split";
    case V1::SLICE: return "Slice";
    case V1::TANH: return "TanH";
    case V1::WINDOW_DATA: return "WindowData";
    case V1::THRESHOLD: return "Threshold";
  }
  return "";
}

bool NetNeedsV0ToV1Upgrade(const NetParameter& param) {
  for (const auto& l : param.layers())
    if (l.has_layer()) return true;
  return false;
}

bool NetNeedsV1ToV2Upgrade(const NetParameter& param) { return param.layers_size() > 0; }

bool NetNeedsDataUpgrade(const NetParameter& param) {
  for (const auto& l : param.layers()) {
    if ((l.type() == V1::DATA && HasTransformFields(l.data_param())) ||
        (l.type() == V1::IMAGE_DATA && HasTransformFields(l.image_data_param())) ||
        (l.type() == V1::WINDOW_DATA && HasTransformFields(l.window_data_param()))) {
      return true;
    }
  }
  return false;
}

bool NetNeedsInputUpgrade(const NetParameter& param) { return param.input_size() > 0; }

bool NetNeedsUpgrade(const NetParameter& param) {
  return NetNeedsV0ToV1Upgrade(param) || NetNeedsV1ToV2Upgrade(param) ||
         NetNeedsDataUpgrade(param) || NetNeedsInputUpgrade(param);
}

void UpgradeV0Net(NetParameter* param) {
  // "padding" layers disappear: the layer reading a padding layer's output reads its
  // input instead and takes its pad (only convolution and pooling can).
  std::map<std::string, std::pair<std::string, uint32_t>> padded;  // top -> (bottom, pad)
  NetParameter out(*param);
  out.clear_layers();
  for (const V1& wrapper : param->layers()) {
    const V0LayerParameter& v0 = wrapper.layer();
    if (v0.type() == "padding") {
      CAFFE_ENFORCE_AS(ParseError, wrapper.bottom_size() == 1 && wrapper.top_size() == 1,
                       "V0 padding layer '", v0.name(), "' must have one bottom and one top");
      padded[wrapper.top(0)] = {wrapper.bottom(0), v0.pad()};
      continue;
    }
    V1* layer = out.add_layers();
    V0LayerParameter v0_fixed(v0);
    for (int b = 0; b < wrapper.bottom_size(); ++b) {
      auto it = padded.find(wrapper.bottom(b));
      if (it == padded.end()) {
        layer->add_bottom(wrapper.bottom(b));
        continue;
      }
      CAFFE_ENFORCE_AS(ParseError, v0.type() == "conv" || v0.type() == "pool", "V0 layer '",
                       v0.name(), "' (", v0.type(), ") reads the output of a padding layer; only "
                       "conv and pool layers can take over its padding");
      layer->add_bottom(it->second.first);
      v0_fixed.set_pad(it->second.second);
    }
    for (const auto& t : wrapper.top()) layer->add_top(t);
    if (wrapper.has_layer()) {
      ConvertV0Layer(v0_fixed, layer);
    } else {
      // Already a V1 layer in a partly upgraded net.
      V1 copy(wrapper);
      copy.clear_bottom();
      copy.clear_top();
      for (const auto& b : layer->bottom()) copy.add_bottom(b);
      for (const auto& t : layer->top()) copy.add_top(t);
      *layer = copy;
    }
  }
  param->Swap(&out);
}

void UpgradeV1Net(NetParameter* param) {
  CAFFE_ENFORCE_AS(ParseError, param->layer_size() == 0, "net '", param->name(),
                   "' mixes V1 `layers` with current `layer` entries; use one format");
  NetParameter out(*param);
  out.clear_layers();
  for (const V1& v1 : param->layers()) ConvertV1Layer(v1, out.add_layer());
  param->Swap(&out);
}

void UpgradeNetDataTransformation(NetParameter* param) {
  for (V1& l : *param->mutable_layers()) {
    if (l.type() == V1::DATA) {
      MoveTransformFields(l.mutable_data_param(), l.mutable_transform_param());
    } else if (l.type() == V1::IMAGE_DATA) {
      MoveTransformFields(l.mutable_image_data_param(), l.mutable_transform_param());
    } else if (l.type() == V1::WINDOW_DATA) {
      MoveTransformFields(l.mutable_window_data_param(), l.mutable_transform_param());
    }
  }
}

bool UpgradeNetAsNeeded(const std::string& source, NetParameter* param) {
  bool changed = false;
  if (NetNeedsV0ToV1Upgrade(*param)) {
    LOG(INFO) << "Upgrading " << source << " from the V0 layer format";
    UpgradeV0Net(param);
    changed = true;
  }
  if (NetNeedsDataUpgrade(*param)) {
    LOG(INFO) << "Moving the data transformation fields of " << source << " to transform_param";
    UpgradeNetDataTransformation(param);
    changed = true;
  }
  if (NetNeedsV1ToV2Upgrade(*param)) {
    LOG(INFO) << "Upgrading " << source << " from the V1 layer format (layers { type: ENUM })";
    UpgradeV1Net(param);
    changed = true;
  }
  if (NetNeedsInputUpgrade(*param)) {
    UpgradeNetInputs(param);
    changed = true;
  }
  return changed;
}

bool UpgradeSolverAsNeeded(const std::string& source, SolverParameter* param) {
  if (!param->has_solver_type()) return false;
  LOG(INFO) << "Upgrading " << source << ": solver_type becomes type";
  UpgradeSolverType(param);
  return true;
}

}  // namespace caffe
