// Real SQLite stores in a temp dir, an in-memory blob store and a scripted
// fake Analyzer: the pipeline without HTTP or models.
#pragma once

#include <gtest/gtest.h>

#include <atomic>
#include <deque>
#include <filesystem>
#include <mutex>

#include "blob/blob_store_memory.h"
#include "events/event_bus_sqlite.h"
#include "metadata/metadata_store_sqlite.h"
#include "server_process.h"
#include "vision/analyzer.h"

namespace ocula {

// Returns scripted outcomes in order, then successes.
class FakeAnalyzer : public Analyzer {
 public:
  struct Script {
    std::mutex mu;
    std::deque<Status> outcomes;
    std::atomic<int> calls{0};
  };
  explicit FakeAnalyzer(Script& script) : script_(script) {}
  StatusOr<Analysis> Analyze(std::string_view bytes) override {
    ++script_.calls;
    {
      std::lock_guard lock(script_.mu);
      if (!script_.outcomes.empty()) {
        Status s = script_.outcomes.front();
        script_.outcomes.pop_front();
        if (!s.ok()) return s;
      }
    }
    Analysis a;
    a.metadata_json = R"({"width":100,"height":80,"format":"Jpeg"})";
    a.analysis_json = R"({"tags":[{"name":"thing","confidence":0.9}]})";
    a.embedding = {1.0f, 2.0f, 3.0f};
    a.embedding_model = "fake";
    return a;
  }
  StatusOr<VisionResult> Run(std::string_view, const FeatureSet&) override {
    return absl::UnimplementedError("fake");
  }
  StatusOr<OcrPage> Read(std::string_view, const std::string&) override {
    return absl::UnimplementedError("fake");
  }
  StatusOr<Thumbnail> MakeThumbnail(std::string_view, int, int, bool) override {
    return absl::UnimplementedError("fake");
  }
  StatusOr<AreaOfInterestResult> FindAreaOfInterest(std::string_view) override {
    return absl::UnimplementedError("fake");
  }
  // A vector made from the bytes (their first 8 values), so that equal
  // images get equal features.
  StatusOr<Embedding> CustomFeatures(std::string_view bytes) override {
    Embedding e{"fake/features", std::vector<float>(8, 0.0f)};
    for (size_t i = 0; i < bytes.size() && i < 8; ++i) e.values[i] = static_cast<uint8_t>(bytes[i]);
    return e;
  }
  std::string CustomFeatureModel() const override { return "fake/features"; }
  std::string PipelineVersion() const override { return "fake/v1"; }
  std::string ModelVersion() const override { return "fake"; }

 private:
  Script& script_;
};

class PipelineFixture : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = testing::MakeTempDir("ocula-pipeline");
    metadata_ = *OpenSqliteMetadataStore(dir_ + "/ocula.db");
    EventBusOptions options;
    options.visibility_timeout = std::chrono::milliseconds(500);
    options.max_attempts = 3;
    options.backoff_base = std::chrono::milliseconds(10);
    options.backoff_max = std::chrono::milliseconds(20);
    bus_ = *OpenSqliteEventBus(dir_ + "/ocula.db", options);
  }
  void TearDown() override { std::filesystem::remove_all(dir_); }

  std::string dir_;
  MemoryBlobStore blobs_;
  std::unique_ptr<MetadataStore> metadata_;
  std::unique_ptr<EventBus> bus_;
};

}  // namespace ocula
