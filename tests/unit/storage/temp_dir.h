// A uniquely named temporary directory, removed with its contents when the
// object goes away. For tests.
#pragma once

#include <filesystem>
#include <string>
#include <system_error>

#include "core/ids.h"

namespace ocula::testing {

class TempDir {
 public:
  TempDir()
      : path_((std::filesystem::temp_directory_path() / ("ocula-storage-test-" + RandomToken()))
                  .string()) {
    std::filesystem::create_directories(path_);
  }
  ~TempDir() {
    std::error_code ignored;  // best effort: a leftover temp dir fails no test
    std::filesystem::remove_all(path_, ignored);
  }
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;

  const std::string& path() const { return path_; }
  std::string File(const std::string& name) const { return path_ + "/" + name; }

 private:
  std::string path_;
};

}  // namespace ocula::testing
