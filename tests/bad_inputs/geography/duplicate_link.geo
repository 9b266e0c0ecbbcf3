# expect: FILE:3: link AS2-AS1 already given on line 2
link|1|2|FRA
link|2|1|LHR
