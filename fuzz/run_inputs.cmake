# Script mode: cmake -DFUZZER=<binary> -DCORPUS=<dir> -DREGRESSIONS=<dir> -P run_inputs.cmake
# Runs the fuzz target once over every file in CORPUS and REGRESSIONS (libFuzzer runs each file
# given by name and exits; no mutation, nothing written). Fails when any input
# crashes, leaks, hits undefined behaviour or times out.
set(inputs "")
foreach(dir IN ITEMS "${CORPUS}" "${REGRESSIONS}")
  if(IS_DIRECTORY "${dir}")
    file(GLOB_RECURSE found LIST_DIRECTORIES false "${dir}/*")
    list(FILTER found EXCLUDE REGEX "/README[^/]*$")
    list(APPEND inputs ${found})
  endif()
endforeach()
list(LENGTH inputs count)
if(count EQUAL 0)
  message(FATAL_ERROR "no inputs under ${CORPUS}")
endif()
list(SORT inputs)
execute_process(COMMAND "${FUZZER}" -timeout=30 -rss_limit_mb=2048 ${inputs}
                RESULT_VARIABLE result)
if(NOT result EQUAL 0)
  message(FATAL_ERROR "${FUZZER} failed (${result}) on one of ${count} inputs")
endif()
message(STATUS "${count} inputs ran clean")
