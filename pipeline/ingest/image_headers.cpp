#include "ingest/image_headers.h"

#include <string>

#include "core/errors.h"
#include "core/i18n.h"

namespace petiscan {

namespace {

std::uint32_t be32(const unsigned char* p) {
  return (std::uint32_t{p[0]} << 24) | (std::uint32_t{p[1]} << 16) | (std::uint32_t{p[2]} << 8) |
         std::uint32_t{p[3]};
}
std::uint16_t be16(const unsigned char* p) {
  return static_cast<std::uint16_t>((p[0] << 8) | p[1]);
}

constexpr double kInchesPerMeter = 39.3700787;

}  // namespace

ImageHeader read_png_header(const unsigned char* data, std::size_t size) {
  // signature (8) + IHDR chunk: length (4) "IHDR" (4) width (4) height (4) ...
  if (size < 33 || std::string(reinterpret_cast<const char*>(data + 12), 4) != "IHDR") {
    throw InputError(tr("en-tête PNG tronqué ou abîmé", "truncated or malformed PNG header"));
  }
  ImageHeader h;
  h.width = be32(data + 16);
  h.height = be32(data + 20);
  // Walk the chunks before the image data for pHYs (pixels per metre).
  std::size_t pos = 8;
  while (pos + 12 <= size) {
    const std::uint32_t len = be32(data + pos);
    const std::string type(reinterpret_cast<const char*>(data + pos + 4), 4);
    if (type == "IDAT" || type == "IEND" || len > size - pos - 12) break;
    if (type == "pHYs" && len >= 9 && data[pos + 16] == 1) {
      h.dpi = be32(data + pos + 8) / kInchesPerMeter;
    }
    pos += 12 + len;
  }
  return h;
}

ImageHeader read_jpeg_header(const unsigned char* data, std::size_t size) {
  if (size < 4 || data[0] != 0xFF || data[1] != 0xD8)
    throw InputError(tr("pas un fichier JPEG", "not a JPEG file"));
  // A JPEG ends with the EOI marker; scanners and phones never write a file
  // without it, a copy cut short does. Allow some trailing padding.
  bool has_end = false;
  for (std::size_t i = size >= 2 ? size - 2 : 0, n = 0; n < 4096 && i > 1; --i, ++n) {
    if (data[i] == 0xFF && data[i + 1] == 0xD9) {
      has_end = true;
      break;
    }
  }
  if (!has_end)
    throw InputError(tr("JPEG tronqué (marqueur de fin absent)",
                        "truncated JPEG (the end-of-image marker is missing)"));
  ImageHeader h;
  std::size_t pos = 2;
  while (pos + 4 <= size) {
    if (data[pos] != 0xFF)
      throw InputError(tr("JPEG abîmé (marqueur invalide)", "malformed JPEG (bad marker)"));
    const unsigned char marker = data[pos + 1];
    if (marker == 0xFF) {  // fill byte
      ++pos;
      continue;
    }
    if (marker == 0xD8 || (marker >= 0xD0 && marker <= 0xD7) || marker == 0x01) {
      pos += 2;
      continue;
    }
    const std::size_t len = be16(data + pos + 2);
    if (len < 2 || pos + 2 + len > size)
      throw InputError(tr("en-tête JPEG tronqué", "truncated JPEG header"));
    const unsigned char* seg = data + pos + 4;
    if (marker == 0xE0 && len >= 16 &&
        std::string(reinterpret_cast<const char*>(seg), 5) == std::string("JFIF\0", 5)) {
      const int units = seg[7];
      const double x = be16(seg + 8);
      if (units == 1) h.dpi = x;
      if (units == 2) h.dpi = x * 2.54;
    }
    // SOF0..SOF15 except DHT (C4), JPG (C8) and DAC (CC) carry the size.
    if (marker >= 0xC0 && marker <= 0xCF && marker != 0xC4 && marker != 0xC8 && marker != 0xCC) {
      if (len < 7) throw InputError(tr("en-tête JPEG tronqué", "truncated JPEG header"));
      h.height = be16(seg + 1);
      h.width = be16(seg + 3);
      return h;
    }
    if (marker == 0xDA) break;  // start of scan before any frame header
    pos += 2 + len;
  }
  throw InputError(tr("JPEG abîmé (pas d'en-tête d'image)", "malformed JPEG (no frame header)"));
}

}  // namespace petiscan
