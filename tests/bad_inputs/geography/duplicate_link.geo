# expect: TODO
link|1|2|FRA
link|2|1|LHR
