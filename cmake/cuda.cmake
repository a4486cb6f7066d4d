# cuda.cmake - the optional cuda backend, included by CMakeLists.txt when HETERO_CUDA is ON.
#
# Two parts:
#   host/cuda/*.c       the CUDA runtime layer in C (device query, error messages, jobs, event
#                       timing): the hetero_cuda library, compiled with the project's C flags;
#   kernels/cuda/*.cu   each workload's CUDA binding (kernels and launch code), compiled by nvcc
#                       into an object library whose objects join hetero_workloads.
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

# hetero_cuda_bindings(TARGET): compile kernels/cuda/*.cu (each workload's CUDA binding: its
# kernels and the host code that launches them) with nvcc into TARGET, the workloads library.
function(hetero_cuda_bindings target)
  file(GLOB kernels CONFIGURE_DEPENDS ${PROJECT_SOURCE_DIR}/kernels/cuda/*.cu)
  add_library(hetero_cuda_kernels OBJECT ${kernels})
  target_include_directories(hetero_cuda_kernels PRIVATE ${HETERO_LAYER_ROOT}/core
                             ${HETERO_LAYER_ROOT}/cuda ${HETERO_LAYER_ROOT}/workloads
                             ${PROJECT_SOURCE_DIR}/host/workloads)
  target_compile_definitions(hetero_cuda_kernels PRIVATE HETERO_HAVE_CUDA)
  # nvcc takes its own flags: host-compiler warnings go through -Xcompiler, and with
  # HETERO_WERROR every nvcc warning is an error too.  The sanitizer flags are for C only (device
  # code cannot be instrumented; the host side of a .cu file is a thin launcher).
  target_compile_options(hetero_cuda_kernels PRIVATE -Xcompiler=-Wall,-Wextra
                         $<$<BOOL:${HETERO_WERROR}>:-Werror=all-warnings>)
  set_target_properties(hetero_cuda_kernels PROPERTIES POSITION_INDEPENDENT_CODE OFF
                        CUDA_SEPARABLE_COMPILATION OFF)
  target_link_libraries(hetero_cuda_kernels PRIVATE CUDA::cudart_static)
  set_target_properties(${target} PROPERTIES CUDA_ARCHITECTURES "${CMAKE_CUDA_ARCHITECTURES}")
  target_sources(${target} PRIVATE $<TARGET_OBJECTS:hetero_cuda_kernels>)
endfunction()
