// vision/semantics. This header (the loaded knowledge) is the area's entry
// point; beside it wordnet.h (the noun graph) and the features built on it.
//
// Semantics: the knowledge that turns model outputs (ImageNet classes, COCO
// detections, faces) into the words of the Computer Vision contract: tags with
// hints, the 86 categories, captions and object parent chains.
//
// It is data, not code: the WordNet 3.0 noun graph (Debian's wordnet-base)
// plus three reviewable tables under models/semantics/ (see its README.md):
//   categories.tsv      WordNet synset -> taxonomy category, with a weight
//   broad_terms.tsv     WordNet synset -> broad tag ("dog", "animal", ...)
//   object_parents.tsv  COCO label -> WordNet synset and parent chain
// The feature functions live in tags.h, categories.h and captions.h and take a
// `const Semantics&`.
//
// Thread-safety: a loaded Semantics is immutable and safe for concurrent use;
// load it once per process (loading takes ~0.1 s, mostly WordNet).
#pragma once

#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "core/status.h"
#include "vision/feature_types.h"
#include "vision/semantics/wordnet.h"

namespace ocula {

// One row of categories.tsv. An empty `category` ("-" in the file) means
// "explicitly no category": it stops the upward walk for synsets whose
// ancestors would suggest a misleading one.
struct CategoryRule {
  std::string wnid;
  std::string category;
  float weight = 1;  // 0 < weight <= 1
};

// A parent in object_parents.tsv: "mammal (n01861778)".
struct ParentTerm {
  std::string name;
  std::string wnid;
};

// One row of object_parents.tsv.
struct ObjectInfo {
  std::string label;                 // canonical COCO name, e.g. "motorcycle"
  std::vector<std::string> aliases;  // other spellings, e.g. "motorbike"
  std::string wnid;                  // the label's synset
  std::vector<ParentTerm> parents;   // nearest first
};

// A broad term found among a synset's ancestors.
struct BroadTerm {
  std::string tag;   // "dog"
  std::string wnid;  // the ancestor synset that carries it
};

struct SemanticTables {
  std::unordered_map<std::string, std::vector<CategoryRule>> category_rules;  // by wnid
  std::unordered_map<std::string, std::string> broad_terms;                   // wnid -> tag
  std::vector<ObjectInfo> objects;                                            // file order
};

// Table parsers. `source` names the file in errors. Lines starting with '#'
// and blank lines are skipped; fields are TAB-separated. InvalidArgument
// naming "source:line" for a malformed wnid, a category outside the 86-name
// taxonomy, a weight outside (0, 1], a missing field or a duplicate label.
// They check form only; tests check every wnid against WordNet.
Status ParseCategoryTable(std::string_view text, std::string_view source, SemanticTables& out);
Status ParseBroadTerms(std::string_view text, std::string_view source, SemanticTables& out);
Status ParseObjectTable(std::string_view text, std::string_view source, SemanticTables& out);

class Semantics {
 public:
  // Reads the three tables from `tables_dir` (normally <model_dir>/semantics)
  // and WordNet from `wordnet_dir`. NotFound naming the missing file (with the
  // wordnet-base hint for WordNet); InvalidArgument for malformed content.
  static StatusOr<std::unique_ptr<Semantics>> Load(
      const std::string& tables_dir, const std::string& wordnet_dir = kDefaultWordNetDir);

  // Bundles already-loaded parts (tests build small tables in memory).
  Semantics(std::unique_ptr<const WordNet> wordnet, SemanticTables tables);

  const WordNet& wordnet() const { return *wordnet_; }
  const SemanticTables& tables() const { return tables_; }

  // The table row for a COCO label or one of its aliases (case-insensitive),
  // or nullptr when the label is not in the table.
  const ObjectInfo* FindObject(std::string_view label) const;

  // The canonical label ("motorbike" -> "motorcycle"); `label` itself when
  // the table does not know it.
  std::string CanonicalLabel(std::string_view label) const;

  // The Objects `parent` chain for a detection of `label` with `confidence`,
  // nearest parent first ("dog" -> mammal, animal); empty when the label has
  // no parents or is unknown. Each parent carries the detection's confidence:
  // a broader term is at least as likely as the object itself, and one
  // detection is all the evidence there is.
  std::vector<ObjectParent> ParentChain(std::string_view label, float confidence) const;

  // The broad terms among `wnid`'s ancestors (itself included), nearest first
  // (by hypernym distance, then file order), each tag name once. Empty for
  // unknown synsets.
  std::vector<BroadTerm> BroadTermsOf(std::string_view wnid) const;

 private:
  // Constant after construction.
  const std::unique_ptr<const WordNet> wordnet_;
  const SemanticTables tables_;
  std::unordered_map<std::string, size_t> object_index_;  // lower-case label or alias -> row
};

}  // namespace ocula
