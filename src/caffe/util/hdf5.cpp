#include "caffe/util/hdf5.hpp"

#include <hdf5.h>
#include <hdf5_hl.h>

#include <algorithm>
#include <map>
#include <type_traits>

#include "caffe/util/io.hpp"

namespace caffe {

namespace {

// HDF5 prints its error stack on every failed call unless told not to; failures here are
// reported as FileErrors instead.
void quiet_hdf5() {
  static const bool done = [] {
    H5Eset_auto2(H5E_DEFAULT, nullptr, nullptr);
    return true;
  }();
  (void)done;
}

template <typename T> hid_t native_type();
template <> hid_t native_type<float>() { return H5T_NATIVE_FLOAT; }
template <> hid_t native_type<double>() { return H5T_NATIVE_DOUBLE; }

std::string blob_path(const std::string& group, int j) { return group + "/" + std::to_string(j); }

std::vector<int> proto_shape(const BlobProto& b) {
  std::vector<int> shape;
  if (b.has_shape()) {
    for (int i = 0; i < b.shape().dim_size(); ++i) shape.push_back(static_cast<int>(b.shape().dim(i)));
  } else if (b.has_num() || b.has_channels() || b.has_height() || b.has_width()) {
    shape = {b.num(), b.channels(), b.height(), b.width()};
  } else {
    shape = {b.data_size() ? b.data_size() : b.double_data_size()};
  }
  return shape;
}

void write_blob_proto(HDF5File* f, const std::string& path, const BlobProto& b, bool diff) {
  const std::vector<int> shape = proto_shape(b);
  if (diff ? b.double_diff_size() > 0 : b.double_data_size() > 0) {
    f->Write<double>(path, shape, diff ? b.double_diff().data() : b.double_data().data());
  } else {
    f->Write<float>(path, shape, diff ? b.diff().data() : b.data().data());
  }
}

void read_blob_proto(const HDF5File& f, const std::string& path, BlobProto* b) {
  const std::vector<int> shape = f.Shape(path);
  size_t count = 1;
  for (int d : shape) {
    b->mutable_shape()->add_dim(d);
    count *= static_cast<size_t>(d);
  }
  if (f.IsDouble(path)) {
    b->mutable_double_data()->Resize(static_cast<int>(count), 0.0);
    f.Read<double>(path, b->mutable_double_data()->mutable_data(), count);
  } else {
    b->mutable_data()->Resize(static_cast<int>(count), 0.f);
    f.Read<float>(path, b->mutable_data()->mutable_data(), count);
  }
}

// Whether group `g` holds parameter datasets "0", "1", ...
bool holds_blobs(const HDF5File& f, const std::string& g) { return f.Exists(g + "/0"); }

// Layers under `group`: a group with datasets "0", ... is a layer named by its path below
// data/ ("a/b" for a layer called "a/b"); groups nest where names hold '/'.
void collect_layers(const HDF5File& f, const std::string& root, const std::string& rel,
                    std::vector<std::string>* layers) {
  const std::string path = rel.empty() ? root : root + "/" + rel;
  const bool layer = !rel.empty() && holds_blobs(f, path);
  for (const std::string& child : f.Children(path)) {
    const std::string child_rel = rel.empty() ? child : rel + "/" + child;
    if (layer && std::all_of(child.begin(), child.end(), ::isdigit)) continue;  // a parameter
    layers->push_back(child_rel);
    collect_layers(f, root, child_rel, layers);
  }
}

}  // namespace

std::unique_ptr<HDF5File> HDF5File::Open(const std::string& filename) {
  quiet_hdf5();
  CAFFE_ENFORCE_AS(FileError, FileExists(filename), "cannot open '", filename, "': no such file");
  CAFFE_ENFORCE_AS(FileError, H5Fis_hdf5(filename.c_str()) > 0, "'", filename,
                   "' is not an HDF5 file");
  const hid_t id = H5Fopen(filename.c_str(), H5F_ACC_RDONLY, H5P_DEFAULT);
  CAFFE_ENFORCE_AS(FileError, id >= 0, "cannot open HDF5 file '", filename, "'");
  return std::unique_ptr<HDF5File>(new HDF5File(id, filename, false));
}

std::unique_ptr<HDF5File> HDF5File::Create(const std::string& filename) {
  quiet_hdf5();
  const hid_t fapl = H5Pcreate(H5P_FILE_ACCESS);
  H5Pset_fapl_core(fapl, 1 << 20, 0);  // in memory only; Save() writes the image
  const hid_t id = H5Fcreate(filename.c_str(), H5F_ACC_TRUNC, H5P_DEFAULT, fapl);
  H5Pclose(fapl);
  CAFFE_ENFORCE_AS(FileError, id >= 0, "cannot create an HDF5 file for '", filename, "'");
  return std::unique_ptr<HDF5File>(new HDF5File(id, filename, true));
}

HDF5File::~HDF5File() { H5Fclose(id_); }

bool HDF5File::Exists(const std::string& path) const {
  return H5LTpath_valid(id_, path.c_str(), 1) > 0;
}

void HDF5File::CreateGroup(const std::string& path) {
  const hid_t lcpl = H5Pcreate(H5P_LINK_CREATE);
  H5Pset_create_intermediate_group(lcpl, 1);
  const hid_t g = H5Gcreate2(id_, path.c_str(), lcpl, H5P_DEFAULT, H5P_DEFAULT);
  H5Pclose(lcpl);
  CAFFE_ENFORCE_AS(FileError, g >= 0, "cannot create group '", path, "' in '", filename_, "'");
  H5Gclose(g);
}

std::vector<std::string> HDF5File::Children(const std::string& group) const {
  const hid_t g = H5Gopen2(id_, group.c_str(), H5P_DEFAULT);
  CAFFE_ENFORCE_AS(FileError, g >= 0, "'", filename_, "' has no group '", group, "'");
  H5G_info_t info;
  std::vector<std::string> names;
  if (H5Gget_info(g, &info) >= 0) {
    for (hsize_t i = 0; i < info.nlinks; ++i) {
      const ssize_t n = H5Lget_name_by_idx(g, ".", H5_INDEX_NAME, H5_ITER_INC, i, nullptr, 0, H5P_DEFAULT);
      if (n < 0) continue;
      std::string name(static_cast<size_t>(n) + 1, '\0');
      H5Lget_name_by_idx(g, ".", H5_INDEX_NAME, H5_ITER_INC, i, &name[0], name.size(), H5P_DEFAULT);
      name.resize(static_cast<size_t>(n));
      names.push_back(name);
    }
  }
  H5Gclose(g);
  return names;
}

std::vector<int> HDF5File::Shape(const std::string& path) const {
  int rank = -1;
  CAFFE_ENFORCE_AS(FileError, Exists(path) && H5LTget_dataset_ndims(id_, path.c_str(), &rank) >= 0,
                   "'", filename_, "' has no dataset '", path, "'");
  std::vector<hsize_t> dims(static_cast<size_t>(std::max(rank, 1)));
  H5T_class_t cls;
  size_t size = 0;
  CAFFE_ENFORCE_AS(FileError, H5LTget_dataset_info(id_, path.c_str(), dims.data(), &cls, &size) >= 0,
                   "cannot read the shape of dataset '", path, "' in '", filename_, "'");
  std::vector<int> shape;
  for (int i = 0; i < rank; ++i) {
    CAFFE_ENFORCE_AS(FileError, dims[i] <= static_cast<hsize_t>(INT32_MAX), "dataset '", path,
                     "' in '", filename_, "' is too large");
    shape.push_back(static_cast<int>(dims[i]));
  }
  return shape;
}

bool HDF5File::IsDouble(const std::string& path) const {
  Shape(path);  // checks it exists
  int rank = 0;
  H5LTget_dataset_ndims(id_, path.c_str(), &rank);
  std::vector<hsize_t> dims(static_cast<size_t>(std::max(rank, 1)));
  H5T_class_t cls;
  size_t size = 0;
  H5LTget_dataset_info(id_, path.c_str(), dims.data(), &cls, &size);
  return cls == H5T_FLOAT && size == 8;
}

template <typename T>
void HDF5File::Read(const std::string& path, T* values, size_t count) const {
  const std::vector<int> shape = Shape(path);
  size_t n = 1;
  for (int d : shape) n *= static_cast<size_t>(d);
  CAFFE_ENFORCE_AS(FileError, n == count, "dataset '", path, "' in '", filename_, "' holds ", n,
                   " values, expected ", count);
  int rank = 0;
  H5LTget_dataset_ndims(id_, path.c_str(), &rank);
  std::vector<hsize_t> dims(static_cast<size_t>(std::max(rank, 1)));
  H5T_class_t cls;
  size_t size = 0;
  H5LTget_dataset_info(id_, path.c_str(), dims.data(), &cls, &size);
  CAFFE_ENFORCE_AS(FileError, cls == H5T_FLOAT || cls == H5T_INTEGER, "dataset '", path, "' in '",
                   filename_, "' is not numeric");
  if (count == 0) return;
  CAFFE_ENFORCE_AS(FileError, H5LTread_dataset(id_, path.c_str(), native_type<T>(), values) >= 0,
                   "cannot read dataset '", path, "' from '", filename_, "'");
}

template <typename T>
void HDF5File::Write(const std::string& path, const std::vector<int>& shape, const T* values) {
  CAFFE_ASSERT(writable_);
  std::vector<hsize_t> dims(shape.begin(), shape.end());
  const hid_t lcpl = H5Pcreate(H5P_LINK_CREATE);
  H5Pset_create_intermediate_group(lcpl, 1);
  const hid_t space = H5Screate_simple(static_cast<int>(dims.size()), dims.data(), nullptr);
  const hid_t set = H5Dcreate2(id_, path.c_str(), native_type<T>(), space, lcpl, H5P_DEFAULT,
                               H5P_DEFAULT);
  herr_t status = set >= 0 ? 0 : -1;
  size_t count = 1;
  for (int d : shape) count *= static_cast<size_t>(d);
  if (set >= 0 && count > 0) status = H5Dwrite(set, native_type<T>(), H5S_ALL, H5S_ALL, H5P_DEFAULT, values);
  if (set >= 0) H5Dclose(set);
  H5Sclose(space);
  H5Pclose(lcpl);
  CAFFE_ENFORCE_AS(FileError, status >= 0, "cannot write dataset '", path, "' to '", filename_, "'");
}

std::string HDF5File::ReadString(const std::string& path) const {
  int rank = -1;
  CAFFE_ENFORCE_AS(FileError, Exists(path) && H5LTget_dataset_ndims(id_, path.c_str(), &rank) >= 0,
                   "'", filename_, "' has no dataset '", path, "'");
  std::vector<hsize_t> dims(static_cast<size_t>(std::max(rank, 1)));
  H5T_class_t cls;
  size_t size = 0;
  H5LTget_dataset_info(id_, path.c_str(), dims.data(), &cls, &size);
  CAFFE_ENFORCE_AS(FileError, cls == H5T_STRING, "dataset '", path, "' in '", filename_,
                   "' is not a string");
  std::string value(size + 1, '\0');
  CAFFE_ENFORCE_AS(FileError, H5LTread_dataset_string(id_, path.c_str(), &value[0]) >= 0,
                   "cannot read string '", path, "' from '", filename_, "'");
  value.resize(value.find('\0') == std::string::npos ? size : value.find('\0'));
  return value;
}

void HDF5File::WriteString(const std::string& path, const std::string& value) {
  CAFFE_ENFORCE_AS(FileError, H5LTmake_dataset_string(id_, path.c_str(), value.c_str()) >= 0,
                   "cannot write string '", path, "' to '", filename_, "'");
}

int HDF5File::ReadInt(const std::string& path) const {
  CAFFE_ENFORCE_AS(FileError, Shape(path) == std::vector<int>{1}, "dataset '", path, "' in '",
                   filename_, "' is not one number");
  int value = 0;
  CAFFE_ENFORCE_AS(FileError, H5LTread_dataset_int(id_, path.c_str(), &value) >= 0,
                   "cannot read '", path, "' from '", filename_, "'");
  return value;
}

void HDF5File::WriteInt(const std::string& path, int value) {
  const hsize_t one = 1;
  CAFFE_ENFORCE_AS(FileError, H5LTmake_dataset_int(id_, path.c_str(), 1, &one, &value) >= 0,
                   "cannot write '", path, "' to '", filename_, "'");
}

void HDF5File::Save() {
  CAFFE_ASSERT(writable_);
  H5Fflush(id_, H5F_SCOPE_GLOBAL);
  const ssize_t size = H5Fget_file_image(id_, nullptr, 0);
  CAFFE_ENFORCE_AS(FileError, size > 0, "cannot build the HDF5 image of '", filename_, "'");
  std::string image(static_cast<size_t>(size), '\0');
  CAFFE_ENFORCE_AS(FileError, H5Fget_file_image(id_, &image[0], image.size()) == size,
                   "cannot build the HDF5 image of '", filename_, "'");
  WriteFileAtomically(filename_, image);
}

template void HDF5File::Read<float>(const std::string&, float*, size_t) const;
template void HDF5File::Read<double>(const std::string&, double*, size_t) const;
template void HDF5File::Write<float>(const std::string&, const std::vector<int>&, const float*);
template void HDF5File::Write<double>(const std::string&, const std::vector<int>&, const double*);

template <typename Dtype>
void HDF5ReadBlob(const HDF5File& file, const std::string& path, int min_axes, int max_axes,
                  Blob<Dtype>* blob) {
  const std::vector<int> shape = file.Shape(path);
  const int axes = static_cast<int>(shape.size());
  CAFFE_ENFORCE_AS(FileError, axes >= min_axes && axes <= max_axes, "dataset '", path, "' in '",
                   file.filename(), "' has ", axes, " axes, expected ", min_axes, " to ", max_axes);
  blob->Reshape(shape);
  file.Read<Dtype>(path, blob->mutable_cpu_data(), static_cast<size_t>(blob->count()));
}
template void HDF5ReadBlob<float>(const HDF5File&, const std::string&, int, int, Blob<float>*);
template void HDF5ReadBlob<double>(const HDF5File&, const std::string&, int, int, Blob<double>*);

void WriteNetParameterToHDF5(const NetParameter& net, const std::string& filename, bool write_diff) {
  std::unique_ptr<HDF5File> f = HDF5File::Create(filename);
  f->CreateGroup("data");
  if (write_diff) f->CreateGroup("diff");
  std::map<std::string, int> seen;
  for (const LayerParameter& layer : net.layer()) {
    const int k = seen[layer.name()]++;
    const std::string name = k ? layer.name() + "#" + std::to_string(k) : layer.name();
    for (const char* root : {"data", "diff"}) {
      if (root[1] == 'i' && !write_diff) continue;
      const std::string group = std::string(root) + "/" + name;
      f->CreateGroup(group);
      for (int j = 0; j < layer.blobs_size(); ++j)
        write_blob_proto(f.get(), blob_path(group, j), layer.blobs(j), root[1] == 'i');
    }
  }
  f->Save();
}

void ReadNetParameterFromHDF5(const std::string& filename, NetParameter* net) {
  std::unique_ptr<HDF5File> f = HDF5File::Open(filename);
  CAFFE_ENFORCE_AS(FileError, f->Exists("data"), "'", filename,
                   "' holds no group 'data' (is it HDF5 weights from Caffe?)");
  std::vector<std::string> names;
  collect_layers(*f, "data", "", &names);
  // Repeated names: "name", "name#1", ... in that order.
  struct Entry { std::string name; int k; std::string group; };
  std::vector<Entry> entries;
  for (const std::string& n : names) {
    const std::string group = "data/" + n;
    if (!holds_blobs(*f, group) && !f->Children(group).empty()) continue;
    const size_t hash = n.rfind('#');
    int k = 0;
    std::string base = n;
    if (hash != std::string::npos && hash + 1 < n.size() &&
        std::all_of(n.begin() + hash + 1, n.end(), ::isdigit)) {
      k = std::stoi(n.substr(hash + 1));
      base = n.substr(0, hash);
    }
    entries.push_back({base, k, group});
  }
  std::stable_sort(entries.begin(), entries.end(), [](const Entry& a, const Entry& b) {
    return a.name != b.name ? a.name < b.name : a.k < b.k;
  });
  net->Clear();
  for (const Entry& e : entries) {
    LayerParameter* layer = net->add_layer();
    layer->set_name(e.name);
    for (int j = 0; f->Exists(blob_path(e.group, j)); ++j)
      read_blob_proto(*f, blob_path(e.group, j), layer->add_blobs());
  }
}

void WriteSolverStateToHDF5(const SolverState& state, const std::string& filename) {
  std::unique_ptr<HDF5File> f = HDF5File::Create(filename);
  f->WriteInt("iter", state.iter());
  f->WriteString("learned_net", state.learned_net());
  f->WriteInt("current_step", state.current_step());
  if (state.has_rng_state()) f->WriteString("rng_state", state.rng_state());
  f->CreateGroup("history");
  for (int i = 0; i < state.history_size(); ++i)
    write_blob_proto(f.get(), blob_path("history", i), state.history(i), false);
  f->Save();
}

void ReadSolverStateFromHDF5(const std::string& filename, SolverState* state) {
  std::unique_ptr<HDF5File> f = HDF5File::Open(filename);
  state->Clear();
  state->set_iter(f->ReadInt("iter"));
  if (f->Exists("learned_net")) state->set_learned_net(f->ReadString("learned_net"));
  if (f->Exists("current_step")) state->set_current_step(f->ReadInt("current_step"));
  if (f->Exists("rng_state")) state->set_rng_state(f->ReadString("rng_state"));
  if (!f->Exists("history")) return;
  for (int i = 0; f->Exists(blob_path("history", i)); ++i)
    read_blob_proto(*f, blob_path("history", i), state->add_history());
}

}  // namespace caffe
