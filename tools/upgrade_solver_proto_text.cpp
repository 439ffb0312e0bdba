// upgrade_solver_proto_text: rewrites a solver definition that names its solver with the
// legacy `solver_type` enum (solver_type: ADAM) with the current `type` string
// (type: "Adam"), as BVLC Caffe's tool of the same name does. Paths are kept as written.
//   upgrade_solver_proto_text OLD_solver.prototxt NEW_solver.prototxt
#include <iostream>

#include "caffe/common.hpp"
#include "caffe/util/io.hpp"
#include "caffe/util/upgrade_proto.hpp"

int main(int argc, char** argv) {
  caffe::GlobalInit(&argc, &argv);
  if (argc != 3) {
    std::cerr << "usage: upgrade_solver_proto_text OLD_SOLVER.prototxt NEW_SOLVER.prototxt\n";
    return 1;
  }
  try {
    caffe::SolverParameter param;
    caffe::ReadProtoFromTextFile(argv[1], &param);
    if (!caffe::UpgradeSolverAsNeeded(argv[1], &param)) {
      LOG(INFO) << argv[1] << " is already in the current format";
    }
    // Nets defined inline in the solver are upgraded too.
    if (param.has_net_param()) caffe::UpgradeNetAsNeeded("net_param", param.mutable_net_param());
    if (param.has_train_net_param())
      caffe::UpgradeNetAsNeeded("train_net_param", param.mutable_train_net_param());
    for (auto& p : *param.mutable_test_net_param()) caffe::UpgradeNetAsNeeded("test_net_param", &p);
    caffe::WriteProtoToTextFile(param, argv[2]);
    LOG(INFO) << "Wrote upgraded SolverParameter text proto to " << argv[2];
  } catch (const std::exception& e) {
    std::cerr << "upgrade_solver_proto_text: " << e.what() << std::endl;
    return 1;
  }
  return 0;
}
