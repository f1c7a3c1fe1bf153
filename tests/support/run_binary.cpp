#include "support/run_binary.h"

#include <fcntl.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <stdexcept>

#include "support/test_support.h"

extern char** environ;

namespace petiscan::test {

namespace {

std::vector<char*> argv_of(const std::vector<std::string>& args, std::vector<std::string>& keep) {
  keep.clear();
#ifdef PETISCAN_BINARY
  keep.push_back(PETISCAN_BINARY);
#else
  throw std::runtime_error("tests built without the petiscan binary");
#endif
  keep.insert(keep.end(), args.begin(), args.end());
  std::vector<char*> argv;
  for (auto& s : keep) argv.push_back(s.data());
  argv.push_back(nullptr);
  return argv;
}

int spawn(const std::vector<std::string>& args, const std::filesystem::path& out,
          const std::filesystem::path& err, const std::filesystem::path& cwd) {
  std::vector<std::string> keep;
  auto argv = argv_of(args, keep);
  posix_spawn_file_actions_t fa;
  posix_spawn_file_actions_init(&fa);
  posix_spawn_file_actions_addopen(&fa, 0, "/dev/null", O_RDONLY, 0);
  posix_spawn_file_actions_addopen(&fa, 1, out.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
  posix_spawn_file_actions_addopen(&fa, 2, err.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
  if (!cwd.empty()) posix_spawn_file_actions_addchdir_np(&fa, cwd.c_str());
  pid_t pid = 0;
  int rc = posix_spawn(&pid, argv[0], &fa, nullptr, argv.data(), environ);
  posix_spawn_file_actions_destroy(&fa);
  if (rc != 0) throw std::runtime_error("cannot start petiscan");
  return pid;
}

}  // namespace

RunResult run_petiscan(const std::vector<std::string>& args, const std::filesystem::path& cwd) {
  TempDir tmp;
  int pid = spawn(args, tmp / "out", tmp / "err", cwd);
  int status = 0;
  waitpid(pid, &status, 0);
  RunResult r;
  r.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
  r.out = read_file(tmp / "out");
  r.err = read_file(tmp / "err");
  return r;
}

int spawn_petiscan(const std::vector<std::string>& args, const std::filesystem::path& log) {
  return spawn(args, log, log.string() + ".err", {});
}

}  // namespace petiscan::test
