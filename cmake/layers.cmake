# layers.cmake - one static library per layer, each seeing only its own headers and those of the
# layers below it.
#
# Headers live in include/hetero/<layer>/.  A layer's library does not get include/ as its include
# path (that would reach every layer): it gets build/layers/<layer>/, which holds one symlink,
# hetero/<layer> -> include/hetero/<layer>.  A library sees the roots of the libraries it links,
# so an upward include ("hetero/engine/..." from core) does not resolve and fails the build.
# host/<layer>/CMakeLists.txt declares each library with hetero_layer(); docs/design.md has the
# picture.
set(HETERO_LAYER_ROOT ${PROJECT_BINARY_DIR}/layers)

# hetero_layer(NAME SOURCES src... [DEPENDS lib...] [PRIVATE_DEPENDS lib...])
#   defines hetero_NAME: PUBLIC include root for include/hetero/NAME (if it exists), PRIVATE the
#   layer's own folder (its private headers), linked PUBLIC to hetero_flags and DEPENDS.
function(hetero_layer name)
  cmake_parse_arguments(L "" "" "SOURCES;DEPENDS;PRIVATE_DEPENDS" ${ARGN})
  add_library(hetero_${name} STATIC ${L_SOURCES})
  if(EXISTS ${PROJECT_SOURCE_DIR}/include/hetero/${name})
    file(MAKE_DIRECTORY ${HETERO_LAYER_ROOT}/${name}/hetero)
    file(CREATE_LINK ${PROJECT_SOURCE_DIR}/include/hetero/${name}
         ${HETERO_LAYER_ROOT}/${name}/hetero/${name} SYMBOLIC)
    target_include_directories(hetero_${name} PUBLIC ${HETERO_LAYER_ROOT}/${name})
  endif()
  target_include_directories(hetero_${name} PRIVATE ${CMAKE_CURRENT_SOURCE_DIR})
  target_link_libraries(hetero_${name} PUBLIC hetero_flags ${L_DEPENDS} PRIVATE ${L_PRIVATE_DEPENDS})
  hetero_header_check(${name})
endfunction()

# hetero_header_check(NAME): compile every header of include/hetero/NAME/ alone, first in its own
# translation unit, with only the include roots hetero_NAME sees.  A header that needs another to
# be included before it, or that reaches up into a higher layer, fails the build.
function(hetero_header_check name)
  file(GLOB headers CONFIGURE_DEPENDS ${PROJECT_SOURCE_DIR}/include/hetero/${name}/*.h)
  if(NOT headers)
    return()
  endif()
  set(units "")
  foreach(h IN LISTS headers)
    get_filename_component(base ${h} NAME_WE)
    set(unit ${PROJECT_BINARY_DIR}/header-check/${name}/${base}.c)
    file(CONFIGURE OUTPUT ${unit} CONTENT "#include \"hetero/${name}/${base}.h\"\n")
    list(APPEND units ${unit})
  endforeach()
  add_library(hetero_${name}_headers OBJECT ${units})
  target_link_libraries(hetero_${name}_headers PRIVATE hetero_${name})
endfunction()
