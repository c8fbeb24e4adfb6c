# The "Sanitize" build type: debug information, light optimisation, AddressSanitizer and
# UndefinedBehaviorSanitizer on everything (library, tools and tests). Any report aborts,
# so a sanitizer finding fails its test.
set(_romcv_san_flags "-O1 -g -fno-omit-frame-pointer -fsanitize=address,undefined -fno-sanitize-recover=all")
set(CMAKE_C_FLAGS_SANITIZE "${_romcv_san_flags}" CACHE STRING "C flags for Sanitize builds" FORCE)
set(CMAKE_CXX_FLAGS_SANITIZE "${_romcv_san_flags}" CACHE STRING "C++ flags for Sanitize builds" FORCE)
set(CMAKE_EXE_LINKER_FLAGS_SANITIZE "-fsanitize=address,undefined" CACHE STRING "" FORCE)
set(CMAKE_SHARED_LINKER_FLAGS_SANITIZE "-fsanitize=address,undefined" CACHE STRING "" FORCE)
mark_as_advanced(CMAKE_C_FLAGS_SANITIZE CMAKE_CXX_FLAGS_SANITIZE
  CMAKE_EXE_LINKER_FLAGS_SANITIZE CMAKE_SHARED_LINKER_FLAGS_SANITIZE)
