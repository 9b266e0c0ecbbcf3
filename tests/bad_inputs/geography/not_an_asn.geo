# expect: FILE:2: "one" is not an AS number (expected an integer 0..4294967295)
as|one|FRA
