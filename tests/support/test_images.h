// Hostile and edge-case images made by the tests themselves.
#pragma once

#include <string>

namespace ocula::testing {

// A valid 1-bit grayscale PNG of `width` x `height` black pixels, built with zlib
// (no image library). With large dimensions it is a decompression bomb: a
// few kilobytes on disk, gigapixels once decoded.
std::string BlackPng(int width, int height);

// The first `fraction` of `bytes`.
std::string Truncated(const std::string& bytes, double fraction);

}  // namespace ocula::testing
