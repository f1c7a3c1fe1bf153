// Vocabulary shared by every stage of the pipeline.
//
// Glossary (also in README.md):
//   file   - one input file as scanned (PNG, JPEG, TIFF, PDF).
//   page   - one image inside a file (a TIFF directory, a PDF page); counted from 1.
//   sheet  - a page that shows the petition's signature table.
//   table  - the ruled two-column grid "Signatures | Code postal" on a sheet.
//   row    - one of the table's 9 lines, numbered 1 (top) to 9.
//   batch  - one `petiscan scan` run's name, grouping the files it read.
//
// Coordinates: every box is stored in the ORIGINAL page's pixel coordinates
// (as decoded, before any rotation), so a reviewer's crop is always cut from
// the original at full quality.
#pragma once

#include <array>
#include <opencv2/core.hpp>
#include <optional>
#include <string>
#include <vector>

namespace petiscan {

inline constexpr int kRowsPerSheet = 9;

enum class PageKind { Signatures, Other, Blank };

// "signatures" | "other" | "blank": the CONTRACT's spelling.
const char* to_string(PageKind kind);
std::optional<PageKind> page_kind_from_string(const std::string& s);

enum class RowStatus { Accepted, Review, Corrected };
const char* to_string(RowStatus status);
std::optional<RowStatus> row_status_from_string(const std::string& s);

// A quadrilateral in original-page pixel coordinates, corners in the order
// top-left, top-right, bottom-right, bottom-left of the UPRIGHT content
// (so after a 180-degree turn, "top-left" is near the original's bottom-right).
struct Quad {
  std::array<cv::Point2f, 4> pts{};
  cv::Rect bounding_rect() const;
};

// A decoded page, ready for the geometry stages.
struct PageImage {
  cv::Mat gray;    // CV_8UC1, original orientation (EXIF already applied)
  double dpi = 0;  // resolution, read from metadata or estimated
  bool dpi_estimated = false;
};

// What the geometry stages found on one row of a sheet.
struct RowGeometry {
  Quad row;                      // the whole row
  Quad signature_cell;           // left column
  Quad code_cell;                // right column (postal code)
  bool is_signed = false;        // the signature cell carries handwriting
  double signed_confidence = 0;  // P(is_signed is right), 0..1
  double code_ink = 0;           // fraction of the code cell covered by ink, after removing rules
  cv::Mat signature_view;        // the signature cell as the signed net sees it (signature_view())
};

// Result of analysing one page's geometry (orientation, skew, perspective,
// table, rows and the signed decision).
struct SheetGeometry {
  PageKind kind = PageKind::Other;
  double kind_confidence = 0;

  int rotation_deg = 0;  // clockwise turn (0, 90, 180, 270) that makes the page upright
  double rotation_confidence = 0;
  double skew_deg = 0;  // residual small-angle skew found after the turn, degrees
  double skew_confidence = 0;

  bool table_found = false;
  double table_confidence = 0;
  std::string reason;  // why the table was not found / why to review; empty if fine

  // Maps canonical upright table coordinates to original-page pixels.
  cv::Matx33d canonical_to_original = cv::Matx33d::eye();
  std::array<RowGeometry, kRowsPerSheet> rows{};

  // What the page-kind net looks at (classify/page_kind_net.h): kept for a
  // page called `other`, or for every page when the settings ask for it.
  cv::Mat kind_thumbnail;
  // P(signature sheet) the page-kind net gave, when it looked (stored with the
  // page's geometry, so a batch's pages left `other` can be audited later).
  std::optional<double> kind_net_probability;
};

// What the postal-code recognizer read in one code cell.
struct PostalReading {
  std::optional<std::string> code;  // canonical "A1A 1A1"; nullopt when blank or unreadable
  bool blank = true;                // no handwriting in the cell
  double confidence = 0;            // P(this reading, including "blank", is right)
  std::vector<std::pair<std::string, double>>
      alternatives;  // next best codes and their probabilities
};

// The pipeline's final decision on one row, as stored and exported.
struct RowResult {
  int index = 0;  // 1..9
  RowGeometry geometry;
  PostalReading reading;
  bool is_signed = false;
  std::optional<std::string> postal_code;
  double confidence = 0;  // P(both signed and postal_code are right)
  RowStatus status = RowStatus::Review;
  std::string reason;  // machine-readable reason for review, e.g. "low_code_confidence"
};

}  // namespace petiscan
