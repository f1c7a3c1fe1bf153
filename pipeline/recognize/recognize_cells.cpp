// petiscan-recognize-cells MODEL_DIR CELL_DIR [--uncalibrated] [--repeat N]
//
// Runs the shipped recognizer (cv::dnn + the grammar decoder + calibration)
// on every *.png code cell of CELL_DIR (name order) and prints one JSON object
// a line:
//   {"file": "00012.png", "best": [["H2E 2E9", 0.97], ...],
//    "blank_probability": 0.001, "blank": false, "code": "H2E 2E9",
//    "confidence": 0.99, "accepted": true}
// `best` and `blank_probability` are the decoder's raw output (what
// scripts/calibrate_recognizer.py fits on), the rest is PostalRecognizer::read().
// --uncalibrated reads a model card without calibration (raw probabilities,
// nothing accepted). Last, on stderr: recognition time per cell on one thread
// (cell already decoded from PNG; network + decoder), as the thread's CPU time
// (what one core spends, whatever else the machine runs) and as wall time,
// mean and median over --repeat passes of the set (default 1).
#include <algorithm>
#include <chrono>
#include <ctime>
#include <filesystem>
#include <iostream>
#include <nlohmann/json.hpp>
#include <opencv2/core/utility.hpp>
#include <opencv2/imgcodecs.hpp>
#include <string>
#include <vector>

#include "core/errors.h"
#include "recognize/crnn_recognizer.h"

using namespace petiscan;
namespace fs = std::filesystem;

namespace {

double thread_cpu_ms() {
  timespec ts{};
  clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
  return ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
}

void print_times(const char* name, std::vector<double> ms) {
  double sum = 0;
  for (double v : ms) sum += v;
  std::nth_element(ms.begin(), ms.begin() + ms.size() / 2, ms.end());
  std::cerr << ", \"" << name << "_ms_per_cell_mean\": " << sum / ms.size() << ", \"" << name
            << "_ms_per_cell_median\": " << ms[ms.size() / 2];
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 3) {
    std::cerr
        << "usage: petiscan-recognize-cells MODEL_DIR CELL_DIR [--uncalibrated] [--repeat N]\n";
    return 2;
  }
  const fs::path model_dir = argv[1], cell_dir = argv[2];
  bool uncalibrated = false;
  int repeat = 1;
  for (int i = 3; i < argc; ++i) {
    const std::string a = argv[i];
    if (a == "--uncalibrated") {
      uncalibrated = true;
    } else if (a == "--repeat" && i + 1 < argc) {
      repeat = std::max(1, std::stoi(argv[++i]));
    } else {
      std::cerr << "unknown argument: " << a << "\n";
      return 2;
    }
  }
  cv::setNumThreads(1);  // the pipeline runs one recognizer per worker thread
  std::unique_ptr<CrnnRecognizer> rec;
  try {
    const RecognizerSettings settings;
    rec = uncalibrated ? make_uncalibrated_crnn_recognizer(model_dir, settings)
                       : make_crnn_recognizer(model_dir, settings);
  } catch (const FatalError& e) {
    std::cerr << e.what() << "\n";
    return 4;
  }
  std::vector<fs::path> files;
  for (const auto& e : fs::directory_iterator(cell_dir))
    if (e.path().extension() == ".png") files.push_back(e.path());
  std::sort(files.begin(), files.end());
  std::vector<cv::Mat> cells;
  for (const auto& f : files) {
    cells.push_back(cv::imread(f.string(), cv::IMREAD_GRAYSCALE));
    if (cells.back().empty()) {
      std::cerr << "cannot read " << f << "\n";
      return 1;
    }
  }
  std::vector<double> cpu_ms, wall_ms;
  for (int pass = 0; pass < repeat; ++pass) {
    for (size_t i = 0; i < cells.size(); ++i) {
      const auto t0 = std::chrono::steady_clock::now();
      const double c0 = thread_cpu_ms();
      const PostalReading r = rec->read(cells[i]);
      cpu_ms.push_back(thread_cpu_ms() - c0);
      wall_ms.push_back(
          std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0).count());
      if (pass > 0) continue;
      const DecodeResult d = rec->decode(cells[i]);
      nlohmann::json best = nlohmann::json::array();
      for (const auto& c : d.best) best.push_back({c.code, c.probability});
      nlohmann::json line = {{"file", files[i].filename().string()},
                             {"best", best},
                             {"blank_probability", d.blank_probability},
                             {"blank", r.blank},
                             {"code", r.code ? nlohmann::json(*r.code) : nlohmann::json()},
                             {"confidence", r.confidence},
                             {"accepted", r.confidence >= rec->accept_threshold()}};
      std::cout << line.dump() << "\n";
    }
  }
  if (!cpu_ms.empty()) {
    std::cerr << "{\"cells\": " << cells.size() << ", \"passes\": " << repeat;
    print_times("cpu", cpu_ms);
    print_times("wall", wall_ms);
    std::cerr << "}\n";
  }
  return 0;
}
