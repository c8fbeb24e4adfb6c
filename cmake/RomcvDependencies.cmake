# Every external library romcv uses, found the way Debian 12 ships it.
# scripts/setup.sh installs the packages named in each error message.
find_package(PkgConfig REQUIRED)
find_package(Threads REQUIRED)

pkg_check_modules(FFMPEG REQUIRED IMPORTED_TARGET
  libavformat libavcodec libavutil libswscale)   # Debian: libav*-dev, libswscale-dev
pkg_check_modules(V4L2 REQUIRED IMPORTED_TARGET libv4l2)  # Debian: libv4l-dev
# OpenCV's C++ API is used by vision/cv_bridge.cpp only. aruco (printed square markers) is in
# libopencv-contrib-dev, which Debian 12's libopencv-dev depends on.
find_package(OpenCV 4.6 REQUIRED COMPONENTS core imgproc imgcodecs calib3d aruco)  # libopencv-dev

if(ROMCV_WITH_XNNPACK)
  # inference.md: Debian's XNNPACK has no pkg-config or CMake config file and the
  # cpuinfo CMake config is broken, so find the files directly.
  find_path(XNNPACK_INCLUDE_DIR xnnpack.h)
  find_library(XNNPACK_LIBRARY XNNPACK)
  find_library(PTHREADPOOL_LIBRARY pthreadpool)
  if(NOT XNNPACK_INCLUDE_DIR OR NOT XNNPACK_LIBRARY OR NOT PTHREADPOOL_LIBRARY)
    message(FATAL_ERROR "XNNPACK not found: apt-get install libxnnpack-dev libpthreadpool-dev, "
                        "or configure with -DROMCV_WITH_XNNPACK=OFF for the portable C backend")
  endif()
endif()

if(ROMCV_BUILD_TESTS)
  pkg_check_modules(CHECK REQUIRED IMPORTED_TARGET check)  # Debian: check
endif()
