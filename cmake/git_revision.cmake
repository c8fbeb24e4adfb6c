# Writes core/version.c with the current git revision. Runs at every build (not only at
# configure time) so `romcv --version` and the JSON summaries never name a stale commit.
execute_process(
  COMMAND git -C "${SOURCE_DIR}" describe --always --dirty --abbrev=12
  OUTPUT_VARIABLE ROMCV_GIT_REVISION OUTPUT_STRIP_TRAILING_WHITESPACE ERROR_QUIET)
if(NOT ROMCV_GIT_REVISION)
  set(ROMCV_GIT_REVISION "unknown")
endif()
configure_file("${SOURCE_DIR}/core/version.c.in" "${OUT_FILE}.tmp" @ONLY)
file(COPY_FILE "${OUT_FILE}.tmp" "${OUT_FILE}" ONLY_IF_DIFFERENT)
file(REMOVE "${OUT_FILE}.tmp")
