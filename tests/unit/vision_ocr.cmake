# OCR unit tests (Tesseract with the installed tesseract-ocr-eng data; test
# images from ../shared/testdata). About 5 s single-threaded.
set(_vision_ocr_dir ${CMAKE_CURRENT_LIST_DIR}/vision_ocr)
ocula_test(vision_ocr_test SOURCES
  ${_vision_ocr_dir}/ocr_test.cc
  ${_vision_ocr_dir}/has_text_test.cc
  ${CMAKE_CURRENT_LIST_DIR}/vision/vision_test_util.cc
  LIBS ocula_vision PkgConfig::VIPS)
