#include "rectify/rectify.h"

#include <algorithm>
#include <cmath>
#include <opencv2/imgproc.hpp>

#include "core/errors.h"

namespace petiscan {

void RectifySettings::validate() const {
  if (canonical_width < 200 || canonical_width > 4000)
    throw UsageError("rectify.canonical_width: 200 to 4000");
  if (cell_margin < 0 || cell_margin > 0.5) throw UsageError("rectify.cell_margin: [0, 0.5]");
}

cv::Matx33d canonical_to_image(const std::array<cv::Point2f, 4>& corners, cv::Size size) {
  const std::array<cv::Point2f, 4> src = {
      cv::Point2f(0, 0), cv::Point2f(static_cast<float>(size.width), 0),
      cv::Point2f(static_cast<float>(size.width), static_cast<float>(size.height)),
      cv::Point2f(0, static_cast<float>(size.height))};
  cv::Mat h = cv::getPerspectiveTransform(src.data(), corners.data());
  return cv::Matx33d(h);
}

cv::Point2f apply(const cv::Matx33d& h, cv::Point2f p) {
  const cv::Vec3d v = h * cv::Vec3d(p.x, p.y, 1.0);
  return {static_cast<float>(v[0] / v[2]), static_cast<float>(v[1] / v[2])};
}

Quad map_rect(const cv::Matx33d& h, const cv::Rect2d& r) {
  Quad q;
  q.pts = {
      apply(h, cv::Point2f(static_cast<float>(r.x), static_cast<float>(r.y))),
      apply(h, cv::Point2f(static_cast<float>(r.x + r.width), static_cast<float>(r.y))),
      apply(h, cv::Point2f(static_cast<float>(r.x + r.width), static_cast<float>(r.y + r.height))),
      apply(h, cv::Point2f(static_cast<float>(r.x), static_cast<float>(r.y + r.height)))};
  return q;
}

cv::Mat warp_to_canonical(const cv::Mat& image, const cv::Matx33d& h, cv::Size size) {
  cv::Mat out;
  cv::warpPerspective(image, out, cv::Mat(h), size, cv::INTER_LINEAR | cv::WARP_INVERSE_MAP,
                      cv::BORDER_CONSTANT, cv::Scalar(255));
  return out;
}

cv::Mat cut_quad(const cv::Mat& image, const Quad& q, int out_height) {
  const auto& p = q.pts;
  const double w = std::max(cv::norm(p[1] - p[0]), cv::norm(p[2] - p[3]));
  const double h = std::max(cv::norm(p[3] - p[0]), cv::norm(p[2] - p[1]));
  if (w < 1 || h < 1) return {};
  const double scale = out_height > 0 ? out_height / h : 1.0;
  const cv::Size size(std::max(1, static_cast<int>(std::lround(w * scale))),
                      std::max(1, static_cast<int>(std::lround(h * scale))));
  const cv::Matx33d m = canonical_to_image(p, size);
  return warp_to_canonical(image, m, size);
}

}  // namespace petiscan
