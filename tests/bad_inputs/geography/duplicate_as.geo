# expect: FILE:3: AS1 already has a footprint on line 2 (one `as` line per AS)
as|1|FRA
as|1|LHR
