// Re-scan detection: the same physical sheet scanned twice (another file,
// other scanner settings, turned, photographed) is recognised from its
// content, so that its signatures are counted once.
//
// The fingerprint of a sheet is made in the worker from the original pixels
// and the geometry: for each of the 9 rows, the signature cell and the code
// cell are cut upright and straight (geometry's cut_cell), and reduced to a
// coarse grid of ink density. Handwriting is what tells two sheets apart: two
// different sheets signed by the same households share postal codes, never
// the strokes of their signatures.
//
// Text form (stored in pages.fingerprint): "f4:<pattern>:<layout>:<grid>"
// (the version first), where <pattern> is 9 characters '0'/'1' (rows the
// geometry found signed), <layout> the printed table's proportions (column
// split and row pitch over its width, 5 digits each, in units of 1e-5) and
// <grid> one hex digit per grid cell. The pattern leads so that an index on
// pages.fingerprint finds candidates with a range query.
#pragma once

#include <cstdint>
#include <functional>
#include <opencv2/core.hpp>
#include <optional>
#include <string>
#include <vector>

#include "core/types.h"
#include "store/sqlite.h"
#include "store/store.h"

namespace petiscan {

// The sheet's fingerprint; empty when there is nothing to recognise it by
// (not a sheet, or its table was not found).
std::string sheet_fingerprint(const cv::Mat& original_gray, const SheetGeometry& geometry);

// Sheets already saved whose fingerprint an older build made (another
// version): they are never compared, so their re-scans are not found.
std::int64_t sheets_with_older_fingerprints(db::Connection& db);

// How alike two fingerprints are, with the reason a pair is not a match.
struct RescanScore {
  double similarity = 0;    // ink-weighted correlation of the handwriting, -1..1
  int parts_compared = 0;   // cells with ink on either sheet
  int parts_one_sided = 0;  // cells with ink on one sheet only
  bool comparable = false;  // both fingerprints valid and carrying ink
  // How far apart the two printed tables' proportions are (column split, row
  // pitch, as shares of the width); -1 where either was not measured.
  double split_difference = -1, pitch_difference = -1;
  bool nothing_written = false;  // both sheets empty: no signature, no code
};
RescanScore compare_fingerprints(const std::string& a, const std::string& b);

// Is `b` the same physical sheet as `a`? (fingerprints only; find_rescan also
// checks the codes read.)
bool same_sheet(const RescanScore& score);

// The earlier page showing the same physical sheet as the one about to be
// saved (its fingerprint and rows), or nullopt. Only pages that are not
// themselves re-scans are candidates, so a chain always points at the first.
// Handwriting alike on many cells decides alone; a likeness short of that
// also needs the codes read on both to agree.
// Called in the single writer thread, before the page is saved.
std::optional<std::int64_t> find_rescan(db::Connection& db, const std::string& fingerprint,
                                        const std::vector<RowRecord>& rows);

// Re-scans where one of the two scans shows no table (its rules lost: that
// page went to review with no rows). The other scan's cells are carried onto
// it by a homography fitted to the features both pages show (their printing
// and writing: ORB, RANSAC), and the handwriting in them compared as
// find_rescan does. Among the last 4 pages saved only (re-scans come with
// their envelope; see kAcrossWindow): when `geometry` has a table, the recent
// sheets without one; else the recent sheets with one.
// `image` decodes the page about to be saved (full-resolution gray), `load`
// an earlier page by id, each only when a candidate calls for it (an empty
// Mat when it cannot be read).
using PageLoader = std::function<cv::Mat(std::int64_t page_id)>;
std::optional<std::int64_t> find_rescan_across_tables(db::Connection& db,
                                                      const SheetGeometry& geometry,
                                                      const std::string& fingerprint,
                                                      const std::function<cv::Mat()>& image,
                                                      const PageLoader& load);

// The homography taking `from`'s pixels onto `to`'s, fitted to the features
// both show; nullopt when too few agree (not the same printing, or nothing
// in common).
std::optional<cv::Matx33d> align_pages(const cv::Mat& from, const cv::Mat& to);

}  // namespace petiscan
