#include "caffe/layers/dummy_data_layer.hpp"

#include "caffe/layer_factory.hpp"

namespace caffe {

template <typename Dtype>
void DummyDataLayer<Dtype>::LayerSetUp(const vector<Blob<Dtype>*>& bottom,
                                       const vector<Blob<Dtype>*>& top) {
  const DummyDataParameter& p = this->layer_param_.dummy_data_param();
  const int num_top = static_cast<int>(top.size());
  auto one_or_each = [&](int n, const char* field) {
    LAYER_ENFORCE(n == 1 || n == num_top, "dummy_data_param.", field,
                  " must be given once or once per top (", num_top, "), got ", n);
  };
  if (p.data_filler_size() > 0) one_or_each(p.data_filler_size(), "data_filler");
  const bool legacy = p.num_size() > 0 || p.channels_size() > 0 || p.height_size() > 0 ||
                      p.width_size() > 0;
  if (legacy) {
    LAYER_ENFORCE(p.shape_size() == 0,
                  "give either dummy_data_param.shape or num/channels/height/width, not both");
    one_or_each(p.num_size(), "num");
    one_or_each(p.channels_size(), "channels");
    one_or_each(p.height_size(), "height");
    one_or_each(p.width_size(), "width");
  } else {
    one_or_each(p.shape_size(), "shape");
  }
  fillers_.clear();
  refill_.clear();
  FillerParameter zeros;
  zeros.set_type("constant");
  zeros.set_value(0);
  for (int t = 0; t < num_top; ++t) {
    const FillerParameter& fp = p.data_filler_size() == 0 ? zeros
                                : p.data_filler(p.data_filler_size() == 1 ? 0 : t);
    fillers_.push_back(GetFiller<Dtype>(fp));
    refill_.push_back(fp.type() != "constant");
    auto pick = [&](const google::protobuf::RepeatedField<uint32_t>& f) {
      const uint32_t v = f.size() == 1 ? f.Get(0) : f.Get(t);
      LAYER_ENFORCE(v <= INT_MAX, "top ", t, ": dummy_data_param size ", v, " is larger than ",
                    INT_MAX);
      return static_cast<int>(v);
    };
    if (legacy) {
      top[t]->Reshape(pick(p.num()), pick(p.channels()), pick(p.height()), pick(p.width()));
    } else {
      top[t]->Reshape(p.shape(p.shape_size() == 1 ? 0 : t));
    }
  }
  // Filling allocates the tops: refuse first what cannot fit (the Net's own check comes
  // after set-up, i.e. after the fill).
  size_t bytes = 0;
  for (int t = 0; t < num_top; ++t) bytes += top[t]->count() * sizeof(Dtype);
  const size_t limit = HostMemoryLimit(), in_use = HostMemoryInUse();
  CAFFE_ENFORCE_AS(MemoryError, bytes <= limit && in_use <= limit - bytes, this->where(), "its ",
                   num_top, " top(s) need ", bytes, " bytes; with the ", in_use,
                   " bytes that blobs already hold that is more than the ", limit,
                   " bytes of memory this process can have (RAM + swap, or its resource limit)");
  Fill(top, true);
}

template <typename Dtype>
void DummyDataLayer<Dtype>::Fill(const vector<Blob<Dtype>*>& top, bool everything) {
  for (size_t t = 0; t < top.size(); ++t)
    if (everything || refill_[t]) fillers_[t]->Fill(top[t]);
}

INSTANTIATE_CLASS(DummyDataLayer);
REGISTER_LAYER_CLASS(DummyData);

}  // namespace caffe
