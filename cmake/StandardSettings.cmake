# Warnings and settings every pdai target links privately (ccache-style INTERFACE targets).
add_library(pdai_standard_warnings INTERFACE)
target_compile_options(pdai_standard_warnings INTERFACE
  $<$<COMPILE_LANGUAGE:CXX>:-Wall -Wextra -Wpedantic -Wshadow -Wnon-virtual-dtor -Wold-style-cast
    -Wcast-align -Woverloaded-virtual -Wnull-dereference -Wformat=2>
  $<$<COMPILE_LANGUAGE:C>:-Wall -Wextra>)
option(PDAI_WERROR "Treat warnings as errors" OFF)
if(PDAI_WERROR)
  target_compile_options(pdai_standard_warnings INTERFACE $<$<COMPILE_LANGUAGE:CXX,C>:-Werror>)
endif()

add_library(pdai_standard_settings INTERFACE)
target_include_directories(pdai_standard_settings INTERFACE ${PROJECT_SOURCE_DIR} ${PROJECT_BINARY_DIR}/generated)
target_compile_definitions(pdai_standard_settings INTERFACE _FILE_OFFSET_BITS=64)
