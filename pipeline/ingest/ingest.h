// Ingest: finding input files, identifying them by content, and decoding
// their pages (PNG, JPEG, TIFF, PDF) into 8-bit gray images with a resolution.
#pragma once

#include <cstdint>
#include <filesystem>
#include <string>
#include <vector>

#include "core/types.h"

namespace petiscan {

enum class FileFormat { Png, Jpeg, Tiff, Pdf };
const char* to_string(FileFormat format);

struct IngestSettings {
  // Largest page accepted, in pixels, checked from the header before any
  // pixel is allocated: Letter at 1200 DPI is 134.6 Mpx; anything larger is
  // not a scan of a petition sheet (and would need > 150 MB per page).
  std::int64_t max_page_pixels = 150'000'000;
  // Resolution PDF pages are rendered at.
  double pdf_dpi = 300;
  // A PDF page that is one scanned image is decoded as that image, at its own
  // resolution, instead of rendered (see ingest/pdf_image.h). Off: every page
  // is rendered at pdf_dpi, as petiscan did before 2026-12 (the review server
  // falls back to it for pages scanned then).
  bool pdf_direct_images = true;
  // Largest input file read, in bytes (a 2 GiB "scan" is a mistake).
  std::int64_t max_file_bytes = 1LL << 31;
  void validate() const;  // throws UsageError
};

// A file found on the command line or inside a folder.
struct FoundFile {
  std::filesystem::path path;
};

// Something wrong with an input argument itself (missing path, unreadable folder).
struct InputProblem {
  std::filesystem::path path;
  std::string reason;
};

// Walks files and folders (recursively, following folder links once, so a
// symlink loop ends). Keeps only files with a scan extension (.png .jpg .jpeg
// .tif .tiff .pdf, any case) when walking folders; files named explicitly are
// always kept. Sorted by path within each folder, so runs are repeatable.
std::vector<FoundFile> collect_inputs(const std::vector<std::filesystem::path>& args,
                                      std::vector<InputProblem>& problems);

// Hex SHA-256 of a whole file's bytes. Throws InputError when unreadable.
std::string sha256_file(const std::filesystem::path& path);
// Hex SHA-256 of a page's decoded pixels (and size): the page's content key.
std::string content_hash(const cv::Mat& gray);

// An open input: its format and page count, known without decoding pixels.
struct ProbedFile {
  FileFormat format = FileFormat::Png;
  int page_count = 0;
};

// Identifies the format from the file's first bytes (not its name) and
// counts pages. Throws InputError with a one-line reason.
ProbedFile probe_file(const std::filesystem::path& path, const IngestSettings& settings);

// Decodes page `page_no` (from 1). Applies JPEG EXIF orientation, flattens
// alpha onto white, reduces 16-bit and colour to 8-bit gray, reads the
// resolution or estimates it from the page size. Throws InputError with a
// one-line reason naming the page.
PageImage load_page(const std::filesystem::path& path, const ProbedFile& probed, int page_no,
                    const IngestSettings& settings);

// Sets the process's allocator for reading page after page: a page's images
// (8 MB at 300 DPI, and each stage's masks) stay in the heap to be reused
// instead of being mapped afresh, faulted in and zeroed for every page. Called
// by `petiscan scan` and by the plain-decoding benchmark alike.
void keep_page_buffers_in_heap();

}  // namespace petiscan
