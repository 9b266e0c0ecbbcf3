# expect: FILE:2: AS100 and AS102 are not linked in the topology (a `link` line must name a link)
link|100|102|FRA
