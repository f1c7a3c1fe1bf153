// Images for the review page, always cut from the ORIGINAL scan: the page is
// decoded again from the file it was scanned from (checked against the
// page's content hash, so a file changed since the scan is never shown as
// if it were the same), kept in a small cache, and cut with the geometry
// stage's cut_cell().
#pragma once

#include <cstdint>
#include <list>
#include <memory>
#include <mutex>
#include <opencv2/core.hpp>
#include <string>
#include <vector>

#include "service.h"

namespace petiscan::review {

// Decoded pages kept in memory: a sheet's 9 rows (3 crops each) and the next
// item's prefetch hit the same page. A Letter page at 300 DPI is 8.4 MB of
// gray pixels, so 8 pages stay under 70 MB.
inline constexpr std::size_t kPageCacheSize = 8;
// Margin added around a cell, as a fraction of its height: handwriting often
// crosses the ruling, and a reviewer must see the strokes that do.
inline constexpr double kCellMarginFraction = 0.12;
// Tallest crop sent (pixels): a phone photo's cells are downscaled to this,
// enough to read a code at twice the screen's 140 CSS-pixel display height.
inline constexpr int kMaxCropHeight = 320;
// Longest side of a whole-page image sent: readable handwriting on a
// full-height page view without shipping a 4000-pixel phone photo.
inline constexpr int kMaxPageSide = 1800;
// JPEG quality of whole-page images (crops are PNG, lossless).
inline constexpr int kPageJpegQuality = 85;

class PageCache {
 public:
  explicit PageCache(std::size_t capacity = kPageCacheSize) : capacity_(capacity) {}
  // The page's gray pixels, decoded from its file. Throws ApiError 404/410
  // when the file is missing or no longer holds the same page.
  std::shared_ptr<const cv::Mat> get(const ImageSource& src);

 private:
  struct Entry {
    std::int64_t page_id;
    std::shared_ptr<const cv::Mat> gray;
  };
  std::size_t capacity_;
  std::mutex mutex_;
  std::list<Entry> entries_;  // most recently used first
};

// The quad grown by `margin_fraction` of its height on every side.
Quad grow_quad(const Quad& quad, double margin_fraction);

// An encoded image for the browser: PNG for cells, JPEG for pages.
struct EncodedImage {
  std::string mime;
  std::vector<unsigned char> bytes;
};

EncodedImage render_crop(const cv::Mat& page, const Quad& quad);
EncodedImage render_page(const cv::Mat& page, int rotation_deg);

}  // namespace petiscan::review
