#include "driver/progress.h"

#include <spdlog/sinks/base_sink.h>
#include <spdlog/spdlog.h>
#include <unistd.h>

#include <atomic>
#include <cstdio>

#include "core/i18n.h"

namespace petiscan {

namespace {

// How often the bar is redrawn, and how often a pipe gets a progress line.
constexpr auto kTtyRedraw = std::chrono::milliseconds(100);
constexpr auto kLogEvery = std::chrono::seconds(5);
constexpr int kBarWidth = 30;

std::atomic<bool> g_bar_visible{false};
std::mutex g_console_mutex;

std::string format_duration(double seconds) {
  const long s = static_cast<long>(seconds + 0.5);
  char buf[32];
  if (s >= 3600)
    std::snprintf(buf, sizeof buf, "%ld:%02ld:%02ld", s / 3600, s / 60 % 60, s % 60);
  else
    std::snprintf(buf, sizeof buf, "%ld:%02ld", s / 60, s % 60);
  return buf;
}

class ConsoleSink : public spdlog::sinks::base_sink<std::mutex> {
 protected:
  void sink_it_(const spdlog::details::log_msg& msg) override {
    spdlog::memory_buf_t formatted;
    formatter_->format(msg, formatted);
    std::lock_guard lock(g_console_mutex);
    if (g_bar_visible.exchange(false)) std::fputs("\r\033[K", stderr);
    std::fwrite(formatted.data(), 1, formatted.size(), stderr);
  }
  void flush_() override { std::fflush(stderr); }
};

}  // namespace

void install_console_logger(int verbosity) {
  auto logger = std::make_shared<spdlog::logger>("petiscan", std::make_shared<ConsoleSink>());
  logger->set_pattern(verbosity >= 1 ? "%H:%M:%S.%e %^%l%$ %v" : "%^%l%$: %v");
  logger->set_level(verbosity >= 1  ? spdlog::level::debug
                    : verbosity < 0 ? spdlog::level::warn
                                    : spdlog::level::info);
  spdlog::set_default_logger(logger);
}

void Progress::clear_line() {
  std::lock_guard lock(g_console_mutex);
  if (g_bar_visible.exchange(false)) std::fputs("\r\033[K", stderr);
}

Progress::Progress(std::string what, long total, bool tty)
    : what_(std::move(what)), total_(total), tty_(tty) {
  start_ = last_draw_ = std::chrono::steady_clock::now();
}

Progress::~Progress() { finish(); }

void Progress::update(long done) { draw(done, false); }

void Progress::finish() {
  std::lock_guard lock(mutex_);
  if (finished_) return;
  finished_ = true;
  if (tty_) clear_line();
}

void Progress::draw(long done, bool force) {
  std::lock_guard lock(mutex_);
  if (finished_) return;
  const auto now = std::chrono::steady_clock::now();
  if (!force && now - last_draw_ < (tty_ ? kTtyRedraw : kLogEvery) && done != total_) return;
  last_draw_ = now;
  const double elapsed = std::chrono::duration<double>(now - start_).count();
  const double rate = elapsed > 0 ? done / elapsed : 0;
  const std::string eta =
      rate > 0 && total_ > done ? format_duration((total_ - done) / rate) : "0:00";
  if (tty_) {
    const int filled = total_ > 0 ? static_cast<int>(kBarWidth * done / total_) : kBarWidth;
    std::string bar;
    for (int i = 0; i < kBarWidth; ++i) bar += i < filled ? "█" : "░";
    std::lock_guard console(g_console_mutex);
    std::fprintf(stderr, "\r\033[K%s %ld/%ld %s · %.1f %s/s · %s %s", bar.c_str(), done, total_,
                 what_.c_str(), rate, what_.c_str(), tr("reste", "ETA").c_str(), eta.c_str());
    std::fflush(stderr);
    g_bar_visible = true;
  } else {
    spdlog::info("{}/{} {} ({:.1f} {}/s, {} {})", done, total_, what_, rate, what_,
                 tr("reste", "ETA"), eta);
  }
}

}  // namespace petiscan
