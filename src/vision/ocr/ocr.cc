#include "vision/ocr/ocr.h"

#include <dlfcn.h>
#include <tesseract/baseapi.h>
#include <tesseract/resultiterator.h>

#include <algorithm>
#include <cctype>
#include <cmath>
#include <cstdlib>
#include <filesystem>
#include <map>
#include <numbers>
#include <string_view>
#include <utility>
#include <vector>

#include "absl/strings/str_cat.h"

namespace ocula {
namespace {

// ---- Single-threaded Tesseract ---------------------------------------------
//
// Debian's libtesseract is built with OpenMP, and its LSTM code asks for
// several threads per parallel region (`num_threads(...)` clauses). With one
// recognizer per worker thread that oversubscribes the cores: measured here on
// phototest.tif (2 busy cores) ~450-650 ms a page with the default, ~190 ms
// single-threaded; MODELS.md saw 1.4 s vs 0.14 s.
//
// What works, and what does not (measured with libgomp 12):
//  - setenv("OMP_THREAD_LIMIT", "1") at run time does nothing: libgomp reads
//    its environment once, when it is loaded, i.e. before main(). Setting
//    OMP_THREAD_LIMIT=1 in the service's environment does work, process-wide.
//  - omp_set_num_threads(1) does nothing: a num_threads clause overrides it.
//  - omp_set_max_active_levels(0) works, and it is a per-thread setting
//    (an ICV of the calling thread's implicit task): every parallel region the
//    thread meets runs on that thread alone. Calling it from another thread
//    has no effect, so it is set around each Recognize and then restored.
// The functions are looked up at run time so that Ocula neither compiles with
// -fopenmp nor cares whether (or which) OpenMP runtime Tesseract was built
// with; without one, there is nothing to limit.
class SingleThreadedOpenMp {
 public:
  SingleThreadedOpenMp() {
    if (Set() == nullptr || Get() == nullptr) return;
    saved_ = Get()();
    Set()(0);
  }
  ~SingleThreadedOpenMp() {
    if (saved_ >= 0) Set()(saved_);
  }
  SingleThreadedOpenMp(const SingleThreadedOpenMp&) = delete;
  SingleThreadedOpenMp& operator=(const SingleThreadedOpenMp&) = delete;

 private:
  using SetFn = void (*)(int);
  using GetFn = int (*)();
  static SetFn Set() {
    static const auto fn =
        reinterpret_cast<SetFn>(dlsym(RTLD_DEFAULT, "omp_set_max_active_levels"));
    return fn;
  }
  static GetFn Get() {
    static const auto fn =
        reinterpret_cast<GetFn>(dlsym(RTLD_DEFAULT, "omp_get_max_active_levels"));
    return fn;
  }
  int saved_ = -1;
};

// ---- Languages ---------------------------------------------------------------

// The v3.2 OCR/Read language codes and their Tesseract names.
const std::map<std::string, std::string, std::less<>>& ApiLanguages() {
  static const auto* table = new std::map<std::string, std::string, std::less<>>{
      {"ar", "ara"},          {"cs", "ces"},           {"da", "dan"}, {"de", "deu"},
      {"el", "ell"},          {"en", "eng"},           {"es", "spa"}, {"fi", "fin"},
      {"fr", "fra"},          {"hu", "hun"},           {"it", "ita"}, {"ja", "jpn"},
      {"ko", "kor"},          {"nb", "nor"},           {"nl", "nld"}, {"pl", "pol"},
      {"pt", "por"},          {"ro", "ron"},           {"ru", "rus"}, {"sk", "slk"},
      {"sr-Cyrl", "srp"},     {"sr-Latn", "srp_latn"}, {"sv", "swe"}, {"tr", "tur"},
      {"zh-Hans", "chi_sim"}, {"zh-Hant", "chi_tra"}};
  return *table;
}

// Tesseract's own names: three lower-case letters, optionally with
// "_suffix" parts ("eng", "chi_sim", "deu_latf").
bool IsTesseractCode(std::string_view code) {
  if (code.size() < 3) return false;
  for (size_t i = 0; i < 3; ++i) {
    if (!std::islower(static_cast<unsigned char>(code[i]))) return false;
  }
  if (code.size() == 3) return true;
  if (code[3] != '_' || code.size() == 4) return false;
  return std::all_of(code.begin() + 4, code.end(), [](char c) {
    return std::islower(static_cast<unsigned char>(c)) || c == '_';
  });
}

StatusOr<std::string> ToTesseractCode(std::string_view code) {
  if (auto it = ApiLanguages().find(code); it != ApiLanguages().end()) return it->second;
  if (IsTesseractCode(code)) return std::string(code);
  return absl::InvalidArgumentError(
      absl::StrCat("unknown OCR language \"", AbslView(code),
                   "\": use a v3.2 code such as \"en\" or a Tesseract code such as \"eng\""));
}

// "en+deu" -> {"eng", "deu"}.
StatusOr<std::vector<std::string>> ParseLanguages(const std::string& language) {
  std::vector<std::string> codes;
  std::string_view rest = language;
  while (true) {
    const size_t plus = rest.find('+');
    OCULA_ASSIGN_OR_RETURN(std::string code, ToTesseractCode(rest.substr(0, plus)));
    codes.push_back(std::move(code));
    if (plus == std::string_view::npos) break;
    rest.remove_prefix(plus + 1);
  }
  return codes;
}

std::string ResolveTessdataDir(const std::string& tessdata_dir) {
  if (!tessdata_dir.empty()) return tessdata_dir;
  const char* prefix = std::getenv("TESSDATA_PREFIX");
  if (prefix != nullptr && *prefix != '\0') return prefix;
  return TextRecognizer::kDefaultTessdataDir;
}

// FailedPrecondition naming the fix when a language's data file is absent.
Status CheckLanguageData(const std::string& dir, const std::string& code) {
  const std::filesystem::path file = std::filesystem::path(dir) / (code + ".traineddata");
  std::error_code ec;
  if (std::filesystem::is_regular_file(file, ec)) return absl::OkStatus();
  std::string package = "tesseract-ocr-" + code;
  std::replace(package.begin(), package.end(), '_', '-');
  return absl::FailedPreconditionError(absl::StrCat("OCR language data ", file.string(),
                                                    " not found: install ", package,
                                                    " (apt-get install ", package,
                                                    ") or point tessdata_dir at a directory"
                                                    " holding ",
                                                    code, ".traineddata"));
}

std::string JoinPlus(const std::vector<std::string>& codes) {
  std::string joined;
  for (const auto& code : codes) joined += (joined.empty() ? "" : "+") + code;
  return joined;
}

// ---- Results -----------------------------------------------------------------

Quad ClampedQuad(int left, int top, int right, int bottom, int width, int height) {
  left = std::clamp(left, 0, width);
  right = std::clamp(right, 0, width);
  top = std::clamp(top, 0, height);
  bottom = std::clamp(bottom, 0, height);
  return {left, top, right, top, right, bottom, left, bottom};
}

Quad BoxAt(const tesseract::ResultIterator& it, tesseract::PageIteratorLevel level, int width,
           int height) {
  int left = 0, top = 0, right = 0, bottom = 0;
  it.BoundingBox(level, &left, &top, &right, &bottom);
  return ClampedQuad(left, top, right, bottom, width, height);
}

std::string TextAt(const tesseract::ResultIterator& it, tesseract::PageIteratorLevel level) {
  std::unique_ptr<char[]> text(it.GetUTF8Text(level));
  return text ? std::string(text.get()) : std::string();
}

// Reads the words of the line `it` is on, leaving `it` at its last word.
OcrLine ReadLine(tesseract::ResultIterator& it, int width, int height) {
  OcrLine line;
  line.box = BoxAt(it, tesseract::RIL_TEXTLINE, width, height);
  do {
    if (it.Empty(tesseract::RIL_WORD)) continue;
    OcrWord word;
    word.box = BoxAt(it, tesseract::RIL_WORD, width, height);
    word.text = TextAt(it, tesseract::RIL_WORD);
    word.confidence = std::clamp(it.Confidence(tesseract::RIL_WORD) / 100.0f, 0.0f, 1.0f);
    if (word.text.empty()) continue;
    line.text += (line.text.empty() ? "" : " ") + word.text;
    line.words.push_back(std::move(word));
  } while (!it.IsAtFinalElement(tesseract::RIL_TEXTLINE, tesseract::RIL_WORD) &&
           it.Next(tesseract::RIL_WORD));
  return line;
}

std::vector<OcrLine> ReadLines(tesseract::ResultIterator& it, int width, int height) {
  std::vector<OcrLine> lines;
  it.Begin();
  do {
    if (it.Empty(tesseract::RIL_TEXTLINE)) continue;
    OcrLine line = ReadLine(it, width, height);
    if (!line.words.empty()) lines.push_back(std::move(line));
  } while (it.Next(tesseract::RIL_TEXTLINE));
  return lines;
}

// Tesseract gives the counter-clockwise rotation (radians) that would level
// the first block's text; the contract wants the text's own angle, clockwise.
double TextAngleDegrees(tesseract::ResultIterator& it) {
  it.Begin();
  if (it.Empty(tesseract::RIL_BLOCK)) return 0;
  tesseract::Orientation orientation;
  tesseract::WritingDirection direction;
  tesseract::TextlineOrder order;
  float deskew = 0;
  it.Orientation(&orientation, &direction, &order, &deskew);
  const double degrees = deskew * 180.0 / std::numbers::pi;
  return std::abs(degrees) < 0.05 ? 0.0 : std::round(degrees * 100) / 100;
}

int Utf8Length(const std::string& text) {
  return static_cast<int>(std::count_if(text.begin(), text.end(), [](char c) {
    return (static_cast<unsigned char>(c) & 0xC0) != 0x80;  // not a continuation byte
  }));
}

Status CheckImage(const RgbImage& image) {
  if (image.width <= 0 || image.height <= 0) {
    return absl::InvalidArgumentError("OCR needs a non-empty image");
  }
  const size_t expected = static_cast<size_t>(image.width) * image.height * 3;
  if (image.pixels.size() != expected) {
    return absl::InvalidArgumentError(absl::StrCat("RGB image of ", image.width, "x", image.height,
                                                   " has ", image.pixels.size(),
                                                   " bytes, expected ", expected));
  }
  return absl::OkStatus();
}

}  // namespace

struct TextRecognizer::Engine {
  tesseract::TessBaseAPI api;
};

StatusOr<std::unique_ptr<TextRecognizer>> TextRecognizer::Create(const std::string& language,
                                                                 const std::string& tessdata_dir) {
  OCULA_ASSIGN_OR_RETURN(std::vector<std::string> codes, ParseLanguages(language));
  const std::string dir = ResolveTessdataDir(tessdata_dir);
  for (const auto& code : codes) OCULA_RETURN_IF_ERROR(CheckLanguageData(dir, code));

  const std::string tesseract_language = JoinPlus(codes);
  auto engine = std::make_unique<Engine>();
  if (engine->api.Init(dir.c_str(), tesseract_language.c_str(), tesseract::OEM_LSTM_ONLY) != 0) {
    return absl::InternalError(absl::StrCat("Tesseract could not load \"", tesseract_language,
                                            "\" from ", dir, " (corrupt traineddata?)"));
  }
  // The API defaults to one uniform block; photos and pages need layout analysis.
  engine->api.SetPageSegMode(tesseract::PSM_AUTO);
  // Tesseract's diagnostics ("Detected N diacritics", ...) are not ours to
  // print. debug_file is a global Tesseract parameter: this is process-wide.
  engine->api.SetVariable("debug_file", "/dev/null");
  return std::unique_ptr<TextRecognizer>(new TextRecognizer(std::move(engine), tesseract_language));
}

TextRecognizer::TextRecognizer(std::unique_ptr<Engine> engine, std::string language)
    : engine_(std::move(engine)), language_(std::move(language)) {}

TextRecognizer::~TextRecognizer() = default;

StatusOr<OcrPage> TextRecognizer::Recognize(const RgbImage& image) {
  OCULA_RETURN_IF_ERROR(CheckImage(image));
  SingleThreadedOpenMp single_threaded;
  tesseract::TessBaseAPI& api = engine_->api;
  // No resolution is set: raw pixels have none, and Tesseract then assumes
  // 70 dpi and estimates the scale from the text height itself.
  api.SetImage(image.pixels.data(), image.width, image.height, 3, image.width * 3);
  OcrPage page;
  page.width = image.width;
  page.height = image.height;
  if (api.Recognize(nullptr) != 0) {
    api.Clear();
    return absl::InternalError("Tesseract failed to recognize the image");
  }
  std::unique_ptr<tesseract::ResultIterator> it(api.GetIterator());
  if (it != nullptr) {
    page.lines = ReadLines(*it, image.width, image.height);
    if (!page.lines.empty()) page.angle = TextAngleDegrees(*it);
  }
  api.Clear();  // frees the image copy and the results
  return page;
}

bool HasText(const OcrPage& page, const TextPresence& thresholds) {
  auto counts = [&](const OcrWord& word) {
    if (word.confidence <= thresholds.min_confidence) return false;
    if (Utf8Length(word.text) < thresholds.min_word_chars) return false;
    return std::any_of(word.text.begin(), word.text.end(),
                       [](char c) { return std::isalnum(static_cast<unsigned char>(c)) != 0; });
  };
  if (thresholds.min_words <= 0) return true;
  int words = 0;
  for (const auto& line : page.lines) {
    words += static_cast<int>(std::count_if(line.words.begin(), line.words.end(), counts));
    if (words >= thresholds.min_words) return true;
  }
  return false;
}

}  // namespace ocula
