#include "caffe/engines/dnnl_pooling.hpp"

#include <optional>

#include "caffe/util/dnnl_util.hpp"

namespace caffe {

using namespace dnnl_util;  // NOLINT
using dnnl::algorithm;
using dnnl::pooling_backward;
using dnnl::pooling_forward;

bool DnnlPoolShape::operator==(const DnnlPoolShape& o) const {
  return num == o.num && channels == o.channels && height == o.height && width == o.width &&
         pooled_h == o.pooled_h && pooled_w == o.pooled_w && kernel[0] == o.kernel[0] &&
         kernel[1] == o.kernel[1] && stride[0] == o.stride[0] && stride[1] == o.stride[1] &&
         pad[0] == o.pad[0] && pad[1] == o.pad[1] && max == o.max;
}

struct DnnlPooling::Impl {
  DnnlPoolShape shape;
  dnnl::memory::desc src, dst;
  dims strides, kernel, pad_l, pad_r;
  algorithm alg = algorithm::pooling_max;
  std::optional<pooling_forward::primitive_desc> fwd_pd;
  pooling_forward fwd;
  dnnl::memory workspace;  // max pooling: where each window's winner is (owned here)
  std::optional<pooling_backward::primitive_desc> bwd_pd;
  pooling_backward bwd;
  dnnl::memory x_mem, y_mem, dy_mem, dx_mem;
  std::string offered;  // the implementation oneDNN offered, when Init declines it

  // False when Caffe's average divisor has no oneDNN equivalent for this shape.
  bool Init(const DnnlPoolShape& s) {
    shape = s;
    src = plain_desc({s.num, s.channels, s.height, s.width}, tag::nchw);
    dst = plain_desc({s.num, s.channels, s.pooled_h, s.pooled_w}, tag::nchw);
    strides = {s.stride[0], s.stride[1]};
    kernel = {s.kernel[0], s.kernel[1]};
    pad_l = {s.pad[0], s.pad[1]};
    // The right/bottom extent the last window reaches beyond the image (Caffe's ceil
    // rounding may add an overhang past the padding, or leave trailing rows unused).
    const int in[2] = {s.height, s.width}, out[2] = {s.pooled_h, s.pooled_w};
    pad_r.resize(2);
    bool overhang = false;
    for (int i = 0; i < 2; ++i) {
      pad_r[i] = (out[i] - 1) * s.stride[i] + s.kernel[i] - in[i] - s.pad[i];
      overhang = overhang || pad_r[i] > s.pad[i];
    }
    if (s.max) {
      alg = algorithm::pooling_max;
    } else if (!overhang) {
      alg = algorithm::pooling_avg_include_padding;  // every window: kernel_h * kernel_w
    } else if (s.pad[0] == 0 && s.pad[1] == 0) {
      alg = algorithm::pooling_avg_exclude_padding;  // divisor: the pixels inside the image
    } else {
      return false;
    }
    fwd_pd.emplace(pooling_forward::desc(dnnl::prop_kind::forward_training, alg, src, dst,
                                         strides, kernel, pad_l, pad_r),
                   scratchpad_attr(), cpu_engine());
    // Only oneDNN's JIT kernels beat the portable pass. On a machine without AVX-512 it
    // offers "simple_nchw" for the plain layout, which measured 3-5x slower than the
    // portable pass (max 2x2 / 2 over 64x32x44x44 on 2 AVX2 cores: 25 ms against 1.8 ms
    // forward, 11 against 2.1 backward); "ref" is slower still.
    const std::string impl = fwd_pd->impl_info_str();
    if (impl.rfind("jit", 0) != 0) {
      offered = impl;
      return false;
    }
    fwd = pooling_forward(*fwd_pd);
    if (s.max) workspace = dnnl::memory(fwd_pd->workspace_desc(), cpu_engine());
    x_mem = dnnl::memory(src, cpu_engine(), DNNL_MEMORY_NONE);
    dx_mem = dnnl::memory(src, cpu_engine(), DNNL_MEMORY_NONE);
    y_mem = dnnl::memory(dst, cpu_engine(), DNNL_MEMORY_NONE);
    dy_mem = dnnl::memory(dst, cpu_engine(), DNNL_MEMORY_NONE);
    return true;
  }
};

DnnlPooling::DnnlPooling(std::string where) : where_(std::move(where)) {}
DnnlPooling::~DnnlPooling() = default;

bool DnnlPooling::Prepare(const DnnlPoolShape& shape) {
  if (impl_ && impl_->shape == shape) return true;
  impl_.reset();
  declined_.clear();
  std::unique_ptr<Impl> impl(new Impl);
  if (!prepare_or_decline(where_, "pooling", [&] { return impl->Init(shape); })) {
    declined_ = impl->offered;
    if (!declined_.empty()) {
      LOG(INFO) << where_ << "oneDNN offers only " << declined_
                << " for this pooling; using the portable pass (faster)";
    }
    return false;
  }
  impl_ = std::move(impl);
  return true;
}

std::string DnnlPooling::implementation() const {
  return impl_ ? impl_->fwd_pd->impl_info_str() : std::string("none");
}

void DnnlPooling::Forward(const float* x, float* y) {
  Impl& m = *impl_;
  CAFFE_DNNL_TRY(where_, {
    m.x_mem.set_data_handle(const_cast<float*>(x));
    m.y_mem.set_data_handle(y);
    std::unordered_map<int, dnnl::memory> args{{DNNL_ARG_SRC, m.x_mem}, {DNNL_ARG_DST, m.y_mem}};
    if (m.shape.max) args[DNNL_ARG_WORKSPACE] = m.workspace;
    execute(m.fwd, *m.fwd_pd, args);
  });
}

void DnnlPooling::Backward(const float* dy, float* dx) {
  Impl& m = *impl_;
  CAFFE_DNNL_TRY(where_, {
    if (!m.bwd_pd) {
      m.bwd_pd.emplace(pooling_backward::desc(m.alg, m.src, m.dst, m.strides, m.kernel, m.pad_l,
                                              m.pad_r),
                       scratchpad_attr(), cpu_engine(), *m.fwd_pd);
      m.bwd = pooling_backward(*m.bwd_pd);
    }
    m.dy_mem.set_data_handle(const_cast<float*>(dy));
    m.dx_mem.set_data_handle(dx);
    std::unordered_map<int, dnnl::memory> args{{DNNL_ARG_DIFF_DST, m.dy_mem},
                                               {DNNL_ARG_DIFF_SRC, m.dx_mem}};
    if (m.shape.max) args[DNNL_ARG_WORKSPACE] = m.workspace;
    execute(m.bwd, *m.bwd_pd, args);
  });
}

}  // namespace caffe
