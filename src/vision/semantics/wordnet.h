// WordNet: the WordNet 3.0 noun hypernym graph, read from Debian's
// `wordnet-base` data (/usr/share/wordnet/data.noun).
//
// ImageNet class ids such as "n02099601" are WordNet 3.0 noun synsets: "n"
// plus the synset's 8-digit byte offset in data.noun. That join is how Ocula
// turns a classifier's specific classes into broader terms ("golden retriever"
// -> "dog" -> "animal") for tags, categories and object parents.
//
// Load reads the whole noun file once (~82k synsets, 15 MB of text) into a
// compact graph: offsets, lemmas and hypernym edges, a few MB in memory (the
// 15 MB text is held only while loading). Loading takes 0.15-0.25 s on one
// core; do it once per process and share the result.
//
// Thread-safety: a loaded WordNet is immutable; all const methods are safe for
// concurrent use.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/status.h"

namespace ocula {

inline constexpr char kDefaultWordNetDir[] = "/usr/share/wordnet";

// "n02084071" -> 2084071; nullopt unless it is "n" followed by 8 digits.
std::optional<uint32_t> ParseWnid(std::string_view wnid);
// 2084071 -> "n02084071".
std::string FormatWnid(uint32_t offset);

struct Synset {
  std::string id;                   // "n02084071"
  std::vector<std::string> lemmas;  // "dog", "domestic dog", ... (underscores as spaces)

  // The first lemma: the synset's usual name.
  const std::string& name() const { return lemmas.front(); }
};

class WordNet {
 public:
  // Reads `dir`/data.noun. NotFound (with the hint to install Debian's
  // `wordnet-base`) when the file is missing; InvalidArgument naming the line
  // when it is not WordNet 3.0 data (a line not at its own byte offset, a
  // malformed pointer, ...).
  static StatusOr<std::unique_ptr<WordNet>> Load(const std::string& dir = kDefaultWordNetDir);

  // Builds the graph from the text of a data.noun file (tests use small ones).
  // Same errors as Load, minus NotFound.
  static StatusOr<std::unique_ptr<WordNet>> FromDataNoun(std::string_view text);

  ~WordNet();
  WordNet(const WordNet&) = delete;
  WordNet& operator=(const WordNet&) = delete;

  // Number of noun synsets.
  size_t size() const;

  bool Contains(std::string_view wnid) const;

  // The synset, or nullopt when `wnid` is malformed or unknown.
  std::optional<Synset> Find(std::string_view wnid) const;

  // The synset's first lemma ("golden retriever"); "" when unknown.
  std::string Name(std::string_view wnid) const;

  // Direct hypernyms ("@" and instance "@i" pointers), in file order; empty
  // for the root, unknown ids and malformed ids.
  std::vector<Synset> Hypernyms(std::string_view wnid) const;

  // `wnid` and all its ancestors grouped by distance: levels[0] is {wnid},
  // levels[1] its direct hypernyms, levels[2] theirs, ... Each synset appears
  // once, at its shortest distance. Empty when `wnid` is unknown.
  std::vector<std::vector<std::string>> AncestorLevels(std::string_view wnid) const;

  // The chain of first hypernyms from `wnid` up to the root, `wnid` first.
  std::vector<std::string> HypernymPath(std::string_view wnid) const;

  // True when `ancestor` is `wnid` itself or one of its ancestors.
  bool IsA(std::string_view wnid, std::string_view ancestor) const;

 private:
  struct Graph;
  explicit WordNet(std::unique_ptr<const Graph> graph);

  std::optional<uint32_t> IndexOf(std::string_view wnid) const;
  Synset SynsetAt(uint32_t index) const;
  std::vector<std::vector<uint32_t>> LevelsOf(uint32_t index) const;

  // Constant after construction.
  const std::unique_ptr<const Graph> graph_;
};

}  // namespace ocula
