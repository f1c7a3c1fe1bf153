#include "ingest/pdf_image.h"

#include <leptonica/allheaders.h>
#include <spdlog/spdlog.h>

#include <cmath>
#include <cstdint>
#include <opencv2/imgcodecs.hpp>
#include <opencv2/imgproc.hpp>
#include <qpdf/QPDF.hh>
#include <qpdf/QPDFExc.hh>
#include <qpdf/QPDFObjectHandle.hh>
#include <qpdf/QPDFPageDocumentHelper.hh>
#include <qpdf/QPDFPageObjectHelper.hh>
#include <string>
#include <vector>

#include "ingest/image_headers.h"
#include "ingest/ingest.h"

namespace petiscan {

namespace {

// How far the image's edges may lie from the page's, as a share of the page's
// size: a scanning app rounds the page to whole points.
constexpr double kCoverTolerance = 0.005;
// Largest difference between the horizontal and vertical resolution of a page
// image taken as it is (square pixels; a fax's 204 x 196 DPI is not).
constexpr double kMaxDpiAnisotropy = 0.02;

// A PDF transformation matrix [a b c d e f], row-vector convention.
struct Affine {
  double a = 1, b = 0, c = 0, d = 1, e = 0, f = 0;
  // `m` applied first, then this (PDF's cm: CTM' = m x CTM).
  Affine after(const Affine& m) const {
    return {m.a * a + m.b * c, m.a * b + m.b * d,     m.c * a + m.d * c,
            m.c * b + m.d * d, m.e * a + m.f * c + e, m.e * b + m.f * d + f};
  }
};

// Walks a page's content stream and keeps it only if all it paints is one
// XObject: text is allowed when invisible (render mode 3, an OCR layer), clips
// and graphics-state changes are allowed, anything else painted is not.
class OneImagePage : public QPDFObjectHandle::ParserCallbacks {
 public:
  void handleObject(QPDFObjectHandle obj) override {
    if (!ok_) return;
    if (obj.isInlineImage()) {
      ok_ = false;
      return;
    }
    if (!obj.isOperator()) {
      operands_.push_back(obj);
      return;
    }
    operate(obj.getOperatorValue());
    operands_.clear();
  }
  void handleEOF() override {}

  bool ok() const { return ok_ && draws_ == 1; }
  const std::string& xobject() const { return name_; }
  const Affine& placement() const { return placement_; }

 private:
  void operate(const std::string& op) {
    if (op == "q") {
      saved_.push_back({ctm_, text_mode_});
    } else if (op == "Q") {
      if (saved_.empty()) {
        ok_ = false;
        return;
      }
      ctm_ = saved_.back().ctm;
      text_mode_ = saved_.back().text_mode;
      saved_.pop_back();
    } else if (op == "cm") {
      if (!numbers(6)) return;
      const auto n = [&](int i) { return operands_[i].getNumericValue(); };
      ctm_ = ctm_.after({n(0), n(1), n(2), n(3), n(4), n(5)});
    } else if (op == "Do") {
      if (operands_.size() != 1 || !operands_[0].isName()) {
        ok_ = false;
        return;
      }
      ++draws_;
      name_ = operands_[0].getName();
      placement_ = ctm_;
    } else if (op == "Tr") {
      if (!numbers(1)) return;
      text_mode_ = static_cast<int>(operands_[0].getNumericValue());
    } else if (op == "Tj" || op == "TJ" || op == "'" || op == "\"") {
      if (text_mode_ != 3) ok_ = false;  // visible text over the scan
    } else if (!harmless(op)) {
      ok_ = false;  // painting (paths, shadings, inline images), ExtGState, unknown
    }
  }

  bool numbers(size_t n) {
    bool good = operands_.size() == n;
    for (size_t i = 0; good && i < n; ++i) good = operands_[i].isNumber();
    if (!good) ok_ = false;
    return good;
  }

  // Operators that paint nothing: text positioning and state, colour, line
  // style, path construction and clipping without painting, marked content.
  static bool harmless(const std::string& op) {
    static const char* const kOps[] = {
        "BT", "ET", "Tf",  "Td",  "TD",  "Tm", "T*", "Tc", "Tw", "Tz",  "TL",  "Ts", "g",
        "G",  "rg", "RG",  "k",   "K",   "cs", "CS", "sc", "SC", "scn", "SCN", "w",  "J",
        "j",  "M",  "d",   "ri",  "i",   "m",  "l",  "c",  "v",  "y",   "h",   "re", "W",
        "W*", "n",  "BMC", "BDC", "EMC", "MP", "DP", "BX", "EX", "d0",  "d1"};
    for (const char* k : kOps) {
      if (op == k) return true;
    }
    return false;
  }

  // The graphics state q saves and Q restores: the matrix and the text
  // rendering mode.
  struct Saved {
    Affine ctm;
    int text_mode;
  };
  std::vector<QPDFObjectHandle> operands_;
  std::vector<Saved> saved_;
  Affine ctm_;
  Affine placement_;
  std::string name_;
  int draws_ = 0;
  int text_mode_ = 0;
  bool ok_ = true;
};

bool near(double a, double b, double tolerance) { return std::abs(a - b) <= tolerance; }

// The image's colour components (1 or 3), or 0 for a colour space not taken.
int components(QPDFObjectHandle cs) {
  if (cs.isName()) {
    if (cs.getName() == "/DeviceGray") return 1;
    if (cs.getName() == "/DeviceRGB") return 3;
    return 0;
  }
  // [/ICCBased stream]: the profile's /N says how many components; the
  // device interpretation is what poppler shows for a scanner's sRGB/gray.
  if (cs.isArray() && cs.getArrayNItems() == 2 && cs.getArrayItem(0).isName() &&
      cs.getArrayItem(0).getName() == "/ICCBased" && cs.getArrayItem(1).isStream()) {
    QPDFObjectHandle n = cs.getArrayItem(1).getDict().getKey("/N");
    if (n.isInteger() && (n.getIntValue() == 1 || n.getIntValue() == 3)) {
      return static_cast<int>(n.getIntValue());
    }
  }
  return 0;
}

std::vector<std::string> filters(QPDFObjectHandle dict) {
  std::vector<std::string> out;
  QPDFObjectHandle f = dict.getKey("/Filter");
  if (f.isName()) out.push_back(f.getName());
  if (f.isArray()) {
    for (auto& item : f.getArrayAsVector()) out.push_back(item.isName() ? item.getName() : "?");
  }
  return out;
}

// A 1-bit scan in CCITT Group 4 (a scanner's black-and-white mode), decoded
// by libtiff through Leptonica: the stream wrapped as the one strip of an
// in-memory TIFF. Group 3 codes and byte-aligned rows are left to poppler.
cv::Mat decode_group4(QPDFObjectHandle image, int width, int height) {
  QPDFObjectHandle parms = image.getDict().getKey("/DecodeParms");
  if (parms.isArray() && parms.getArrayNItems() == 1) parms = parms.getArrayItem(0);
  if (!parms.isDictionary()) return {};
  auto number = [&](const char* key, long long fallback) {
    QPDFObjectHandle v = parms.getKey(key);
    return v.isInteger() ? v.getIntValue() : fallback;
  };
  auto flag = [&](const char* key) {
    QPDFObjectHandle v = parms.getKey(key);
    return v.isBool() && v.getBoolValue();
  };
  if (number("/K", 0) >= 0 || number("/Columns", 1728) != width || flag("/EncodedByteAlign")) {
    return {};
  }
  std::shared_ptr<Buffer> data = image.getRawStreamData();
  // Header, 10 directory entries (tag, type, count, value), no next directory.
  constexpr std::uint16_t kShort = 3;
  constexpr std::uint32_t kLong = 4;
  const std::uint32_t strip = 8 + 2 + 10 * 12 + 4;
  const std::pair<std::uint16_t, std::pair<std::uint16_t, std::uint32_t>> entries[] = {
      {256, {kLong, static_cast<std::uint32_t>(width)}},            // ImageWidth
      {257, {kLong, static_cast<std::uint32_t>(height)}},           // ImageLength
      {258, {kShort, 1}},                                           // BitsPerSample
      {259, {kShort, 4}},                                           // Compression: CCITT T.6
      {262, {kShort, 0}},                                           // Photometric: white is zero
      {273, {kLong, strip}},                                        // StripOffsets
      {277, {kShort, 1}},                                           // SamplesPerPixel
      {278, {kLong, static_cast<std::uint32_t>(height)}},           // RowsPerStrip
      {279, {kLong, static_cast<std::uint32_t>(data->getSize())}},  // StripByteCounts
      {293, {kLong, 0}},                                            // T6Options
  };
  std::string tiff("II*\0\x08\0\0\0", 8);
  auto put = [&](std::uint32_t v, int bytes) {
    for (int i = 0; i < bytes; ++i) tiff.push_back(static_cast<char>((v >> (8 * i)) & 0xff));
  };
  put(10, 2);
  for (const auto& [tag, value] : entries) {
    put(tag, 2);
    put(value.first, 2);
    put(1, 4);
    put(value.second, 4);  // a SHORT sits in the first two bytes, little-endian
  }
  put(0, 4);
  tiff.append(reinterpret_cast<const char*>(data->getBuffer()), data->getSize());
  PIX* pix = pixReadMemTiff(reinterpret_cast<const l_uint8*>(tiff.data()), tiff.size(), 0);
  if (pix == nullptr) return {};
  cv::Mat gray;
  if (pixGetDepth(pix) == 1 && static_cast<int>(pixGetWidth(pix)) == width &&
      static_cast<int>(pixGetHeight(pix)) == height) {
    // The code's black runs come out as 1 bits in Leptonica; the PDF shows
    // them black unless /BlackIs1 makes 1 bits white under /DeviceGray.
    const unsigned char run_black = flag("/BlackIs1") ? 255 : 0;
    gray.create(height, width, CV_8U);
    for (int y = 0; y < height; ++y) {
      const l_uint32* line = pixGetData(pix) + static_cast<size_t>(y) * pixGetWpl(pix);
      unsigned char* out = gray.ptr(y);
      for (int x = 0; x < width; ++x) {
        out[x] = GET_DATA_BIT(line, x) ? run_black : static_cast<unsigned char>(255 - run_black);
      }
    }
  }
  pixDestroy(&pix);
  return gray;
}

// Decoded pixels to 8-bit gray, or an empty Mat when the stream does not hold
// what its dictionary says.
cv::Mat decode_image(QPDFObjectHandle image, int width, int height, int comps, int bits) {
  QPDFObjectHandle dict = image.getDict();
  const std::vector<std::string> f = filters(dict);
  if (f.size() == 1 && f[0] == "/DCTDecode") {
    if (bits != 8) return {};
    std::shared_ptr<Buffer> raw = image.getRawStreamData();
    // The JPEG's own size, read before any pixel is allocated, must be the one
    // checked against the pixel limit (a small /Width over a huge JPEG).
    const ImageHeader header = read_jpeg_header(raw->getBuffer(), raw->getSize());
    if (header.width != width || header.height != height) return {};
    cv::Mat bytes(1, static_cast<int>(raw->getSize()), CV_8U, raw->getBuffer());
    // A PDF viewer ignores a JPEG's EXIF orientation, and so does this.
    cv::Mat gray = cv::imdecode(bytes, cv::IMREAD_GRAYSCALE | cv::IMREAD_IGNORE_ORIENTATION);
    if (gray.cols != width || gray.rows != height) return {};
    return gray;
  }
  if (f.size() == 1 && f[0] == "/CCITTFaxDecode") {
    return bits == 1 && comps == 1 ? decode_group4(image, width, height) : cv::Mat();
  }
  for (const auto& name : f) {
    if (name != "/FlateDecode" && name != "/LZWDecode") return {};
  }
  std::shared_ptr<Buffer> data = image.getStreamData(qpdf_dl_generalized);
  const size_t row_bytes = (static_cast<size_t>(width) * comps * bits + 7) / 8;
  if (data->getSize() < row_bytes * static_cast<size_t>(height)) return {};
  unsigned char* p = data->getBuffer();
  cv::Mat gray(height, width, CV_8U);
  if (bits == 8 && comps == 1) {
    cv::Mat(height, width, CV_8U, p, row_bytes).copyTo(gray);
  } else if (bits == 8 && comps == 3) {
    cv::cvtColor(cv::Mat(height, width, CV_8UC3, p, row_bytes), gray, cv::COLOR_RGB2GRAY);
  } else if (bits == 1 && comps == 1) {
    for (int y = 0; y < height; ++y) {
      const unsigned char* row = p + row_bytes * y;
      unsigned char* out = gray.ptr(y);
      for (int x = 0; x < width; ++x) out[x] = (row[x >> 3] >> (7 - (x & 7))) & 1 ? 255 : 0;
    }
  } else {
    return {};
  }
  return gray;
}

std::optional<PageImage> read_page_image(const std::filesystem::path& path, int page_no,
                                         const IngestSettings& settings) {
  QPDF pdf;
  pdf.setSuppressWarnings(true);
  pdf.processFile(path.c_str());
  std::vector<QPDFPageObjectHelper> pages = QPDFPageDocumentHelper(pdf).getAllPages();
  if (page_no < 1 || page_no > static_cast<int>(pages.size())) return std::nullopt;
  QPDFPageObjectHelper page = pages[page_no - 1];

  OneImagePage content;
  page.parseContents(&content);
  if (!content.ok()) return std::nullopt;
  QPDFObjectHandle image = page.getImages()[content.xobject()];
  if (!image.isStream()) return std::nullopt;  // a form XObject, or missing

  QPDFObjectHandle dict = image.getDict();
  auto integer = [&](const char* key) {
    QPDFObjectHandle v = dict.getKey(key);
    return v.isInteger() ? v.getIntValue() : -1;
  };
  const long long width = integer("/Width"), height = integer("/Height");
  const long long bits = integer("/BitsPerComponent");
  if (width <= 0 || height <= 0 || width * height > settings.max_page_pixels) return std::nullopt;
  if (dict.getKey("/ImageMask").isBool() && dict.getKey("/ImageMask").getBoolValue()) {
    return std::nullopt;
  }
  if (dict.hasKey("/SMask") || dict.hasKey("/Mask") || dict.hasKey("/Decode") ||
      dict.hasKey("/SMaskInData")) {
    return std::nullopt;
  }
  const int comps = components(dict.getKey("/ColorSpace"));
  if (comps == 0 || (bits != 8 && !(bits == 1 && comps == 1))) return std::nullopt;

  // Drawn upright over the whole visible page (the crop box).
  const Affine& m = content.placement();
  const QPDFObjectHandle::Rectangle box = page.getCropBox(false, false).getArrayAsRectangle();
  const double page_w = box.urx - box.llx, page_h = box.ury - box.lly;
  if (!(page_w > 0 && page_h > 0) || !near(m.b, 0, 1e-6) || !near(m.c, 0, 1e-6)) {
    return std::nullopt;
  }
  if (!near(m.a, page_w, kCoverTolerance * page_w) ||
      !near(m.d, page_h, kCoverTolerance * page_h) ||
      !near(m.e, box.llx, kCoverTolerance * page_w) ||
      !near(m.f, box.lly, kCoverTolerance * page_h)) {
    return std::nullopt;
  }
  const double dpi_x = width / (m.a / 72.0), dpi_y = height / (m.d / 72.0);
  if (std::abs(dpi_x - dpi_y) > kMaxDpiAnisotropy * dpi_x || dpi_x < kMinDirectPdfImageDpi ||
      dpi_x > kMaxDirectPdfImageDpi) {
    return std::nullopt;
  }
  int rotate = 0;
  QPDFObjectHandle r = page.getAttribute("/Rotate", false);
  if (r.isInteger()) rotate = static_cast<int>(((r.getIntValue() % 360) + 360) % 360);
  if (rotate % 90 != 0) return std::nullopt;

  PageImage out;
  out.gray = decode_image(image, static_cast<int>(width), static_cast<int>(height), comps,
                          static_cast<int>(bits));
  if (out.gray.empty()) return std::nullopt;
  // /Rotate turns the page clockwise for display.
  if (rotate == 90) cv::rotate(out.gray, out.gray, cv::ROTATE_90_CLOCKWISE);
  if (rotate == 180) cv::rotate(out.gray, out.gray, cv::ROTATE_180);
  if (rotate == 270) cv::rotate(out.gray, out.gray, cv::ROTATE_90_COUNTERCLOCKWISE);
  out.dpi = (dpi_x + dpi_y) / 2;
  return out;
}

}  // namespace

std::optional<PageImage> read_pdf_page_image(const std::filesystem::path& path, int page_no,
                                             const IngestSettings& settings) {
  try {
    return read_page_image(path, page_no, settings);
  } catch (const std::exception& e) {  // QPDFExc, cv::Exception, std::bad_alloc...
    spdlog::debug("{} page {}: not read as one image ({}), rendered instead", path.string(),
                  page_no, e.what());
  }
  return std::nullopt;
}

}  // namespace petiscan
