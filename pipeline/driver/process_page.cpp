// The stage order of one page. Read this function to know what petiscan does.
#include "driver/process_page.h"

#include <spdlog/spdlog.h>

#include <chrono>

#include "classify/page_kind_net.h"
#include "core/errors.h"
#include "dedup/rescan.h"
#include "driver/read_codes.h"
#include "geometry/geometry.h"
#include "recognize/crnn_recognizer.h"
#include "recognize/settings.h"
#include "signed/signed_net.h"

namespace petiscan {

void PipelineSettings::validate() const {
  geometry.validate();
  recognizer.validate();
  decision.validate();
}

nlohmann::json PipelineSettings::to_json() const {
  return {{"geometry", geometry.to_json()},
          {"recognizer", {{"model_dir", recognizer.model_dir.string()}}},
          {"decision",
           {{"min_code_confidence", decision.min_code_confidence
                                        ? nlohmann::json(*decision.min_code_confidence)
                                        : nlohmann::json("model")}}}};
}

namespace {

class StageClock {
 public:
  explicit StageClock(nlohmann::json& out) : out_(out), t_(std::chrono::steady_clock::now()) {}
  void lap(const char* stage) {
    const auto now = std::chrono::steady_clock::now();
    out_[stage] = std::chrono::duration<double, std::milli>(now - t_).count();
    t_ = now;
  }

 private:
  nlohmann::json& out_;
  std::chrono::steady_clock::time_point t_;
};

class SheetProcessor : public PageProcessor {
 public:
  SheetProcessor(const PipelineSettings& settings, std::unique_ptr<CrnnRecognizer> recognizer,
                 std::unique_ptr<PageKindNet> kind_net, std::unique_ptr<SignedNet> signed_net)
      : settings_(settings),
        min_code_confidence_(
            settings.decision.min_code_confidence.value_or(recognizer->accept_threshold())),
        recognizer_(std::move(recognizer)),
        kind_net_(std::move(kind_net)),
        signed_net_(std::move(signed_net)),
        code_reader_(*recognizer_) {}

  PageOutcome process(const PageImage& page, DebugWriter& debug) override {
    PageOutcome out;
    StageClock clock(out.timings_ms);
    // 1. Kind, orientation, skew, perspective, table, rows, signed.
    out.geometry = analyze_page(page, settings_.geometry, debug);
    // A page without table or rules: a sheet whose rules vanished, or not?
    second_look(out.geometry, *kind_net_);
    // Signed or not, from the rows' signature cells as the net reads them.
    decide_signed_by_net(out.geometry, *signed_net_, &debug);
    clock.lap("geometry");
    if (out.geometry.kind != PageKind::Signatures) return out;
    if (!out.geometry.table_found) {
      out.rows = rows_for_unread_sheet(out.geometry.reason);
      return out;
    }
    // 2. Each row's postal code, read from the original pixels (an inkless
    // cell as blank paper).
    const auto readings = code_reader_.read_sheet(page.gray, out.geometry.rows);
    out.rows.reserve(kRowsPerSheet);
    for (int i = 0; i < kRowsPerSheet; ++i) {
      // 3. Accept, or send to a person with the reason.
      out.rows.push_back(decide_row(i + 1, out.geometry.rows[i], readings[i],
                                    settings_.geometry.signature.good_confidence,
                                    min_code_confidence_));
    }
    if (out.geometry.reason == reason::kUncertainOrientation) {
      send_rows_to_review(out.rows, reason::kUncertainOrientation);
    }
    clock.lap("recognize");
    // 4. The sheet's fingerprint, to recognise it if it is scanned again.
    out.fingerprint = sheet_fingerprint(page.gray, out.geometry);
    clock.lap("fingerprint");
    return out;
  }

 private:
  const PipelineSettings& settings_;
  const double min_code_confidence_;
  std::unique_ptr<PostalRecognizer> recognizer_;
  std::unique_ptr<PageKindNet> kind_net_;
  std::unique_ptr<SignedNet> signed_net_;
  CodeCellReader code_reader_;
};

}  // namespace

ProcessorFactory sheet_processor_factory(const PipelineSettings& settings) {
  return [&settings] {
    return std::make_unique<SheetProcessor>(
        settings, make_crnn_recognizer(settings.recognizer.model_dir, settings.recognizer),
        std::make_unique<PageKindNet>(settings.recognizer.model_dir),
        std::make_unique<SignedNet>(settings.recognizer.model_dir));
  };
}

}  // namespace petiscan
