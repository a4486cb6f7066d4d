# cuda.cmake - the optional cuda backend, included by CMakeLists.txt when HETERO_CUDA is ON.
#
# Two parts:
#   host/cuda/*.c       runtime glue in C (device query, error messages, jobs, event timing),
#                       compiled into hetero_core with the project's C flags;
#   kernels/cuda/*.cu   the kernels and each workload's CUDA binding, compiled by nvcc into an
#                       object library whose objects join hetero_core (no circular libraries).
# The CUDA runtime is linked statically (cudart_static), so the hetero binary needs only the
# NVIDIA driver (libcuda.so.1) at run time, which cudart opens when the first CUDA call is made;
# without a driver those calls fail cleanly and the cuda rows are skipped.
# Architectures: real code for Ampere (sm_80) and Hopper (sm_90), plus compute_90 PTX that the
# driver compiles for newer GPUs (Blackwell and later).  nvcc 13 no longer targets anything
# older than sm_75, and two architectures keep the build short.  Override with
# -DCMAKE_CUDA_ARCHITECTURES=... (e.g. "native" on a GPU machine).
# Set before enable_language(), which would otherwise pick nvcc's default.
if(NOT DEFINED CMAKE_CUDA_ARCHITECTURES OR CMAKE_CUDA_ARCHITECTURES STREQUAL "")
  set(CMAKE_CUDA_ARCHITECTURES "80-real;90" CACHE STRING "CUDA architectures to build" FORCE)
endif()
enable_language(CUDA)
find_package(CUDAToolkit REQUIRED)
set(CMAKE_CUDA_STANDARD 17)
set(CMAKE_CUDA_STANDARD_REQUIRED ON)

file(GLOB HETERO_CUDA_KERNELS CONFIGURE_DEPENDS ${PROJECT_SOURCE_DIR}/kernels/cuda/*.cu)
file(GLOB HETERO_CUDA_HOST CONFIGURE_DEPENDS ${PROJECT_SOURCE_DIR}/host/cuda/*.c)

add_library(hetero_cuda_kernels OBJECT ${HETERO_CUDA_KERNELS})
target_include_directories(hetero_cuda_kernels PRIVATE ${PROJECT_SOURCE_DIR}/include
                           ${PROJECT_SOURCE_DIR}/host)
target_compile_definitions(hetero_cuda_kernels PRIVATE HETERO_HAVE_CUDA)
# nvcc takes its own flags: host-compiler warnings go through -Xcompiler, and with HETERO_WERROR
# every nvcc warning is an error too.  The sanitizer flags are for C only (device code cannot be
# instrumented; the host side of a .cu file is a thin launcher).
target_compile_options(hetero_cuda_kernels PRIVATE -Xcompiler=-Wall,-Wextra
                       $<$<BOOL:${HETERO_WERROR}>:-Werror=all-warnings>)
set_target_properties(hetero_cuda_kernels PROPERTIES POSITION_INDEPENDENT_CODE OFF
                      CUDA_SEPARABLE_COMPILATION OFF)
target_link_libraries(hetero_cuda_kernels PRIVATE CUDA::cudart_static)

# hetero_core was created before CUDA was enabled: give it the architectures explicitly.
set_target_properties(hetero_core PROPERTIES CUDA_ARCHITECTURES "${CMAKE_CUDA_ARCHITECTURES}")
target_sources(hetero_core PRIVATE ${HETERO_CUDA_HOST} $<TARGET_OBJECTS:hetero_cuda_kernels>)
target_compile_definitions(hetero_core PUBLIC HETERO_HAVE_CUDA)
target_link_libraries(hetero_core PUBLIC CUDA::cudart_static)
