// Reading PNG and JPEG headers without decoding pixels: size (checked against
// the pixel limit before any allocation) and resolution metadata.
#pragma once

#include <cstddef>
#include <cstdint>

namespace petiscan {

struct ImageHeader {
  std::int64_t width = 0;
  std::int64_t height = 0;
  double dpi = 0;  // 0 when the file does not say
};

// Both throw InputError with a one-line reason for a malformed header.
ImageHeader read_png_header(const unsigned char* data, std::size_t size);
ImageHeader read_jpeg_header(const unsigned char* data, std::size_t size);

}  // namespace petiscan
