#include "core/ids.h"

#include <gtest/gtest.h>

#include <regex>
#include <set>

namespace ocula {
namespace {

TEST(IdsTest, IdsAreValidUniqueAndOrderedByTime) {
  std::set<std::string> seen;
  std::string previous;
  for (int64_t t = 1'700'000'000'000; t < 1'700'000'000'100; ++t) {
    std::string id = NewId(t);
    EXPECT_TRUE(IsValidId(id)) << id;
    EXPECT_TRUE(seen.insert(id).second);
    EXPECT_LT(previous, id);
    previous = id;
  }
}

TEST(IdsTest, RejectsMalformedIds) {
  EXPECT_FALSE(IsValidId(""));
  EXPECT_FALSE(IsValidId("../../etc/passwd"));
  EXPECT_FALSE(IsValidId("01J0000000000000000000000u"));  // lowercase u not in alphabet
  EXPECT_FALSE(IsValidId(std::string(27, '0')));
}

TEST(IdsTest, IdsFromSeedAreValidAndRepeatable) {
  std::string id = IdFromSeed(1'700'000'000'000, "incoming/a.jpg");
  EXPECT_TRUE(IsValidId(id));
  EXPECT_EQ(id, IdFromSeed(1'700'000'000'000, "incoming/a.jpg"));
  EXPECT_NE(id, IdFromSeed(1'700'000'000'000, "incoming/b.jpg"));
  EXPECT_EQ(id.substr(0, 10), NewId(1'700'000'000'000).substr(0, 10));  // the same time prefix
}

TEST(IdsTest, TokensAreHex) {
  std::string t = RandomToken();
  EXPECT_EQ(t.size(), 16u);
  EXPECT_EQ(t.find_first_not_of("0123456789abcdef"), std::string::npos);
  EXPECT_NE(t, RandomToken());
}

TEST(IdsTest, UuidsAreVersion4AndUnique) {
  const std::regex shape("^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$");
  std::set<std::string> seen;
  for (int i = 0; i < 1000; ++i) {
    std::string uuid = NewUuid();
    EXPECT_TRUE(std::regex_match(uuid, shape)) << uuid;
    seen.insert(uuid);
  }
  EXPECT_EQ(seen.size(), 1000u);
}

TEST(IdsTest, ImageIdsRoundTripThroughUuids) {
  for (int i = 0; i < 1000; ++i) {
    std::string id = NewId(1'700'000'000'000 + i);
    std::string uuid = IdToUuid(id);
    ASSERT_EQ(uuid.size(), 36u) << id;
    EXPECT_EQ(UuidToId(uuid), id);
  }
  // The time prefix is the UUID's first 48 bits, so UUIDs sort like the ids.
  EXPECT_EQ(IdToUuid("00000000000000000000000001"), "00000000-0000-0000-0000-000000000001");
  EXPECT_EQ(IdToUuid("7ZZZZZZZZZZZZZZZZZZZZZZZZZ"), "ffffffff-ffff-ffff-ffff-ffffffffffff");
  EXPECT_EQ(UuidToId("FFFFFFFF-ffff-ffff-ffff-ffffffffffff"), "7ZZZZZZZZZZZZZZZZZZZZZZZZZ");
}

TEST(IdsTest, UuidConversionRefusesOtherText) {
  EXPECT_EQ(IdToUuid("8ZZZZZZZZZZZZZZZZZZZZZZZZZ"), "");  // over 128 bits
  EXPECT_EQ(IdToUuid("not-an-id"), "");
  EXPECT_EQ(UuidToId("0f8fad5b-d9cb-469f-a165-70867728950"), "");
  EXPECT_EQ(UuidToId("0f8fad5b-d9cb-469f-a165x70867728950e"), "");
  EXPECT_EQ(UuidToId("0g8fad5b-d9cb-469f-a165-70867728950e"), "");
}

}  // namespace
}  // namespace ocula
