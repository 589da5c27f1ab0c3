// SHA-256 of a byte string, as lowercase hex (OpenSSL's EVP interface).
#pragma once

#include <string>
#include <string_view>

namespace ocula {

std::string Sha256Hex(std::string_view bytes);

}  // namespace ocula
