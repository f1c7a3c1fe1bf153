// Progress of a long job: a redrawn bar on a terminal, plain log lines in a pipe.
#pragma once

#include <chrono>
#include <mutex>
#include <string>

namespace petiscan {

class Progress {
 public:
  // `what` names the unit ("pages"); `tty` draws a bar on stderr.
  Progress(std::string what, long total, bool tty);
  ~Progress();
  void update(long done);
  void finish();

  // Erases the bar so a log line can be written; the next update redraws it.
  static void clear_line();

 private:
  void draw(long done, bool force);
  std::string what_;
  long total_;
  bool tty_;
  bool finished_ = false;
  std::chrono::steady_clock::time_point start_, last_draw_;
  std::mutex mutex_;
};

// Sends spdlog's output to stderr, erasing the progress bar first.
void install_console_logger(int verbosity);

}  // namespace petiscan
