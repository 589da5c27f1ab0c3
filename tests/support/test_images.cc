#include "test_images.h"

#include <zlib.h>

#include <cstdint>
#include <vector>

namespace ocula::testing {
namespace {

void PutU32(std::string& out, uint32_t v) {
  for (int s = 24; s >= 0; s -= 8) out.push_back(static_cast<char>((v >> s) & 0xff));
}

void Chunk(std::string& png, const char* type, const std::string& data) {
  PutU32(png, static_cast<uint32_t>(data.size()));
  std::string body = std::string(type, 4) + data;
  png += body;
  PutU32(png, static_cast<uint32_t>(
                  crc32(0, reinterpret_cast<const Bytef*>(body.data()), body.size())));
}

// zlib stream of `height` rows, each a 0 filter byte and `row_bytes` zeros,
// compressed row by row so memory stays small even for huge images.
std::string ZeroRows(uint64_t row_bytes, int height) {
  z_stream z{};
  deflateInit(&z, Z_BEST_SPEED);
  std::vector<unsigned char> row(row_bytes + 1, 0);
  std::string out;
  std::vector<unsigned char> buf(1 << 16);
  for (int y = 0; y < height; ++y) {
    z.next_in = row.data();
    z.avail_in = static_cast<uInt>(row.size());
    int flush = y + 1 == height ? Z_FINISH : Z_NO_FLUSH;
    do {
      z.next_out = buf.data();
      z.avail_out = static_cast<uInt>(buf.size());
      deflate(&z, flush);
      out.append(reinterpret_cast<char*>(buf.data()), buf.size() - z.avail_out);
    } while (z.avail_out == 0 || (flush == Z_FINISH && z.avail_in > 0));
  }
  deflateEnd(&z);
  return out;
}

}  // namespace

std::string BlackPng(int width, int height) {
  std::string png("\x89PNG\r\n\x1a\n", 8);
  std::string ihdr;
  PutU32(ihdr, static_cast<uint32_t>(width));
  PutU32(ihdr, static_cast<uint32_t>(height));
  ihdr += std::string("\x01\x00\x00\x00\x00", 5);  // 1-bit gray, deflate, no interlace
  Chunk(png, "IHDR", ihdr);
  Chunk(png, "IDAT", ZeroRows((static_cast<uint64_t>(width) + 7) / 8, height));
  Chunk(png, "IEND", "");
  return png;
}

std::string Truncated(const std::string& bytes, double fraction) {
  return bytes.substr(0, static_cast<size_t>(bytes.size() * fraction));
}

}  // namespace ocula::testing
