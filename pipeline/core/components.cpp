#include "core/components.h"

#include <algorithm>
#include <cstring>

namespace petiscan {
namespace {

constexpr std::uint64_t kOnes = 0x0101010101010101ull;
constexpr std::uint64_t kHighs = 0x8080808080808080ull;

std::uint64_t word_at(const uchar* p) {
  std::uint64_t w;
  std::memcpy(&w, p, sizeof w);
  return w;
}

// Whether a byte of w is zero (the classic bit trick: exact, no false hits).
bool has_zero_byte(std::uint64_t w) { return ((w - kOnes) & ~w & kHighs) != 0; }

int find_root(std::vector<int>& parent, int i) {
  while (parent[static_cast<size_t>(i)] != i) {
    int& p = parent[static_cast<size_t>(i)];
    p = parent[static_cast<size_t>(p)];  // path halving
    i = p;
  }
  return i;
}

// The earlier run becomes the root: a component's root is its first run.
void unite(std::vector<int>& parent, int a, int b) {
  a = find_root(parent, a);
  b = find_root(parent, b);
  if (a < b)
    parent[static_cast<size_t>(b)] = a;
  else if (b < a)
    parent[static_cast<size_t>(a)] = b;
}

}  // namespace

int next_ink(const uchar* row, int from, int end) {
  int x = from;
  while (x + 8 <= end && word_at(row + x) == 0) x += 8;
  while (x < end && !row[x]) ++x;
  return x;
}

int next_paper(const uchar* row, int from, int end) {
  int x = from;
  while (x + 8 <= end && !has_zero_byte(word_at(row + x))) x += 8;
  while (x < end && row[x]) ++x;
  return x;
}

Components find_components(const cv::Mat& mask) {
  CV_Assert(mask.type() == CV_8UC1);
  Components out;
  out.size = mask.size();
  std::vector<InkRun>& runs = out.runs;
  std::vector<int> parent;
  size_t prev_begin = 0, prev_end = 0;
  for (int y = 0; y < mask.rows; ++y) {
    const uchar* row = mask.ptr<uchar>(y);
    const size_t begin = runs.size();
    for (int x = next_ink(row, 0, mask.cols); x < mask.cols;) {
      const int end = next_paper(row, x, mask.cols);
      parent.push_back(static_cast<int>(runs.size()));
      runs.push_back({y, x, end, -1});
      x = next_ink(row, end, mask.cols);
    }
    // 8-connected: a run touches the runs of the row above that overlap it
    // widened by a pixel each side.
    size_t p = prev_begin;
    for (size_t i = begin; i < runs.size(); ++i) {
      while (p < prev_end && runs[p].x1 < runs[i].x0) ++p;
      for (size_t q = p; q < prev_end && runs[q].x0 <= runs[i].x1; ++q)
        unite(parent, static_cast<int>(q), static_cast<int>(i));
    }
    prev_begin = begin;
    prev_end = runs.size();
  }
  std::vector<int> last_run;
  for (size_t i = 0; i < runs.size(); ++i) {
    InkRun& r = runs[i];
    const int root = find_root(parent, static_cast<int>(i));
    if (root == static_cast<int>(i)) {
      r.component = static_cast<int>(out.items.size());
      Component c;
      c.left = r.x0;
      c.right = r.x1 - 1;
      c.top = c.bottom = r.y;
      c.first_run = static_cast<int>(i);
      out.items.push_back(c);
      last_run.push_back(static_cast<int>(i));
    } else {
      r.component = runs[static_cast<size_t>(root)].component;
      Component& c = out.items[static_cast<size_t>(r.component)];
      c.left = std::min(c.left, r.x0);
      c.right = std::max(c.right, r.x1 - 1);
      c.bottom = r.y;
      runs[static_cast<size_t>(last_run[static_cast<size_t>(r.component)])].next =
          static_cast<int>(i);
      last_run[static_cast<size_t>(r.component)] = static_cast<int>(i);
    }
    Component& c = out.items[static_cast<size_t>(r.component)];
    c.area += r.x1 - r.x0;
    c.sum_y += static_cast<double>(r.y) * (r.x1 - r.x0);
  }
  return out;
}

}  // namespace petiscan
