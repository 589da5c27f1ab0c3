// The CustomVisionStore contract: every implementation passes these tests.
// A test binary includes this header once and instantiates the suite with
// its backends, e.g.
//
//   INSTANTIATE_TEST_SUITE_P(Sqlite, CustomVisionStoreContract,
//       ::testing::Values(CustomVisionStoreBackend{"sqlite", NewSqliteStore}),
//       CustomVisionStoreBackendName);
//
// Each test gets a new, empty store from the backend.
#pragma once

#include <gtest/gtest.h>

#include <functional>
#include <memory>
#include <ostream>
#include <string>
#include <vector>

#include "metadata/custom_vision_store.h"

namespace ocula {

struct CustomVisionStoreBackend {
  std::string name;
  std::function<StatusOr<std::unique_ptr<CustomVisionStore>>()> new_store;
};

inline void PrintTo(const CustomVisionStoreBackend& backend, std::ostream* os) {
  *os << backend.name;
}

inline std::string CustomVisionStoreBackendName(
    const ::testing::TestParamInfo<CustomVisionStoreBackend>& info) {
  return info.param.name;
}

class CustomVisionStoreContract : public ::testing::TestWithParam<CustomVisionStoreBackend> {
 protected:
  void SetUp() override {
    auto store = GetParam().new_store();
    ASSERT_TRUE(store.ok()) << store.status();
    store_ = std::move(*store);
  }

  void AddProject(const std::string& id, const std::string& name) {
    ASSERT_TRUE(store_->CreateProject({id, name, "", "Multiclass", 1, 1}).ok());
  }
  void AddTag(const std::string& project, const std::string& id, const std::string& name) {
    CvTag tag{id, project, name, "", "Regular", ++tag_clock_, 0};  // listed in this order
    ASSERT_TRUE(store_->CreateTag(tag).ok());
  }
  static CvImage Image(const std::string& id, int64_t created_ms,
                       std::vector<std::string> tags = {}) {
    return CvImage{id, created_ms, 640, 480, std::move(tags)};
  }
  static CvIteration Iteration(const std::string& id, const std::string& project,
                               int64_t created_ms) {
    CvIteration it;
    it.id = id;
    it.project_id = project;
    it.name = "Iteration " + id;
    it.classification_type = "Multiclass";
    it.created_ms = it.updated_ms = created_ms;
    it.seed = 7;
    return it;
  }
  static CvImageQuery Only(CvImageQuery::Tagging tagging) {
    CvImageQuery q;
    q.tagging = tagging;
    return q;
  }
  static CvImageQuery WithTags(std::vector<std::string> tag_ids) {
    CvImageQuery q;
    q.tag_ids = std::move(tag_ids);
    return q;
  }
  static CvImageQuery Page(int64_t skip, int64_t take) {
    CvImageQuery q;
    q.skip = skip;
    q.take = take;
    return q;
  }
  std::vector<std::string> ImageIds(const std::string& project, const CvImageQuery& q) {
    auto images = store_->ListImages(project, q);
    EXPECT_TRUE(images.ok()) << images.status();
    std::vector<std::string> ids;
    if (images.ok()) {
      for (const CvImage& i : *images) ids.push_back(i.image_id);
    }
    return ids;
  }

  std::unique_ptr<CustomVisionStore> store_;
  int64_t tag_clock_ = 0;
};

TEST_P(CustomVisionStoreContract, ProjectsAreCreatedReadUpdatedAndDeleted) {
  AddProject("p1", "shoes");
  AddProject("p2", "damage");
  EXPECT_EQ(store_->CreateProject({"p3", "shoes", "", "Multiclass", 1, 1}).code(),
            StatusCode::kAlreadyExists);
  EXPECT_EQ(store_->CreateProject({"p1", "other", "", "Multiclass", 1, 1}).code(),
            StatusCode::kAlreadyExists);
  auto p = store_->GetProject("p1");
  ASSERT_TRUE(p.ok()) << p.status();
  EXPECT_EQ(p->name, "shoes");
  EXPECT_EQ(p->classification_type, "Multiclass");

  CvProject changed = *p;
  changed.name = "footwear";
  changed.description = "what people wear on their feet";
  changed.classification_type = "Multilabel";
  changed.updated_ms = 9;
  ASSERT_TRUE(store_->UpdateProject(changed).ok());
  p = store_->GetProject("p1");
  ASSERT_TRUE(p.ok());
  EXPECT_EQ(p->name, "footwear");
  EXPECT_EQ(p->classification_type, "Multilabel");
  EXPECT_EQ(p->updated_ms, 9);
  changed.name = "damage";
  EXPECT_EQ(store_->UpdateProject(changed).code(), StatusCode::kAlreadyExists);

  auto all = store_->ListProjects();
  ASSERT_TRUE(all.ok());
  ASSERT_EQ(all->size(), 2u);
  ASSERT_TRUE(store_->DeleteProject("p2").ok());
  EXPECT_EQ(store_->GetProject("p2").status().code(), StatusCode::kNotFound);
  EXPECT_EQ(store_->DeleteProject("p2").status().code(), StatusCode::kNotFound);
  EXPECT_EQ(store_->UpdateProject({"nope", "x", "", "Multiclass", 1, 1}).code(),
            StatusCode::kNotFound);
}

TEST_P(CustomVisionStoreContract, TagsCountTheirImagesAndDeletingOneUntagsThem) {
  AddProject("p", "cars");
  AddTag("p", "t-door", "Door");
  AddTag("p", "t-bumper", "Bumper");
  EXPECT_EQ(store_->CreateTag({"t-x", "p", "Door", "", "Regular", 3, 0}).code(),
            StatusCode::kAlreadyExists);
  EXPECT_EQ(store_->CreateTag({"t-y", "nope", "Door", "", "Regular", 3, 0}).code(),
            StatusCode::kNotFound);
  ASSERT_TRUE(store_
                  ->AddImages("p", {Image("a", 1, {"t-door"}), Image("b", 2, {"t-door"}),
                                    Image("c", 3, {"t-bumper"})})
                  .ok());
  auto tags = store_->ListTags("p");
  ASSERT_TRUE(tags.ok()) << tags.status();
  ASSERT_EQ(tags->size(), 2u);
  EXPECT_EQ((*tags)[0].name, "Door");
  EXPECT_EQ((*tags)[0].image_count, 2);
  EXPECT_EQ((*tags)[1].image_count, 1);

  CvTag renamed = (*tags)[1];
  renamed.name = "Front bumper";
  renamed.type = "Negative";
  ASSERT_TRUE(store_->UpdateTag(renamed).ok());
  auto tag = store_->GetTag("p", "t-bumper");
  ASSERT_TRUE(tag.ok());
  EXPECT_EQ(tag->name, "Front bumper");
  EXPECT_EQ(tag->type, "Negative");
  EXPECT_EQ(tag->image_count, 1);

  ASSERT_TRUE(store_->DeleteTag("p", "t-door").ok());
  EXPECT_EQ(store_->GetTag("p", "t-door").status().code(), StatusCode::kNotFound);
  EXPECT_EQ(store_->DeleteTag("p", "t-door").code(), StatusCode::kNotFound);
  EXPECT_EQ(ImageIds("p", Only(CvImageQuery::Tagging::kUntagged)),
            (std::vector<std::string>{"b", "a"}));
}

TEST_P(CustomVisionStoreContract, ImagesAreTaggedUntaggedFilteredAndPaged) {
  AddProject("p", "clothes");
  AddTag("p", "t1", "hat");
  AddTag("p", "t2", "shoes");
  ASSERT_TRUE(store_
                  ->AddImages("p", {Image("a", 1, {"t1"}), Image("b", 2, {"t2"}), Image("c", 3),
                                    Image("d", 4, {"t1", "t2"})})
                  .ok());
  // Newest first; tags sorted.
  auto all = store_->ListImages("p", {});
  ASSERT_TRUE(all.ok()) << all.status();
  ASSERT_EQ(all->size(), 4u);
  EXPECT_EQ((*all)[0].image_id, "d");
  EXPECT_EQ((*all)[0].tag_ids, (std::vector<std::string>{"t1", "t2"}));
  EXPECT_EQ((*all)[0].width, 640);
  EXPECT_TRUE((*all)[1].tag_ids.empty());

  EXPECT_EQ(ImageIds("p", Only(CvImageQuery::Tagging::kTagged)),
            (std::vector<std::string>{"d", "b", "a"}));
  EXPECT_EQ(ImageIds("p", Only(CvImageQuery::Tagging::kUntagged)), (std::vector<std::string>{"c"}));
  EXPECT_EQ(ImageIds("p", WithTags({"t1"})), (std::vector<std::string>{"d", "a"}));
  EXPECT_EQ(ImageIds("p", Page(1, 2)), (std::vector<std::string>{"c", "b"}));
  auto count = store_->CountImages("p", WithTags({"t2"}));
  ASSERT_TRUE(count.ok());
  EXPECT_EQ(*count, 2);

  // Taking an image in again adds tags; an unknown tag changes nothing.
  ASSERT_TRUE(store_->AddImages("p", {Image("c", 5, {"t2"})}).ok());
  EXPECT_EQ(ImageIds("p", WithTags({"t2"})), (std::vector<std::string>{"d", "c", "b"}));
  EXPECT_EQ(store_->AddImages("p", {Image("e", 6), Image("f", 7, {"t9"})}).code(),
            StatusCode::kInvalidArgument);
  EXPECT_EQ(ImageIds("p", {}).size(), 4u);

  ASSERT_TRUE(store_->Untag("p", {"d", "a"}, {"t1"}).ok());
  EXPECT_EQ(ImageIds("p", WithTags({"t1"})), std::vector<std::string>{});
  ASSERT_TRUE(store_->RemoveImages("p", {"b", "zz"}).ok());
  EXPECT_EQ(ImageIds("p", {}), (std::vector<std::string>{"d", "c", "a"}));
  EXPECT_EQ(store_->ListImages("nope", {}).status().code(), StatusCode::kNotFound);
}

TEST_P(CustomVisionStoreContract, FeaturesAreKeptPerImageAndModel) {
  ASSERT_TRUE(store_->PutFeatures("a", "m1", {1.5f, -2.0f, 3.25f}).ok());
  ASSERT_TRUE(store_->PutFeatures("a", "m2", {9.0f}).ok());
  ASSERT_TRUE(store_->PutFeatures("b", "m1", {0.0f, 1.0f, 0.0f}).ok());
  ASSERT_TRUE(store_->PutFeatures("b", "m1", {4.0f, 5.0f, 6.0f}).ok());  // replaced
  auto got = store_->GetFeatures("m1", {"a", "b", "c"});
  ASSERT_TRUE(got.ok()) << got.status();
  ASSERT_EQ(got->size(), 2u);
  EXPECT_EQ(got->at("a"), (std::vector<float>{1.5f, -2.0f, 3.25f}));
  EXPECT_EQ(got->at("b"), (std::vector<float>{4.0f, 5.0f, 6.0f}));
}

TEST_P(CustomVisionStoreContract, OneTrainingAtATimeLeasedToOneWorker) {
  AddProject("p", "cars");
  AddProject("q", "shoes");
  ASSERT_TRUE(store_->CreateIteration(Iteration("i1", "p", 10)).ok());
  EXPECT_EQ(store_->CreateIteration(Iteration("i2", "p", 11)).code(),
            StatusCode::kFailedPrecondition);
  ASSERT_TRUE(store_->CreateIteration(Iteration("j1", "q", 12)).ok());

  // Oldest first; a leased one is not claimed again until its lease ends.
  auto a = store_->ClaimTraining("A", 100, 200);
  ASSERT_TRUE(a.ok()) << a.status();
  ASSERT_TRUE(a->has_value());
  EXPECT_EQ((*a)->id, "i1");
  EXPECT_EQ((*a)->owner, "A");
  EXPECT_EQ((*a)->attempts, 1);
  auto b = store_->ClaimTraining("B", 150, 250);
  ASSERT_TRUE(b.ok() && b->has_value());
  EXPECT_EQ((*b)->id, "j1");
  auto none = store_->ClaimTraining("C", 160, 260);
  ASSERT_TRUE(none.ok());
  EXPECT_FALSE(none->has_value());

  auto renewed = store_->RenewTraining("i1", "A", 400);
  ASSERT_TRUE(renewed.ok());
  EXPECT_TRUE(*renewed);
  // B's lease runs out at 250: C takes j1 over, and B's outcome is dropped.
  auto c = store_->ClaimTraining("C", 300, 500);
  ASSERT_TRUE(c.ok() && c->has_value());
  EXPECT_EQ((*c)->id, "j1");
  EXPECT_EQ((*c)->attempts, 2);  // counted per claim
  CvIteration outcome = **b;
  outcome.status = "Completed";
  outcome.trained_ms = 310;
  auto dropped = store_->FinishIteration(outcome, "B");
  ASSERT_TRUE(dropped.ok());
  EXPECT_FALSE(*dropped);
  EXPECT_FALSE(*store_->RenewTraining("j1", "B", 600));

  outcome = **a;
  outcome.status = "Completed";
  outcome.trained_ms = 320;
  outcome.head_blob_key = "heads/i1";
  outcome.performance_json = R"({"precision":0.9})";
  outcome.feature_model = "m/regions-2x2";
  auto finished = store_->FinishIteration(outcome, "A");
  ASSERT_TRUE(finished.ok());
  EXPECT_TRUE(*finished);
  auto it = store_->GetIteration("p", "i1");
  ASSERT_TRUE(it.ok());
  EXPECT_EQ(it->status, "Completed");
  EXPECT_EQ(it->trained_ms, 320);
  EXPECT_EQ(it->head_blob_key, "heads/i1");
  EXPECT_EQ(it->performance_json, R"({"precision":0.9})");
  EXPECT_EQ(it->feature_model, "m/regions-2x2");
  EXPECT_EQ(it->seed, 7u);
  EXPECT_FALSE(*store_->FinishIteration(outcome, "A"));  // once

  // The project may train again.
  ASSERT_TRUE(store_->CreateIteration(Iteration("i2", "p", 20)).ok());
  auto list = store_->ListIterations("p");
  ASSERT_TRUE(list.ok());
  ASSERT_EQ(list->size(), 2u);
  EXPECT_EQ((*list)[0].id, "i1");
  EXPECT_EQ(store_->GetIteration("q", "i1").status().code(), StatusCode::kNotFound);
}

TEST_P(CustomVisionStoreContract, OnlyCompletedIterationsArePublishedUnderUniqueNames) {
  AddProject("p", "cars");
  ASSERT_TRUE(store_->CreateIteration(Iteration("i1", "p", 10)).ok());
  EXPECT_EQ(store_->Publish("p", "i1", "prod", "res", 50).code(), StatusCode::kFailedPrecondition);
  auto claimed = store_->ClaimTraining("A", 100, 200);
  ASSERT_TRUE(claimed.ok() && claimed->has_value());
  CvIteration done = **claimed;
  done.status = "Completed";
  done.head_blob_key = "heads/i1";
  ASSERT_TRUE(*store_->FinishIteration(done, "A"));
  ASSERT_TRUE(store_->CreateIteration(Iteration("i2", "p", 20)).ok());
  claimed = store_->ClaimTraining("A", 300, 400);
  ASSERT_TRUE(claimed.ok() && claimed->has_value());
  done = **claimed;
  done.status = "Failed";
  done.error = "tag Door has 3 images; 5 needed";
  ASSERT_TRUE(*store_->FinishIteration(done, "A"));
  EXPECT_EQ(store_->Publish("p", "i2", "prod", "res", 50).code(), StatusCode::kFailedPrecondition);
  EXPECT_EQ(store_->GetIteration("p", "i2")->error, "tag Door has 3 images; 5 needed");

  ASSERT_TRUE(store_->Publish("p", "i1", "prod", "res", 500).ok());
  ASSERT_TRUE(store_->CreateIteration(Iteration("i3", "p", 30)).ok());
  claimed = store_->ClaimTraining("A", 600, 700);
  ASSERT_TRUE(claimed.ok() && claimed->has_value());
  done = **claimed;
  done.status = "Completed";
  ASSERT_TRUE(*store_->FinishIteration(done, "A"));
  EXPECT_EQ(store_->Publish("p", "i3", "prod", "res", 650).code(), StatusCode::kAlreadyExists);
  ASSERT_TRUE(store_->Publish("p", "i3", "staging", "res", 650).ok());
  auto published = store_->GetPublished("p", "prod");
  ASSERT_TRUE(published.ok()) << published.status();
  EXPECT_EQ(published->id, "i1");
  EXPECT_EQ(published->prediction_resource_id, "res");
  EXPECT_EQ(published->published_ms, 500);
  EXPECT_EQ(store_->GetPublished("p", "other").status().code(), StatusCode::kNotFound);
  EXPECT_EQ(store_->GetPublished("p", "").status().code(), StatusCode::kNotFound);

  ASSERT_TRUE(store_->RenameIteration("p", "i1", "first").ok());
  EXPECT_EQ(store_->GetIteration("p", "i1")->name, "first");
  EXPECT_EQ(store_->DeleteIteration("p", "i1").code(), StatusCode::kFailedPrecondition);
  ASSERT_TRUE(store_->Unpublish("p", "i1").ok());
  EXPECT_EQ(store_->GetPublished("p", "prod").status().code(), StatusCode::kNotFound);
  ASSERT_TRUE(store_->DeleteIteration("p", "i1").ok());
  EXPECT_EQ(store_->GetIteration("p", "i1").status().code(), StatusCode::kNotFound);
}

TEST_P(CustomVisionStoreContract, ThePipelineRunsWhatIsPublishedUnderTheAttachedName) {
  AddProject("p", "cars");
  AddProject("q", "clothes");
  EXPECT_EQ(store_->SetPipeline("nope", "prod", 1).code(), StatusCode::kNotFound);
  EXPECT_EQ(store_->GetPipeline("p").status().code(), StatusCode::kNotFound);
  ASSERT_TRUE(store_->SetPipeline("p", "prod", 5).ok());
  ASSERT_TRUE(store_->SetPipeline("q", "prod", 6).ok());
  EXPECT_TRUE(store_->PipelineIterations()->empty());  // nothing published yet

  ASSERT_TRUE(store_->CreateIteration(Iteration("i1", "p", 10)).ok());
  auto claimed = store_->ClaimTraining("A", 100, 200);
  ASSERT_TRUE(claimed.ok() && claimed->has_value());
  CvIteration done = **claimed;
  done.status = "Completed";
  ASSERT_TRUE(*store_->FinishIteration(done, "A"));
  ASSERT_TRUE(store_->Publish("p", "i1", "prod", "res", 300).ok());
  auto running = store_->PipelineIterations();
  ASSERT_TRUE(running.ok()) << running.status();
  ASSERT_EQ(running->size(), 1u);
  EXPECT_EQ(running->front().id, "i1");
  ASSERT_TRUE(store_->SetPipeline("p", "staging", 7).ok());  // another name: nothing there
  EXPECT_TRUE(store_->PipelineIterations()->empty());
  EXPECT_EQ(store_->GetPipeline("p")->publish_name, "staging");
  ASSERT_TRUE(store_->SetPipeline("p", "prod", 8).ok());

  // One re-run at a time, leased, resumable from its saved progress.
  EXPECT_EQ(store_->StartRerun("nope", 10, 1).code(), StatusCode::kNotFound);
  ASSERT_TRUE(store_->StartRerun("p", 10, 400).ok());
  EXPECT_EQ(store_->StartRerun("p", 10, 401).code(), StatusCode::kFailedPrecondition);
  auto rerun = store_->ClaimRerun("A", 500, 600);
  ASSERT_TRUE(rerun.ok() && rerun->has_value()) << rerun.status();
  EXPECT_EQ((*rerun)->project_id, "p");
  EXPECT_EQ((*rerun)->rerun_total, 10);
  EXPECT_FALSE(store_->ClaimRerun("B", 550, 650)->has_value());
  CvPipeline progress = **rerun;
  progress.rerun_cursor = "img-5";
  progress.rerun_done = 5;
  progress.rerun_updated_ms = 580;
  progress.lease_until_ms = 700;
  ASSERT_TRUE(*store_->SaveRerun(progress, "A"));
  // A dies; B takes over where A left off, and A's later progress is dropped.
  auto taken = store_->ClaimRerun("B", 701, 800);
  ASSERT_TRUE(taken.ok() && taken->has_value());
  EXPECT_EQ((*taken)->rerun_cursor, "img-5");
  EXPECT_EQ((*taken)->rerun_done, 5);
  EXPECT_FALSE(*store_->SaveRerun(progress, "A"));
  progress.rerun_status = "Completed";
  progress.rerun_done = 10;
  ASSERT_TRUE(*store_->SaveRerun(progress, "B"));
  EXPECT_EQ(store_->GetPipeline("p")->rerun_status, "Completed");
  EXPECT_FALSE(store_->ClaimRerun("C", 900, 1000)->has_value());
  ASSERT_TRUE(store_->StartRerun("p", 12, 950).ok());  // again, from the start
  EXPECT_EQ(store_->GetPipeline("p")->rerun_cursor, "");

  ASSERT_TRUE(store_->ClearPipeline("p").ok());
  EXPECT_EQ(store_->ClearPipeline("p").code(), StatusCode::kNotFound);
  EXPECT_TRUE(store_->PipelineIterations()->empty());
  ASSERT_TRUE(store_->DeleteProject("q").ok());  // its attachment goes with it
  EXPECT_EQ(store_->GetPipeline("q").status().code(), StatusCode::kNotFound);
}

TEST_P(CustomVisionStoreContract, DeletingAProjectDeletesWhatItHeldAndNamesItsHeads) {
  AddProject("p", "cars");
  AddProject("q", "shoes");
  AddTag("p", "t", "Door");
  AddTag("q", "u", "Boot");
  ASSERT_TRUE(store_->AddImages("p", {Image("a", 1, {"t"})}).ok());
  ASSERT_TRUE(store_->AddImages("q", {Image("a", 1, {"u"})}).ok());
  ASSERT_TRUE(store_->CreateIteration(Iteration("i1", "p", 10)).ok());
  auto claimed = store_->ClaimTraining("A", 100, 200);
  ASSERT_TRUE(claimed.ok() && claimed->has_value());
  CvIteration done = **claimed;
  done.status = "Completed";
  done.head_blob_key = "heads/i1";
  ASSERT_TRUE(*store_->FinishIteration(done, "A"));

  auto keys = store_->DeleteProject("p");
  ASSERT_TRUE(keys.ok()) << keys.status();
  EXPECT_EQ(*keys, std::vector<std::string>{"heads/i1"});
  EXPECT_EQ(store_->GetTag("p", "t").status().code(), StatusCode::kNotFound);
  EXPECT_EQ(store_->GetIteration("p", "i1").status().code(), StatusCode::kNotFound);
  // The other project's image and tag are untouched.
  EXPECT_EQ(ImageIds("q", WithTags({"u"})), std::vector<std::string>{"a"});
}

}  // namespace ocula
