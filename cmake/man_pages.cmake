# man_pages.cmake - man pages generated from the binary's own --help, so they never drift from it.
# hetero.1 is `hetero --help` with the list of commands; hetero-NAME.1 is `hetero NAME --help`,
# its "Usage:" line as the synopsis, the text up to "Options:" as the description and each option
# line as a tagged paragraph.  Run as: cmake -DHETERO=path/to/hetero -DOUT=dir -DVERSION=x.y.z
#   -P man_pages.cmake
file(MAKE_DIRECTORY ${OUT})

# roff-safe text: backslashes, and lines that would start with a control character
function(roff_escape text outvar)
  string(REPLACE "\\" "\\e" text "${text}")
  string(REGEX REPLACE "(^|\n)([.'])" "\\1\\\\&\\2" text "${text}")
  set(${outvar} "${text}" PARENT_SCOPE)
endfunction()

function(help_of args outvar)
  execute_process(COMMAND ${HETERO} ${args} --help OUTPUT_VARIABLE text RESULT_VARIABLE rc
                  ERROR_QUIET)
  if(NOT rc EQUAL 0)
    message(FATAL_ERROR "hetero ${args} --help exited ${rc}")
  endif()
  set(${outvar} "${text}" PARENT_SCOPE)
endfunction()

# One page from help text: NAME line, SYNOPSIS, DESCRIPTION, OPTIONS.
function(write_page file title name summary text)
  string(REPLACE ";" "@SEMICOLON@" text "${text}") # keep semicolons through the list below
  string(REGEX MATCH "Usage: ([^\n]*)" usage "${text}")
  set(usage "${CMAKE_MATCH_1}")
  string(FIND "${text}" "\nOptions:\n" opt_at)
  if(opt_at EQUAL -1)
    set(body "${text}")
    set(options "")
  else()
    string(SUBSTRING "${text}" 0 ${opt_at} body)
    math(EXPR from "${opt_at} + 10")
    string(SUBSTRING "${text}" ${from} -1 options)
  endif()
  string(REGEX REPLACE "^Usage: [^\n]*\n+" "" body "${body}")
  roff_escape("${body}" body)
  roff_escape("${usage}" usage)
  roff_escape("${summary}" summary)
  set(page ".TH ${title} 1 \"\" \"hetero ${VERSION}\" \"hetero manual\"\n")
  string(APPEND page ".SH NAME\n${name} \\- ${summary}\n.SH SYNOPSIS\n.B ${usage}\n")
  string(APPEND page ".SH DESCRIPTION\n.nf\n${body}\n.fi\n")
  if(options)
    string(APPEND page ".SH OPTIONS\n")
    string(REPLACE "\n" ";" lines "${options}")
    foreach(line IN LISTS lines)
      # "  -b, --backend=LIST           help text"
      if(line MATCHES "^  +(-[^ ].*[^ ]|-[^ ]+)   +(.*)$")
        roff_escape("${CMAKE_MATCH_1}" flag)
        roff_escape("${CMAKE_MATCH_2}" help)
        string(APPEND page ".TP\n.B ${flag}\n${help}\n")
      elseif(line MATCHES "^  +(-[^ ]+.*)$")
        roff_escape("${CMAKE_MATCH_1}" flag)
        string(APPEND page ".TP\n.B ${flag}\n")
      elseif(line MATCHES "[^ ]")
        string(STRIP "${line}" cont)
        roff_escape("${cont}" cont)
        string(APPEND page "${cont}\n")
      endif()
    endforeach()
  endif()
  string(APPEND page ".SH SEE ALSO\n\\fBhetero\\fR(1); the documentation in "
                     "/usr/share/doc/hetero/\n")
  string(REPLACE "@SEMICOLON@" ";" page "${page}")
  file(WRITE "${OUT}/${file}.tmp" "${page}")
  file(COPY_FILE "${OUT}/${file}.tmp" "${OUT}/${file}" ONLY_IF_DIFFERENT)
  file(REMOVE "${OUT}/${file}.tmp")
endfunction()

help_of("" top)
write_page(hetero.1 HETERO hetero "parallel and heterogeneous computing, shown, measured and taught"
           "${top}")

# the commands: the lines of the "Commands:" block of `hetero --help`
string(FIND "${top}" "\nCommands:\n" at)
math(EXPR at "${at} + 11")
string(SUBSTRING "${top}" ${at} -1 rest)
string(FIND "${rest}" "\n\n" end)
string(SUBSTRING "${rest}" 0 ${end} block)
string(REPLACE "\n" ";" lines "${block}")
set(names "")
foreach(line IN LISTS lines)
  if(line MATCHES "^  ([a-z]+) +(.*)$")
    set(cmd "${CMAKE_MATCH_1}")
    set(summary "${CMAKE_MATCH_2}")
    help_of("${cmd}" text)
    string(TOUPPER "HETERO-${cmd}" title)
    write_page(hetero-${cmd}.1 ${title} hetero-${cmd} "${summary}" "${text}")
    list(APPEND names ${cmd})
  endif()
endforeach()
file(WRITE "${OUT}/commands.txt" "${names}\n")
