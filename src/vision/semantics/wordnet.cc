#include "vision/semantics/wordnet.h"

#include <algorithm>
#include <charconv>
#include <fstream>
#include <unordered_set>

namespace ocula {

// Synsets are numbered by their position in data.noun (offset order); lemmas
// and hypernyms are stored in flat arrays indexed by [begin[i], begin[i + 1]).
struct WordNet::Graph {
  std::vector<uint32_t> offsets;      // sorted: data.noun is in offset order
  std::string lemma_blob;             // lemmas, each followed by '\n'
  std::vector<uint32_t> lemma_begin;  // size() + 1 positions in lemma_blob
  std::vector<uint32_t> hyper_begin;  // size() + 1 positions in hypernyms
  std::vector<uint32_t> hypernyms;    // synset indices
};

namespace {

constexpr std::string_view kInstallHint =
    "install Debian's wordnet-base (apt-get install wordnet-base) or point the "
    "WordNet directory at a WordNet 3.0 dict folder";

// Splits `line` on single spaces into `fields` (views into `line`).
void SplitFields(std::string_view line, std::vector<std::string_view>& fields) {
  fields.clear();
  size_t start = 0;
  while (start < line.size()) {
    size_t end = line.find(' ', start);
    if (end == std::string_view::npos) end = line.size();
    if (end > start) fields.push_back(line.substr(start, end - start));
    start = end + 1;
  }
}

template <typename T>
bool ParseNumber(std::string_view text, T& value, int base = 10) {
  auto [ptr, ec] = std::from_chars(text.data(), text.data() + text.size(), value, base);
  return ec == std::errc() && ptr == text.data() + text.size();
}

Status LineError(size_t line_number, std::string_view what) {
  return absl::InvalidArgumentError("data.noun line " + std::to_string(line_number) + ": " +
                                    std::string(what) + " (is this WordNet 3.0 data.noun?)");
}

// One parsed synset line before hypernym offsets are resolved to indices.
struct RawSynset {
  uint32_t offset = 0;
  std::vector<std::string_view> lemmas;
  std::vector<uint32_t> hypernym_offsets;
};

// Parses "offset lex_filenum ss_type w_cnt word lex_id ... p_cnt ptr... | gloss".
Status ParseSynsetLine(std::string_view line, size_t line_number,
                       std::vector<std::string_view>& fields, RawSynset& out) {
  size_t bar = line.find(" | ");
  SplitFields(line.substr(0, bar), fields);
  size_t words = 0;
  if (fields.size() < 4 || !ParseNumber(fields[0], out.offset) ||
      !ParseNumber(fields[3], words, 16)) {
    return LineError(line_number, "malformed synset header");
  }
  size_t pos = 4 + 2 * words;
  size_t pointers = 0;
  if (pos >= fields.size() || !ParseNumber(fields[pos], pointers)) {
    return LineError(line_number, "malformed word list");
  }
  out.lemmas.clear();
  for (size_t w = 0; w < words; ++w) out.lemmas.push_back(fields[4 + 2 * w]);
  out.hypernym_offsets.clear();
  ++pos;
  if (pos + 4 * pointers > fields.size()) return LineError(line_number, "truncated pointers");
  for (size_t p = 0; p < pointers; ++p, pos += 4) {
    std::string_view symbol = fields[pos];
    if ((symbol != "@" && symbol != "@i") || fields[pos + 2] != "n") continue;
    uint32_t target = 0;
    if (!ParseNumber(fields[pos + 1], target)) return LineError(line_number, "bad pointer offset");
    out.hypernym_offsets.push_back(target);
  }
  return absl::OkStatus();
}

void AppendLemma(std::string& blob, std::string_view lemma) {
  for (char c : lemma) blob.push_back(c == '_' ? ' ' : c);
  blob.push_back('\n');
}

}  // namespace

std::optional<uint32_t> ParseWnid(std::string_view wnid) {
  if (wnid.size() != 9 || wnid[0] != 'n') return std::nullopt;
  uint32_t offset = 0;
  if (!ParseNumber(wnid.substr(1), offset)) return std::nullopt;
  return offset;
}

std::string FormatWnid(uint32_t offset) {
  std::string digits = std::to_string(offset);
  return "n" + std::string(digits.size() < 8 ? 8 - digits.size() : 0, '0') + digits;
}

StatusOr<std::unique_ptr<WordNet>> WordNet::Load(const std::string& dir) {
  const std::string path = dir + "/data.noun";
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    return absl::NotFoundError("WordNet noun data not found at " + path + ": " +
                               std::string(kInstallHint));
  }
  // One exact-size buffer: the file is 15 MB and freed once parsed.
  in.seekg(0, std::ios::end);
  std::string text(static_cast<size_t>(std::max<std::streamoff>(in.tellg(), 0)), '\0');
  in.seekg(0, std::ios::beg);
  if (!in.read(text.data(), static_cast<std::streamsize>(text.size()))) {
    return absl::UnavailableError("cannot read " + path);
  }
  return FromDataNoun(text);
}

StatusOr<std::unique_ptr<WordNet>> WordNet::FromDataNoun(std::string_view text) {
  auto graph = std::make_unique<Graph>();
  std::vector<std::vector<uint32_t>> hypernym_offsets;
  std::vector<std::string_view> fields;
  RawSynset raw;
  size_t line_number = 0;
  for (size_t start = 0; start < text.size();) {
    size_t end = text.find('\n', start);
    if (end == std::string_view::npos) end = text.size();
    std::string_view line = text.substr(start, end - start);
    ++line_number;
    if (!line.empty() && line[0] != ' ') {  // lines starting with "  " are the licence
      OCULA_RETURN_IF_ERROR(ParseSynsetLine(line, line_number, fields, raw));
      // A synset's id IS its byte offset: checking it catches other versions.
      if (raw.offset != start) return LineError(line_number, "synset not at its own byte offset");
      graph->offsets.push_back(raw.offset);
      graph->lemma_begin.push_back(static_cast<uint32_t>(graph->lemma_blob.size()));
      for (std::string_view lemma : raw.lemmas) AppendLemma(graph->lemma_blob, lemma);
      hypernym_offsets.push_back(raw.hypernym_offsets);
    }
    start = end + 1;
  }
  if (graph->offsets.empty()) return absl::InvalidArgumentError("data.noun holds no synsets");
  graph->lemma_begin.push_back(static_cast<uint32_t>(graph->lemma_blob.size()));
  graph->hyper_begin.push_back(0);
  for (const auto& targets : hypernym_offsets) {
    for (uint32_t target : targets) {
      auto it = std::lower_bound(graph->offsets.begin(), graph->offsets.end(), target);
      if (it == graph->offsets.end() || *it != target) {
        return absl::InvalidArgumentError("data.noun: hypernym " + FormatWnid(target) +
                                          " is not a synset");
      }
      graph->hypernyms.push_back(static_cast<uint32_t>(it - graph->offsets.begin()));
    }
    graph->hyper_begin.push_back(static_cast<uint32_t>(graph->hypernyms.size()));
  }
  return std::unique_ptr<WordNet>(new WordNet(std::move(graph)));
}

WordNet::WordNet(std::unique_ptr<const Graph> graph) : graph_(std::move(graph)) {}
WordNet::~WordNet() = default;

size_t WordNet::size() const { return graph_->offsets.size(); }

std::optional<uint32_t> WordNet::IndexOf(std::string_view wnid) const {
  std::optional<uint32_t> offset = ParseWnid(wnid);
  if (!offset) return std::nullopt;
  const auto& offsets = graph_->offsets;
  auto it = std::lower_bound(offsets.begin(), offsets.end(), *offset);
  if (it == offsets.end() || *it != *offset) return std::nullopt;
  return static_cast<uint32_t>(it - offsets.begin());
}

Synset WordNet::SynsetAt(uint32_t index) const {
  Synset synset;
  synset.id = FormatWnid(graph_->offsets[index]);
  std::string_view blob = graph_->lemma_blob;
  for (size_t pos = graph_->lemma_begin[index]; pos < graph_->lemma_begin[index + 1];) {
    size_t end = blob.find('\n', pos);
    synset.lemmas.emplace_back(blob.substr(pos, end - pos));
    pos = end + 1;
  }
  return synset;
}

bool WordNet::Contains(std::string_view wnid) const { return IndexOf(wnid).has_value(); }

std::optional<Synset> WordNet::Find(std::string_view wnid) const {
  std::optional<uint32_t> index = IndexOf(wnid);
  if (!index) return std::nullopt;
  return SynsetAt(*index);
}

std::string WordNet::Name(std::string_view wnid) const {
  std::optional<Synset> synset = Find(wnid);
  return synset ? synset->name() : std::string();
}

std::vector<Synset> WordNet::Hypernyms(std::string_view wnid) const {
  std::vector<Synset> out;
  std::optional<uint32_t> index = IndexOf(wnid);
  if (!index) return out;
  for (uint32_t e = graph_->hyper_begin[*index]; e < graph_->hyper_begin[*index + 1]; ++e) {
    out.push_back(SynsetAt(graph_->hypernyms[e]));
  }
  return out;
}

std::vector<std::vector<uint32_t>> WordNet::LevelsOf(uint32_t index) const {
  std::vector<std::vector<uint32_t>> levels{{index}};
  std::unordered_set<uint32_t> seen{index};
  while (true) {
    std::vector<uint32_t> next;
    for (uint32_t node : levels.back()) {
      for (uint32_t e = graph_->hyper_begin[node]; e < graph_->hyper_begin[node + 1]; ++e) {
        uint32_t parent = graph_->hypernyms[e];
        if (seen.insert(parent).second) next.push_back(parent);
      }
    }
    if (next.empty()) return levels;
    levels.push_back(std::move(next));
  }
}

std::vector<std::vector<std::string>> WordNet::AncestorLevels(std::string_view wnid) const {
  std::vector<std::vector<std::string>> out;
  std::optional<uint32_t> index = IndexOf(wnid);
  if (!index) return out;
  for (const auto& level : LevelsOf(*index)) {
    auto& ids = out.emplace_back();
    for (uint32_t node : level) ids.push_back(FormatWnid(graph_->offsets[node]));
  }
  return out;
}

std::vector<std::string> WordNet::HypernymPath(std::string_view wnid) const {
  std::vector<std::string> path;
  std::optional<uint32_t> index = IndexOf(wnid);
  // The graph is acyclic, so the walk ends; the bound guards corrupt input.
  for (size_t steps = 0; index && steps < graph_->offsets.size(); ++steps) {
    path.push_back(FormatWnid(graph_->offsets[*index]));
    uint32_t begin = graph_->hyper_begin[*index];
    if (begin == graph_->hyper_begin[*index + 1]) break;
    index = graph_->hypernyms[begin];
  }
  return path;
}

bool WordNet::IsA(std::string_view wnid, std::string_view ancestor) const {
  std::optional<uint32_t> from = IndexOf(wnid);
  std::optional<uint32_t> target = IndexOf(ancestor);
  if (!from || !target) return false;
  for (const auto& level : LevelsOf(*from)) {
    if (std::find(level.begin(), level.end(), *target) != level.end()) return true;
  }
  return false;
}

}  // namespace ocula
