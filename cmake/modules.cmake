# Module faces and the arrows of STYLE.md §1.
#
# Nothing adds the source root to the include path. Each module instead exposes a "face": a
# directory in the build tree that holds a link named after the module (faces/cpu/cpu -> the
# source cpu/), so `#include "cpu/cpu.h"` resolves only for targets that link the face. A module
# links the faces it may use and no others, so a forbidden include fails to compile.
#
# Partial faces expose single headers: hw/ may include system/clock.h and system/irq.h but not
# the rest of system/, and snapshot/state_table.h but not the snapshot engine.

set(VIREO_FACES_DIR ${CMAKE_BINARY_DIR}/faces)

# vireo_face(NAME DIR [HEADERS h1 h2 ...]): face NAME shows source directory DIR whole, or only
# the listed headers of it.
function(vireo_face name dir)
    cmake_parse_arguments(F "" "" "HEADERS" ${ARGN})
    set(root ${VIREO_FACES_DIR}/${name})
    file(REMOVE_RECURSE ${root})
    if(F_HEADERS)
        file(MAKE_DIRECTORY ${root}/${dir})
        foreach(h ${F_HEADERS})
            file(CREATE_LINK ${CMAKE_SOURCE_DIR}/${dir}/${h} ${root}/${dir}/${h} SYMBOLIC)
        endforeach()
    else()
        file(MAKE_DIRECTORY ${root})
        file(CREATE_LINK ${CMAKE_SOURCE_DIR}/${dir} ${root}/${dir} SYMBOLIC)
    endif()
    add_library(face_${name} INTERFACE)
    target_include_directories(face_${name} INTERFACE ${root})
endfunction()

# vireo_module(NAME SOURCES ... [USES name ...]): the static library vireo_NAME for one
# directory of the house. USES lists what it may include and link: other modules by directory
# name (their own USES come along, as the arrows are transitive), partial faces (face_...) and
# imported targets (PkgConfig::...). They are PUBLIC because its headers may mention their
# types. Its own face is added. (The prefix keeps "debug" from reading as a CMake keyword.)
function(vireo_module name)
    cmake_parse_arguments(M "" "" "SOURCES;USES" ${ARGN})
    if(NOT TARGET face_${name})
        vireo_face(${name} ${name})
    endif()
    set(deps face_${name})
    foreach(u ${M_USES})
        if(u MATCHES "::" OR u MATCHES "^face_")
            list(APPEND deps ${u})
        else()
            list(APPEND deps vireo_${u})
        endif()
    endforeach()
    if(M_SOURCES)
        add_library(vireo_${name} STATIC ${M_SOURCES})
        target_link_libraries(vireo_${name} PUBLIC ${deps})
    else()
        add_library(vireo_${name} INTERFACE)
        target_link_libraries(vireo_${name} INTERFACE ${deps})
    endif()
endfunction()
