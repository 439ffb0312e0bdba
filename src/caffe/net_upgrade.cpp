// Rewrites of a NetParameter before the Net is built: legacy inputs become an Input
// layer (the other format upgrades are in util/upgrade_proto.cpp), and blobs read by
// several layers get Split layers.
#include <map>
#include <utility>

#include "caffe/net.hpp"

namespace caffe {

void UpgradeNetInputs(NetParameter* param) {
  if (param->input_size() == 0) return;
  const int n = param->input_size();
  const bool has_shape = param->input_shape_size() > 0;
  const bool has_dim = param->input_dim_size() > 0;
  CAFFE_ENFORCE_AS(ParseError, !(has_shape && has_dim), "net '", param->name(),
                   "': give either input_shape or input_dim for the inputs, not both");
  if (has_shape) {
    CAFFE_ENFORCE_AS(ParseError, param->input_shape_size() == n || param->input_shape_size() == 1,
                     "net '", param->name(), "' has ", n, " input(s) but ",
                     param->input_shape_size(), " input_shape(s)");
  } else if (has_dim) {
    CAFFE_ENFORCE_AS(ParseError, param->input_dim_size() == 4 * n, "net '", param->name(),
                     "' has ", n, " input(s), which needs ", 4 * n, " input_dim values, got ",
                     param->input_dim_size());
  } else {
    CAFFE_THROW_AS(ParseError, "net '", param->name(), "' declares input '", param->input(0),
                   "' without input_shape or input_dim");
  }
  LayerParameter input_layer;
  input_layer.set_name("input");
  input_layer.set_type("Input");
  InputParameter* ip = input_layer.mutable_input_param();
  for (int i = 0; i < n; ++i) {
    input_layer.add_top(param->input(i));
    BlobShape* shape = ip->add_shape();
    if (has_shape) {
      shape->CopyFrom(param->input_shape(param->input_shape_size() == 1 ? 0 : i));
    } else {
      for (int d = 0; d < 4; ++d) shape->add_dim(param->input_dim(4 * i + d));
    }
  }
  NetParameter upgraded(*param);
  upgraded.clear_layer();
  upgraded.clear_input();
  upgraded.clear_input_shape();
  upgraded.clear_input_dim();
  *upgraded.add_layer() = input_layer;
  for (const auto& l : param->layer()) *upgraded.add_layer() = l;
  param->Swap(&upgraded);
}

std::string SplitBlobName(const std::string& layer_name, const std::string& blob_name,
                          int blob_idx, int split_idx) {
  return str_cat(blob_name, "_", layer_name, "_", blob_idx, "_split_", split_idx);
}

namespace {
std::string SplitLayerName(const std::string& layer_name, const std::string& blob_name,
                           int blob_idx) {
  return str_cat(blob_name, "_", layer_name, "_", blob_idx, "_split");
}
}  // namespace

void InsertSplits(const NetParameter& param, NetParameter* param_split) {
  param_split->CopyFrom(param);
  param_split->clear_layer();
  // For every blob name, the (layer, top index) that produced its current version, and
  // how many times that version is read; in-place layers start a new version.
  std::map<std::string, std::pair<int, int>> producer;
  std::map<std::pair<int, int>, int> readers;
  std::map<std::pair<int, int>, float> top_loss_weight;
  std::map<std::pair<int, int>, std::pair<int, int>> bottom_source;
  const int nl = param.layer_size();
  for (int i = 0; i < nl; ++i) {
    const LayerParameter& l = param.layer(i);
    for (int j = 0; j < l.bottom_size(); ++j) {
      auto it = producer.find(l.bottom(j));
      if (it == producer.end()) continue;  // Net reports the missing blob with context
      bottom_source[{i, j}] = it->second;
      ++readers[it->second];
    }
    for (int j = 0; j < l.top_size(); ++j) {
      producer[l.top(j)] = {i, j};
      if (j < l.loss_weight_size()) top_loss_weight[{i, j}] = l.loss_weight(j);
    }
  }
  // A top with a loss weight counts as one more reader (the loss itself).
  for (const auto& kv : top_loss_weight)
    if (kv.second != 0) ++readers[kv.first];

  std::map<std::pair<int, int>, int> next_split;
  for (int i = 0; i < nl; ++i) {
    LayerParameter* l = param_split->add_layer();
    l->CopyFrom(param.layer(i));
    for (int j = 0; j < l->bottom_size(); ++j) {
      auto src = bottom_source.find({i, j});
      if (src == bottom_source.end() || readers[src->second] <= 1) continue;
      const LayerParameter& prod = param.layer(src->second.first);
      l->set_bottom(j, SplitBlobName(prod.name(), prod.top(src->second.second),
                                     src->second.second, next_split[src->second]++));
    }
    for (int j = 0; j < l->top_size(); ++j) {
      const int n = readers[{i, j}];
      if (n <= 1) continue;
      LayerParameter* split = param_split->add_layer();
      split->set_name(SplitLayerName(l->name(), l->top(j), j));
      split->set_type("Split");
      split->add_bottom(l->top(j));
      auto w = top_loss_weight.find({i, j});
      for (int k = 0; k < n; ++k) {
        split->add_top(SplitBlobName(l->name(), l->top(j), j, k));
        // The loss weight moves to the first split output; the producer keeps none.
        if (w != top_loss_weight.end() && w->second != 0)
          split->add_loss_weight(k == 0 ? w->second : 0);
      }
      if (w != top_loss_weight.end() && w->second != 0) {
        l->set_loss_weight(j, 0);
        // The first split top carries the loss; readers take the following ones.
        next_split[{i, j}] = 1;
      }
    }
  }
}

}  // namespace caffe
