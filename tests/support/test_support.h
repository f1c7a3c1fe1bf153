// Helpers shared by the tests: temporary folders and drawing test images.
#pragma once

#include <filesystem>
#include <string>
#include <vector>

namespace petiscan::test {

// A fresh empty folder under the system temp dir, removed on destruction.
class TempDir {
 public:
  TempDir();
  ~TempDir();
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;
  const std::filesystem::path& path() const { return path_; }
  std::filesystem::path operator/(const std::string& name) const { return path_ / name; }

 private:
  std::filesystem::path path_;
};

void write_file(const std::filesystem::path& path, const std::string& bytes);
std::string read_file(const std::filesystem::path& path);

// A PDF of the numbered objects (1 0 obj is the catalog) with a correct
// cross-reference table.
std::string pdf_of(const std::vector<std::string>& objects);

// A one-page PDF of `width` x `height` points whose /Im0 is an image XObject
// (`image_dict`: its dictionary's entries; `image_bytes`: its stream) and /F1
// Helvetica, drawn by `content`; `page_extra` is added to the page's
// dictionary (/Rotate 90). With a correct cross-reference table.
std::string one_image_pdf(double width, double height, const std::string& image_dict,
                          const std::string& image_bytes, const std::string& content,
                          const std::string& page_extra = "");

}  // namespace petiscan::test
