// Entry point of the geometry stages: from a decoded page to its kind, its
// upright transform and the table's 9 rows with the signed decision.
//
// The stages themselves live in their own folders (classify/, orient/,
// deskew/, rectify/, table/, rows/, signed/); this folder only chains them.
#pragma once

#include <iosfwd>

#include "core/debug.h"
#include "core/types.h"

namespace petiscan {

struct GeometrySettings;  // defined in geometry/settings.h

// Analyses one page. Never throws for a bad page: a page whose table cannot
// be found comes back with table_found=false and a reason.
SheetGeometry analyze_page(const PageImage& page, const GeometrySettings& settings,
                           DebugWriter& debug);

// Cuts the region of `quad` from the original page, upright and straight,
// resampled once. out_height 0 keeps the native resolution.
cv::Mat cut_cell(const cv::Mat& original, const Quad& quad, int out_height = 0);

}  // namespace petiscan
