# expect: TODO
as|one|FRA
