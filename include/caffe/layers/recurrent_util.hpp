// Parameter set-up shared by layers with several learned blobs (the recurrent layers):
// creates the blobs with their fillers, or checks the number and shapes of blobs that came
// with the definition (a .caffemodel).
#pragma once

#include <vector>

#include "caffe/filler.hpp"
#include "caffe/layer.hpp"

namespace caffe {

template <typename Dtype>
void set_up_weights(Layer<Dtype>* layer, const std::vector<std::vector<int>>& shapes,
                    const std::vector<FillerParameter>& fillers, const std::string& where) {
  auto& blobs = layer->blobs();
  if (!blobs.empty()) {
    CAFFE_ENFORCE_AS(ShapeError, blobs.size() == shapes.size(), where, "expected ", shapes.size(),
                     " parameter blobs, got ", blobs.size());
    for (size_t i = 0; i < shapes.size(); ++i) {
      CAFFE_ENFORCE_AS(ShapeError, blobs[i]->shape() == shapes[i], where, "expected parameter ", i,
                       " of shape ", Blob<Dtype>(shapes[i]).shape_string(), ", got ",
                       blobs[i]->shape_string());
    }
  } else {
    for (size_t i = 0; i < shapes.size(); ++i) {
      blobs.emplace_back(new Blob<Dtype>(shapes[i]));
      GetFiller<Dtype>(fillers[i])->Fill(blobs[i].get());
    }
  }
  for (size_t i = 0; i < shapes.size(); ++i) layer->set_param_propagate_down(i, true);
}

}  // namespace caffe
