# expect: TODO
as|1|FRA
as|1|LHR
