// FsBlobStore specifics: files on disk, temporary files, failures midway,
// each with new blobs written as unnamed files (O_TMPFILE, the default where
// the file system has them) and as temporary files renamed into place.
#include <gtest/gtest.h>
#include <sys/resource.h>

#include <csignal>
#include <filesystem>
#include <fstream>

#include "blob/blob_store_fs.h"
#include "storage/temp_dir.h"

namespace ocula {
namespace {

namespace fs = std::filesystem;

class FsBlobStoreTest : public ::testing::TestWithParam<bool> {
 protected:
  void SetUp() override {
    auto store = MakeFsBlobStore(root_, {.unnamed_files = GetParam()});
    ASSERT_TRUE(store.ok()) << store.status();
    store_ = std::move(*store);
  }

  // Every file under the root, relative to it.
  std::vector<std::string> FilesOnDisk() const {
    std::vector<std::string> files;
    for (const auto& entry : fs::recursive_directory_iterator(root_)) {
      if (entry.is_regular_file()) files.push_back(fs::relative(entry.path(), root_).string());
    }
    std::sort(files.begin(), files.end());
    return files;
  }

  testing::TempDir dir_;
  std::string root_ = dir_.File("nested/blob/root");
  std::unique_ptr<BlobStore> store_;
};

TEST_P(FsBlobStoreTest, BlobsAreFilesUnderTheRoot) {
  ASSERT_TRUE(store_->Put("images/01ABC/original", "jpeg bytes").ok());
  std::ifstream file(root_ + "/images/01ABC/original", std::ios::binary);
  std::string content((std::istreambuf_iterator<char>(file)), std::istreambuf_iterator<char>());
  EXPECT_EQ(content, "jpeg bytes");
}

TEST_P(FsBlobStoreTest, NoTemporaryFilesAreLeftBehind) {
  ASSERT_TRUE(store_->Put("a/b/c", "1").ok());
  ASSERT_TRUE(store_->Put("a/b/c", "2").ok());
  ASSERT_TRUE(store_->Put("d", "3").ok());
  ASSERT_TRUE(store_->CheckHealth().ok());
  EXPECT_EQ(FilesOnDisk(), (std::vector<std::string>{"a/b/c", "d"}));
}

TEST_P(FsBlobStoreTest, PutThatFailsMidwayLeavesTheOldBlobIntact) {
  ASSERT_TRUE(store_->Put("k", "old bytes").ok());
  // Make write() fail with EFBIG after 4 KiB, as a full disk would midway.
  rlimit saved;
  ASSERT_EQ(getrlimit(RLIMIT_FSIZE, &saved), 0);
  rlimit small = saved;
  small.rlim_cur = 4096;
  auto old_handler = std::signal(SIGXFSZ, SIG_IGN);
  ASSERT_EQ(setrlimit(RLIMIT_FSIZE, &small), 0);
  Status status = store_->Put("k", std::string(64 * 1024, 'n'));
  setrlimit(RLIMIT_FSIZE, &saved);
  std::signal(SIGXFSZ, old_handler);

  EXPECT_EQ(status.code(), StatusCode::kResourceExhausted) << status;
  EXPECT_EQ(ReasonOf(status), reason::kInsufficientStorage);
  EXPECT_EQ(*store_->Get("k"), "old bytes");
  EXPECT_EQ(FilesOnDisk(), std::vector<std::string>{"k"});
}

TEST_P(FsBlobStoreTest, DeleteRemovesDirectoriesLeftEmpty) {
  ASSERT_TRUE(store_->Put("images/x/original", "1").ok());
  ASSERT_TRUE(store_->Put("images/y/original", "2").ok());
  ASSERT_TRUE(store_->Delete("images/x/original").ok());
  EXPECT_FALSE(fs::exists(root_ + "/images/x"));
  EXPECT_TRUE(fs::exists(root_ + "/images/y/original"));
  ASSERT_TRUE(store_->Delete("images/y/original").ok());
  EXPECT_FALSE(fs::exists(root_ + "/images"));
  EXPECT_TRUE(fs::exists(root_));
}

TEST_P(FsBlobStoreTest, KeyCollidingWithADirectoryIsFailedPrecondition) {
  ASSERT_TRUE(store_->Put("a/b", "1").ok());
  EXPECT_EQ(store_->Put("a", "2").code(), StatusCode::kFailedPrecondition);
  EXPECT_EQ(store_->Put("a/b/c", "3").code(), StatusCode::kFailedPrecondition);
  EXPECT_EQ(store_->Get("a").status().code(), StatusCode::kNotFound);
  EXPECT_EQ(*store_->Get("a/b"), "1");
}

TEST_P(FsBlobStoreTest, ListSkipsFilesThatAreNotBlobs) {
  ASSERT_TRUE(store_->Put("real", "1").ok());
  std::ofstream(root_ + "/real~tmp.0123456789abcdef") << "partial";
  std::ofstream(root_ + "/bad name") << "stray";
  auto infos = store_->List("", "", 10);
  ASSERT_TRUE(infos.ok());
  ASSERT_EQ(infos->size(), 1u);
  EXPECT_EQ((*infos)[0].key, "real");
}

TEST_P(FsBlobStoreTest, ANewStoreOverTheSameRootSeesTheBlobs) {
  ASSERT_TRUE(store_->Put("persist/me", "still here").ok());
  store_.reset();
  auto reopened = MakeFsBlobStore(root_ + "/");
  ASSERT_TRUE(reopened.ok());
  EXPECT_EQ(*(*reopened)->Get("persist/me"), "still here");
}

INSTANTIATE_TEST_SUITE_P(NewBlobs, FsBlobStoreTest, ::testing::Bool(),
                         [](const ::testing::TestParamInfo<bool>& info) {
                           return info.param ? "UnnamedFiles" : "RenamedTemporaryFiles";
                         });

// Debian 12's kernel makes unnamed files on ext4 and tmpfs, where the tests
// run: the fast path is the one they exercise, unless turned off.
TEST(FsBlobStoreUnnamedFilesTest, UsedWhereTheFileSystemHasThemUnlessTurnedOff) {
  testing::TempDir dir;
  FsBlobStore unnamed(dir.path());
  ASSERT_TRUE(unnamed.Put("k", "1").ok());
  ASSERT_TRUE(unnamed.Put("k", "2").ok());  // over an existing blob
  EXPECT_TRUE(unnamed.writes_unnamed_files());
  EXPECT_EQ(*unnamed.Get("k"), "2");

  FsBlobStore renamed(dir.path(), {.unnamed_files = false});
  ASSERT_TRUE(renamed.Put("k", "3").ok());
  EXPECT_FALSE(renamed.writes_unnamed_files());
  EXPECT_EQ(*unnamed.Get("k"), "3");  // one layout on disk either way
}

TEST(MakeFsBlobStoreTest, RejectsEmptyPathAndNonDirectory) {
  EXPECT_EQ(MakeFsBlobStore("").status().code(), StatusCode::kInvalidArgument);
  testing::TempDir dir;
  std::ofstream(dir.File("file")) << "x";
  EXPECT_EQ(MakeFsBlobStore(dir.File("file")).status().code(), StatusCode::kFailedPrecondition);
}

}  // namespace
}  // namespace ocula
