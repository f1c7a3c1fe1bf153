// Running the petiscan binary from tests, as a user would.
#pragma once

#include <filesystem>
#include <string>
#include <vector>

namespace petiscan::test {

struct RunResult {
  int exit_code = -1;
  std::string out;
  std::string err;
};

// Runs PETISCAN_BINARY with `args` (no shell), in `cwd` when given.
RunResult run_petiscan(const std::vector<std::string>& args, const std::filesystem::path& cwd = {});

// Starts petiscan in the background; returns its pid.
int spawn_petiscan(const std::vector<std::string>& args, const std::filesystem::path& log);

}  // namespace petiscan::test
