# ocr/: Text, with Tesseract 5 and Leptonica found through pkg-config; their
# headers stay private to ocr.cc. dlsym (the OpenMP thread limit) needs
# CMAKE_DL_LIBS on older glibc.
pkg_check_modules(TESSERACT REQUIRED IMPORTED_TARGET tesseract lept)
target_sources(ocula_vision PRIVATE ${CMAKE_CURRENT_LIST_DIR}/ocr.cc)
target_link_libraries(ocula_vision PRIVATE PkgConfig::TESSERACT ${CMAKE_DL_LIBS})
