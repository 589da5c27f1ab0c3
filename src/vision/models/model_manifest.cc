#include "vision/models/model_manifest.h"

#include <toml++/toml.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <initializer_list>
#include <sstream>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "core/sha256.h"

namespace ocula {
namespace {

// A char array: Debian's absl::StrCat does not take std::string_view.
constexpr char kPrepare[] = "run scripts/prepare-models.sh";

// Reads typed keys from one manifest; every error names the file and key.
class ManifestReader {
 public:
  ManifestReader(const toml::table& root, const std::string& path) : root_(root), path_(path) {}

  Status Error(std::string_view key, std::string_view problem) const {
    std::string k(key), p(problem);
    return absl::InvalidArgumentError(
        absl::StrCat("model manifest ", path_, ": key '", k, "' ", p));
  }

  StatusOr<std::string> String(std::string_view key) const {
    toml::node_view<const toml::node> node = root_.at_path(key);
    if (!node) return Error(key, "is missing");
    auto value = node.value<std::string>();
    if (!node.is_string() || !value || value->empty()) {
      return Error(key, "must be a non-empty string");
    }
    return *value;
  }

  StatusOr<std::string> OneOf(std::string_view key,
                              std::initializer_list<const char*> allowed) const {
    OCULA_ASSIGN_OR_RETURN(std::string value, String(key));
    if (std::find(allowed.begin(), allowed.end(), value) == allowed.end()) {
      return Error(key,
                   absl::StrCat("is \"", value, "\"; use one of: ", absl::StrJoin(allowed, ", ")));
    }
    return value;
  }

  StatusOr<std::string> FileName(std::string_view key) const {
    OCULA_ASSIGN_OR_RETURN(std::string value, String(key));
    if (value.find('/') != std::string::npos || value == "." || value == "..") {
      return Error(key, "must be a file name in the manifest's folder");
    }
    return value;
  }

  StatusOr<std::string> Sha256(std::string_view key) const {
    OCULA_ASSIGN_OR_RETURN(std::string value, String(key));
    bool hex = value.size() == 64 && std::all_of(value.begin(), value.end(), [](char c) {
                 return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f');
               });
    if (!hex) return Error(key, "must be 64 lowercase hex digits");
    return value;
  }

  StatusOr<int> Int(std::string_view key, int min, int max) const {
    toml::node_view<const toml::node> node = root_.at_path(key);
    if (!node) return Error(key, "is missing");
    std::optional<int64_t> value = node.is_integer() ? node.value<int64_t>() : std::nullopt;
    if (!value || *value < min || *value > max) {
      return Error(key, absl::StrCat("must be an integer from ", min, " to ", max));
    }
    return static_cast<int>(*value);
  }

  StatusOr<float> Number(toml::node_view<const toml::node> node, std::string_view key) const {
    if (!node) return Error(key, "is missing");
    if (!node.is_number()) return Error(key, "must be a number");
    return static_cast<float>(*node.value<double>());
  }

  StatusOr<float> PositiveNumber(std::string_view key) const {
    OCULA_ASSIGN_OR_RETURN(float value, Number(root_.at_path(key), key));
    if (!(value > 0)) return Error(key, "must be greater than 0");
    return value;
  }

  StatusOr<std::array<float, 3>> Triple(std::string_view key) const {
    toml::node_view<const toml::node> node = root_.at_path(key);
    if (!node) return Error(key, "is missing");
    const toml::array* array = node.as_array();
    if (array == nullptr || array->size() != 3) {
      return Error(key, "must be an array of 3 numbers (one per channel)");
    }
    std::array<float, 3> out{};
    for (size_t i = 0; i < 3; ++i) {
      OCULA_ASSIGN_OR_RETURN(out[i], Number(node[i], key));
    }
    return out;
  }

  bool Has(std::string_view key) const { return static_cast<bool>(root_.at_path(key)); }

  StatusOr<float> NumberIn(std::string_view key, float min, float max) const {
    OCULA_ASSIGN_OR_RETURN(float value, Number(root_.at_path(key), key));
    if (!(value >= min && value <= max)) {
      return Error(key, absl::StrCat("must be a number from ", min, " to ", max));
    }
    return value;
  }

  StatusOr<std::map<std::string, std::string>> StringTable(std::string_view key) const {
    const toml::table* table = root_.at_path(key).as_table();
    if (table == nullptr || table->empty()) return Error(key, "must be a table of names");
    std::map<std::string, std::string> out;
    for (const auto& [role, value] : *table) {
      std::string full = absl::StrCat(std::string(key), ".", std::string(role.str()));
      if (!value.is_string()) return Error(full, "must be a string");
      out[std::string(role.str())] = *value.value<std::string>();
    }
    return out;
  }

 private:
  const toml::table& root_;
  const std::string& path_;
};

StatusOr<ModelInputSpec> ReadInput(const ManifestReader& r) {
  ModelInputSpec in;
  OCULA_ASSIGN_OR_RETURN(in.name, r.String("input.name"));
  OCULA_ASSIGN_OR_RETURN(in.width, r.Int("input.width", 1, 4096));
  OCULA_ASSIGN_OR_RETURN(in.height, r.Int("input.height", 1, 4096));
  OCULA_ASSIGN_OR_RETURN(in.layout, r.OneOf("input.layout", {"NCHW", "NHWC"}));
  OCULA_ASSIGN_OR_RETURN(in.color, r.OneOf("input.color", {"RGB", "BGR"}));
  OCULA_ASSIGN_OR_RETURN(
      in.resize, r.OneOf("input.resize", {"short_side_center_crop", "stretch", "letterbox"}));
  if (in.resize == "short_side_center_crop") {
    OCULA_ASSIGN_OR_RETURN(in.resize_short_side, r.Int("input.resize_short_side", 1, 8192));
    if (in.resize_short_side < std::max(in.width, in.height)) {
      return r.Error("input.resize_short_side", "must be at least the input width and height");
    }
  }
  OCULA_ASSIGN_OR_RETURN(in.scale, r.PositiveNumber("input.scale"));
  OCULA_ASSIGN_OR_RETURN(in.mean, r.Triple("input.mean"));
  OCULA_ASSIGN_OR_RETURN(in.std, r.Triple("input.std"));
  for (float s : in.std) {
    if (!(s > 0)) return r.Error("input.std", "must hold numbers greater than 0");
  }
  return in;
}

// The optional [detector] table; absent keys keep DetectorSpec's defaults.
StatusOr<DetectorSpec> ReadDetector(const ManifestReader& r) {
  DetectorSpec d;
  if (r.Has("detector.score_threshold")) {
    OCULA_ASSIGN_OR_RETURN(d.score_threshold, r.NumberIn("detector.score_threshold", 0, 1));
  }
  if (r.Has("detector.nms_iou")) {
    OCULA_ASSIGN_OR_RETURN(d.nms_iou, r.NumberIn("detector.nms_iou", 0, 1));
  }
  if (r.Has("detector.max_detections")) {
    OCULA_ASSIGN_OR_RETURN(d.max_detections, r.Int("detector.max_detections", 1, 10000));
  }
  return d;
}

// The decoder, from those the task accepts.
StatusOr<std::string> ReadDecoder(const ManifestReader& r, const std::string& task) {
  if (task == "objects") return r.OneOf("decoder", {"fastestdet", "nanodet", "picodet"});
  if (task == "faces") return r.OneOf("decoder", {"yunet", "ultraface"});
  return r.OneOf("decoder", {"softmax", "sigmoid", "none"});
}

// The optional `source`: a folder name in the shared model store.
StatusOr<std::string> ReadSource(const ManifestReader& r) {
  if (!r.Has("source")) return std::string();
  OCULA_ASSIGN_OR_RETURN(std::string source, r.String("source"));
  if (source.find('/') != std::string::npos || source == "." || source == "..") {
    return r.Error("source", "must be a folder name in the shared model store");
  }
  return source;
}

// Task-specific keys of detectors ("objects", "faces"): labels optional for
// faces, letterbox allowed, [detector] thresholds.
Status ReadDetectorKeys(const ManifestReader& r, ModelManifest& m) {
  if (m.task == "objects" || r.Has("labels")) {
    OCULA_ASSIGN_OR_RETURN(m.labels_file, r.FileName("labels.file"));
    OCULA_ASSIGN_OR_RETURN(m.labels_sha256, r.Sha256("labels.sha256"));
  }
  OCULA_ASSIGN_OR_RETURN(m.detector, ReadDetector(r));
  return absl::OkStatus();
}

StatusOr<ModelManifest> ReadManifest(const ManifestReader& r, const std::string& path) {
  ModelManifest m;
  m.manifest_path = path;
  m.dir = std::filesystem::path(path).parent_path().string();
  if (m.dir.empty()) m.dir.assign(1, '.');  // (not = ".": GCC 12 -Wrestrict false positive)
  OCULA_ASSIGN_OR_RETURN(m.name, r.String("name"));
  OCULA_ASSIGN_OR_RETURN(m.task, r.OneOf("task", {"classify", "objects", "faces"}));
  OCULA_ASSIGN_OR_RETURN(m.source, ReadSource(r));
  const bool classify = m.task == "classify";
  OCULA_ASSIGN_OR_RETURN(m.file, r.FileName("file"));
  OCULA_ASSIGN_OR_RETURN(m.sha256, r.Sha256("sha256"));
  if (classify) {
    OCULA_ASSIGN_OR_RETURN(m.labels_file, r.FileName("labels.file"));
    OCULA_ASSIGN_OR_RETURN(m.labels_sha256, r.Sha256("labels.sha256"));
  } else {
    OCULA_RETURN_IF_ERROR(ReadDetectorKeys(r, m));
  }
  OCULA_ASSIGN_OR_RETURN(m.input, ReadInput(r));
  if (classify && m.input.resize == "letterbox") {
    return r.Error("input.resize", "\"letterbox\" is for detectors (task objects or faces)");
  }
  OCULA_ASSIGN_OR_RETURN(m.outputs, r.StringTable("outputs"));
  if (classify && !m.outputs.contains("logits")) return r.Error("outputs.logits", "is missing");
  OCULA_ASSIGN_OR_RETURN(m.decoder, ReadDecoder(r, m.task));
  return m;
}

Status VerifyFile(const char* role, const std::string& path, const std::string& sha256) {
  std::error_code ec;
  if (!std::filesystem::is_regular_file(path, ec)) {
    return absl::NotFoundError(absl::StrCat(role, " ", path, " is missing; ", kPrepare,
                                            " (copies from ../shared/models)"));
  }
  OCULA_ASSIGN_OR_RETURN(std::string bytes, ReadWholeFile(path));
  std::string actual = Sha256Hex(bytes);
  if (actual != sha256) {
    return absl::FailedPreconditionError(absl::StrCat(role, " ", path, " has sha256 ", actual,
                                                      ", manifest says ", sha256, "; ", kPrepare,
                                                      " to restore it"));
  }
  return absl::OkStatus();
}

}  // namespace

StatusOr<std::string> ReadWholeFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return absl::NotFoundError(absl::StrCat("cannot open ", path));
  std::ostringstream out;
  out << in.rdbuf();
  if (in.bad()) return absl::DataLossError(absl::StrCat("cannot read ", path));
  return std::move(out).str();
}

StatusOr<ModelManifest> ParseModelManifest(std::string_view toml_text,
                                           const std::string& manifest_path) {
  toml::table root;
  try {
    root = toml::parse(toml_text, manifest_path);
  } catch (const toml::parse_error& e) {
    return absl::InvalidArgumentError(absl::StrCat("model manifest ", manifest_path, ":",
                                                   e.source().begin.line, ": ",
                                                   std::string(e.description())));
  }
  return ReadManifest(ManifestReader(root, manifest_path), manifest_path);
}

Status VerifyModelFiles(const ModelManifest& manifest) {
  OCULA_RETURN_IF_ERROR(VerifyFile("model file", manifest.ModelPath(), manifest.sha256));
  if (manifest.labels_file.empty()) return absl::OkStatus();  // faces need no labels
  return VerifyFile("labels file", manifest.LabelsPath(), manifest.labels_sha256);
}

StatusOr<ModelManifest> LoadModelManifest(const std::string& manifest_path) {
  std::error_code ec;
  if (!std::filesystem::is_regular_file(manifest_path, ec)) {
    return absl::NotFoundError(absl::StrCat("model manifest ", manifest_path, " is missing"));
  }
  OCULA_ASSIGN_OR_RETURN(std::string text, ReadWholeFile(manifest_path));
  OCULA_ASSIGN_OR_RETURN(ModelManifest manifest, ParseModelManifest(text, manifest_path));
  OCULA_RETURN_IF_ERROR(VerifyModelFiles(manifest));
  return manifest;
}

ChannelLuts MakeChannelLuts(const ModelInputSpec& spec) {
  ChannelLuts luts{};
  for (int c = 0; c < 3; ++c) {
    for (int p = 0; p < 256; ++p) {
      luts[c][p] = (static_cast<float>(p) * spec.scale - spec.mean[c]) / spec.std[c];
    }
  }
  return luts;
}

}  // namespace ocula
