// Ingest: every supported format decodes to 8-bit gray with its resolution,
// and every kind of bad file is refused with a one-line reason.
#include "ingest/ingest.h"

#include <gtest/gtest.h>
#include <leptonica/allheaders.h>
#include <tiffio.h>

#include <opencv2/imgcodecs.hpp>
#include <opencv2/imgproc.hpp>

#include "core/errors.h"
#include "core/i18n.h"
#include "support/test_support.h"

namespace petiscan {
namespace {

using test::TempDir;
namespace fs = std::filesystem;

// A page-like test image: white with a black rectangle in the top-left
// quarter, so orientation changes are visible in the decoded pixels.
cv::Mat test_page(int w = 200, int h = 300) {
  cv::Mat m(h, w, CV_8U, cv::Scalar(255));
  cv::rectangle(m, cv::Rect(10, 10, w / 4, h / 4), cv::Scalar(0), cv::FILLED);
  return m;
}

PIX* to_pix(const cv::Mat& gray, int res) {
  PIX* pix = pixCreate(gray.cols, gray.rows, 8);
  for (int y = 0; y < gray.rows; ++y) {
    l_uint32* line = pixGetData(pix) + y * pixGetWpl(pix);
    for (int x = 0; x < gray.cols; ++x) SET_DATA_BYTE(line, x, gray.at<uchar>(y, x));
  }
  pixSetResolution(pix, res, res);
  return pix;
}

void write_pix(const fs::path& path, PIX* pix, int format, const char* mode = "w") {
  if (format == IFF_TIFF_G4 || format == IFF_TIFF_LZW || format == IFF_TIFF_JPEG ||
      format == IFF_TIFF) {
    ASSERT_EQ(pixWriteTiff(path.c_str(), pix, format, mode), 0);
  } else {
    ASSERT_EQ(pixWrite(path.c_str(), pix, format), 0);
  }
}

PageImage load_only_page(const fs::path& path, int page = 1) {
  IngestSettings s;
  auto probed = probe_file(path, s);
  return load_page(path, probed, page, s);
}

std::string reason_of(const fs::path& path, int page = 1) {
  try {
    IngestSettings s;
    auto probed = probe_file(path, s);
    load_page(path, probed, page, s);
  } catch (const InputError& e) {
    return e.what();
  }
  return "";
}

TEST(Ingest, PngGray8KeepsPixelsAndResolution) {
  TempDir dir;
  PIX* pix = to_pix(test_page(), 300);
  write_pix(dir / "a.png", pix, IFF_PNG);
  pixDestroy(&pix);
  PageImage page = load_only_page(dir / "a.png");
  EXPECT_EQ(page.gray.type(), CV_8UC1);
  EXPECT_EQ(page.gray.size(), cv::Size(200, 300));
  EXPECT_NEAR(page.dpi, 300, 1);
  EXPECT_FALSE(page.dpi_estimated);
  EXPECT_EQ(page.gray.at<uchar>(20, 20), 0);
  EXPECT_EQ(page.gray.at<uchar>(250, 150), 255);
}

TEST(Ingest, Png16BitRgbAndAlphaBecomeGray) {
  TempDir dir;
  cv::Mat page = test_page();
  cv::Mat rgb16;
  cv::cvtColor(page, rgb16, cv::COLOR_GRAY2BGR);
  rgb16.convertTo(rgb16, CV_16U, 257);
  ASSERT_TRUE(cv::imwrite((dir / "rgb16.png").string(), rgb16));
  PageImage a = load_only_page(dir / "rgb16.png");
  EXPECT_EQ(a.gray.type(), CV_8UC1);
  EXPECT_EQ(a.gray.at<uchar>(20, 20), 0);
  EXPECT_EQ(a.gray.at<uchar>(250, 150), 255);
  EXPECT_TRUE(a.dpi_estimated);  // no pHYs chunk: estimated from the page size
  EXPECT_NEAR(a.dpi, 300 / 11.0, 1);

  // Fully transparent pixels are paper (white), whatever their colour.
  cv::Mat rgba(300, 200, CV_8UC4, cv::Scalar(0, 0, 0, 0));
  cv::rectangle(rgba, cv::Rect(10, 10, 50, 75), cv::Scalar(0, 0, 0, 255), cv::FILLED);
  ASSERT_TRUE(cv::imwrite((dir / "alpha.png").string(), rgba));
  PageImage b = load_only_page(dir / "alpha.png");
  EXPECT_EQ(b.gray.at<uchar>(20, 20), 0);
  EXPECT_EQ(b.gray.at<uchar>(250, 150), 255);
}

// Inserts an EXIF APP1 segment with the given orientation after SOI.
std::string with_exif_orientation(const std::string& jpeg, int orientation) {
  std::string tiff("II*\0\x08\0\0\0", 8);
  tiff += std::string("\x01\0", 2);                    // one IFD entry
  tiff += std::string("\x12\x01\x03\0\x01\0\0\0", 8);  // tag 0x0112 SHORT count 1
  tiff += static_cast<char>(orientation);
  tiff += std::string("\0\0\0", 3);
  tiff += std::string("\0\0\0\0", 4);  // no next IFD
  std::string payload = std::string("Exif\0\0", 6) + tiff;
  const size_t len = payload.size() + 2;
  std::string seg = "\xFF\xE1";
  seg += static_cast<char>(len >> 8);
  seg += static_cast<char>(len & 0xFF);
  return jpeg.substr(0, 2) + seg + payload + jpeg.substr(2);
}

TEST(Ingest, JpegHonoursExifOrientationAndJfifDensity) {
  TempDir dir;
  PIX* pix = to_pix(test_page(), 200);
  write_pix(dir / "plain.jpg", pix, IFF_JFIF_JPEG);
  pixDestroy(&pix);
  PageImage plain = load_only_page(dir / "plain.jpg");
  EXPECT_EQ(plain.gray.size(), cv::Size(200, 300));
  EXPECT_NEAR(plain.dpi, 200, 1);
  EXPECT_LT(plain.gray.at<uchar>(20, 20), 60);

  // Orientation 6: the stored image must be turned 90° clockwise to be upright.
  test::write_file(dir / "rotated.jpg",
                   with_exif_orientation(test::read_file(dir / "plain.jpg"), 6));
  PageImage rotated = load_only_page(dir / "rotated.jpg");
  EXPECT_EQ(rotated.gray.size(), cv::Size(300, 200));
  // The dark block, top-left before, is now top-right.
  EXPECT_LT(rotated.gray.at<uchar>(20, 300 - 20), 60);
  EXPECT_GT(rotated.gray.at<uchar>(20, 20), 200);
}

TEST(Ingest, MultiPageTiffInEveryCompression) {
  TempDir dir;
  const fs::path path = dir / "env.tif";
  cv::Mat page = test_page();
  PIX* gray = to_pix(page, 300);
  PIX* bw = pixThresholdToBinary(gray, 128);
  pixSetResolution(bw, 300, 300);
  write_pix(path, bw, IFF_TIFF_G4, "w");
  write_pix(path, gray, IFF_TIFF_LZW, "a");
  write_pix(path, gray, IFF_TIFF_JPEG, "a");
  write_pix(path, gray, IFF_TIFF, "a");
  pixDestroy(&gray);
  pixDestroy(&bw);

  IngestSettings s;
  auto probed = probe_file(path, s);
  EXPECT_EQ(probed.format, FileFormat::Tiff);
  ASSERT_EQ(probed.page_count, 4);
  for (int p = 1; p <= 4; ++p) {
    PageImage img = load_page(path, probed, p, s);
    SCOPED_TRACE("page " + std::to_string(p));
    EXPECT_EQ(img.gray.type(), CV_8UC1);
    EXPECT_EQ(img.gray.size(), cv::Size(200, 300));
    EXPECT_NEAR(img.dpi, 300, 1);
    EXPECT_LT(img.gray.at<uchar>(20, 20), 60);
    EXPECT_GT(img.gray.at<uchar>(250, 150), 200);
  }
}

TEST(Ingest, PdfPagesRenderAtTheConfiguredResolution) {
  TempDir dir;
  PIX* pix = to_pix(test_page(850, 1100), 100);  // 8.5 x 11 in at 100 DPI
  l_uint8* data = nullptr;
  size_t n = 0;
  ASSERT_EQ(pixWriteMemPdf(&data, &n, pix, 100, "test"), 0);
  test::write_file(dir / "a.pdf", std::string(reinterpret_cast<char*>(data), n));
  lept_free(data);
  pixDestroy(&pix);
  IngestSettings s;
  s.pdf_dpi = 150;
  auto probed = probe_file(dir / "a.pdf", s);
  EXPECT_EQ(probed.format, FileFormat::Pdf);
  EXPECT_EQ(probed.page_count, 1);
  PageImage page = load_page(dir / "a.pdf", probed, 1, s);
  EXPECT_NEAR(page.gray.cols, 1275, 2);
  EXPECT_NEAR(page.gray.rows, 1650, 2);
  EXPECT_EQ(page.dpi, 150);
  EXPECT_LT(page.gray.at<uchar>(100, 100), 60);
}

TEST(Ingest, FormatComesFromTheBytesNotTheName) {
  TempDir dir;
  PIX* pix = to_pix(test_page(), 300);
  write_pix(dir / "really-a-png.jpg", pix, IFF_PNG);
  pixDestroy(&pix);
  EXPECT_EQ(probe_file(dir / "really-a-png.jpg", IngestSettings{}).format, FileFormat::Png);
}

TEST(Ingest, BadFilesAreRefusedWithAReason) {
  TempDir dir;
  test::write_file(dir / "empty.png", "");
  EXPECT_NE(reason_of(dir / "empty.png").find("vide"), std::string::npos);

  test::write_file(dir / "notes.png", "Bonjour, ceci est un fichier texte.\n");
  EXPECT_NE(reason_of(dir / "notes.png").find("texte"), std::string::npos);

  PIX* pix = to_pix(test_page(), 300);
  write_pix(dir / "whole.jpg", pix, IFF_JFIF_JPEG);
  write_pix(dir / "whole.png", pix, IFF_PNG);
  pixDestroy(&pix);
  const std::string jpeg = test::read_file(dir / "whole.jpg");
  test::write_file(dir / "truncated.jpg", jpeg.substr(0, jpeg.size() / 2));
  EXPECT_NE(reason_of(dir / "truncated.jpg").find("tronqué"), std::string::npos);
  const std::string png = test::read_file(dir / "whole.png");
  test::write_file(dir / "truncated.png", png.substr(0, png.size() / 2));
  EXPECT_FALSE(reason_of(dir / "truncated.png").empty());

  EXPECT_NE(reason_of(fs::path(PETISCAN_TEST_DATA) / "ingest" / "encrypted.pdf").find("chiffré"),
            std::string::npos);
  EXPECT_NE(reason_of("/proc/self/mem").find("lecture"), std::string::npos);
}

TEST(Ingest, ReasonsAreFrenchFirstWithEnglishOnRequest) {
  TempDir dir;
  test::write_file(dir / "empty.png", "");
  EXPECT_EQ(reason_of(dir / "empty.png"), "fichier vide (0 octet)");
  set_lang(Lang::En);
  EXPECT_EQ(reason_of(dir / "empty.png"), "empty file (0 bytes)");
  set_lang(Lang::Fr);
}

TEST(Ingest, AHugePngIsRefusedBeforeDecoding) {
  TempDir dir;
  // A real PNG signature and IHDR claiming 60000 x 60000 pixels, then nothing.
  std::string png("\x89PNG\r\n\x1a\n\0\0\0\x0dIHDR", 16);
  auto be32 = [](uint32_t v) {
    return std::string{static_cast<char>(v >> 24), static_cast<char>(v >> 16),
                       static_cast<char>(v >> 8), static_cast<char>(v)};
  };
  const std::string ihdr = png;
  png += be32(60000) + be32(60000) + std::string("\x08\x00\x00\x00\x00", 5) + be32(0);
  test::write_file(dir / "huge.png", png);
  const std::string reason = reason_of(dir / "huge.png");
  EXPECT_NE(reason.find("60000 x 60000"), std::string::npos) << reason;
  EXPECT_NE(reason.find("limite"), std::string::npos) << reason;
  // The largest sizes a header can state: their product does not fit in 64
  // bits (found by fuzz_ingest under UBSan).
  test::write_file(dir / "widest.png", ihdr + be32(0xffffffff) + be32(0xffffffff) +
                                           std::string("\x08\x00\x00\x00\x00", 5) + be32(0));
  EXPECT_NE(reason_of(dir / "widest.png").find("4294967295 x 4294967295"), std::string::npos)
      << reason_of(dir / "widest.png");
}

TEST(Ingest, APdfPageOfImpossibleSizeIsRefusedBeforeRendering) {
  // Page sizes a PDF may state: 1e107 points high (found by fuzz_ingest under
  // UBSan), none at all, upside down. poppler rebuilds the missing xref.
  TempDir dir;
  auto pdf = [](const std::string& media_box) {
    return "%PDF-1.4\n1 0 obj << /Type /Catalog /Pages 2 0 R >> endobj\n"
           "2 0 obj << /Type /Pages /Kids [3 0 R] /Count 1 >> endobj\n"
           "3 0 obj << /Type /Page /Parent 2 0 R /MediaBox [" +
           media_box + "] >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n";
  };
  test::write_file(dir / "tall.pdf", pdf("0 0 612 7" + std::string(107, '9')));
  EXPECT_NE(reason_of(dir / "tall.pdf").find("trop grande"), std::string::npos)
      << reason_of(dir / "tall.pdf");
  test::write_file(dir / "flat.pdf", pdf("0 0 612 0"));
  EXPECT_NE(reason_of(dir / "flat.pdf"), "");
  test::write_file(dir / "letter.pdf", pdf("0 0 612 792"));
  EXPECT_EQ(reason_of(dir / "letter.pdf"), "");
}

TEST(Ingest, ABrokenPdfPageFailsAlone) {
  const fs::path pdf = fs::path(PETISCAN_TEST_DATA) / "ingest" / "broken_page.pdf";
  IngestSettings s;
  s.pdf_dpi = 72;
  auto probed = probe_file(pdf, s);
  ASSERT_EQ(probed.page_count, 2);
  EXPECT_NO_THROW(load_page(pdf, probed, 1, s));
  EXPECT_THROW(load_page(pdf, probed, 2, s), InputError);
}

double mean_difference(const cv::Mat& a, const cv::Mat& b) {
  if (a.size() != b.size()) return 255;
  cv::Mat d;
  cv::absdiff(a, b, d);
  return cv::mean(d)[0];
}

PageImage load_pdf_page(const fs::path& path, bool direct, double render_dpi) {
  IngestSettings s;
  s.pdf_direct_images = direct;
  s.pdf_dpi = render_dpi;
  return load_page(path, probe_file(path, s), 1, s);
}

TEST(Ingest, AScannedPdfPageIsItsImageAtItsOwnResolution) {
  // 600 x 800 px over 216 x 288 pt: a 200-DPI scan, stored as a JPEG, under
  // an OCR program's invisible text (render mode 3).
  TempDir dir;
  const cv::Mat scan = test_page(600, 800);
  std::vector<uchar> jpeg;
  cv::imencode(".jpg", scan, jpeg, {cv::IMWRITE_JPEG_QUALITY, 90});
  const std::string ocr = "BT 3 Tr /F1 12 Tf 20 200 Td (Code postal) Tj ET\n";
  test::write_file(dir / "scan.pdf",
                   test::one_image_pdf(216, 288,
                                       "/Width 600 /Height 800 /ColorSpace /DeviceGray "
                                       "/BitsPerComponent 8 /Filter /DCTDecode",
                                       std::string(jpeg.begin(), jpeg.end()),
                                       "q 216 0 0 288 0 0 cm /Im0 Do Q\n" + ocr));
  const PageImage direct = load_pdf_page(dir / "scan.pdf", true, 300);
  EXPECT_EQ(direct.gray.size(), cv::Size(600, 800));
  EXPECT_NEAR(direct.dpi, 200, 0.01);
  EXPECT_FALSE(direct.dpi_estimated);
  // Exactly the JPEG's pixels, and what poppler shows at that resolution.
  EXPECT_EQ(mean_difference(direct.gray, cv::imdecode(jpeg, cv::IMREAD_GRAYSCALE)), 0);
  EXPECT_LT(mean_difference(direct.gray, load_pdf_page(dir / "scan.pdf", false, 200).gray), 3);
}

TEST(Ingest, AScannedPdfPageTurnedByRotateComesOutAsPopplerShowsIt) {
  // Uncompressed RGB, the page turned a quarter by /Rotate 90.
  TempDir dir;
  cv::Mat bgr;
  cv::cvtColor(test_page(600, 800), bgr, cv::COLOR_GRAY2BGR);
  cv::rectangle(bgr, cv::Rect(300, 500, 200, 100), cv::Scalar(40, 90, 200), cv::FILLED);
  cv::Mat rgb;
  cv::cvtColor(bgr, rgb, cv::COLOR_BGR2RGB);
  test::write_file(
      dir / "turned.pdf",
      test::one_image_pdf(216, 288,
                          "/Width 600 /Height 800 /ColorSpace /DeviceRGB "
                          "/BitsPerComponent 8",
                          std::string(reinterpret_cast<const char*>(rgb.data), rgb.total() * 3),
                          "216 0 0 288 0 0 cm /Im0 Do\n", "/Rotate 90 "));
  const PageImage direct = load_pdf_page(dir / "turned.pdf", true, 300);
  const PageImage rendered = load_pdf_page(dir / "turned.pdf", false, 200);
  EXPECT_EQ(direct.gray.size(), cv::Size(800, 600));
  EXPECT_NEAR(direct.dpi, 200, 0.01);
  EXPECT_LT(mean_difference(direct.gray, rendered.gray), 3);
}

TEST(Ingest, AScannedPdfPageInGroup4IsItsBitsAsTheyAre) {
  // A scanner's black-and-white mode: 1 bit, CCITT Group 4. The codes are
  // taken from a Group 4 TIFF that Leptonica writes.
  TempDir dir;
  cv::Mat bits = test_page(600, 800);
  cv::circle(bits, {400, 500}, 80, cv::Scalar(0), 3);
  PIX* gray = to_pix(bits, 200);
  PIX* mono = pixConvertTo1(gray, 128);
  write_pix(dir / "scan.tif", mono, IFF_TIFF_G4);
  pixDestroy(&mono);
  pixDestroy(&gray);
  TIFF* tif = TIFFOpen((dir / "scan.tif").c_str(), "r");
  ASSERT_NE(tif, nullptr);
  ASSERT_EQ(TIFFNumberOfStrips(tif), 1u);
  std::string codes(static_cast<size_t>(TIFFRawStripSize(tif, 0)), '\0');
  ASSERT_GT(TIFFReadRawStrip(tif, 0, codes.data(), static_cast<tmsize_t>(codes.size())), 0);
  TIFFClose(tif);
  test::write_file(dir / "scan.pdf",
                   test::one_image_pdf(216, 288,
                                       "/Width 600 /Height 800 /ColorSpace /DeviceGray "
                                       "/BitsPerComponent 1 /Filter /CCITTFaxDecode "
                                       "/DecodeParms << /K -1 /Columns 600 /Rows 800 >>",
                                       codes, "216 0 0 288 0 0 cm /Im0 Do\n"));
  const PageImage direct = load_pdf_page(dir / "scan.pdf", true, 300);
  EXPECT_NEAR(direct.dpi, 200, 0.01);
  EXPECT_EQ(mean_difference(direct.gray, bits), 0);
  // poppler shows the same bits (smoothing the edges a little).
  cv::Mat shown = load_pdf_page(dir / "scan.pdf", false, 200).gray > 127;
  EXPECT_LT(mean_difference(direct.gray, shown), 2);
}

TEST(Ingest, APdfPageShowingMoreThanOneImageIsRendered) {
  TempDir dir;
  const cv::Mat scan = test_page(600, 800);
  const std::string raw(reinterpret_cast<const char*>(scan.data), scan.total());
  const std::string gray = "/Width 600 /Height 800 /ColorSpace /DeviceGray /BitsPerComponent 8";
  const std::string draw = "q 216 0 0 288 0 0 cm /Im0 Do Q\n";
  const struct {
    const char* name;
    std::string content;
  } cases[] = {
      {"visible-text", draw + "BT /F1 12 Tf 20 200 Td (Code postal) Tj ET\n"},
      {"text-shown-after-Q", draw + "q 3 Tr Q BT /F1 12 Tf 20 200 Td (Code postal) Tj ET\n"},
      {"half-page", "q 108 0 0 144 0 0 cm /Im0 Do Q\n"},
      {"stroked-path", draw + "10 10 m 100 100 l S\n"},
      {"twice", draw + draw},
  };
  for (const auto& c : cases) {
    const fs::path path = dir / (std::string(c.name) + ".pdf");
    test::write_file(path, test::one_image_pdf(216, 288, gray, raw, c.content));
    const PageImage page = load_pdf_page(path, true, 150);
    EXPECT_EQ(page.dpi, 150) << c.name;  // rendered at the configured resolution
    EXPECT_EQ(page.gray.size(), cv::Size(450, 600)) << c.name;
  }
  // A JPEG larger than the dictionary says is not decoded by this path.
  std::vector<uchar> big;
  cv::Mat twice;
  cv::resize(scan, twice, {}, 2, 2);
  cv::imencode(".jpg", twice, big);
  test::write_file(dir / "bigger.pdf",
                   test::one_image_pdf(216, 288, gray + " /Filter /DCTDecode",
                                       std::string(big.begin(), big.end()), draw));
  EXPECT_EQ(load_pdf_page(dir / "bigger.pdf", true, 150).dpi, 150);
  // The same page drawn plainly is read as its image.
  test::write_file(dir / "plain.pdf", test::one_image_pdf(216, 288, gray, raw, draw));
  EXPECT_EQ(mean_difference(load_pdf_page(dir / "plain.pdf", true, 150).gray, scan), 0);
}

TEST(Ingest, CollectWalksFoldersAndSurvivesSymlinkLoops) {
  TempDir dir;
  fs::create_directories(dir / "a" / "b");
  test::write_file(dir / "a" / "1.png", "x");
  test::write_file(dir / "a" / "b" / "2.TIF", "x");
  test::write_file(dir / "a" / "b" / "notes.txt", "x");
  fs::create_directory_symlink(dir / "a", dir / "a" / "b" / "loop");
  std::vector<InputProblem> problems;
  auto found = collect_inputs({dir / "a", dir / "missing.png"}, problems);
  ASSERT_EQ(found.size(), 2u);
  EXPECT_EQ(found[0].path.filename(), "1.png");
  EXPECT_EQ(found[1].path.filename(), "2.TIF");
  ASSERT_EQ(problems.size(), 1u);
  EXPECT_EQ(problems[0].path.filename(), "missing.png");
}

TEST(Ingest, HashesKeyFilesAndPagesByContent) {
  TempDir dir;
  test::write_file(dir / "a.bin", "abc");
  EXPECT_EQ(sha256_file(dir / "a.bin"),
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
  cv::Mat a = test_page(), b = test_page();
  EXPECT_EQ(content_hash(a), content_hash(b));
  b.at<uchar>(299, 199) = 0;
  EXPECT_NE(content_hash(a), content_hash(b));
}

}  // namespace
}  // namespace petiscan
