# Fuzz targets (libFuzzer with -DHUB_FUZZ=ON and CC=clang) and the replay of
# their committed corpora as regression tests in every other build.
add_subdirectory(fuzz)
