// vision/ocr: the Text feature; this header is the whole area.
//
// Printed-text recognition (the `ocr` and `read/analyze` features, CONTRACTS.md §1)
// with Tesseract 5 (LSTM engine), plus a cheap "does this image show text"
// test that the categories use.
//
// Resolution matters: Tesseract needs text at roughly 20+ pixels per line, so
// callers must decode at FULL size (DecodeImage with a short side at least as
// large as the image's, e.g. 1 << 20), not at the shrunk size the classifiers use.
//
// Threads: a TextRecognizer is NOT safe for concurrent use; give each worker
// thread its own (creating one loads the language model: a few hundred ms and
// some tens of MB for "eng"). Each Recognize runs Tesseract single-threaded on the calling
// thread: see ocr.cc for why and how (OpenMP), and for the measured effect.
#pragma once

#include <memory>
#include <string>

#include "core/status.h"
#include "vision/feature_types.h"
#include "vision/image/image.h"

namespace ocula {

class TextRecognizer {
 public:
  // Where Debian's tesseract-ocr-<lang> packages put the language data.
  static constexpr const char* kDefaultTessdataDir = "/usr/share/tesseract-ocr/5/tessdata";

  // Loads the language model(s) for `language` from `tessdata_dir`
  // ("" = $TESSDATA_PREFIX when set, else kDefaultTessdataDir).
  //
  // `language` is a Computer Vision v3.2 code ("en", "de", "zh-Hans", ...,
  // mapped to Tesseract's "eng", "deu", "chi_sim", ...), a Tesseract code
  // ("eng", "chi_sim"), or several joined by '+' ("eng+deu").
  // Errors:
  //   InvalidArgument     `language` is neither kind of code (e.g. "xx").
  //   FailedPrecondition  the <code>.traineddata file is missing; the message
  //                       names the path and the Debian package to install
  //                       (e.g. "apt-get install tesseract-ocr-eng").
  //   Internal            Tesseract failed to load data that is present.
  static StatusOr<std::unique_ptr<TextRecognizer>> Create(const std::string& language = "eng",
                                                          const std::string& tessdata_dir = "");

  ~TextRecognizer();
  TextRecognizer(const TextRecognizer&) = delete;
  TextRecognizer& operator=(const TextRecognizer&) = delete;

  // The Tesseract language string in use, e.g. "eng".
  const std::string& language() const { return language_; }

  // Recognizes the text of `image` (full resolution, see above). Lines come in
  // Tesseract's reading order (top to bottom within a column), words left to
  // right; boxes are axis-aligned quads clockwise from the top-left corner,
  // clamped to the image; word confidences are 0..1; line text is its words
  // joined by single spaces. `angle` is the deskew angle of the text in
  // degrees, clockwise positive (0 for level text; 90/180/270-degree page
  // rotation is not detected). An image without text gives no lines.
  // Errors: InvalidArgument for an empty or inconsistent image; Internal when
  // Tesseract fails.
  StatusOr<OcrPage> Recognize(const RgbImage& image);

 private:
  struct Engine;  // the Tesseract API object; its headers stay in ocr.cc
  TextRecognizer(std::unique_ptr<Engine> engine, std::string language);

  std::unique_ptr<Engine> engine_;
  std::string language_;
};

// Thresholds for HasText.
struct TextPresence {
  int min_words = 3;            // confident words needed
  float min_confidence = 0.6f;  // per word, 0..1
  int min_word_chars = 2;       // shorter words (stray marks, "|", "-") do not count
};

// True when `page` holds at least `min_words` words of `min_word_chars` or
// more characters, at least one of them alphanumeric, recognized with
// confidence above `min_confidence`: photos without text tend to yield a few
// short low-confidence "words" from textures, which this ignores. Pure, cheap.
bool HasText(const OcrPage& page, const TextPresence& thresholds = {});

}  // namespace ocula
