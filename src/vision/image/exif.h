// Internal: EXIF in JPEG files, read without libvips. The first APP1 "Exif"
// segment before the scan data holds a TIFF block; Ocula reads a handful of
// entries from three of its directories (IFD0, the Exif IFD and the GPS IFD).
//
// Every read is bounds-checked: any byte string is safe input, and a damaged
// block yields fewer fields, never an error (libvips, which read these
// fields before, also ignored EXIF it could not parse).
//
// Thread-safety: pure functions.
#pragma once

#include <map>
#include <string>
#include <string_view>

namespace ocula::vision_internal {

// The EXIF orientation (1-8) of the JPEG `bytes`, or 1 when there is none,
// it cannot be read or it is out of range.
int JpegExifOrientation(std::string_view bytes);

// The EXIF fields Ocula reports for the JPEG `bytes`, under the keys of
// DecodedImage::exif: "Make", "Model", "Software" (IFD0), "DateTimeOriginal"
// (Exif IFD), "Orientation" (IFD0, as a number 1-8; out-of-range values read
// as 1), and "GpsInfo" = "present" when the GPS IFD has entries (the
// coordinates themselves are not copied). Text values go through
// CleanExifText; empty ones are left out.
std::map<std::string, std::string> JpegExifFields(std::string_view bytes);

// Printable ASCII only (EXIF strings are often padded or mis-encoded, and the
// values end up in JSON), trailing spaces removed, at most 256 characters.
std::string CleanExifText(std::string_view raw);

}  // namespace ocula::vision_internal
