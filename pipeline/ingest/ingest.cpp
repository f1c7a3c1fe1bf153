#include "ingest/ingest.h"

#include <leptonica/allheaders.h>
#include <malloc.h>
#include <openssl/evp.h>
#include <poppler/cpp/poppler-document.h>
#include <poppler/cpp/poppler-global.h>
#include <poppler/cpp/poppler-image.h>
#include <poppler/cpp/poppler-page-renderer.h>
#include <poppler/cpp/poppler-page.h>
#include <spdlog/spdlog.h>
#include <tiffio.h>

#include <algorithm>
#include <array>
#include <bit>
#include <cctype>
#include <cerrno>
#include <cstring>
#include <fstream>
#include <memory>
#include <mutex>
#include <opencv2/imgcodecs.hpp>
#include <opencv2/imgproc.hpp>
#include <set>

#include "core/errors.h"
#include "core/i18n.h"
#include "ingest/image_headers.h"
#include "ingest/pdf_image.h"

namespace petiscan {

namespace fs = std::filesystem;

// A resolution outside this range in a file's metadata is not a scanner's
// (phones write 72 DPI); the page's size is used instead.
constexpr double kMinPlausibleDpi = 100;
constexpr double kMaxPlausibleDpi = 1200;
// Long side of the page the letter is printed on (US Letter, 11 in), used to
// estimate a resolution the metadata does not give. A4 (11.69 in) differs by 6 %.
constexpr double kAssumedPageLongSideInches = 11.0;

const char* to_string(FileFormat format) {
  switch (format) {
    case FileFormat::Png:
      return "png";
    case FileFormat::Jpeg:
      return "jpeg";
    case FileFormat::Tiff:
      return "tiff";
    case FileFormat::Pdf:
      return "pdf";
  }
  return "?";
}

void IngestSettings::validate() const {
  if (max_page_pixels < 1'000'000) throw UsageError("max_page_pixels must be at least 1000000");
  if (pdf_dpi < 72 || pdf_dpi > 1200) throw UsageError("pdf_dpi must be between 72 and 1200");
  if (max_file_bytes < 1024) throw UsageError("max_file_bytes must be at least 1024");
}

// ---------------------------------------------------------------- walking

namespace {

bool has_scan_extension(const fs::path& p) {
  std::string ext = p.extension().string();
  std::transform(ext.begin(), ext.end(), ext.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return ext == ".png" || ext == ".jpg" || ext == ".jpeg" || ext == ".tif" || ext == ".tiff" ||
         ext == ".pdf";
}

void walk(const fs::path& dir, std::set<fs::path>& visited, std::vector<FoundFile>& out,
          std::vector<InputProblem>& problems) {
  std::error_code ec;
  fs::path canon = fs::canonical(dir, ec);
  if (ec) {
    problems.push_back({dir, ec.message()});
    return;
  }
  if (!visited.insert(canon).second) {
    spdlog::debug("{}: folder already walked (symbolic link loop), skipped", dir.string());
    return;
  }
  std::vector<fs::path> entries;
  fs::directory_iterator it(dir, fs::directory_options::skip_permission_denied, ec);
  if (ec) {
    problems.push_back({dir, ec.message()});
    return;
  }
  for (const auto& entry : it) entries.push_back(entry.path());
  std::sort(entries.begin(), entries.end());
  for (const auto& p : entries) {
    if (fs::is_directory(p, ec)) {
      walk(p, visited, out, problems);
    } else if (fs::is_regular_file(p, ec) && has_scan_extension(p)) {
      out.push_back({p});
    }
  }
}

}  // namespace

std::vector<FoundFile> collect_inputs(const std::vector<fs::path>& args,
                                      std::vector<InputProblem>& problems) {
  std::vector<FoundFile> out;
  std::set<fs::path> visited;
  for (const auto& arg : args) {
    std::error_code ec;
    auto st = fs::status(arg, ec);
    if (ec || !fs::exists(st)) {
      problems.push_back({arg, "no such file or folder"});
    } else if (fs::is_directory(st)) {
      walk(arg, visited, out, problems);
    } else {
      out.push_back({arg});
    }
  }
  return out;
}

// ---------------------------------------------------------------- hashing

namespace {

std::string to_hex(const unsigned char* data, unsigned len) {
  static constexpr char kDigits[] = "0123456789abcdef";
  std::string s(len * 2, '0');
  for (unsigned i = 0; i < len; ++i) {
    s[2 * i] = kDigits[data[i] >> 4];
    s[2 * i + 1] = kDigits[data[i] & 15];
  }
  return s;
}

struct DigestDeleter {
  void operator()(EVP_MD_CTX* ctx) const { EVP_MD_CTX_free(ctx); }
};

class Sha256 {
 public:
  Sha256() : ctx_(EVP_MD_CTX_new()) {
    if (!ctx_ || EVP_DigestInit_ex(ctx_.get(), EVP_sha256(), nullptr) != 1) {
      throw std::runtime_error("OpenSSL SHA-256 unavailable");
    }
  }
  void update(const void* data, size_t n) { EVP_DigestUpdate(ctx_.get(), data, n); }
  std::string hex() {
    unsigned char md[EVP_MAX_MD_SIZE];
    unsigned len = 0;
    EVP_DigestFinal_ex(ctx_.get(), md, &len);
    return to_hex(md, len);
  }

 private:
  std::unique_ptr<EVP_MD_CTX, DigestDeleter> ctx_;
};

}  // namespace

std::string sha256_file(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw InputError(tr("impossible d'ouvrir le fichier", "cannot open the file"));
  Sha256 sha;
  std::array<char, 1 << 16> buf;
  while (in) {
    in.read(buf.data(), buf.size());
    sha.update(buf.data(), static_cast<size_t>(in.gcount()));
  }
  if (in.bad())
    throw InputError(std::string(tr("erreur de lecture : ", "read error: ")) +
                     std::strerror(errno));
  return sha.hex();
}

std::string content_hash(const cv::Mat& gray) {
  Sha256 sha;
  const int dims[2] = {gray.cols, gray.rows};
  sha.update(dims, sizeof dims);
  for (int y = 0; y < gray.rows; ++y) sha.update(gray.ptr(y), gray.cols * gray.elemSize());
  return sha.hex();
}

// ---------------------------------------------------------------- decoding

namespace {

std::string read_all(const fs::path& path, std::int64_t max_bytes) {
  std::error_code ec;
  auto size = fs::file_size(path, ec);
  if (ec) throw InputError(tr("fichier illisible : ", "cannot read the file: ") + ec.message());
  if (static_cast<std::int64_t>(size) > max_bytes) {
    throw InputError("file too large (" + std::to_string(size >> 20) + tr(" Mo)", " MB)"));
  }
  std::ifstream in(path, std::ios::binary);
  if (!in)
    throw InputError(tr("impossible d'ouvrir le fichier (permission refusée ?)",
                        "cannot open the file (permission denied?)"));
  std::string bytes(size, '\0');
  in.read(bytes.data(), static_cast<std::streamsize>(size));
  if (in.gcount() != static_cast<std::streamsize>(size))
    throw InputError(tr("erreur de lecture", "read error"));
  return bytes;
}

void check_pixels(std::int64_t w, std::int64_t h, const IngestSettings& s) {
  if (w <= 0 || h <= 0) throw InputError(tr("image sans pixels", "image has no pixels"));
  // w * h may not fit in 64 bits (a PNG header claims up to 2^32 - 1 each way).
  if (w > s.max_page_pixels / h) {
    throw InputError(tr("image trop grande : ", "image too large: ") + std::to_string(w) + " x " +
                     std::to_string(h) + tr(" pixels (limite ", " pixels (limit ") +
                     std::to_string(s.max_page_pixels / 1'000'000) +
                     tr(" mégapixels)", " megapixels)"));
  }
}

double plausible_dpi(double dpi) {
  return dpi >= kMinPlausibleDpi && dpi <= kMaxPlausibleDpi ? dpi : 0;
}

// Any depth, any channel count -> 8-bit gray; alpha flattened onto white paper.
cv::Mat to_gray8(const cv::Mat& img) {
  cv::Mat m = img;
  if (m.depth() == CV_16U)
    m.convertTo(m, CV_8U, 1.0 / 257.0);
  else if (m.depth() != CV_8U)
    m.convertTo(m, CV_8U);
  if (m.channels() == 4) {
    std::vector<cv::Mat> ch;
    cv::split(m, ch);
    cv::Mat bgr, gray;
    cv::merge(std::vector<cv::Mat>{ch[0], ch[1], ch[2]}, bgr);
    cv::cvtColor(bgr, gray, cv::COLOR_BGR2GRAY);
    cv::Mat alpha, g32;
    ch[3].convertTo(alpha, CV_32F, 1.0 / 255.0);
    gray.convertTo(g32, CV_32F);
    cv::Mat out = g32.mul(alpha) + 255.0f * (1.0f - alpha);
    out.convertTo(m, CV_8U);
    return m;
  }
  if (m.channels() == 3) cv::cvtColor(m, m, cv::COLOR_BGR2GRAY);
  if (m.channels() == 2) {
    std::vector<cv::Mat> ch;
    cv::split(m, ch);
    m = ch[0];
  }
  return m;
}

PageImage decode_raster(const std::string& bytes, FileFormat format,
                        const IngestSettings& settings) {
  const auto* data = reinterpret_cast<const unsigned char*>(bytes.data());
  ImageHeader header = format == FileFormat::Png ? read_png_header(data, bytes.size())
                                                 : read_jpeg_header(data, bytes.size());
  check_pixels(header.width, header.height, settings);
  cv::Mat buf(1, static_cast<int>(bytes.size()), CV_8U, const_cast<char*>(bytes.data()));
  // JPEG: gray decode applies the EXIF orientation; PNG: keep alpha and 16 bits.
  int flags = format == FileFormat::Jpeg ? cv::IMREAD_GRAYSCALE : cv::IMREAD_UNCHANGED;
  cv::Mat img;
  try {
    img = cv::imdecode(buf, flags);
  } catch (const cv::Exception& e) {
    throw InputError(std::string(tr("image indécodable : ", "cannot decode the image: ")) +
                     e.what());
  }
  if (img.empty())
    throw InputError(tr("image indécodable (abîmée ou tronquée)",
                        "cannot decode the image (corrupt or truncated)"));
  PageImage page;
  page.gray = to_gray8(img);
  page.dpi = plausible_dpi(header.dpi);
  return page;
}

// libtiff reports problems through global handlers; they are recorded per
// thread and turned into the page's failure reason.
thread_local std::string t_tiff_error;

void tiff_error_handler(const char* module, const char* fmt, va_list ap) {
  char buf[512];
  vsnprintf(buf, sizeof buf, fmt, ap);
  if (t_tiff_error.empty()) t_tiff_error = std::string(module ? module : "tiff") + ": " + buf;
}

void tiff_warning_handler(const char*, const char*, va_list) {}

void install_quiet_handlers() {
  static std::once_flag once;
  std::call_once(once, [] {
    TIFFSetErrorHandler(tiff_error_handler);
    TIFFSetWarningHandler(tiff_warning_handler);
    setMsgSeverity(L_SEVERITY_NONE);
    poppler::set_debug_error_function([](const std::string&, void*) {}, nullptr);
  });
}

struct TiffCloser {
  void operator()(TIFF* t) const { TIFFClose(t); }
};
using TiffPtr = std::unique_ptr<TIFF, TiffCloser>;

TiffPtr open_tiff(const fs::path& path) {
  t_tiff_error.clear();
  TiffPtr tif(TIFFOpen(path.c_str(), "r"));
  if (!tif) {
    throw InputError(tr("TIFF illisible", "cannot open the TIFF") +
                     (t_tiff_error.empty() ? std::string() : ": " + t_tiff_error));
  }
  return tif;
}

int count_tiff_pages(const fs::path& path) {
  auto tif = open_tiff(path);
  // Counting by walking the directory chain; libtiff stops at a loop.
  int n = 0;
  do {
    ++n;
  } while (TIFFReadDirectory(tif.get()) == 1 && n < 100000);
  return n;
}

struct PixDeleter {
  void operator()(PIX* p) const { pixDestroy(&p); }
};
using PixPtr = std::unique_ptr<PIX, PixDeleter>;

cv::Mat pix_to_gray(PIX* pix) {
  PixPtr gray8;
  const int depth = pixGetDepth(pix);
  if (depth == 32) {
    gray8.reset(pixConvertRGBToLuminance(pix));
  } else {
    gray8.reset(pixConvertTo8(pix, 0));
  }
  if (!gray8)
    throw InputError(tr("format de pixels TIFF non pris en charge (profondeur ",
                        "unsupported TIFF pixel format (depth ") +
                     std::to_string(depth) + ")");
  const int w = static_cast<int>(pixGetWidth(gray8.get()));
  const int h = static_cast<int>(pixGetHeight(gray8.get()));
  cv::Mat out(h, w, CV_8U);
  // Leptonica keeps pixels in 32-bit words, the first pixel in the most
  // significant byte: on a little-endian machine each word is byte-swapped.
  for (int y = 0; y < h; ++y) {
    const l_uint32* line = pixGetData(gray8.get()) + y * pixGetWpl(gray8.get());
    unsigned char* dst = out.ptr(y);
    int x = 0;
    for (; x + 4 <= w; x += 4) {
      l_uint32 word = line[x / 4];
      if constexpr (std::endian::native == std::endian::little) word = __builtin_bswap32(word);
      std::memcpy(dst + x, &word, 4);
    }
    for (; x < w; ++x) dst[x] = static_cast<unsigned char>(GET_DATA_BYTE(line, x));
  }
  return out;
}

PageImage decode_tiff_page(const fs::path& path, int page_no, const IngestSettings& settings) {
  double dpi = 0;
  {
    auto tif = open_tiff(path);
    if (!TIFFSetDirectory(tif.get(), static_cast<tdir_t>(page_no - 1))) {
      throw InputError(tr("répertoire TIFF illisible", "cannot read TIFF directory") +
                       (t_tiff_error.empty() ? std::string() : ": " + t_tiff_error));
    }
    uint32_t w = 0, h = 0;
    TIFFGetField(tif.get(), TIFFTAG_IMAGEWIDTH, &w);
    TIFFGetField(tif.get(), TIFFTAG_IMAGELENGTH, &h);
    check_pixels(w, h, settings);
    float xres = 0;
    uint16_t unit = RESUNIT_INCH;
    if (TIFFGetField(tif.get(), TIFFTAG_XRESOLUTION, &xres)) {
      TIFFGetFieldDefaulted(tif.get(), TIFFTAG_RESOLUTIONUNIT, &unit);
      dpi = unit == RESUNIT_CENTIMETER ? xres * 2.54 : (unit == RESUNIT_NONE ? 0 : xres);
    }
  }
  t_tiff_error.clear();
  PixPtr pix(pixReadTiff(path.c_str(), page_no - 1));
  if (!pix) {
    throw InputError(tr("image TIFF indécodable", "cannot decode the TIFF image") +
                     (t_tiff_error.empty() ? std::string() : ": " + t_tiff_error));
  }
  PageImage page;
  page.gray = pix_to_gray(pix.get());
  page.dpi = plausible_dpi(dpi);
  return page;
}

std::unique_ptr<poppler::document> open_pdf(const fs::path& path) {
  std::unique_ptr<poppler::document> doc(poppler::document::load_from_file(path.string()));
  if (!doc)
    throw InputError(
        tr("PDF illisible (abîmé, ou pas un PDF)", "cannot open the PDF (damaged or not a PDF)"));
  if (doc->is_locked())
    throw InputError(tr("PDF chiffré (protégé par un mot de passe)",
                        "the PDF is encrypted (password protected)"));
  return doc;
}

PageImage render_pdf_page(const fs::path& path, int page_no, const IngestSettings& settings) {
  if (settings.pdf_direct_images) {
    if (auto scanned = read_pdf_page_image(path, page_no, settings)) return std::move(*scanned);
  }
  auto doc = open_pdf(path);
  if (page_no < 1 || page_no > doc->pages())
    throw InputError(tr("page inexistante", "no such page"));
  std::unique_ptr<poppler::page> page(doc->create_page(page_no - 1));
  if (!page) throw InputError(tr("page illisible", "the page cannot be read"));
  const poppler::rectf box = page->page_rect(poppler::media_box);
  const double dpi = settings.pdf_dpi;
  const double w = box.width() / 72.0 * dpi, h = box.height() / 72.0 * dpi;
  // A PDF states its page size in any number, up to 1e300 points or NaN:
  // checked as a number before it becomes a pixel count.
  if (!(w >= 1 && h >= 1)) throw InputError(tr("page sans surface", "the page has no area"));
  if (!(w <= static_cast<double>(settings.max_page_pixels) / h)) {
    throw InputError(tr("page trop grande : ", "page too large: ") +
                     fmt::format("{:.4g} x {:.4g}", box.width() / 72.0, box.height() / 72.0) +
                     tr(" pouces", " inches"));
  }
  check_pixels(static_cast<std::int64_t>(w), static_cast<std::int64_t>(h), settings);
  poppler::page_renderer renderer;
  renderer.set_render_hint(poppler::page_renderer::antialiasing, true);
  renderer.set_image_format(poppler::image::format_gray8);
  poppler::image img = renderer.render_page(page.get(), dpi, dpi);
  if (!img.is_valid())
    throw InputError(tr("page impossible à afficher", "the page cannot be rendered"));
  cv::Mat view(img.height(), img.width(), CV_8U, const_cast<char*>(img.const_data()),
               static_cast<size_t>(img.bytes_per_row()));
  PageImage out;
  out.gray = view.clone();
  out.dpi = dpi;
  return out;
}

FileFormat sniff(const std::string& head) {
  auto starts = [&](std::string_view magic) {
    return head.size() >= magic.size() && head.compare(0, magic.size(), magic) == 0;
  };
  if (starts("\x89PNG\r\n\x1a\n")) return FileFormat::Png;
  if (starts("\xff\xd8\xff")) return FileFormat::Jpeg;
  if (starts(std::string_view("II*\0", 4)) || starts(std::string_view("MM\0*", 4)) ||
      starts(std::string_view("II+\0", 4)) || starts(std::string_view("MM\0+", 4))) {
    return FileFormat::Tiff;
  }
  // PDF allows up to 1 KB of junk before the header.
  if (head.find("%PDF-") != std::string::npos) return FileFormat::Pdf;
  if (head.empty()) throw InputError(tr("fichier vide (0 octet)", "empty file (0 bytes)"));
  bool text = std::all_of(head.begin(), head.end(), [](unsigned char c) {
    return c == '\n' || c == '\r' || c == '\t' || (c >= 32 && c < 127) || c >= 128;
  });
  throw InputError(text ? tr("pas une image : le fichier contient du texte",
                             "not an image: the file contains text")
                        : tr("format inconnu (ni PNG, ni JPEG, ni TIFF, ni PDF)",
                             "unknown format (not PNG, JPEG, TIFF or PDF)"));
}

}  // namespace

ProbedFile probe_file(const fs::path& path, const IngestSettings& settings) {
  install_quiet_handlers();
  std::ifstream in(path, std::ios::binary);
  if (!in)
    throw InputError(tr("impossible d'ouvrir le fichier (permission refusée ?)",
                        "cannot open the file (permission denied?)"));
  std::string head(1024, '\0');
  in.read(head.data(), static_cast<std::streamsize>(head.size()));
  if (in.bad())
    throw InputError(std::string(tr("erreur de lecture : ", "read error: ")) +
                     std::strerror(errno));
  head.resize(static_cast<size_t>(in.gcount()));
  ProbedFile probed;
  probed.format = sniff(head);
  switch (probed.format) {
    case FileFormat::Png:
    case FileFormat::Jpeg:
      probed.page_count = 1;
      break;
    case FileFormat::Tiff:
      probed.page_count = count_tiff_pages(path);
      break;
    case FileFormat::Pdf: {
      auto doc = open_pdf(path);
      probed.page_count = doc->pages();
      if (probed.page_count <= 0)
        throw InputError(tr("le PDF n'a aucune page", "the PDF has no pages"));
      break;
    }
  }
  (void)settings;
  return probed;
}

PageImage load_page(const fs::path& path, const ProbedFile& probed, int page_no,
                    const IngestSettings& settings) {
  install_quiet_handlers();
  if (page_no < 1 || page_no > probed.page_count)
    throw InputError(tr("page inexistante", "no such page"));
  PageImage page;
  switch (probed.format) {
    case FileFormat::Png:
    case FileFormat::Jpeg:
      page = decode_raster(read_all(path, settings.max_file_bytes), probed.format, settings);
      break;
    case FileFormat::Tiff:
      page = decode_tiff_page(path, page_no, settings);
      break;
    case FileFormat::Pdf:
      page = render_pdf_page(path, page_no, settings);
      break;
  }
  if (page.dpi <= 0) {
    page.dpi = std::max(page.gray.cols, page.gray.rows) / kAssumedPageLongSideInches;
    page.dpi_estimated = true;
  }
  return page;
}

void keep_page_buffers_in_heap() {
  // A page fault costs this project's virtual machine 11-16 us: a fresh
  // 34 MB buffer (an RGB TIFF page as Leptonica holds it, 4 bytes a pixel)
  // takes 93-134 ms to fault in, against 5-7 ms to write over one already
  // there (malloc, memset, free, 20 times; quiet and busy machine).
  // So no page buffer may be a fresh mapping:
  // - none is mapped on its own (M_MMAP_MAX 0): glibc maps anything over
  //   M_MMAP_THRESHOLD, which cannot be set above 32 MB;
  // - one heap for all threads (M_ARENA_MAX 1): a worker's own arena is
  //   unmapped whenever it empties, between pages;
  // - the heap is not given back under kTrimThreshold free at its top.
  // `petiscan scan` of scripts/bench's 233 pages, three runs each, medians:
  // 1 job 27.0 -> 24.5 s, 2 jobs 14.6 -> 14.0 s, peak RSS (2 jobs) 380 ->
  // 330 MB; page faults on its first 99 envelopes (1 job) 202,000 -> 31,000.
  // Its three RGB TIFF pages decode in 0.37-0.49 s instead of 0.77-1.04.
  constexpr int kTrimThreshold = 256 << 20;
  mallopt(M_MMAP_MAX, 0);
  mallopt(M_ARENA_MAX, 1);
  mallopt(M_TRIM_THRESHOLD, kTrimThreshold);
}

}  // namespace petiscan
