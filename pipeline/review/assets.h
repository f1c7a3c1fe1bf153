// The review page's files, embedded at build time from web/ (see
// embed_assets.cmake): the server needs no file system access and no network.
#pragma once

#include <cstddef>
#include <span>

namespace petiscan::review {

struct WebAsset {
  const char* path;  // "/app.js"
  const char* mime;
  const unsigned char* data;
  std::size_t size;
};

std::span<const WebAsset> web_assets();

}  // namespace petiscan::review
