#include "vision/semantics/semantics.h"

#include <algorithm>
#include <charconv>
#include <fstream>
#include <sstream>

#include "absl/strings/ascii.h"
#include "absl/strings/str_split.h"
#include "vision/semantics/categories.h"

namespace ocula {
namespace {

// A table line split on TABs, with its 1-based line number.
struct TableLine {
  size_t number = 0;
  std::vector<std::string_view> fields;
};

std::vector<TableLine> SplitTable(std::string_view text) {
  std::vector<TableLine> lines;
  size_t number = 0;
  for (size_t start = 0; start < text.size();) {
    size_t end = text.find('\n', start);
    if (end == std::string_view::npos) end = text.size();
    std::string_view line = text.substr(start, end - start);
    start = end + 1;
    ++number;
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    if (line.empty() || line[0] == '#') continue;
    TableLine& parsed = lines.emplace_back();
    parsed.number = number;
    for (size_t pos = 0;;) {
      size_t tab = line.find('\t', pos);
      parsed.fields.push_back(line.substr(pos, tab == std::string_view::npos ? tab : tab - pos));
      if (tab == std::string_view::npos) break;
      pos = tab + 1;
    }
  }
  return lines;
}

Status TableError(std::string_view source, const TableLine& line, const std::string& what) {
  return absl::InvalidArgumentError(std::string(source) + ":" + std::to_string(line.number) + ": " +
                                    what);
}

Status CheckWnid(std::string_view source, const TableLine& line, std::string_view wnid) {
  if (ParseWnid(wnid)) return absl::OkStatus();
  return TableError(source, line, "'" + std::string(wnid) + "' is not a WordNet id like n02084071");
}

std::optional<float> ParseWeight(std::string_view text) {
  float value = 0;
  auto [ptr, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (ec != std::errc() || ptr != text.data() + text.size()) return std::nullopt;
  if (!(value > 0 && value <= 1)) return std::nullopt;
  return value;
}

std::string Lower(std::string_view text) { return absl::AsciiStrToLower(AbslView(text)); }

// "mammal (n01861778)" -> {mammal, n01861778}.
std::optional<ParentTerm> ParseParent(std::string_view text) {
  size_t open = text.rfind(" (");
  if (open == std::string_view::npos || text.size() < open + 3 || text.back() != ')') {
    return std::nullopt;
  }
  ParentTerm parent{std::string(text.substr(0, open)),
                    std::string(text.substr(open + 2, text.size() - open - 3))};
  if (parent.name.empty() || !ParseWnid(parent.wnid)) return std::nullopt;
  return parent;
}

bool HasLabel(const std::vector<ObjectInfo>& objects, const std::string& label) {
  std::string key = Lower(label);
  for (const ObjectInfo& info : objects) {
    if (Lower(info.label) == key) return true;
    for (const std::string& alias : info.aliases) {
      if (Lower(alias) == key) return true;
    }
  }
  return false;
}

StatusOr<std::string> ReadTable(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    return absl::NotFoundError("semantic table " + path +
                               " not found (it is committed under models/semantics/)");
  }
  std::ostringstream text;
  text << in.rdbuf();
  return text.str();
}

}  // namespace

Status ParseCategoryTable(std::string_view text, std::string_view source, SemanticTables& out) {
  for (const TableLine& line : SplitTable(text)) {
    if (line.fields.size() < 3) {
      return TableError(source, line, "expected wnid, category, weight and lemma");
    }
    OCULA_RETURN_IF_ERROR(CheckWnid(source, line, line.fields[0]));
    std::string category(line.fields[1]);
    if (category == "-") {
      category.clear();
    } else if (!IsTaxonomyCategory(category)) {
      return TableError(source, line, "'" + category + "' is not in the 86-category taxonomy");
    }
    std::optional<float> weight = ParseWeight(line.fields[2]);
    if (!weight) return TableError(source, line, "weight must be a number in (0, 1]");
    out.category_rules[std::string(line.fields[0])].push_back(
        CategoryRule{std::string(line.fields[0]), std::move(category), *weight});
  }
  return absl::OkStatus();
}

Status ParseBroadTerms(std::string_view text, std::string_view source, SemanticTables& out) {
  for (const TableLine& line : SplitTable(text)) {
    if (line.fields.size() < 2 || line.fields[1].empty()) {
      return TableError(source, line, "expected wnid, tag and lemma");
    }
    OCULA_RETURN_IF_ERROR(CheckWnid(source, line, line.fields[0]));
    if (!out.broad_terms.emplace(line.fields[0], line.fields[1]).second) {
      return TableError(source, line, "duplicate wnid " + std::string(line.fields[0]));
    }
  }
  return absl::OkStatus();
}

Status ParseObjectTable(std::string_view text, std::string_view source, SemanticTables& out) {
  for (const TableLine& line : SplitTable(text)) {
    if (line.fields.size() < 2 || line.fields[0].empty()) {
      return TableError(source, line, "expected labels, wnid and parents");
    }
    ObjectInfo info;
    std::vector<std::string> labels = absl::StrSplit(AbslView(line.fields[0]), ',');
    for (const std::string& label : labels) {
      if (label.empty() || HasLabel(out.objects, label)) {
        return TableError(source, line, "empty or duplicate label '" + label + "'");
      }
    }
    info.label = labels.front();
    info.aliases.assign(labels.begin() + 1, labels.end());
    info.wnid = std::string(line.fields[1]);
    OCULA_RETURN_IF_ERROR(CheckWnid(source, line, info.wnid));
    for (size_t f = 2; f < line.fields.size(); ++f) {
      std::optional<ParentTerm> parent = ParseParent(line.fields[f]);
      if (!parent) return TableError(source, line, "parent must look like 'mammal (n01861778)'");
      info.parents.push_back(std::move(*parent));
    }
    out.objects.push_back(std::move(info));
  }
  return absl::OkStatus();
}

StatusOr<std::unique_ptr<Semantics>> Semantics::Load(const std::string& tables_dir,
                                                     const std::string& wordnet_dir) {
  SemanticTables tables;
  OCULA_ASSIGN_OR_RETURN(std::string categories, ReadTable(tables_dir + "/categories.tsv"));
  OCULA_RETURN_IF_ERROR(ParseCategoryTable(categories, "categories.tsv", tables));
  OCULA_ASSIGN_OR_RETURN(std::string broad, ReadTable(tables_dir + "/broad_terms.tsv"));
  OCULA_RETURN_IF_ERROR(ParseBroadTerms(broad, "broad_terms.tsv", tables));
  OCULA_ASSIGN_OR_RETURN(std::string objects, ReadTable(tables_dir + "/object_parents.tsv"));
  OCULA_RETURN_IF_ERROR(ParseObjectTable(objects, "object_parents.tsv", tables));
  OCULA_ASSIGN_OR_RETURN(std::unique_ptr<WordNet> wordnet, WordNet::Load(wordnet_dir));
  return std::make_unique<Semantics>(std::move(wordnet), std::move(tables));
}

Semantics::Semantics(std::unique_ptr<const WordNet> wordnet, SemanticTables tables)
    : wordnet_(std::move(wordnet)), tables_(std::move(tables)) {
  for (size_t row = 0; row < tables_.objects.size(); ++row) {
    const ObjectInfo& info = tables_.objects[row];
    object_index_.emplace(Lower(info.label), row);
    for (const std::string& alias : info.aliases) object_index_.emplace(Lower(alias), row);
  }
}

const ObjectInfo* Semantics::FindObject(std::string_view label) const {
  auto it = object_index_.find(Lower(label));
  return it == object_index_.end() ? nullptr : &tables_.objects[it->second];
}

std::string Semantics::CanonicalLabel(std::string_view label) const {
  const ObjectInfo* info = FindObject(label);
  return info ? info->label : std::string(label);
}

std::vector<ObjectParent> Semantics::ParentChain(std::string_view label, float confidence) const {
  std::vector<ObjectParent> chain;
  if (const ObjectInfo* info = FindObject(label)) {
    for (const ParentTerm& parent : info->parents) chain.push_back({parent.name, confidence});
  }
  return chain;
}

std::vector<BroadTerm> Semantics::BroadTermsOf(std::string_view wnid) const {
  std::vector<BroadTerm> terms;
  for (const auto& level : wordnet_->AncestorLevels(wnid)) {
    for (const std::string& id : level) {
      auto it = tables_.broad_terms.find(id);
      if (it == tables_.broad_terms.end()) continue;
      bool seen = std::any_of(terms.begin(), terms.end(),
                              [&](const BroadTerm& term) { return term.tag == it->second; });
      if (!seen) terms.push_back({it->second, id});
    }
  }
  return terms;
}

}  // namespace ocula
