# Warnings are errors everywhere in romcv's own code (DEVELOPERS.md: -Wall -Wextra -Werror).
function(romcv_set_warnings target)
  target_compile_options(${target} PRIVATE
    -Wall -Wextra -Werror
    $<$<COMPILE_LANGUAGE:C>:-Wstrict-prototypes -Werror=missing-prototypes -Werror=vla>
    -Wshadow -Wformat=2 -Wno-unused-parameter)
endfunction()
