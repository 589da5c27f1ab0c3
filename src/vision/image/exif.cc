#include "vision/image/exif.h"

#include <algorithm>
#include <cstdint>
#include <optional>

namespace ocula::vision_internal {
namespace {

// TIFF tags and types read here (TIFF 6.0, EXIF 2.32).
constexpr uint32_t kMakeTag = 0x010F;
constexpr uint32_t kModelTag = 0x0110;
constexpr uint32_t kOrientationTag = 0x0112;
constexpr uint32_t kSoftwareTag = 0x0131;
constexpr uint32_t kExifIfdTag = 0x8769;
constexpr uint32_t kGpsIfdTag = 0x8825;
constexpr uint32_t kDateTimeOriginalTag = 0x9003;
constexpr uint32_t kAsciiType = 2;
constexpr uint32_t kShortType = 3;
constexpr uint32_t kLongType = 4;
constexpr size_t kMaxText = 4096;  // longer values are cut (CleanExifText keeps 256)

// Reads big- or little-endian integers from a byte range; every read is
// bounds-checked and yields nullopt past the end.
class ByteReader {
 public:
  ByteReader(std::string_view bytes, bool little_endian)
      : bytes_(bytes), little_endian_(little_endian) {}

  std::optional<uint32_t> U16(size_t at) const { return Read(at, 2); }
  std::optional<uint32_t> U32(size_t at) const { return Read(at, 4); }
  std::string_view bytes() const { return bytes_; }

 private:
  std::optional<uint32_t> Read(size_t at, size_t n) const {
    if (at > bytes_.size() || bytes_.size() - at < n) return std::nullopt;
    uint32_t v = 0;
    for (size_t i = 0; i < n; ++i) {
      uint32_t b = static_cast<uint8_t>(bytes_[at + (little_endian_ ? n - 1 - i : i)]);
      v = v << 8 | b;
    }
    return v;
  }

  std::string_view bytes_;
  bool little_endian_;
};

// The TIFF block inside the first APP1 "Exif\0\0" segment before the scan
// data, or "" when there is none.
std::string_view FindExifTiff(std::string_view jpeg) {
  constexpr std::string_view kExifHeader("Exif\0\0", 6);
  if (jpeg.size() < 4 || static_cast<uint8_t>(jpeg[0]) != 0xFF ||
      static_cast<uint8_t>(jpeg[1]) != 0xD8) {
    return {};
  }
  ByteReader be(jpeg, /*little_endian=*/false);
  size_t at = 2;  // after SOI
  while (at + 4 <= jpeg.size()) {
    if (static_cast<uint8_t>(jpeg[at]) != 0xFF) return {};
    uint8_t marker = static_cast<uint8_t>(jpeg[at + 1]);
    if (marker == 0xFF) {  // fill byte
      ++at;
      continue;
    }
    if (marker == 0xDA || marker == 0xD9) return {};  // scan data or end: no EXIF
    std::optional<uint32_t> length = be.U16(at + 2);
    if (!length || *length < 2 || at + 2 + *length > jpeg.size()) return {};
    std::string_view payload = jpeg.substr(at + 4, *length - 2);
    if (marker == 0xE1 && payload.substr(0, kExifHeader.size()) == kExifHeader) {
      return payload.substr(kExifHeader.size());
    }
    at += 2 + *length;
  }
  return {};
}

// One 12-byte directory entry (after its tag): type, count, and the value or
// its offset.
struct Entry {
  uint32_t type = 0;
  uint32_t count = 0;
  size_t value_at = 0;  // where the value field (or the offset in it) starts
};

// The TIFF block of an EXIF segment: its byte order and the entries of its
// directories, looked up by tag.
class Tiff {
 public:
  static std::optional<Tiff> Open(std::string_view tiff) {
    if (tiff.size() < 8) return std::nullopt;
    bool little_endian;
    if (tiff.substr(0, 2) == "II") {
      little_endian = true;
    } else if (tiff.substr(0, 2) == "MM") {
      little_endian = false;
    } else {
      return std::nullopt;
    }
    Tiff t(ByteReader(tiff, little_endian));
    if (t.r_.U16(2) != 42u) return std::nullopt;
    return t;
  }

  // Offset of IFD0.
  std::optional<uint32_t> FirstIfd() const { return r_.U32(4); }

  // The entry of directory `ifd` with `tag`, if the directory and entry can
  // be read.
  std::optional<Entry> Find(uint32_t ifd, uint32_t tag) const {
    std::optional<uint32_t> count = r_.U16(ifd);
    if (!count) return std::nullopt;
    for (uint32_t i = 0; i < *count; ++i) {
      const size_t at = size_t{ifd} + 2 + size_t{i} * 12;
      std::optional<uint32_t> t = r_.U16(at), type = r_.U16(at + 2), n = r_.U32(at + 4);
      if (!t || !type || !n || at + 12 > r_.bytes().size()) return std::nullopt;
      if (*t == tag) return Entry{*type, *n, at + 8};
    }
    return std::nullopt;
  }

  // A SHORT or LONG entry holding one number.
  std::optional<uint32_t> Number(const Entry& e) const {
    if (e.count != 1) return std::nullopt;
    if (e.type == kShortType) return r_.U16(e.value_at);
    if (e.type == kLongType) return r_.U32(e.value_at);
    return std::nullopt;
  }

  // An ASCII entry's text, up to its first NUL.
  std::optional<std::string_view> Text(const Entry& e) const {
    if (e.type != kAsciiType || e.count == 0) return std::nullopt;
    size_t at = e.value_at;
    if (e.count > 4) {  // stored elsewhere, at an offset from the block's start
      std::optional<uint32_t> offset = r_.U32(e.value_at);
      if (!offset) return std::nullopt;
      at = *offset;
    }
    if (at > r_.bytes().size() || r_.bytes().size() - at < e.count) return std::nullopt;
    std::string_view text = r_.bytes().substr(at, std::min<size_t>(e.count, kMaxText));
    return text.substr(0, text.find('\0'));
  }

  // The number of entries of directory `ifd`, 0 when it cannot be read.
  uint32_t EntryCount(uint32_t ifd) const { return r_.U16(ifd).value_or(0); }

 private:
  explicit Tiff(ByteReader r) : r_(r) {}
  ByteReader r_;
};

// Orientation 1-8 from IFD0's entry, nullopt when absent or unreadable.
std::optional<int> Orientation(const Tiff& tiff, uint32_t ifd0) {
  std::optional<Entry> e = tiff.Find(ifd0, kOrientationTag);
  if (!e) return std::nullopt;
  std::optional<uint32_t> v = e->type == kShortType ? tiff.Number(*e) : std::nullopt;
  if (!v) return std::nullopt;
  return *v >= 1 && *v <= 8 ? static_cast<int>(*v) : 1;
}

}  // namespace

std::string CleanExifText(std::string_view raw) {
  std::string clean;
  for (char c : raw) {
    if (c >= 0x20 && c < 0x7F) clean.push_back(c);
  }
  while (!clean.empty() && clean.back() == ' ') clean.pop_back();
  if (clean.size() > 256) clean.resize(256);
  return clean;
}

int JpegExifOrientation(std::string_view bytes) {
  std::optional<Tiff> tiff = Tiff::Open(FindExifTiff(bytes));
  if (!tiff) return 1;
  std::optional<uint32_t> ifd0 = tiff->FirstIfd();
  if (!ifd0) return 1;
  return Orientation(*tiff, *ifd0).value_or(1);
}

std::map<std::string, std::string> JpegExifFields(std::string_view bytes) {
  std::map<std::string, std::string> fields;
  std::optional<Tiff> tiff = Tiff::Open(FindExifTiff(bytes));
  if (!tiff) return fields;
  std::optional<uint32_t> ifd0 = tiff->FirstIfd();
  if (!ifd0) return fields;
  auto add_text = [&](uint32_t ifd, uint32_t tag, const char* key) {
    std::optional<Entry> e = tiff->Find(ifd, tag);
    if (!e) return;
    std::optional<std::string_view> text = tiff->Text(*e);
    if (!text) return;
    if (std::string clean = CleanExifText(*text); !clean.empty()) fields[key] = clean;
  };
  add_text(*ifd0, kMakeTag, "Make");
  add_text(*ifd0, kModelTag, "Model");
  add_text(*ifd0, kSoftwareTag, "Software");
  if (std::optional<Entry> exif = tiff->Find(*ifd0, kExifIfdTag)) {
    if (std::optional<uint32_t> exif_ifd = tiff->Number(*exif)) {
      add_text(*exif_ifd, kDateTimeOriginalTag, "DateTimeOriginal");
    }
  }
  if (std::optional<int> orientation = Orientation(*tiff, *ifd0)) {
    fields["Orientation"] = std::to_string(*orientation);
  }
  if (std::optional<Entry> gps = tiff->Find(*ifd0, kGpsIfdTag)) {
    std::optional<uint32_t> gps_ifd = tiff->Number(*gps);
    if (gps_ifd && tiff->EntryCount(*gps_ifd) > 0) fields["GpsInfo"] = "present";
  }
  return fields;
}

}  // namespace ocula::vision_internal
