// SPP (spatial pyramid pooling, BVLC's): pools an N x C x H x W bottom at
// spp_param.pyramid_height levels; level l divides the image into 2^l x 2^l bins, pooling
// (spp_param.pool: MAX, AVE or STOCHASTIC, as the Pooling layer does them) with kernel
// ceil(H / 2^l), stride = kernel and pad (kernel * 2^l - H + 1) / 2 per axis, as BVLC sets
// them. The top is N x (sum over levels of C * bins_h * bins_w): the levels' outputs,
// each flattened channel-major, one after another (BVLC's Flatten + Concat). With
// pyramid_height 1 the top is the one level's N x C x 1 x 1 output, as in BVLC. An input
// too small for a level (its pad would reach the kernel size) is a ShapeError.
#pragma once

#include <memory>
#include <vector>

#include "caffe/kernels/concat.hpp"
#include "caffe/kernels/pooling.hpp"
#include "caffe/layer.hpp"
#include "caffe/util/side.hpp"

namespace caffe {

template <typename Dtype>
class SPPLayer : public Layer<Dtype> {
 public:
  explicit SPPLayer(const LayerParameter& param) : Layer<Dtype>(param) {}
  void LayerSetUp(const vector<Blob<Dtype>*>& bottom, const vector<Blob<Dtype>*>& top) override;
  void Reshape(const vector<Blob<Dtype>*>& bottom, const vector<Blob<Dtype>*>& top) override;
  bool AllowInPlace() const override { return false; }
  const char* type() const override { return "SPP"; }
  int ExactNumBottomBlobs() const override { return 1; }
  int ExactNumTopBlobs() const override { return 1; }

 protected:
  CAFFE_LAYER_PASSES_ON_SIDES(Dtype)

  struct Level {
    PoolGeometry geom;
    int64_t count;   // C * bins_h * bins_w
    int64_t offset;  // where it starts in a top row
    std::unique_ptr<Blob<Dtype>> out, mask;
    std::shared_ptr<SyncedMemory> draws;
  };

  bool stochastic() const { return pool_ == SPPParameter_PoolMethod_STOCHASTIC; }
  static PoolGeometry unpadded(PoolGeometry g) {
    g.pad_h = g.pad_w = 0;
    return g;
  }

  template <class Side>
  void ForwardOn(const vector<Blob<Dtype>*>& bottom, const vector<Blob<Dtype>*>& top) {
    const Dtype* x = Side::data(bottom[0]);
    for (Level& l : levels_) {
      const PoolGeometry& g = l.geom;
      const int64_t rows = l.out->count() / g.pooled_w;
      const int64_t work = int64_t(g.pooled_w) * g.kernel_h * g.kernel_w;
      Dtype* y = Side::mutable_data(l.out.get());
      if (pool_ == SPPParameter_PoolMethod_MAX) {
        Side::for_n(rows, MaxPoolForward<Dtype>{x, y, Side::mutable_data(l.mask.get()), g}, work);
      } else if (pool_ == SPPParameter_PoolMethod_AVE) {
        Side::for_n(rows, AvePoolForward<Dtype>{x, y, g}, work);
      } else if (this->phase() == TRAIN) {
        const int n = l.out->count();
        if (!l.draws || l.draws->size() < n * sizeof(unsigned int))
          l.draws.reset(new SyncedMemory(n * sizeof(unsigned int)));
        unsigned int* draw = static_cast<unsigned int*>(Side::mutable_mem(l.draws.get()));
        Side::rng_uint(n, draw);
        Side::for_n(rows, StoPoolForwardTrain<Dtype>{x, draw, y, Side::mutable_data(l.mask.get()),
                                                     unpadded(g)}, 2 * work);
      } else {
        Side::for_n(rows, StoPoolForwardTest<Dtype>{x, y, unpadded(g), tiny()}, work);
      }
      Side::for_n(l.out->count(), kernels::ConcatCopy<Dtype>{
          y, Side::mutable_data(top[0]), l.count, total_, l.offset, 1, true});
    }
  }

  template <class Side>
  void BackwardOn(const vector<Blob<Dtype>*>& top, const vector<bool>& propagate_down,
                  const vector<Blob<Dtype>*>& bottom) {
    if (!propagate_down[0]) return;
    const int n = bottom[0]->count();
    Dtype* dx = Side::mutable_diff(bottom[0]);
    Dtype* part = Side::mutable_data(&level_dx_);
    Side::set(n, Dtype(0), dx);
    for (Level& l : levels_) {
      const PoolGeometry& g = l.geom;
      Dtype* dy = Side::mutable_diff(l.out.get());
      Side::for_n(l.out->count(), kernels::ConcatCopy<Dtype>{
          Side::diff(top[0]), dy, l.count, total_, l.offset, 1, false});
      const int64_t rows = n / g.width;
      const int64_t work = g.width + int64_t(g.pooled_w) * g.kernel_h;
      if (pool_ == SPPParameter_PoolMethod_MAX) {
        Side::for_n(rows, MaxPoolBackward<Dtype>{dy, Side::data(l.mask.get()), part, g}, work);
      } else if (pool_ == SPPParameter_PoolMethod_AVE) {
        Side::for_n(rows, AvePoolBackward<Dtype>{dy, part, g}, work);
      } else if (this->phase() == TRAIN) {
        Side::for_n(rows, MaxPoolBackward<Dtype>{dy, Side::data(l.mask.get()), part, unpadded(g)},
                    work);
      } else {
        Side::for_n(rows, StoPoolBackwardTest<Dtype>{dy, Side::data(bottom[0]), part, unpadded(g),
                                                     tiny()}, work * g.kernel_w);
      }
      Side::axpy(n, Dtype(1), part, dx);
    }
  }

  static Dtype tiny() { return Dtype(1.17549435e-38f); }

 private:
  int height_ = 0;
  SPPParameter_PoolMethod pool_ = SPPParameter_PoolMethod_MAX;
  std::vector<Level> levels_;
  int64_t total_ = 0;
  Blob<Dtype> level_dx_;  // one level's share of the bottom gradient
};

}  // namespace caffe
