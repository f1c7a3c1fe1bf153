#include <gtest/gtest.h>

#include <opencv2/imgproc.hpp>
#include <random>

#include "core/components.h"
#include "core/types.h"

namespace petiscan {

TEST(Core, PageKindRoundTrips) {
  for (auto k : {PageKind::Signatures, PageKind::Other, PageKind::Blank}) {
    EXPECT_EQ(page_kind_from_string(to_string(k)), k);
  }
  EXPECT_FALSE(page_kind_from_string("letter").has_value());
}

TEST(Core, RowStatusRoundTrips) {
  for (auto s : {RowStatus::Accepted, RowStatus::Review, RowStatus::Corrected}) {
    EXPECT_EQ(row_status_from_string(to_string(s)), s);
  }
  EXPECT_FALSE(row_status_from_string("").has_value());
}

TEST(Components, RunEndsAreFoundAWordAtATimeAndExactly) {
  // Ink of any non-zero value, at every offset around the 8-byte words.
  for (int n : {1, 7, 8, 9, 16, 23, 64}) {
    for (int at = 0; at < n; ++at) {
      std::vector<uchar> row(static_cast<size_t>(n), 0);
      row[static_cast<size_t>(at)] = static_cast<uchar>(1 + at % 255);
      EXPECT_EQ(next_ink(row.data(), 0, n), at) << n << " " << at;
      EXPECT_EQ(next_ink(row.data(), at + 1, n), n);
      std::vector<uchar> full(static_cast<size_t>(n), 128);
      full[static_cast<size_t>(at)] = 0;
      EXPECT_EQ(next_paper(full.data(), 0, n), at) << n << " " << at;
      EXPECT_EQ(next_paper(full.data(), at + 1, n), n);
    }
  }
}

TEST(Components, DiagonalNeighboursJoinAndAUJoinsLate) {
  cv::Mat m(6, 10, CV_8U, cv::Scalar(0));
  m.at<uchar>(0, 0) = m.at<uchar>(1, 1) = 255;  // touching by a corner: one
  m.at<uchar>(0, 3) = m.at<uchar>(1, 5) = 255;  // a pixel apart: two
  m(cv::Rect(7, 0, 1, 3)).setTo(255);           // a U: two arms, joined at row 3
  m(cv::Rect(9, 0, 1, 3)).setTo(255);
  m(cv::Rect(7, 3, 3, 1)).setTo(255);
  const Components c = find_components(m);
  ASSERT_EQ(c.items.size(), 4u);
  EXPECT_EQ(c.items[0].area, 2);
  EXPECT_EQ(c.items[0].width(), 2);
  EXPECT_EQ(c.items[1].area, 1);
  EXPECT_EQ(c.items[2].left, 7);
  EXPECT_EQ(c.items[2].right, 9);
  EXPECT_EQ(c.items[2].area, 9);
  EXPECT_EQ(c.items[2].height(), 4);
  EXPECT_EQ(c.items[3].left, 5);
  // The U's runs, linked in raster order from its first one.
  int runs = 0, last_y = -1;
  for (int i = c.items[2].first_run; i >= 0; i = c.runs[static_cast<size_t>(i)].next, ++runs) {
    EXPECT_GE(c.runs[static_cast<size_t>(i)].y, last_y);
    last_y = c.runs[static_cast<size_t>(i)].y;
  }
  EXPECT_EQ(runs, 7);
}

TEST(Components, MatchOpenCvOnRandomMasks) {
  std::mt19937 rng(7);
  for (int trial = 0; trial < 40; ++trial) {
    const int w = 1 + static_cast<int>(rng() % 97), h = 1 + static_cast<int>(rng() % 61);
    // From sparse specks to mostly ink, with lines and blobs.
    const double density = (trial % 8) / 8.0;
    cv::Mat m(h, w, CV_8U, cv::Scalar(0));
    std::bernoulli_distribution ink(density * 0.6);
    for (int y = 0; y < h; ++y)
      for (int x = 0; x < w; ++x) m.at<uchar>(y, x) = ink(rng) ? 255 : 0;
    cv::line(m, {0, h / 2}, {w - 1, h / 3}, cv::Scalar(200), 1);
    cv::Mat labels, stats, centroids;
    const int n = cv::connectedComponentsWithStats(m, labels, stats, centroids, 8, CV_32S);
    const Components c = find_components(m);
    ASSERT_EQ(static_cast<int>(c.items.size()), n - 1) << trial;
    std::vector<int> seen(static_cast<size_t>(n), -1);
    for (const InkRun& r : c.runs) {
      for (int x = r.x0; x < r.x1; ++x) {
        const int l = labels.at<int>(r.y, x);
        ASSERT_GT(l, 0);
        if (seen[static_cast<size_t>(l)] < 0) seen[static_cast<size_t>(l)] = r.component;
        ASSERT_EQ(seen[static_cast<size_t>(l)], r.component) << trial;
      }
    }
    for (int l = 1; l < n; ++l) {
      const Component& k = c.items[static_cast<size_t>(seen[static_cast<size_t>(l)])];
      EXPECT_EQ(k.left, stats.at<int>(l, cv::CC_STAT_LEFT));
      EXPECT_EQ(k.top, stats.at<int>(l, cv::CC_STAT_TOP));
      EXPECT_EQ(k.width(), stats.at<int>(l, cv::CC_STAT_WIDTH));
      EXPECT_EQ(k.height(), stats.at<int>(l, cv::CC_STAT_HEIGHT));
      EXPECT_EQ(k.area, stats.at<int>(l, cv::CC_STAT_AREA));
      EXPECT_DOUBLE_EQ(k.centroid_y(), centroids.at<double>(l, 1));
    }
    // Painting every component gives the mask back.
    const cv::Mat back = c.paint([](int) { return 255; });
    EXPECT_EQ(cv::countNonZero(back != (m > 0)), 0) << trial;
  }
}

}  // namespace petiscan
