// HDF5 files: BVLC's HDF5 formats for weights (<prefix>.caffemodel.h5: groups data/ and,
// with diffs, diff/, one group per layer holding datasets "0", "1", ... per parameter
// blob) and solver states (<prefix>.solverstate.h5: datasets iter, learned_net,
// current_step, group history/ with "0", "1", ...; this build adds rng_state), plus the
// datasets the HDF5Data and HDF5Output layers read and write.
//
// Files are built in memory (HDF5's core driver) and written with WriteFileAtomically,
// so an interrupted write never leaves a truncated file behind. Every failure is a
// FileError naming the file (HDF5's own error printing is switched off).
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "caffe/blob.hpp"
#include "caffe/proto/caffe.pb.h"

namespace caffe {

// An HDF5 file open for reading (read-only), or being built in memory for writing.
class HDF5File {
 public:
  static std::unique_ptr<HDF5File> Open(const std::string& filename);
  static std::unique_ptr<HDF5File> Create(const std::string& filename);
  ~HDF5File();
  HDF5File(const HDF5File&) = delete;
  HDF5File& operator=(const HDF5File&) = delete;

  // Paths are relative to the file's root ("data/conv1/0").
  bool Exists(const std::string& path) const;
  void CreateGroup(const std::string& path);
  // The names in a group, in the file's (alphabetical) order.
  std::vector<std::string> Children(const std::string& group) const;
  std::vector<int> Shape(const std::string& path) const;
  // Whether a floating-point dataset is stored in double precision.
  bool IsDouble(const std::string& path) const;
  // Reads a numeric dataset of `count` values, converted to T (float or double).
  template <typename T> void Read(const std::string& path, T* values, size_t count) const;
  template <typename T>
  void Write(const std::string& path, const std::vector<int>& shape, const T* values);
  std::string ReadString(const std::string& path) const;
  void WriteString(const std::string& path, const std::string& value);
  int ReadInt(const std::string& path) const;
  void WriteInt(const std::string& path, int value);
  // Writes a file made by Create to its filename, atomically.
  void Save();
  const std::string& filename() const { return filename_; }

 private:
  HDF5File(long id, const std::string& filename, bool writable)
      : id_(id), filename_(filename), writable_(writable) {}
  long id_;  // hid_t
  std::string filename_;
  bool writable_;
};

// Reads a dataset into a blob shaped like it (which must have min_axes..max_axes axes).
template <typename Dtype>
void HDF5ReadBlob(const HDF5File& file, const std::string& path, int min_axes, int max_axes,
                  Blob<Dtype>* blob);

// The weights (and, with write_diff, the diffs) of a NetParameter, in BVLC's layout; a
// name that repeats gets groups "name", "name#1", "name#2", ... in order.
void WriteNetParameterToHDF5(const NetParameter& net, const std::string& filename, bool write_diff);
// A NetParameter holding one layer per group of data/ (in the net's order for repeated
// names) with its blobs: what Net::CopyTrainedLayersFrom takes.
void ReadNetParameterFromHDF5(const std::string& filename, NetParameter* net);
void WriteSolverStateToHDF5(const SolverState& state, const std::string& filename);
void ReadSolverStateFromHDF5(const std::string& filename, SolverState* state);

}  // namespace caffe
