# expect: FILE:2: empty city list (expected CITY;CITY;... with IATA codes or Name,CC)
as|1|
