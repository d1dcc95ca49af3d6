# Turns uk-bank-holidays.csv into a C table at build time (nothing generated is
# committed). Run as: cmake -DIN=<csv> -DOUT=<c file> -P holidays.cmake
# Fails the build, naming the line, on a row that is not nation,YYYY-MM-DD,title,source
# with a known nation, or on rows out of order (the C side binary-searches them).
file(STRINGS "${IN}" lines ENCODING UTF-8)
set(body "")
set(count 0)
set(lineno 0)
set(last "")
set(first_year 9999)
set(last_year 0)
foreach(line IN LISTS lines)
  math(EXPR lineno "${lineno} + 1")
  if(line MATCHES "^#" OR line STREQUAL "" OR line MATCHES "^nation,")
    continue()
  endif()
  if(NOT line MATCHES "^([a-z-]+),([0-9][0-9][0-9][0-9])-([0-9][0-9])-([0-9][0-9]),[^,]+,(gov-uk|pattern)$")
    message(FATAL_ERROR "${IN}:${lineno}: not nation,YYYY-MM-DD,title,source (gov-uk or pattern): ${line}")
  endif()
  set(nation "${CMAKE_MATCH_1}")
  set(ymd "${CMAKE_MATCH_2}${CMAKE_MATCH_3}${CMAKE_MATCH_4}")
  if(nation STREQUAL "england-and-wales")
    set(n 0)
  elseif(nation STREQUAL "scotland")
    set(n 1)
  elseif(nation STREQUAL "northern-ireland")
    set(n 2)
  else()
    message(FATAL_ERROR "${IN}:${lineno}: unknown nation '${nation}' (england-and-wales, scotland, northern-ireland)")
  endif()
  set(key "${n}${ymd}")
  if(NOT last STREQUAL "" AND NOT key GREATER last)
    message(FATAL_ERROR "${IN}:${lineno}: rows must be sorted by nation (in the order above), then date")
  endif()
  set(last "${key}")
  if(CMAKE_MATCH_2 LESS first_year)
    set(first_year "${CMAKE_MATCH_2}")
  endif()
  if(CMAKE_MATCH_2 GREATER last_year)
    set(last_year "${CMAKE_MATCH_2}")
  endif()
  string(APPEND body "    { ${n}, ${ymd} },\n")
  math(EXPR count "${count} + 1")
endforeach()
if(count EQUAL 0)
  message(FATAL_ERROR "${IN}: no bank holidays")
endif()
file(WRITE "${OUT}.tmp"
"/*  Generated at build time from broker/domain/data/uk-bank-holidays.csv by
    holidays.cmake: do not edit, edit the CSV. */
#include \"hub_holidays.h\"

const hub_holiday_t hub_holidays [] = {
${body}};
const size_t hub_holidays_count = ${count};
const int hub_holidays_first_year = ${first_year};
const int hub_holidays_last_year = ${last_year};
")
file(RENAME "${OUT}.tmp" "${OUT}")
