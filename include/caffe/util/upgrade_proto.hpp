// Upgrades of old net and solver definitions to the current format, by BVLC Caffe's rules,
// so that published prototxt and .caffemodel files of every Caffe era load:
//
//   V0   `layers { layer { type: "conv" kernelsize: 11 ... } }`: one flat V0LayerParameter
//        per layer, padding as separate "padding" layers;
//   V1   `layers { type: CONVOLUTION convolution_param { ... } blobs_lr: 1 }`: an enum type,
//        per-blob blobs_lr / weight_decay / param lists;
//   data layers of V1 nets with scale / mean_file / crop_size / mirror in their own
//        parameter instead of transform_param;
//   inputs given by `input:` with `input_dim` or `input_shape` instead of an Input layer;
//   solvers with the `solver_type` enum instead of the `type` string.
//
// Net builds the current format from any of these (Net::Init, CopyTrainedLayersFrom); the
// tools upgrade_net_proto_text, upgrade_net_proto_binary and upgrade_solver_proto_text
// write the upgraded files.
#pragma once

#include <string>

#include "caffe/proto/caffe.pb.h"

namespace caffe {

bool NetNeedsV0ToV1Upgrade(const NetParameter& param);
bool NetNeedsV1ToV2Upgrade(const NetParameter& param);
bool NetNeedsDataUpgrade(const NetParameter& param);
bool NetNeedsInputUpgrade(const NetParameter& param);
bool NetNeedsUpgrade(const NetParameter& param);

// V0 layers (nested in V1 `layers`) -> V1 layers, "padding" layers folded into the
// convolution or pooling that reads them. Fields a V0 layer type does not use are
// reported in the log and dropped. Throws ParseError for an unknown V0 type.
void UpgradeV0Net(NetParameter* param);
// V1 `layers` -> current `layer`s. Throws ParseError for a net that mixes both, a layer
// with V0 fields left, or a type without a current equivalent.
void UpgradeV1Net(NetParameter* param);
// V1 data layers: scale, mean_file, crop_size, mirror move into transform_param.
void UpgradeNetDataTransformation(NetParameter* param);

// Applies every upgrade the definition needs, in order; `source` (a file name or a short
// description) is named in the log lines and errors. Returns whether anything changed.
bool UpgradeNetAsNeeded(const std::string& source, NetParameter* param);

// `solver_type: ADAM` -> `type: "Adam"` (UpgradeSolverType in solver.hpp); returns whether
// anything changed.
bool UpgradeSolverAsNeeded(const std::string& source, SolverParameter* param);

// The current name of a V1 layer type (CONVOLUTION -> "Convolution"); "" for NONE.
std::string UpgradeV1LayerType(V1LayerParameter::LayerType type);

}  // namespace caffe
