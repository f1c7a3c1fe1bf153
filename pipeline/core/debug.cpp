#include "core/debug.h"

#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include <opencv2/imgcodecs.hpp>

namespace petiscan {

DebugWriter::DebugWriter(const std::filesystem::path& dir, const std::string& file_stem, int page) {
  if (dir.empty()) return;
  folder_ = dir / (file_stem + "-p" + std::to_string(page));
  std::error_code ec;
  std::filesystem::create_directories(folder_, ec);
  if (ec) {
    spdlog::warn("debug: cannot create {}: {}", folder_.string(), ec.message());
    folder_.clear();
  }
}

void DebugWriter::write(const std::string& stage, const std::string& what, const cv::Mat& image) {
  if (!enabled() || image.empty()) return;
  ++counter_;
  auto path = folder_ / fmt::format("{:02d}-{}-{}.png", counter_, stage, what);
  try {
    cv::imwrite(path.string(), image);
  } catch (const cv::Exception& e) {
    spdlog::warn("debug: cannot write {}: {}", path.string(), e.what());
  }
}

}  // namespace petiscan
