// --debug-dir support: numbered intermediate images per page and stage.
#pragma once

#include <filesystem>
#include <opencv2/core.hpp>
#include <string>

namespace petiscan {

// Writes DIR/<file stem>-p<page>/<NN>-<stage>-<what>.png. A default-constructed
// writer (no folder) does nothing, so stages call it unconditionally.
class DebugWriter {
 public:
  DebugWriter() = default;
  DebugWriter(const std::filesystem::path& dir, const std::string& file_stem, int page);

  bool enabled() const { return !folder_.empty(); }
  void write(const std::string& stage, const std::string& what, const cv::Mat& image);

 private:
  std::filesystem::path folder_;
  int counter_ = 0;
};

}  // namespace petiscan
