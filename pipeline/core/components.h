// Connected components of a binary mask (8-connected), found from its runs
// of non-zero pixels. The masks of a page's lines and glyphs are mostly
// paper: labelling their runs costs a pass that skips paper a word at a
// time, then work in the number of runs, where cv::connectedComponents
// writes and rewrites a 32-bit label for every pixel (about 10 ms for a
// 150-DPI page, several times a page).
#pragma once

#include <algorithm>
#include <cstdint>
#include <opencv2/core.hpp>
#include <vector>

namespace petiscan {

// The next non-zero byte of row[from, end), or end.
int next_ink(const uchar* row, int from, int end);
// The next zero byte of row[from, end), or end.
int next_paper(const uchar* row, int from, int end);

struct InkRun {
  int y, x0, x1;  // pixels [x0, x1) of row y
  int component;  // index into Components::items
  int next = -1;  // the component's next run in raster order, or -1
};

struct Component {
  int left = 0, top = 0, right = 0, bottom = 0;  // inclusive bounds
  std::int64_t area = 0;
  double sum_y = 0;  // of its pixels, for the centroid
  int first_run = -1;

  int width() const { return right - left + 1; }
  int height() const { return bottom - top + 1; }
  double centroid_y() const { return sum_y / static_cast<double>(area); }
};

struct Components {
  cv::Size size;
  std::vector<InkRun> runs;      // raster order
  std::vector<Component> items;  // in the raster order of their first pixel

  // A mask of the components for which value(i) is non-zero, each painted
  // with that value.
  template <class Value>
  cv::Mat paint(Value value) const {
    cv::Mat out(size, CV_8U, cv::Scalar(0));
    for (const InkRun& r : runs) {
      const uchar v = static_cast<uchar>(value(r.component));
      if (v) std::fill(out.ptr<uchar>(r.y) + r.x0, out.ptr<uchar>(r.y) + r.x1, v);
    }
    return out;
  }
};

// The 8-connected components of `mask` (CV_8UC1; non-zero is ink).
Components find_components(const cv::Mat& mask);

}  // namespace petiscan
