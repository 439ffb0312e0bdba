#include "caffe/layer.hpp"

namespace caffe {

template <typename Dtype>
Layer<Dtype>::Layer(const LayerParameter& param) : layer_param_(param) {
  if (layer_param_.blobs_size() > 0) {
    blobs_.resize(layer_param_.blobs_size());
    for (int i = 0; i < layer_param_.blobs_size(); ++i) {
      blobs_[i].reset(new Blob<Dtype>());
      blobs_[i]->FromProto(layer_param_.blobs(i));
    }
  }
}

template <typename Dtype>
std::string Layer<Dtype>::where() const {
  return str_cat("layer '", layer_param_.name(), "' (", type(), "): ");
}

template <typename Dtype>
void Layer<Dtype>::SetUp(const vector<Blob<Dtype>*>& bottom, const vector<Blob<Dtype>*>& top) {
  CheckBlobCounts(bottom, top);
  // Tops that are also bottoms, and the shapes those blobs had before Reshape.
  vector<std::pair<size_t, vector<int>>> in_place;
  for (size_t t = 0; t < top.size(); ++t) {
    for (size_t b = 0; b < bottom.size(); ++b) {
      if (top[t] != bottom[b]) continue;
      CAFFE_ENFORCE_AS(ShapeError, AllowInPlace(), where(), "cannot run in place: top ", t,
                       " is bottom ", b, " (give the top its own name)");
      in_place.emplace_back(t, top[t]->shape());
    }
  }
  // A layer whose output shape differs from its input's cannot overwrite that input (its
  // Reshape may even fail on the input it just reshaped): say so rather than what failed.
  auto check_shapes = [&] {
    for (const auto& [t, shape] : in_place) {
      CAFFE_ENFORCE_AS(ShapeError, top[t]->shape() == shape, where(),
                       "cannot run in place: its output shape ", top[t]->shape_string(),
                       " differs from its input's ", Blob<Dtype>(shape).shape_string(),
                       " (give top ", t, " its own name)");
    }
  };
  try {
    LayerSetUp(bottom, top);
    Reshape(bottom, top);
  } catch (const Error&) {
    check_shapes();
    throw;
  }
  check_shapes();
  SetLossWeights(top);
}

template <typename Dtype>
void Layer<Dtype>::CheckBlobCounts(const vector<Blob<Dtype>*>& bottom,
                                   const vector<Blob<Dtype>*>& top) {
  const int nb = static_cast<int>(bottom.size()), nt = static_cast<int>(top.size());
  auto fail = [&](const char* what, int want, const char* blobs, int got) {
    CAFFE_THROW_AS(ParseError, where(), "takes ", what, want, " ", blobs,
                   " blob(s), but the definition gives ", got);
  };
  if (ExactNumBottomBlobs() >= 0 && nb != ExactNumBottomBlobs())
    fail("exactly ", ExactNumBottomBlobs(), "bottom", nb);
  if (MinBottomBlobs() >= 0 && nb < MinBottomBlobs()) fail("at least ", MinBottomBlobs(), "bottom", nb);
  if (MaxBottomBlobs() >= 0 && nb > MaxBottomBlobs()) fail("at most ", MaxBottomBlobs(), "bottom", nb);
  if (ExactNumTopBlobs() >= 0 && nt != ExactNumTopBlobs())
    fail("exactly ", ExactNumTopBlobs(), "top", nt);
  if (MinTopBlobs() >= 0 && nt < MinTopBlobs()) fail("at least ", MinTopBlobs(), "top", nt);
  if (MaxTopBlobs() >= 0 && nt > MaxTopBlobs()) fail("at most ", MaxTopBlobs(), "top", nt);
  if (EqualNumBottomTopBlobs() && nb != nt)
    CAFFE_THROW_AS(ParseError, where(), "needs as many tops as bottoms, but has ", nb,
                   " bottom(s) and ", nt, " top(s)");
}

template <typename Dtype>
void Layer<Dtype>::SetLossWeights(const vector<Blob<Dtype>*>& top) {
  const int num_loss_weights = layer_param_.loss_weight_size();
  if (num_loss_weights == 0) return;
  CAFFE_ENFORCE_AS(ParseError, num_loss_weights == static_cast<int>(top.size()), where(),
                   "has ", num_loss_weights, " loss_weight value(s) but ", top.size(), " top(s)");
  for (int i = 0; i < num_loss_weights; ++i) {
    const Dtype w = layer_param_.loss_weight(i);
    set_loss(i, w);
    if (w == Dtype(0)) continue;
    // The top's diff holds the loss weight, so Backward scales its gradient by it.
    const int n = top[i]->count();
    Dtype* diff = top[i]->mutable_cpu_diff();
    caffe_set(n, w, diff);
  }
}

template <typename Dtype>
Dtype Layer<Dtype>::Forward(const vector<Blob<Dtype>*>& bottom, const vector<Blob<Dtype>*>& top) {
  Dtype loss = 0;
  Reshape(bottom, top);
  const bool gpu = Caffe::mode() == Caffe::GPU;
  if (gpu) {
    Forward_gpu(bottom, top);
  } else {
    Forward_cpu(bottom, top);
  }
  for (size_t t = 0; t < top.size(); ++t) {
    if (this->loss(t) == Dtype(0)) continue;
    const int count = top[t]->count();
    // sum over the top of data * (loss weight held in diff)
#ifdef USE_CUDA
    if (gpu) {
      Dtype blob_loss = 0;
      caffe_gpu_dot(count, top[t]->gpu_data(), top[t]->gpu_diff(), &blob_loss);
      loss += blob_loss;
      continue;
    }
#endif
    loss += caffe_cpu_dot(count, top[t]->cpu_data(), top[t]->cpu_diff());
  }
  return loss;
}

template <typename Dtype>
void Layer<Dtype>::Backward(const vector<Blob<Dtype>*>& top, const vector<bool>& propagate_down,
                            const vector<Blob<Dtype>*>& bottom) {
  if (Caffe::mode() == Caffe::GPU) {
    Backward_gpu(top, propagate_down, bottom);
  } else {
    Backward_cpu(top, propagate_down, bottom);
  }
}

template <typename Dtype>
void Layer<Dtype>::ToProto(LayerParameter* param, bool write_diff) {
  param->Clear();
  param->CopyFrom(layer_param_);
  param->clear_blobs();
  for (auto& b : blobs_) b->ToProto(param->add_blobs(), write_diff);
}

INSTANTIATE_CLASS(Layer);

}  // namespace caffe
