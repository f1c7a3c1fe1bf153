#include "core/types.h"

#include <opencv2/imgproc.hpp>

namespace petiscan {

const char* to_string(PageKind kind) {
  switch (kind) {
    case PageKind::Signatures:
      return "signatures";
    case PageKind::Other:
      return "other";
    case PageKind::Blank:
      return "blank";
  }
  return "other";
}

std::optional<PageKind> page_kind_from_string(const std::string& s) {
  if (s == "signatures") return PageKind::Signatures;
  if (s == "other") return PageKind::Other;
  if (s == "blank") return PageKind::Blank;
  return std::nullopt;
}

const char* to_string(RowStatus status) {
  switch (status) {
    case RowStatus::Accepted:
      return "accepted";
    case RowStatus::Review:
      return "review";
    case RowStatus::Corrected:
      return "corrected";
  }
  return "review";
}

std::optional<RowStatus> row_status_from_string(const std::string& s) {
  if (s == "accepted") return RowStatus::Accepted;
  if (s == "review") return RowStatus::Review;
  if (s == "corrected") return RowStatus::Corrected;
  return std::nullopt;
}

cv::Rect Quad::bounding_rect() const {
  std::vector<cv::Point2f> v(pts.begin(), pts.end());
  return cv::boundingRect(v);
}

}  // namespace petiscan
