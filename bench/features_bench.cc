// Per-feature cost of the analysis, in ms per image on one thread, for both
// engines: decode alone, decode + classifier (the base every request pays),
// each feature's extra cost over that base, and the default pipeline set.
// OCR is measured on the OCR test pages (it decodes at full resolution).
#include <CLI/CLI.hpp>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>

#include "http_client.h"
#include "server_process.h"
#include "vision/analyzer.h"

namespace ocula {
namespace {

using SteadyClock = std::chrono::steady_clock;

std::vector<std::string> Load(const std::string& dir, size_t n) {
  std::vector<std::string> files;
  for (auto& e : std::filesystem::directory_iterator(dir)) {
    std::string ext = e.path().extension().string();
    if (ext == ".txt") continue;
    files.push_back(e.path().string());
  }
  std::sort(files.begin(), files.end());
  files.resize(std::min(files.size(), n));
  std::vector<std::string> out;
  for (const auto& f : files) out.push_back(testing::ReadFile(f));
  return out;
}

// Median over 3 passes of the mean ms per image of `fn` over `images`.
template <typename Fn>
double MsPerImage(const std::vector<std::string>& images, Fn fn) {
  for (const auto& img : images) fn(img);  // warm-up
  std::vector<double> passes;
  for (int pass = 0; pass < 3; ++pass) {
    auto start = SteadyClock::now();
    for (const auto& img : images) fn(img);
    passes.push_back(std::chrono::duration<double, std::milli>(SteadyClock::now() - start).count() /
                     images.size());
  }
  std::sort(passes.begin(), passes.end());
  return passes[1];
}

}  // namespace
}  // namespace ocula

int main(int argc, char** argv) {
  using namespace ocula;
  CLI::App app{"Ocula per-feature benchmark"};
  size_t n = 30;
  std::string out = "bench/results/features.json";
  app.add_option("--images", n, "ImageNet dev photos to use");
  app.add_option("--out", out, "JSON results file");
  CLI11_PARSE(app, argc, argv);

  std::string shared = testing::ServerProcess::SharedDir() + "/testdata";
  auto photos = Load(shared + "/imagenet-dev", n);
  auto pages = Load(shared + "/ocr", 10);
  const Feature kFeatures[] = {Feature::kTags,      Feature::kCategories, Feature::kDescription,
                               Feature::kObjects,   Feature::kFaces,      Feature::kColor,
                               Feature::kImageType, Feature::kAdult};
  nlohmann::json results = nlohmann::json::object();
  std::printf("| ms per image (1 thread) | onnxruntime | opencv |\n|---|---|---|\n");
  std::map<std::string, std::map<std::string, double>> table;
  for (std::string engine : {"onnxruntime", "opencv"}) {
    AnalyzerOptions options;
    options.engine = engine;
    options.model_dir = testing::ServerProcess::ModelDir();
    auto analyzer = Analyzer::Create(options);
    if (!analyzer.ok()) {
      std::fprintf(stderr, "%s\n", std::string(analyzer.status().message()).c_str());
      return 1;
    }
    Analyzer& a = **analyzer;
    auto& row = table[engine];
    row["decode (TurboJPEG for JPEG, short side 352)"] =
        MsPerImage(photos, [&](const std::string& b) { (void)DecodeImage(b, 352, ImageLimits{}); });
    double base = MsPerImage(photos, [&](const std::string& b) { (void)a.Run(b, FeatureSet{}); });
    row["decode + classifier (base of every request)"] = base;
    for (Feature f : kFeatures) {
      double t = MsPerImage(photos, [&](const std::string& b) { (void)a.Run(b, FeatureSet{f}); });
      row[std::string("+ ") + std::string(FeatureName(f))] = std::max(0.0, t - base);
    }
    row["default pipeline set (all but Text), total"] =
        MsPerImage(photos, [&](const std::string& b) { (void)a.Run(b, FeatureSet::AllButText()); });
    row["Text (OCR, full resolution), per page"] =
        MsPerImage(pages, [&](const std::string& b) { (void)a.Read(b, "en"); });
  }
  for (const auto& [name, value] : table["onnxruntime"]) {
    std::printf("| %s | %.1f | %.1f |\n", name.c_str(), value, table["opencv"][name]);
  }
  results = table;
  std::filesystem::create_directories(std::filesystem::path(out).parent_path());
  std::ofstream(out) << results.dump(2) << "\n";
  return 0;
}
