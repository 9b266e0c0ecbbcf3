# expect: TODO
as|1|
