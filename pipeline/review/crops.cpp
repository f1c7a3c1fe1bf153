#include "crops.h"

#include <algorithm>
#include <cmath>
#include <opencv2/imgcodecs.hpp>
#include <opencv2/imgproc.hpp>

#include "core/errors.h"
#include "geometry/geometry.h"
#include "ingest/ingest.h"

namespace petiscan::review {

namespace {

double distance(cv::Point2f a, cv::Point2f b) { return std::hypot(a.x - b.x, a.y - b.y); }

cv::Point2f unit(cv::Point2f v) {
  const double n = std::hypot(v.x, v.y);
  return n > 0 ? cv::Point2f(static_cast<float>(v.x / n), static_cast<float>(v.y / n))
               : cv::Point2f(0, 0);
}

}  // namespace

std::shared_ptr<const cv::Mat> PageCache::get(const ImageSource& src) {
  {
    std::lock_guard lock(mutex_);
    for (auto it = entries_.begin(); it != entries_.end(); ++it) {
      if (it->page_id == src.page_id) {
        entries_.splice(entries_.begin(), entries_, it);
        return it->gray;
      }
    }
  }
  // Decoded outside the lock: other reviewers' crops of cached pages are not held up.
  std::error_code ec;
  if (!std::filesystem::is_regular_file(src.path, ec)) {
    throw ApiError(404, "original_missing",
                   "fichier d'origine introuvable : " + src.file_name +
                       " (lancez la révision depuis le dossier de la numérisation)",
                   "original file not found: " + src.file_name +
                       " (start the review from the folder the scan was run in)");
  }
  PageImage page;
  bool same = false;
  try {
    IngestSettings settings;
    const ProbedFile probed = probe_file(src.path, settings);
    page = load_page(src.path, probed, src.page_no, settings);
    same = content_hash(page.gray) == src.content_hash;
    // A PDF page scanned before its image was read as it is (2026-12) was
    // rendered by poppler; it is shown as it was scanned.
    if (!same && probed.format == FileFormat::Pdf) {
      settings.pdf_direct_images = false;
      PageImage rendered = load_page(src.path, probed, src.page_no, settings);
      same = content_hash(rendered.gray) == src.content_hash;
      if (same) page = std::move(rendered);
    }
  } catch (const InputError& e) {
    throw ApiError(404, "original_unreadable", "fichier d'origine illisible : " + src.file_name,
                   "original file unreadable: " + src.file_name + ": " + e.what());
  }
  if (!same) {
    throw ApiError(410, "original_changed",
                   "le fichier " + src.file_name + " a changé depuis la numérisation",
                   "the file " + src.file_name + " changed since it was scanned");
  }
  auto gray = std::make_shared<const cv::Mat>(std::move(page.gray));
  std::lock_guard lock(mutex_);
  entries_.push_front({src.page_id, gray});
  while (entries_.size() > capacity_) entries_.pop_back();
  return gray;
}

Quad grow_quad(const Quad& q, double margin_fraction) {
  const auto& p = q.pts;  // TL, TR, BR, BL
  const cv::Point2f across = unit((p[1] - p[0]) + (p[2] - p[3]));
  const cv::Point2f down = unit((p[3] - p[0]) + (p[2] - p[1]));
  const double height = (distance(p[0], p[3]) + distance(p[1], p[2])) / 2;
  const auto m = static_cast<float>(height * margin_fraction);
  Quad g;
  g.pts[0] = p[0] - across * m - down * m;
  g.pts[1] = p[1] + across * m - down * m;
  g.pts[2] = p[2] + across * m + down * m;
  g.pts[3] = p[3] - across * m + down * m;
  return g;
}

EncodedImage render_crop(const cv::Mat& page, const Quad& quad) {
  const Quad grown = grow_quad(quad, kCellMarginFraction);
  const double height =
      (distance(grown.pts[0], grown.pts[3]) + distance(grown.pts[1], grown.pts[2])) / 2;
  const cv::Mat cell = cut_cell(page, grown, height > kMaxCropHeight ? kMaxCropHeight : 0);
  if (cell.empty()) {
    throw ApiError(404, "no_box", "cadre vide pour cette case", "empty box for this cell");
  }
  EncodedImage out{"image/png", {}};
  cv::imencode(".png", cell, out.bytes, {cv::IMWRITE_PNG_COMPRESSION, 1});
  return out;
}

EncodedImage render_page(const cv::Mat& page, int rotation_deg) {
  cv::Mat upright;
  switch (rotation_deg) {
    case 90:
      cv::rotate(page, upright, cv::ROTATE_90_CLOCKWISE);
      break;
    case 180:
      cv::rotate(page, upright, cv::ROTATE_180);
      break;
    case 270:
      cv::rotate(page, upright, cv::ROTATE_90_COUNTERCLOCKWISE);
      break;
    default:
      upright = page;
  }
  const int side = std::max(upright.cols, upright.rows);
  if (side > kMaxPageSide) {
    const double scale = static_cast<double>(kMaxPageSide) / side;
    cv::resize(upright, upright, cv::Size(), scale, scale, cv::INTER_AREA);
  }
  EncodedImage out{"image/jpeg", {}};
  cv::imencode(".jpg", upright, out.bytes, {cv::IMWRITE_JPEG_QUALITY, kPageJpegQuality});
  return out;
}

}  // namespace petiscan::review
